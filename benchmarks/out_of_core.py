"""Out-of-core training on a 1,000,000-document stream: docs/s and peak RSS.

One command writes the "out-of-core" section of docs/benchmarks.md:

    python benchmarks/out_of_core.py                       # 1,000,000 documents
    python benchmarks/out_of_core.py --n-docs 20000 --no-write   # a quick try

The stream: 20 Newsgroups' training posts, repeated in random order until
``--n-docs`` documents, each with its sentences shuffled, written to a
temporary file (``label<TAB>text`` lines; not timed). Each model then reads
the file once, in chunks of ``--chunk-size`` lines, in a fresh process of its
own (so that each peak RSS is that model's):

- ``GloveVectorizer(vocabulary="embeddings", max_features=...)`` (a fixed
  vocabulary: its ``fit`` reads no text) + ``TextCNNClassifier.partial_fit``;
- ``HashingVectorizer`` + ``SGDClassifier.partial_fit`` (scikit-learn's
  out-of-core example).

Throughput (documents read, vectorized and trained on per second, since the
first chunk) and the peak RSS of the process are reported after 10%, 50% and
100% of the stream (100k, 500k and 1M documents by default), then the test
accuracy of both on 20 Newsgroups' test split. The target: peak RSS at most
2.5 GB, not growing with the number of documents.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import (  # noqa: E402
    BENCHMARKS_MD,
    command_line,
    data_dir,
    machine_summary,
    markdown_table,
    write_section,
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def write_stream(path, texts, labels, n_docs, seed=0):
    """``n_docs`` lines ``label<TAB>text``: the posts repeated, sentences shuffled."""
    rng = np.random.RandomState(seed)
    sentences = [_SENTENCE_END.split(" ".join(t.split())) for t in texts]
    written = 0
    with open(path, "w", encoding="utf-8") as f:
        while written < n_docs:
            for i in rng.permutation(len(texts))[: n_docs - written]:
                parts = sentences[i]
                order = rng.permutation(len(parts))
                f.write(f"{labels[i]}\t{' '.join(parts[j] for j in order)}\n")
            written = min(n_docs, written + len(texts))


# The same generator as examples/out_of_core.py's, kept here rather than
# imported: the example imports TensorFlow at module level, and this script's
# parent process must not (its children's peak RSS is what it measures).
def iter_chunks(path, chunk_size):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            label, _, text = line.rstrip("\n").partition("\t")
            texts.append(text)
            labels.append(label)
            if len(texts) == chunk_size:
                yield texts, labels
                texts, labels = [], []
    if texts:
        yield texts, labels


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _run(kind, stream, n_docs, chunk_size, checkpoints, data, options, queue):
    """Stream the file through one model (in a child process); report to queue."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from sktextcnn.datasets import load_20newsgroups

    test = load_20newsgroups("test", data=data)
    classes = np.asarray(test.target_names)
    if kind == "cnn":
        from sktextcnn import GloveVectorizer, TextCNNClassifier

        vec = GloveVectorizer(
            vocabulary="embeddings",
            max_features=options["max_features"],
            max_length=options["max_length"],
        ).fit(None)
        model = TextCNNClassifier(random_state=0)
    else:
        from sklearn.feature_extraction.text import HashingVectorizer
        from sklearn.linear_model import SGDClassifier

        vec = HashingVectorizer(n_features=2**20, alternate_sign=False)
        model = SGDClassifier(random_state=0)
    rows, done, pending = [], 0, list(checkpoints)
    started = time.perf_counter()
    for texts, labels in iter_chunks(stream, chunk_size):
        model.partial_fit(vec.transform(texts), labels, classes=classes)
        done += len(texts)
        while pending and done >= pending[0]:
            elapsed = time.perf_counter() - started
            rows.append((pending.pop(0), elapsed, done / elapsed, _peak_rss_mb()))
            print(
                f"  {kind}: {done:,} docs, {done / elapsed:,.0f} docs/s, "
                f"peak RSS {rows[-1][3]:,.0f} MB",
                file=sys.stderr,
                flush=True,
            )
    accuracy = model.score(vec.transform(test.data), classes[test.target])
    queue.put({"rows": rows, "accuracy": float(accuracy), "seconds": elapsed})


