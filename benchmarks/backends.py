"""Keras backends side by side: the default pipeline under TensorFlow and JAX.

One command measures both backends on 20 Newsgroups "bydate" (train 11,314 /
test 7,532 documents) and rewrites the "backends" section of
docs/benchmarks.md:

    python benchmarks/backends.py                  # both backends, this CPU
    python benchmarks/backends.py --quick          # a smoke run on small subsets
    python benchmarks/backends.py --backend jax --gpu   # JAX on a GPU
    python benchmarks/backends.py --precision bfloat16  # mixed bfloat16
    python benchmarks/backends.py --write-embeddings glove-20news.txt.gz

The backend is chosen when Keras is first imported, so each backend runs in
its own fresh subprocess (``KERAS_BACKEND`` set in its environment), one
after the other. Each fits ``make_pipeline(GloveVectorizer(),
TextCNNClassifier(random_state=0))`` with the library's defaults and times
``TextCNNClassifier.fit``, a first and a second ``predict_proba`` over the
test ids (the first includes JAX's compilation of the inference shapes) and
one-text calls. Under JAX the batches follow the few-shapes policy of
``sktextcnn._training`` (power-of-two widths and row counts).

``--gpu`` runs JAX alone on a GPU (it fails unless JAX sees one) and writes
the "backends-gpu" section, next to this CPU's TensorFlow figures read from
the "backends" section. The image of a GPU machine may lack TensorFlow: only
JAX, Keras, scikit-learn, NumPy and the GloVe vectors are needed. Where the
packaged vectors cannot travel (their wheel is 76 MB), ``--write-embeddings
PATH`` writes, on a machine that has them, a gzip-compressed GloVe text file
of the rows of the words that 20 Newsgroups' train and test texts use (about
12 MB), and ``--embeddings PATH`` reads it instead: the vectorizer gets the
same ids and the same rows as from the packaged vectors (only words absent
from both texts are left out), so the model trains on the same inputs.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import (  # noqa: E402
    add_data_argument,
    command_line,
    data_dir,
    markdown_table,
    print_result,
    read_section,
    run_worker,
    table_rows,
    write_section,
)

BACKENDS = ("tensorflow", "jax")
# sktextcnn._embeddings.DEFAULT_EMBEDDINGS, spelled out: the driver imports no
# sktextcnn (it would import a Keras backend before the workers choose theirs).
PACKAGED_VECTORS = "glove-6b-50d"


# ----------------------------------------------------------------------------
# the worker (one per backend, in its own subprocess)


def _load(args):
    import numpy as np

    from sktextcnn.datasets import load_20newsgroups

    train = load_20newsgroups("train", data=args.data)
    test = load_20newsgroups("test", data=args.data)
    X_tr, y_tr = list(train.data), np.asarray(train.target)
    X_te, y_te = list(test.data), np.asarray(test.target)
    n_train = 400 if args.quick else args.train_size
    n_test = 200 if args.quick else args.test_size
    rng = np.random.RandomState(0)
    if n_train is not None and n_train < len(y_tr):
        keep = rng.permutation(len(y_tr))[:n_train]
        X_tr, y_tr = [X_tr[i] for i in keep], y_tr[keep]
    if n_test is not None and n_test < len(y_te):
        keep = rng.permutation(len(y_te))[:n_test]
        X_te, y_te = [X_te[i] for i in keep], y_te[keep]
    return X_tr, y_tr, X_te, y_te


def _device():
    """The device Keras computes on, in words."""
    import keras

    if keras.backend.backend() == "jax":
        import jax

        device = jax.devices()[0]
        kind = getattr(device, "device_kind", "")
        return device.platform if kind in ("", device.platform) else f"gpu: {kind}"
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return f"gpu: {gpus[0].name}" if gpus else "cpu"


def worker(args):
    import keras
    import numpy as np

    from sktextcnn import GloveVectorizer, TextCNNClassifier

    backend = keras.backend.backend()
    if backend != args.worker:
        raise RuntimeError(f"asked for {args.worker}, Keras runs on {backend}")
    if args.gpu:
        import jax

        if jax.default_backend() != "gpu":
            raise RuntimeError(f"--gpu: JAX sees no GPU ({jax.devices()})")
    X_tr, y_tr, X_te, y_te = _load(args)
    vec = GloveVectorizer(embeddings=args.embeddings)
    clf = TextCNNClassifier(random_state=0, precision=args.precision)
    if args.epochs is not None:
        clf.set_params(epochs=args.epochs)
    ids_train = vec.fit_transform(X_tr)
    ids_test = vec.transform(X_te)

    res = {"backend": backend, "device": _device(), "keras": keras.__version__}
    res["backend_version"] = __import__(backend).__version__
    res["n_train"], res["n_test"] = len(X_tr), len(X_te)
    t0 = time.perf_counter()
    clf.fit(ids_train, y_tr)
    res["fit_s"] = time.perf_counter() - t0
    res["epochs"] = clf.n_iter_
    t0 = time.perf_counter()
    proba = clf.predict_proba(ids_test)
    res["predict_first_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    clf.predict_proba(ids_test)
    res["predict_s"] = time.perf_counter() - t0
    res["accuracy"] = float(np.mean(clf.classes_[proba.argmax(1)] == y_te))

    n = min(args.latency_calls, len(X_te))
    for i in range(n):  # warm-up: compiles / traces every one-text shape
        clf.predict_proba(ids_test[i : i + 1])
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        clf.predict_proba(ids_test[i : i + 1])
        times.append(time.perf_counter() - t0)
    res["latency_ms"] = 1000 * float(np.median(times))
    return res


def write_embeddings(args):
    """Write the packaged GloVe rows of the words 20 Newsgroups uses to a file."""
    import gzip

    import numpy as np

    from sktextcnn import GloveVectorizer
    from sktextcnn._embeddings import DEFAULT_EMBEDDINGS, load_embedding_rows
    from sktextcnn.datasets import load_20newsgroups

    texts = []
    for subset in ("train", "test"):
        texts += load_20newsgroups(subset, data=args.data).data
    # Every word of both splits, as the default vectorizer tokenizes them.
    words = list(GloveVectorizer(embeddings=None).fit(texts).vocabulary_)
    vectors, found = load_embedding_rows(DEFAULT_EMBEDDINGS, words)
    with gzip.open(args.write_embeddings, "wt", encoding="utf-8") as f:
        for word, row in zip(np.asarray(words)[found], vectors[found]):
            # str(np.float32): the shortest decimal that reads back as this float32
            f.write(word + " " + " ".join(str(x) for x in row) + "\n")
    print(
        f"[backends] wrote {found.sum():,} of {len(words):,} words' vectors to "
        f"{args.write_embeddings}",
        file=sys.stderr,
    )


# ----------------------------------------------------------------------------
# the driver


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _machine(load):
    """Date, CPU, cores, load, Python: no import of any backend here."""
    return (
        f"{datetime.date.today().isoformat()}, {_cpu_model()}, {os.cpu_count()} "
        f"cores, load average {load:.2f} at start, Python {platform.python_version()}"
    )


def _run_worker(backend, args):
    cmd = [sys.executable, __file__, "--worker", backend, "--data", str(args.data)]
    cmd += ["--latency-calls", str(args.latency_calls)]
    cmd += ["--precision", args.precision, "--embeddings", str(args.embeddings)]
    for flag in ("train_size", "test_size", "epochs"):
        value = getattr(args, flag)
        if value is not None:
            cmd += [f"--{flag.replace('_', '-')}", str(value)]
    cmd += ["--quick"] if args.quick else []
    cmd += ["--gpu"] if args.gpu else []
    env = {**os.environ, "KERAS_BACKEND": backend}
    return run_worker(cmd, "backends", backend, env=env)


def _figures(r):
    """The row values of one worker's result."""
    return {
        "fit_s": f"{r['fit_s']:.1f}",
        "train": f"{r['n_train'] * r['epochs'] / r['fit_s']:.0f}",
        "pred_first": f"{r['n_test'] / r['predict_first_s']:.0f}",
        "pred": f"{r['n_test'] / r['predict_s']:.0f}",
        "latency": f"{r['latency_ms']:.1f}",
        "accuracy": f"{r['accuracy']:.4f}",
    }


