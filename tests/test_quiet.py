"""Importing sktextcnn and running a search print nothing (sktextcnn._quiet)."""

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import pytest

from sktextcnn._quiet import RetracingFilter, filter_log_lines, min_log_level

ROOT = Path(__file__).resolve().parents[1]

# What TensorFlow 2.21 prints on a CPU machine, plus lines that must stay.
CAPTURED = (
    b"WARNING: All log messages before absl::InitializeLog() is called are "
    b"written to STDERR\n"
    b"I0000 00:00:1795986741.406868    3199 port.cc:153] oneDNN custom operations "
    b"are on. You may see slightly different numerical results.\n"
    b"I0000 00:00:1795986741.407763    3199 cudart_stub.cc:31] Could not find cuda "
    b"drivers on your machine, GPU will not be used.\n"
    b"2025-09-17 14:44:05.157831: I external/local_xla/xla/tsl/cuda/cudart_stub.cc"
    b":32] Could not find cuda drivers on your machine, GPU will not be used.\n"
    b"W0000 00:00:1758131437.322781 3722519 computation_placer.cc:177] computation "
    b"placer already registered.\n"
    b"E0000 00:00:1795986856.427698    3708 cuda_platform.cc:52] failed call to "
    b"cuInit: INTERNAL: CUDA error\n"
    b"F0000 00:00:1795986856.427698    3708 main.cc:1] fatal\n"
)
PYTHON_LINES = b"/site-packages/x.py:3: UserWarning: a Python warning\n  warn(\n"
CAPTURED += PYTHON_LINES


@pytest.mark.parametrize(
    "level, kept",
    [
        (1, ["computation_placer", "cuda_platform", "main.cc"]),
        (2, ["cuda_platform", "main.cc"]),
        (3, ["main.cc"]),
    ],
)
def test_log_lines_below_the_level_are_dropped_and_nothing_else(level, kept):
    out = filter_log_lines(CAPTURED, level).decode()
    assert out.endswith(PYTHON_LINES.decode())
    for name in ("computation_placer", "cuda_platform", "main.cc"):
        assert (name in out) == (name in kept), name
    for name in ("port.cc", "cudart_stub", "absl::InitializeLog"):
        assert name not in out


def test_min_log_level_reads_the_variable():
    assert min_log_level({"TF_CPP_MIN_LOG_LEVEL": "2"}) == 2
    assert min_log_level({}) == 0
    assert min_log_level({"TF_CPP_MIN_LOG_LEVEL": "verbose"}) == 0


def test_retracing_warning_is_the_only_one_filtered():
    def record(msg, *args):
        return logging.LogRecord(
            "tensorflow", logging.WARNING, "f.py", 1, msg, args, None
        )

    retracing = record(
        "%d out of the last %d calls to %s triggered tf.function retracing. "
        "Tracing is expensive ...",
        5,
        7,
        "<function one_step_on_data>",
    )
    other = record("Gradients do not exist for variables %s", "[dense/kernel]")
    assert not RetracingFilter().filter(retracing)
    assert RetracingFilter().filter(other)
    if keras.backend.backend() == "tensorflow":
        filters = logging.getLogger("tensorflow").filters
        assert sum(isinstance(f, RetracingFilter) for f in filters) == 1


def run_quiet(script, **env):
    """Run ``script`` in a fresh interpreter, TensorFlow's log level unset."""
    base = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        cwd=ROOT,
        env={**base, **env},
        timeout=600,
    )


@pytest.mark.slow
def test_import_prints_nothing_and_keeps_an_explicit_log_level():
    script = "import os, sktextcnn; assert os.environ['TF_CPP_MIN_LOG_LEVEL'] == %r"
    out = run_quiet(script % "3")
    assert out.returncode == 0, out.stderr.decode()[-3000:]
    assert (out.stdout, out.stderr) == (b"", b"")
    # A level the user set is kept (and with 0, nothing is filtered).
    out = run_quiet(script % "0", TF_CPP_MIN_LOG_LEVEL="0")
    assert out.returncode == 0, out.stderr.decode()[-3000:]


@pytest.mark.slow
def test_a_grid_search_of_nine_fits_prints_nothing():
    out = run_quiet(
        """
        from sklearn.model_selection import GridSearchCV
        from sklearn.pipeline import make_pipeline
        from sktextcnn import GloveVectorizer, TextCNNClassifier
        from tests.conftest import make_corpus

        texts, labels = make_corpus(10)
        pipe = make_pipeline(
            GloveVectorizer(max_length=10, embeddings=None),
            TextCNNClassifier(kernel_sizes=(2,), epochs=1, batch_size=8,
                              random_state=0),
        )
        grid = {"textcnnclassifier__filters": [2, 3, 4]}
        GridSearchCV(pipe, grid, cv=3).fit(texts, labels)
        """
    )
    assert out.returncode == 0, out.stderr.decode()[-3000:]
    assert (out.stdout.decode(), out.stderr.decode()) == ("", "")
