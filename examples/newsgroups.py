"""Train and evaluate the default sktextcnn pipeline on 20 Newsgroups (bydate split).

Prints the test accuracy of ``GloveVectorizer() + TextCNNClassifier()`` next to a
TF-IDF + LinearSVC baseline trained in the same run.

Usage::

    python examples/newsgroups.py                       # downloads via scikit-learn
    python examples/newsgroups.py --data ../shared/data/20news-bydate.tar.gz
    SKTEXTCNN_20NEWS_DATA=/path/to/20news-bydate python examples/newsgroups.py

``--data`` takes the ``20news-bydate.tar.gz`` tarball, a directory holding it, or
a directory with ``20news-bydate-train/`` and ``20news-bydate-test/`` folders.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # silence TensorFlow's C++ logs

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from sktextcnn import GloveVectorizer, TextCNNClassifier  # noqa: E402
from sktextcnn.datasets import load_20newsgroups  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        default=None,
        help="local 20news-bydate tarball or directory (default: "
        "$SKTEXTCNN_20NEWS_DATA, else scikit-learn's downloader)",
    )
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)

    train = load_20newsgroups("train", data=args.data)
    test = load_20newsgroups("test", data=args.data)
    print(f"20 Newsgroups bydate: {len(train.data)} train / {len(test.data)} test")

    results = []
    baseline = make_pipeline(TfidfVectorizer(sublinear_tf=True), LinearSVC())
    t0 = time.perf_counter()
    baseline.fit(train.data, train.target)
    fit_s = time.perf_counter() - t0
    results.append(
        ("TF-IDF + LinearSVC", baseline.score(test.data, test.target), fit_s)
    )

    pipe = make_pipeline(
        GloveVectorizer(random_state=args.random_state, verbose=args.verbose),
        TextCNNClassifier(random_state=args.random_state, verbose=args.verbose),
    )
    t0 = time.perf_counter()
    pipe.fit(train.data, train.target)
    fit_s = time.perf_counter() - t0
    vec, clf = pipe.steps[0][1], pipe.steps[-1][1]
    print(
        f"vocabulary {len(vec.vocabulary_)} words, {vec.vector_coverage_:.1%} with a "
        f"GloVe vector ({vec.token_coverage_:.1%} of tokens); {clf.n_iter_} epochs"
    )
    results.append(
        (
            "GloveVectorizer + TextCNNClassifier",
            pipe.score(test.data, test.target),
            fit_s,
        )
    )

    print(f"\n{'model':<38} {'test accuracy':>13} {'fit time':>9}")
    for name, acc, secs in results:
        print(f"{name:<38} {acc:>13.4f} {secs:>8.1f}s")


if __name__ == "__main__":
    main()
