"""n_jobs and distributed hyper-parameter search (joblib's loky and dask backends)."""

import os

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier


@pytest.fixture
def pipe_and_data(corpus):
    texts, labels = corpus
    pipe = make_pipeline(
        GloveVectorizer(max_length=10, embeddings=None),
        TextCNNClassifier(
            filters=4, kernel_sizes=(2,), epochs=2, batch_size=16, random_state=0
        ),
    )
    return pipe, texts, labels


def test_grid_search_n_jobs_2_matches_n_jobs_1(pipe_and_data):
    pipe, texts, labels = pipe_and_data
    grid = {"textcnnclassifier__filters": [2, 4]}
    results = []
    for n_jobs in (1, 2):
        search = GridSearchCV(pipe, grid, cv=2, n_jobs=n_jobs).fit(texts, labels)
        results.append(search)
    serial, parallel = results
    np.testing.assert_allclose(
        serial.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"]
    )
    assert serial.best_params_ == parallel.best_params_
    np.testing.assert_allclose(
        serial.predict_proba(texts), parallel.predict_proba(texts), rtol=1e-5
    )


def test_cross_val_score_n_jobs_2_matches_n_jobs_1(pipe_and_data):
    pipe, texts, labels = pipe_and_data
    serial = cross_val_score(pipe, texts, labels, cv=3, n_jobs=1)
    parallel = cross_val_score(pipe, texts, labels, cv=3, n_jobs=2)
    np.testing.assert_allclose(serial, parallel)


def test_grid_search_on_a_dask_cluster_of_worker_processes(pipe_and_data):
    import distributed  # the "dask" extra, part of "test"
    import joblib

    pipe, texts, labels = pipe_and_data
    grid = {"textcnnclassifier__filters": [2, 4]}
    serial = GridSearchCV(pipe, grid, cv=2).fit(texts, labels)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with joblib.parallel_backend("dask"):
            search = GridSearchCV(pipe, grid, cv=2).fit(texts, labels)
        # The fits ran in the workers, which run one task each at a time and
        # size TensorFlow to one thread (dask's nanny sets OMP_NUM_THREADS=1).
        workers = client.run(
            lambda: (os.getpid(), os.environ.get("TF_NUM_INTRAOP_THREADS"))
        )
    assert len(workers) == 2
    assert {pid for pid, _ in workers.values()}.isdisjoint({os.getpid()})
    if "TF_NUM_INTRAOP_THREADS" not in os.environ:
        assert {threads for _, threads in workers.values()} == {"1"}
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert search.best_params_ == serial.best_params_
    assert search.predict(texts[:3]).shape == (3,)
