"""Prediction over a dask cluster: a fitted pipeline mapped over partitions.

The pattern the README documents: wrap the fitted pipeline in
``dask.delayed`` so that it is one key of the graph, sent to each worker once,
and map a function over the partitions of a dask bag or dataframe of texts.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier

from .conftest import local_dask_client, make_corpus

# A LocalCluster of worker processes, each starting TensorFlow: ~20 s.
pytestmark = pytest.mark.slow


class CountUnpickles(TransformerMixin, BaseEstimator):
    """A pass-through step that appends its process id to ``log`` when unpickled."""

    def __init__(self, log=None):
        self.log = log

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X

    def __setstate__(self, state):
        super().__setstate__(state)
        if self.log is not None:
            with open(self.log, "a") as f:
                f.write(f"{os.getpid()}\n")


def _predict_rows(texts, model):
    return list(model.predict_proba(list(texts)))


def _proba_frame(texts, model):
    import pandas as pd

    return pd.DataFrame(
        model.predict_proba(texts.tolist()), index=texts.index, columns=model.classes_
    )


@pytest.fixture(scope="module")
def cluster_client():
    with local_dask_client(2) as client:
        yield client


def test_dask_bag_and_dataframe_predictions_equal_local_ones(tmp_path, cluster_client):
    import dask
    import dask.bag as db
    import dask.dataframe as dd
    import pandas as pd

    texts, labels = make_corpus(30, ("sport", "space", "cars"), seed=2)
    log = tmp_path / "unpickles.log"
    pipe = make_pipeline(
        GloveVectorizer(max_length=12, embeddings=None),
        CountUnpickles(str(log)),
        TextCNNClassifier(
            filters=4, kernel_sizes=(2, 3), epochs=3, batch_size=16, random_state=0
        ),
    ).fit(texts, labels)
    local = pipe.predict_proba(texts)
    model = dask.delayed(pipe, pure=True)  # one key: sent to each worker once

    bag = db.from_sequence(texts, npartitions=16)
    rows = bag.map_partitions(_predict_rows, model).compute()
    np.testing.assert_allclose(np.asarray(rows), local, rtol=1e-5, atol=1e-6)

    frame = dd.from_pandas(pd.DataFrame({"text": texts}), npartitions=12)
    meta = pd.DataFrame(columns=pipe.classes_, dtype="float32")
    proba = frame["text"].map_partitions(_proba_frame, model, meta=meta).compute()
    assert list(proba.columns) == list(pipe.classes_)
    np.testing.assert_allclose(proba.to_numpy(), local, rtol=1e-5, atol=1e-6)

    # The partitions ran in the workers, and the pipeline was not unpickled
    # once per partition (28 ran): about once per worker and computation (the
    # worker that loads the key, and the one it is transferred to). (dask also
    # copies it in this process while building the graphs.)
    worker_pids = set(cluster_client.run(os.getpid).values())
    unpickled_in = [int(line) for line in Path(log).read_text().split()]
    in_workers = [pid for pid in unpickled_in if pid != os.getpid()]
    assert in_workers and set(in_workers) <= worker_pids
    assert len(in_workers) <= 2 * len(worker_pids) * 2  # 2 computations
