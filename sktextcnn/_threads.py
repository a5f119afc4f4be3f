"""Carry a worker's CPU allotment over to TensorFlow's thread pools.

TensorFlow sizes its intra-op and inter-op thread pools to all the machine's
cores when it runs its first op, and ignores ``OMP_NUM_THREADS``. joblib's
default (loky) backend sets ``OMP_NUM_THREADS`` to ``cpu_count() // n_jobs``
in its worker processes, and dask's nanny sets it to 1, so that n workers
share the cores instead of each using them all; PyTorch follows that
variable by itself. For TensorFlow, importing sktextcnn sets
``TF_NUM_INTRAOP_THREADS`` and ``TF_NUM_INTEROP_THREADS`` (TensorFlow's own
variables, read when it starts) from ``OMP_NUM_THREADS``, unless either is
set already. Nothing here imports TensorFlow; other backends ignore the
variables.
"""

from __future__ import annotations

import os

TF_THREAD_VARS = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def tf_thread_env(environ):
    """The TensorFlow thread variables to add to ``environ`` (maybe none).

    Parameters
    ----------
    environ : mapping of str to str
        A process environment, e.g. ``os.environ``.

    Returns
    -------
    env : dict
        ``{"TF_NUM_INTRAOP_THREADS": n, "TF_NUM_INTEROP_THREADS": n}`` with
        ``n = OMP_NUM_THREADS`` when that is a positive integer and neither
        TensorFlow variable is set; otherwise empty.
    """
    if any(var in environ for var in TF_THREAD_VARS):
        return {}
    try:
        n_threads = int(environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return {}
    if n_threads < 1:
        return {}
    return dict.fromkeys(TF_THREAD_VARS, str(n_threads))


def limit_tf_threads():
    """Set TensorFlow's thread variables from ``OMP_NUM_THREADS`` in this process.

    Effective only before TensorFlow runs its first op (importing it is
    fine); sktextcnn calls it when imported.
    """
    os.environ.update(tf_thread_env(os.environ))
