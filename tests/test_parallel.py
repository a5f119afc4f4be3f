"""n_jobs and distributed hyper-parameter search (joblib's loky and dask backends).

Each fold's model is compared, n_jobs=1 against n_jobs=2 (or a dask cluster),
through its probabilities, on labels noisy enough that no fold scores 0 or 1
(a saturated score would hide a model that differs). The fits are shown to
have run in worker processes, not in this one.
"""

import os

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier

from .conftest import local_dask_client, make_corpus

# Worker processes each start TensorFlow: tens of seconds per test.
pytestmark = pytest.mark.slow

CV = StratifiedKFold(3, shuffle=True, random_state=0)


class FitPid(TransformerMixin, BaseEstimator):
    """A pass-through pipeline step recording the process that fitted it."""

    def fit(self, X, y=None):
        self.pid_ = os.getpid()
        return self

    def transform(self, X):
        return X


@pytest.fixture(scope="module")
def noisy_data():
    """Two topics that share words, with a fifth of the labels flipped."""
    texts, labels = make_corpus(24, ("sport", "space"), seed=3)
    rng = np.random.RandomState(0)
    flip = rng.rand(len(labels)) < 0.2
    labels = np.where(flip, np.where(labels == "sport", "space", "sport"), labels)
    return texts, labels


def pipeline():
    return make_pipeline(
        GloveVectorizer(max_length=10, embeddings=None),
        FitPid(),
        TextCNNClassifier(
            filters=4, kernel_sizes=(2,), epochs=2, batch_size=16, random_state=0
        ),
    )


def fold_probas(result, texts):
    """Each fold's fitted pipeline, applied to every text in this process."""
    return [est.predict_proba(texts) for est in result["estimator"]]


def check_same_folds(serial, parallel, texts):
    scores = serial["test_score"]
    assert np.all((scores > 0) & (scores < 1)), f"saturated fold scores: {scores}"
    np.testing.assert_allclose(parallel["test_score"], scores)
    for a, b in zip(fold_probas(serial, texts), fold_probas(parallel, texts)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    # Each fold has its own model: the comparison is not vacuous.
    first, second = fold_probas(serial, texts)[:2]
    assert not np.allclose(first, second)


def cross_validate_folds(texts, labels, **kwargs):
    return cross_validate(
        pipeline(), texts, labels, cv=CV, return_estimator=True, **kwargs
    )


def fit_pids(result):
    return {est[1].pid_ for est in result["estimator"]}


def test_cross_validate_n_jobs_2_matches_n_jobs_1_fold_by_fold(noisy_data):
    texts, labels = noisy_data
    serial = cross_validate_folds(texts, labels, n_jobs=1)
    parallel = cross_validate_folds(texts, labels, n_jobs=2)
    assert fit_pids(serial) == {os.getpid()}
    assert os.getpid() not in fit_pids(parallel)
    check_same_folds(serial, parallel, texts)


def test_grid_search_n_jobs_2_matches_n_jobs_1(noisy_data):
    texts, labels = noisy_data
    grid = {"textcnnclassifier__filters": [2, 4]}
    serial = GridSearchCV(pipeline(), grid, cv=CV, n_jobs=1).fit(texts, labels)
    parallel = GridSearchCV(pipeline(), grid, cv=CV, n_jobs=2).fit(texts, labels)
    for key in ("mean_test_score", "split0_test_score", "split1_test_score"):
        np.testing.assert_allclose(serial.cv_results_[key], parallel.cv_results_[key])
    assert serial.best_params_ == parallel.best_params_
    np.testing.assert_allclose(
        serial.predict_proba(texts), parallel.predict_proba(texts), rtol=1e-5
    )


def test_cross_validate_on_a_dask_cluster_of_worker_processes(noisy_data):
    import joblib

    texts, labels = noisy_data
    serial = cross_validate_folds(texts, labels)
    with local_dask_client(2) as client:
        with joblib.parallel_backend("dask"):
            on_dask = cross_validate_folds(texts, labels)
        # The workers run one task each at a time and size TensorFlow to one
        # thread (dask's nanny sets OMP_NUM_THREADS=1).
        workers = client.run(
            lambda: (os.getpid(), os.environ.get("TF_NUM_INTRAOP_THREADS"))
        )
    worker_pids = {pid for pid, _ in workers.values()}
    assert len(worker_pids) == 2 and os.getpid() not in worker_pids
    # Every fold was fitted in a worker.
    assert fit_pids(on_dask) <= worker_pids
    if "TF_NUM_INTRAOP_THREADS" not in os.environ:
        assert {threads for _, threads in workers.values()} == {"1"}
    check_same_folds(serial, on_dask, texts)
