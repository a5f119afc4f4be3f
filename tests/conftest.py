"""Shared pytest fixtures for the sktextcnn test suite."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sktextcnn.datasets import default_data_dir

# The real datasets live outside the repository, in ../shared/data (or where
# SKTEXTCNN_DATA says): sktextcnn.datasets.default_data_dir finds them.
SHARED_DATA_DIR = default_data_dir() or (
    Path(__file__).resolve().parents[2] / "shared" / "data"
)


@pytest.fixture
def shared_data_dir(request):
    """Return the directory holding the real datasets, ``../shared/data``.

    Tests may name the files they need, relative to that directory, through
    indirect parametrization::

        @pytest.mark.parametrize(
            "shared_data_dir", [("20news-bydate.tar.gz",)], indirect=True
        )

    When the directory or one of those files is missing, the test fails if the
    environment variable ``CI`` is "true" (data must be there in CI), and is
    skipped otherwise.
    """
    required = getattr(request, "param", ())
    required = (required,) if isinstance(required, str) else tuple(required)
    missing = [
        str(path)
        for path in (SHARED_DATA_DIR, *(SHARED_DATA_DIR / name for name in required))
        if not path.exists()
    ]
    if missing:
        message = f"shared test data missing: {', '.join(missing)}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (required when CI=true)", pytrace=False)
        pytest.skip(message)
    return SHARED_DATA_DIR


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

_TOPICS = {
    "sport": "goal match team player score coach league win season ball",
    "space": "orbit nasa rocket moon launch planet shuttle star mission satellite",
    "cars": "engine car wheel brake drive dealer tire speed road motor",
}


def make_corpus(n_per_class=20, classes=("sport", "space"), seed=0, length=12):
    """Texts whose words come mostly from their class's topic list."""
    rng = np.random.RandomState(seed)
    common = "the a of and to in is it that was for on".split()
    texts, labels = [], []
    for _ in range(n_per_class):
        for label in classes:
            words = _TOPICS[label].split()
            n = rng.randint(length // 2, length + 1)
            toks = [
                words[rng.randint(len(words))]
                if rng.rand() < 0.6
                else common[rng.randint(len(common))]
                for _ in range(n)
            ]
            texts.append(" ".join(toks))
            labels.append(label)
    return texts, np.asarray(labels)


def write_vectors(path, words, dim=5, seed=0):
    """A GloVe text file at ``path``: a random ``dim``-d vector per word."""
    rng = np.random.RandomState(seed)
    path.write_text(
        "".join(f"{w} {' '.join(map(str, rng.randn(dim)))}\n" for w in words)
    )
    return path


def corpus_words(texts):
    """The sorted distinct words of whitespace-separated ``texts``."""
    return sorted({w for t in texts for w in t.split()})


@pytest.fixture
def corpus():
    return make_corpus()


@pytest.fixture
def small_clf_params():
    """A fast classifier configuration for unit tests."""
    return dict(filters=8, kernel_sizes=(2, 3), epochs=3, batch_size=16, random_state=0)


# A tiny GloVe-format vocabulary: word -> vector (values exact in float32).
# "zebra" and "bird" appear in no test corpus: a fitted vectorizer must not
# keep their rows.
TINY_GLOVE_VECTORS = {
    "the": [0.5, -1.0, 2.25],
    "cat": [1.5, 0.25, -0.75],
    "dog": [-2.0, 3.5, 0.125],
    "sat": [0.0, 1.0, -1.0],
    "on": [4.0, -0.5, 0.375],
    "zebra": [9.0, 9.5, -9.0],
    "bird": [-8.0, 7.25, 6.5],
}


@pytest.fixture
def tiny_glove_vectors():
    """The vectors written by :func:`tiny_glove`, as float32 arrays."""
    return {w: np.asarray(v, dtype=np.float32) for w, v in TINY_GLOVE_VECTORS.items()}


@pytest.fixture
def tiny_glove(tmp_path):
    """Path of a tiny GloVe text file (``word v1 v2 v3`` per line, 3-d)."""
    path = tmp_path / "tiny_glove.3d.txt"
    path.write_text(
        "".join(
            f"{w} {' '.join(repr(x) for x in v)}\n"
            for w, v in TINY_GLOVE_VECTORS.items()
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def tiny_glove_path(tmp_path):
    """A 5-d GloVe text file covering most (not all) words of :func:`make_corpus`."""
    rng = np.random.RandomState(0)
    words = sorted({w for topic in _TOPICS.values() for w in topic.split()})
    words += "the a of and to in is".split()
    path = tmp_path / "topic_glove.5d.txt"
    with open(path, "w", encoding="utf-8") as f:
        for w in words[3:]:  # leave a few words without a vector
            f.write(w + " " + " ".join(f"{v:.4f}" for v in rng.randn(5)) + "\n")
    return path


def run_fresh_python(script, **kwargs):
    """Run ``script`` in a fresh interpreter (TensorFlow quiet); assert it succeeded."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        **kwargs,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out


@contextlib.contextmanager
def local_dask_client(n_workers=2):
    """A dask ``Client`` on a LocalCluster of worker processes, one thread each."""
    import distributed  # the "dask" extra, part of "test"

    with (
        distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
