"""
Grid search on a dask cluster (not run in this build)
=====================================================

The search of :ref:`sphx_glr_auto_examples_plot_grid_search.py` runs
unchanged on a `dask.distributed <https://distributed.dask.org>`_ cluster:
``joblib.parallel_backend("dask")`` sends the fits of
:class:`~sklearn.model_selection.GridSearchCV` to the cluster's workers
instead of local processes. Each fit still runs in one worker.

.. note::

   This script is **not executed** when the documentation is built: it needs
   a cluster (a ``LocalCluster`` starts worker processes, each importing
   TensorFlow). The output at the bottom of this page was recorded from
   ``examples/distributed_search.py``, the same code as a command-line script.

Install the extra on the machine that runs the search and on every worker,
at the same versions of sktextcnn, Keras, TensorFlow and scikit-learn::

    pip install "sktextcnn[glove,dask]"
    dask scheduler                                                   # one machine
    dask worker tcp://SCHEDULER:8786 --nworkers 4 --nthreads 1       # each worker

One thread per worker: TensorFlow parallelises each fit itself, and dask's
nanny sets ``OMP_NUM_THREADS=1``, which sktextcnn passes on to TensorFlow (set
``TF_NUM_INTRAOP_THREADS`` in the workers' environment to give each fit more
cores).
"""

# %%
# Data and pipeline
# -----------------
# 800 posts of four newsgroups.
from sktextcnn.datasets import default_data_dir, load_20newsgroups

data = default_data_dir()
tarball = None if data is None else data / "20news-bydate.tar.gz"
categories = ["comp.graphics", "rec.autos", "sci.space", "talk.politics.guns"]
news = load_20newsgroups(
    "train", data=tarball, categories=categories, shuffle=True, random_state=0
)
texts, y = news.data[:800], news.target[:800]

from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier

pipe = make_pipeline(
    GloveVectorizer(max_length=400),
    TextCNNClassifier(epochs=4, random_state=0),
)
grid = {
    "textcnnclassifier__filters": [64, 128],
    "textcnnclassifier__kernel_sizes": [(3,), (3, 4, 5)],
}

# %%
# The cluster
# -----------
# ``Client("tcp://SCHEDULER:8786")`` connects to a running cluster; here a
# ``LocalCluster`` of two worker processes on this machine stands in for one.
from dask.distributed import Client, LocalCluster

cluster = LocalCluster(
    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
)
client = Client(cluster)  # or Client("tcp://SCHEDULER:8786")
print(f"dask workers: {len(client.scheduler_info()['workers'])}")

# %%
# The search
# ----------
# Plain scikit-learn inside ``joblib.parallel_backend("dask")``. The texts
# travel to the workers with every task; for large corpora, load them on the
# workers or ``client.scatter`` them first.
import time

import joblib

try:
    start = time.perf_counter()
    with joblib.parallel_backend("dask"):
        search = GridSearchCV(pipe, grid, cv=3).fit(texts, y)
    seconds = time.perf_counter() - start
finally:
    client.close()
    cluster.close()

print(f"{len(search.cv_results_['params'])} candidates x 3 folds in {seconds:.0f}s")
for params, score in zip(
    search.cv_results_["params"], search.cv_results_["mean_test_score"]
):
    print(f"  {score:.4f}  {params}")
print(f"best: {search.best_params_} ({search.best_score_:.4f})")

# %%
# Recorded output
# ---------------
# ``python examples/distributed_search.py --data ../shared/data`` (a
# ``LocalCluster`` of 2 worker processes), run on 2026-11-30 on a 2-core
# machine shared with other jobs (load average 9.4 at the start): its output,
# as printed. The two ``distributed.nanny`` lines come from the cluster's
# shutdown. The time mostly measures the other jobs on that machine; see
# :doc:`the benchmarks </benchmarks>` for measured speed-ups of ``n_jobs``.
#
# .. code-block:: text
#
#     dask workers: 2
#     2026-11-30 01:25:52,739 - distributed.nanny - WARNING - Worker process still alive after 4.0 seconds, killing
#     2026-11-30 01:25:52,758 - distributed.nanny - WARNING - Worker process still alive after 4.0 seconds, killing
#     4 candidates x 3 folds in 347s
#       0.9575  {'textcnnclassifier__filters': 64, 'textcnnclassifier__kernel_sizes': (3,)}
#       0.9550  {'textcnnclassifier__filters': 64, 'textcnnclassifier__kernel_sizes': (3, 4, 5)}
#       0.9575  {'textcnnclassifier__filters': 128, 'textcnnclassifier__kernel_sizes': (3,)}
#       0.9538  {'textcnnclassifier__filters': 128, 'textcnnclassifier__kernel_sizes': (3, 4, 5)}
#     best: {'textcnnclassifier__filters': 128, 'textcnnclassifier__kernel_sizes': (3,)} (0.9575)
