"""Explain a 20 Newsgroups test post; time top_ngrams on the training set.

Trains the default pipeline for a few epochs, explains one test post (writes
``docs/explain_newsgroups.svg``, the picture of docs/explain.md, and
``docs/explain_newsgroups.html``, what a notebook shows) and prints the
n-grams a few classes listen to, with the time ``top_ngrams`` took over the
11,314 training posts.

Usage::

    python docs/explain_newsgroups.py --data ../shared/data/20news-bydate.tar.gz
"""

import argparse
import html
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # silence TensorFlow's C++ logs

import numpy as np  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from sktextcnn import (  # noqa: E402
    GloveVectorizer,
    TextCNNClassifier,
    explain,
    top_ngrams,
)
from sktextcnn.datasets import load_20newsgroups  # noqa: E402

DOCS = Path(__file__).resolve().parent
# The picture: a monospace grid (DejaVu Sans Mono is 0.602 em wide).
_FONT = 13
_CHAR = 0.602 * _FONT
_LINE = 19
_MARGIN = 12


def _color(value, top):
    alpha = 0.85 * min(abs(value) / top, 1.0)
    rgb = "220,50,32" if value > 0 else "30,100,200"
    return f"rgba({rgb},{alpha:.2f})"


def to_svg(ex, max_lines=40):
    """An SVG picture of an explanation (the first ``max_lines`` lines of the
    text): each word shaded by its contribution to the explained class."""
    contrib = ex.contributions[:, 0]
    top = float(np.abs(contrib).max()) or 1.0
    text = ex.text.replace("\t", " ")
    lines = text.split("\n")[:max_lines]
    starts = np.cumsum([0] + [len(line) + 1 for line in lines])
    width = max(len(line) for line in lines) * _CHAR
    header = [
        f"{ex.target[0]} (p={ex.proba[ex._target_index[0]]:.2f}; predicted "
        f"{ex.predicted}): logit {ex.logit[0]:.2f} = bias {ex.bias[0]:+.2f} "
        f"+ convnet {ex.convnet[:, 0].sum():+.2f} "
        f"+ bag of words {ex.bag_of_words[:, 0].sum():+.2f}",
        "red: for the class, blue: against it (exact per-word contributions)",
    ]
    width = max(width, max(len(h) for h in header) * _CHAR)
    y0 = _MARGIN + len(header) * _LINE + 8
    height = y0 + len(lines) * _LINE + _MARGIN
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 2 * _MARGIN:.0f}" '
        f'height="{height:.0f}" font-family="DejaVu Sans Mono, Menlo, Consolas, '
        f'monospace" font-size="{_FONT}">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    for i, line in enumerate(header):
        weight = ' font-weight="bold"' if i == 0 else ' fill="#555"'
        out.append(
            f'<text x="{_MARGIN}" y="{_MARGIN + (i + 1) * _LINE - 5}"{weight}>'
            f"{html.escape(line)}</text>"
        )
    for t, span in enumerate(ex.spans):
        if span is None or span[0] >= starts[-1]:
            continue
        row = int(np.searchsorted(starts, span[0], side="right")) - 1
        col = span[0] - starts[row]
        if ex.status[t] != "used" or contrib[t] == 0:
            continue
        out.append(
            f'<rect x="{_MARGIN + col * _CHAR:.1f}" y="{y0 + row * _LINE:.0f}" '
            f'width="{(span[1] - span[0]) * _CHAR:.1f}" height="{_LINE - 2}" '
            f'rx="2" fill="{_color(contrib[t], top)}"/>'
        )
    for row, line in enumerate(lines):
        out.append(
            f'<text x="{_MARGIN}" y="{y0 + (row + 1) * _LINE - 6}" '
            f'xml:space="preserve" textLength="{len(line) * _CHAR:.1f}" '
            f'lengthAdjust="spacingAndGlyphs">{html.escape(line)}</text>'
            if line.strip()
            else ""
        )
    out.append("</svg>")
    return "\n".join(part for part in out if part) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="20news-bydate tarball or dir")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--category", default="sci.space")
    args = parser.parse_args(argv)

    train = load_20newsgroups("train", data=args.data)
    test = load_20newsgroups("test", data=args.data)
    pipe = make_pipeline(
        GloveVectorizer(random_state=args.random_state),
        TextCNNClassifier(epochs=args.epochs, random_state=args.random_state),
    )
    t0 = time.perf_counter()
    pipe.fit(train.data, np.asarray(train.target_names)[train.target])
    print(f"fit: {time.perf_counter() - t0:.0f} s ({args.epochs} epochs)")
    labels = np.asarray(test.target_names)[test.target]
    predicted = pipe.predict(test.data)
    print(f"test accuracy: {np.mean(predicted == labels):.4f}")

    # The first correctly classified test post of the category that fits on
    # a page (15 to 30 lines).
    for i in np.flatnonzero(labels == args.category):
        n_lines = test.data[i].count("\n")
        if 15 <= n_lines <= 30 and predicted[i] == args.category:
            break
    ex = explain(pipe, [test.data[i]])[0]
    print(f"test post {i}:\n{ex.to_text(8)}")
    print(f"largest |residual| (exactness): {np.abs(ex.residual).max():.2e}")
    (DOCS / "explain_newsgroups.svg").write_text(to_svg(ex), encoding="utf-8")
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        "<title>sktextcnn.explain: a 20 Newsgroups test post</title></head>"
        f"<body>{ex._repr_html_()}</body></html>\n"
    )
    (DOCS / "explain_newsgroups.html").write_text(page, encoding="utf-8")

    t0 = time.perf_counter()
    top = top_ngrams(pipe, train.data, n=10)
    seconds = time.perf_counter() - t0
    print(f"top_ngrams over {len(train.data)} training posts: {seconds:.1f} s")
    strongest = top_ngrams(pipe, train.data, n=10, aggregate="mean", min_count=20)
    for label in ("sci.space", "rec.autos", "comp.graphics", "talk.politics.guns"):
        print(f"\n{label}, sum: " + ", ".join(r.ngram for r in top[label]))
        print(f"{label}, mean: " + ", ".join(r.ngram for r in strongest[label]))


if __name__ == "__main__":
    main()