_ROWS = [
    ("fit_s", "Fit time (s) [1]"),
    ("train", "Training throughput (docs/s) [1]"),
    ("pred_first", "Prediction, first call after fit (docs/s) [2]"),
    ("pred", "Prediction, second call (docs/s) [2]"),
    ("latency", "One-text latency p50, ids (ms) [3]"),
    ("accuracy", "Test accuracy"),
]


def _ratio(a, b):
    return f"{float(a) / float(b):.2f}x" if float(b) > 0 else "n/a"


def report(results, args, machine, load, cores=None):
    """The Markdown section: one column per backend (and the JAX/TF ratio).

    ``cores``: the machine's CPU count (default: this one's); a load average
    above half of it marks the timings as noisy.
    """
    figures = [_figures(r) for r in results]
    header = ["Figure"] + [f"{r['backend']} ({r['device']})" for r in results]
    tf_cpu = None
    if args.gpu:  # next to this CPU's TensorFlow figures, where they were measured
        try:
            path = args.output or ROOT / "docs" / "benchmarks.md"
            rows = table_rows(read_section("backends", path), "## Keras backends")
            tf_cpu = {key: row[1] for (key, _), row in zip(_ROWS, rows)}
            header.append("tensorflow (this CPU, section above)")
        except (SystemExit, OSError, ValueError, IndexError):
            tf_cpu = None
    both = len(results) == 2
    if both:
        header.append("jax / tensorflow [4]")
    rows = []
    for key, label in _ROWS:
        row = [label] + [f[key] for f in figures]
        if tf_cpu is not None:
            row.append(tf_cpu.get(key, ""))
        if both:
            a, b = figures[1][key], figures[0][key]
            # time: lower is better, the others higher (accuracy: a plain ratio)
            row.append(_ratio(b, a) if key in ("fit_s", "latency") else _ratio(a, b))
        rows.append(row)
    versions = "; ".join(
        f"{r['backend']} {r['backend_version']}, Keras {r['keras']}" for r in results
    )
    cores = cores or os.cpu_count() or 1
    shared = (
        f" The load average was above {cores / 2:g} (half the cores) at the start: "
        "the run shared the machine with other work, so its timings are noisy."
        if load > cores / 2
        else ""
    )
    r0 = results[0]
    title = "JAX on a GPU" if args.gpu else "Keras backends: TensorFlow and JAX"
    if args.precision != "float32":
        title += f", precision={args.precision!r}"
    if args.gpu:
        runs = (
            "JAX ran in a fresh subprocess on the GPU; the TensorFlow column is "
            'copied from\nthe "Keras backends" section (this project\'s CPU). '
        )
    else:
        runs = (
            "Each backend ran in its own fresh\nsubprocess (`KERAS_BACKEND` set), "
            "one after the other. "
        )
    vectors = ""
    if str(args.embeddings) != PACKAGED_VECTORS:
        vectors = (
            f"\nThe vectors were read from `{Path(args.embeddings).name}`, not the "
            "packaged ones (a file\nwritten by `--write-embeddings` holds their "
            "rows of the words of both splits:\nthe vectorizer gets the same ids "
            "and rows)."
        )
    ratio_note = (
        "4. JAX's figure over TensorFlow's, higher is better for JAX (times "
        "inverted).\n"
        if both
        else ""
    )
    body = f"""## {title}

Command: `{command_line()}`

Machine: {machine}; {versions}.{shared}

20 Newsgroups bydate, {r0["n_train"]:,} training and {r0["n_test"]:,} test
documents; `GloveVectorizer()` + `TextCNNClassifier(random_state=0,
precision={args.precision!r})`, otherwise the library's defaults ({r0["epochs"]}
epoch(s) run). {runs}Under JAX, batches follow
the few-shapes policy (power-of-two widths 16..1024 and inference row counts:
the user guide's "GPUs and backends" page).{vectors}

{markdown_table(header, rows)}

1. `TextCNNClassifier.fit` on the vectorized training set (vectorizing
   excluded): training documents x epochs / seconds. Under JAX it includes
   the compilation of every training shape.
2. `clf.predict_proba(X_test)` on token ids, right after `fit` (under JAX the
   compilation of the inference shapes not met during fit), then again.
3. Median of {args.latency_calls} one-text `clf.predict_proba` calls after a
   warm-up pass over the same texts.
{ratio_note}"""
    return body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    parser.add_argument(
        "--backend",
        choices=[*BACKENDS, "both"],
        default="both",
        help="the backend(s) to measure (default both, TensorFlow first)",
    )
    parser.add_argument(
        "--gpu",
        action="store_true",
        help="JAX on a GPU (fails unless JAX sees one); implies --backend jax and "
        "writes the 'backends-gpu' section",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 400/200 documents"
    )
    parser.add_argument(
        "--train-size", type=int, default=None, help="a random subset of the train set"
    )
    parser.add_argument(
        "--test-size", type=int, default=None, help="a random subset of the test set"
    )
    parser.add_argument(
        "--epochs", type=int, default=None, help="epochs (default: the library's)"
    )
    parser.add_argument(
        "--precision",
        choices=["float32", "bfloat16", "auto"],
        default="float32",
        help="TextCNNClassifier(precision=) of every backend (default float32); "
        "other than float32, the section's name ends in '-PRECISION'",
    )
    parser.add_argument(
        "--latency-calls",
        type=int,
        default=None,
        help="one-text calls timed (default 200, --quick 20)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="markdown file whose section is rewritten (default "
        "docs/benchmarks.md; --quick and subsets write nothing unless given)",
    )
    parser.add_argument(
        "--embeddings",
        default=PACKAGED_VECTORS,
        help="GloveVectorizer(embeddings=) (default: the packaged GloVe 6B 50d); "
        "e.g. a file written by --write-embeddings",
    )
    parser.add_argument(
        "--write-embeddings",
        type=Path,
        default=None,
        metavar="PATH",
        help="write the packaged GloVe rows of 20 Newsgroups' words to PATH "
        "(gzip GloVe text) and exit",
    )
    parser.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.data = data_dir(args.data)
    if args.latency_calls is None:
        args.latency_calls = 20 if args.quick else 200
    if args.gpu:
        args.backend = "jax"

    if args.write_embeddings is not None:
        write_embeddings(args)
        return
    if args.worker:
        print_result(worker(args))
        return

    subset = args.quick or args.train_size or args.test_size or args.epochs
    if args.output is None and not subset:
        args.output = ROOT / "docs" / "benchmarks.md"
    load = os.getloadavg()[0]
    machine = _machine(load)
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    results = [_run_worker(backend, args) for backend in backends]
    body = report(results, args, machine, load)
    print(body)
    if args.output is not None:
        name = "backends-gpu" if args.gpu else "backends"
        if args.precision != "float32":
            name += f"-{args.precision}"
        write_section(name, body, path=args.output)
        print(
            f"[backends] wrote the {name!r} section of {args.output}", file=sys.stderr
        )


if __name__ == "__main__":
    main()
