"""Out-of-core training: stream a corpus from disk through partial_fit.

The training texts never sit in memory together: they are read from a text
file (one ``label<TAB>text`` line per document) in chunks, each chunk turned
into token ids by a ``GloveVectorizer`` of a fixed vocabulary -- the most
frequent words of the pre-trained GloVe table, so that its ``fit`` reads no
text -- and passed to ``TextCNNClassifier.partial_fit``. The model is then
evaluated on 20 Newsgroups' test split.

Here the "corpus on disk" is 20 Newsgroups' training split, written to a
temporary file in random order first (a stream should not come sorted by
class: each chunk is one step of the training, and the first chunk fixes
the bag-of-words part's idf weights). With a real corpus, point
``iter_chunks`` at your own file.

Usage::

    python examples/out_of_core.py --data ../shared/data/20news-bydate.tar.gz
    python examples/out_of_core.py --data DATA --passes 1 --chunk-size 1000

``--data`` takes the ``20news-bydate.tar.gz`` tarball, a directory holding it,
or a directory with ``20news-bydate-train/`` and ``20news-bydate-test/``
folders (default: ``$SKTEXTCNN_20NEWS_DATA``, else scikit-learn's downloader).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # silence TensorFlow's C++ logs

import numpy as np  # noqa: E402

from sktextcnn import GloveVectorizer, TextCNNClassifier  # noqa: E402
from sktextcnn.datasets import load_20newsgroups  # noqa: E402


def write_corpus(path, texts, labels, random_state=0):
    """Write ``label<TAB>text`` lines, one document per line, in random order."""
    order = np.random.RandomState(random_state).permutation(len(texts))
    with open(path, "w", encoding="utf-8") as f:
        for i in order:
            text = " ".join(texts[i].split())  # no tabs or newlines inside
            f.write(f"{labels[i]}\t{text}\n")


def iter_chunks(path, chunk_size):
    """Yield ``(texts, labels)`` lists of at most ``chunk_size`` lines of ``path``."""
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


def progress(done, total, started, loss):
    """One self-overwriting progress line on stderr (no extra dependency)."""
    rate = done / max(time.perf_counter() - started, 1e-9)
    width = 30
    filled = int(width * done / total)
    print(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} docs, "
        f"{rate:,.0f} docs/s, chunk loss {loss:.3f}",
        end="",
        file=sys.stderr,
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="local 20news-bydate data")
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--passes", type=int, default=3, help="passes over the file")
    parser.add_argument("--max-features", type=int, default=100_000)
    parser.add_argument("--max-length", type=int, default=1000)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)

    train = load_20newsgroups("train", data=args.data)
    names = np.asarray(train.target_names)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "train.tsv"
        write_corpus(corpus, train.data, names[train.target], args.random_state)
        n_docs = len(train.data)
        del train  # from here on, the texts are only on disk
        print(f"corpus: {corpus.stat().st_size / 2**20:.1f} MB, {n_docs} documents")

        # A fixed vocabulary: fit reads no text, only the GloVe table.
        vec = GloveVectorizer(
            vocabulary="embeddings",
            max_features=args.max_features,
            max_length=args.max_length,
        ).fit(None)
        clf = TextCNNClassifier(random_state=args.random_state)
        started = time.perf_counter()
        for n in range(args.passes):
            done = 0
            print(f"pass {n + 1}/{args.passes}", file=sys.stderr)
            for texts, labels in iter_chunks(corpus, args.chunk_size):
                clf.partial_fit(vec.transform(texts), labels, classes=names)
                done += len(texts)
                progress(done, n_docs, started, clf.history_["loss"][-1])
            print(file=sys.stderr)
            started = time.perf_counter()

    test = load_20newsgroups("test", data=args.data)
    accuracy = clf.score(vec.transform(test.data), names[test.target])
    print(
        f"{clf.n_iter_} chunks trained on; test accuracy {accuracy:.4f} "
        f"({len(test.data)} posts)"
    )


if __name__ == "__main__":
    main()
