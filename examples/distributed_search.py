"""Hyper-parameter search on a dask cluster with scikit-learn's GridSearchCV.

The search is plain scikit-learn; ``joblib.parallel_backend("dask")`` sends its
fits to the workers of a dask.distributed cluster instead of local processes.

Usage::

    pip install "sktextcnn[glove,dask]"
    python examples/distributed_search.py --data ../shared/data   # a LocalCluster
    python examples/distributed_search.py --scheduler tcp://10.0.0.5:8786

Without ``--scheduler`` the script starts a ``LocalCluster`` of worker processes
on this machine (one thread each). On a real cluster, start a scheduler
(``dask scheduler``) and workers on each machine
(``dask worker tcp://SCHEDULER:8786 --nworkers 4 --nthreads 1``) in environments
with the same versions of sktextcnn, Keras, TensorFlow and scikit-learn; then
pass the scheduler's address. One thread per worker: TensorFlow parallelises
each fit itself, and dask's nanny sets ``OMP_NUM_THREADS=1``, which sktextcnn
passes on to TensorFlow (set ``TF_NUM_INTRAOP_THREADS`` in the workers'
environment to give each fit more cores).

The documents travel to the workers with every task; for large corpora, load
them on the workers or scatter them (``client.scatter``) first.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # silence TensorFlow's C++ logs

import joblib  # noqa: E402
from dask.distributed import Client, LocalCluster  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from sktextcnn import GloveVectorizer, TextCNNClassifier  # noqa: E402
from sktextcnn.datasets import load_20newsgroups  # noqa: E402

CATEGORIES = ["comp.graphics", "rec.autos", "sci.space", "talk.politics.guns"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scheduler",
        default=None,
        help="address of a running dask scheduler, e.g. tcp://10.0.0.5:8786 "
        "(default: start a LocalCluster here)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="LocalCluster worker processes"
    )
    parser.add_argument(
        "--data",
        default=None,
        help="local 20news-bydate tarball or directory (default: "
        "$SKTEXTCNN_20NEWS_DATA, else scikit-learn's downloader)",
    )
    parser.add_argument("--n-docs", type=int, default=800)
    args = parser.parse_args(argv)

    news = load_20newsgroups(
        "train", data=args.data, categories=CATEGORIES, shuffle=True, random_state=0
    )
    texts, y = news.data[: args.n_docs], news.target[: args.n_docs]
    pipe = make_pipeline(
        GloveVectorizer(max_length=400),
        TextCNNClassifier(epochs=4, random_state=0),
    )
    grid = {
        "textcnnclassifier__filters": [64, 128],
        "textcnnclassifier__kernel_sizes": [(3,), (3, 4, 5)],
    }

    if args.scheduler is None:
        cluster = LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    else:
        cluster, client = None, Client(args.scheduler)
    print(f"dask workers: {len(client.scheduler_info()['workers'])}")
    try:
        t0 = time.perf_counter()
        with joblib.parallel_backend("dask"):
            search = GridSearchCV(pipe, grid, cv=3).fit(texts, y)
        seconds = time.perf_counter() - t0
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    print(f"{len(search.cv_results_['params'])} candidates x 3 folds in {seconds:.0f}s")
    for params, score in zip(
        search.cv_results_["params"], search.cv_results_["mean_test_score"]
    ):
        print(f"  {score:.4f}  {params}")
    print(f"best: {search.best_params_} ({search.best_score_:.4f})")


if __name__ == "__main__":
    main()
