import os
import subprocess
import sys

import pytest
from joblib import Parallel, delayed

from sktextcnn._threads import TF_THREAD_VARS, tf_thread_env


@pytest.mark.parametrize(
    "environ,expected",
    [
        ({"OMP_NUM_THREADS": "3"}, "3"),
        ({"OMP_NUM_THREADS": "1", "PATH": "/bin"}, "1"),
        ({}, None),
        ({"OMP_NUM_THREADS": ""}, None),
        ({"OMP_NUM_THREADS": "auto"}, None),
        ({"OMP_NUM_THREADS": "0"}, None),
        ({"OMP_NUM_THREADS": "2", "TF_NUM_INTRAOP_THREADS": "4"}, None),
        ({"OMP_NUM_THREADS": "2", "TF_NUM_INTEROP_THREADS": "1"}, None),
    ],
)
def test_tf_thread_env_follows_omp_num_threads_unless_tf_is_set(environ, expected):
    env = tf_thread_env(environ)
    if expected is None:
        assert env == {}
    else:
        assert env == dict.fromkeys(TF_THREAD_VARS, expected)


def _import_in_fresh_process(env):
    code = (
        "import os, sktextcnn; "
        "print(os.environ.get('TF_NUM_INTRAOP_THREADS'), "
        "os.environ.get('TF_NUM_INTEROP_THREADS'))"
    )
    base = {k: v for k, v in os.environ.items() if k not in TF_THREAD_VARS}
    base.pop("OMP_NUM_THREADS", None)
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


@pytest.mark.slow
def test_importing_sktextcnn_sets_tf_threads_from_omp_num_threads():
    assert _import_in_fresh_process({"OMP_NUM_THREADS": "1"}) == ["1", "1"]
    assert _import_in_fresh_process({}) == ["None", "None"]
    user = {"OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "2"}
    assert _import_in_fresh_process(user) == ["2", "None"]


def _worker_threads():
    import sktextcnn  # noqa: F401  (what unpickling an estimator does)

    return os.environ.get("OMP_NUM_THREADS"), os.environ.get("TF_NUM_INTRAOP_THREADS")


@pytest.mark.slow
def test_loky_workers_get_their_share_of_the_cores():
    results = Parallel(n_jobs=2)(delayed(_worker_threads)() for _ in range(2))
    for omp, tf_threads in results:
        # loky sets OMP_NUM_THREADS to cpu_count() // n_jobs unless the parent
        # has it; TensorFlow follows unless the parent set its own variables.
        assert omp is not None
        if "TF_NUM_INTRAOP_THREADS" not in os.environ:
            assert tf_threads == omp