def run_in_child(*args):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_run, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if proc.exitcode:
        sys.exit(f"the {args[0]} run failed (exit code {proc.exitcode})")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="the data folder")
    parser.add_argument("--n-docs", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--max-features", type=int, default=100_000)
    parser.add_argument("--max-length", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true", help="leave docs/ alone")
    args = parser.parse_args(argv)
    folder = data_dir(args.data)
    data = folder / "20news-bydate.tar.gz"
    summary = machine_summary()

    from sktextcnn.datasets import load_20newsgroups

    train = load_20newsgroups("train", data=data)
    names = np.asarray(train.target_names)
    checkpoints = sorted({max(1, args.n_docs // 10), max(1, args.n_docs // 2)})
    checkpoints = [c for c in checkpoints if c < args.n_docs] + [args.n_docs]
    options = {"max_features": args.max_features, "max_length": args.max_length}
    with tempfile.TemporaryDirectory() as tmp:
        stream = Path(tmp) / "stream.tsv"
        t0 = time.perf_counter()
        write_stream(stream, train.data, names[train.target], args.n_docs)
        size_mb = stream.stat().st_size / 2**20
        print(
            f"stream: {args.n_docs:,} documents, {size_mb:,.0f} MB, written in "
            f"{time.perf_counter() - t0:.0f} s",
            file=sys.stderr,
        )
        del train
        results = {}
        for kind in ("cnn", "sgd"):
            results[kind] = run_in_child(
                kind, stream, args.n_docs, args.chunk_size, checkpoints, data, options
            )

    labels = {
        "cnn": "GloveVectorizer(vocabulary='embeddings') + TextCNNClassifier",
        "sgd": "HashingVectorizer + SGDClassifier",
    }
    table = []
    for kind, result in results.items():
        for n, seconds, rate, rss in result["rows"]:
            table.append(
                [labels[kind], f"{n:,}", f"{seconds:,.0f}", f"{rate:,.0f}",
                 f"{rss:,.0f}"]
            )  # fmt: skip
    accuracy = [
        [labels[kind], f"{100 * r['accuracy']:.1f}", f"{r['seconds']:,.0f}"]
        for kind, r in results.items()
    ]
    peak = max(row[3] for row in results["cnn"]["rows"])
    body = f"""## Out-of-core training (partial_fit)

`{command_line()}` -- {summary}.

A stream of {args.n_docs:,} documents (20 Newsgroups' training posts repeated
in random order, each with its sentences shuffled; {size_mb:,.0f} MB written
to a temporary file, not timed), read once in chunks of {args.chunk_size:,}
lines, each model in a process of its own. sktextcnn: `GloveVectorizer(
vocabulary="embeddings", max_features={args.max_features},
max_length={args.max_length})` (fit reads no text) and
`TextCNNClassifier(random_state=0).partial_fit` per chunk. Baseline:
`HashingVectorizer(n_features=2**20, alternate_sign=False)` +
`SGDClassifier(random_state=0).partial_fit`. Docs/s: documents read,
vectorized and trained on per second since the first chunk. Peak RSS: the
process's maximum resident set so far (`getrusage`), loading the test split
included (both processes read it with `sktextcnn.datasets`, which imports
TensorFlow: about 1 GB of the baseline's RSS), and the GloVe table for
sktextcnn.

{markdown_table(["Model", "Documents", "Seconds", "Docs/s", "Peak RSS (MB)"], table)}

Test accuracy on 20 Newsgroups' test split (7,532 posts) after the one pass:

{markdown_table(["Model", "Test accuracy %", "Training time (s)"], accuracy)}

Peak RSS of the sktextcnn run: {peak:,.0f} MB (target: at most 2,500 MB, not
growing with the number of documents).
"""
    print(body)
    if not args.no_write:
        write_section("out-of-core", body)
        print(f"wrote the out-of-core section of {BENCHMARKS_MD}", file=sys.stderr)


if __name__ == "__main__":
    main()
