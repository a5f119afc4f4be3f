"""Accuracy: the defaults vs TF-IDF + linear baselines, their ablations, Kim (2014).

One command reproduces the accuracy sections of docs/benchmarks.md:

    python benchmarks/accuracy.py                   # everything (../shared/data)
    python benchmarks/accuracy.py --only benchmark  # the defaults vs the baselines
    python benchmarks/accuracy.py --only kim        # Kim (2014)'s CNN variants
    python benchmarks/accuracy.py --only reuters    # multilabel: Reuters-21578
    python benchmarks/accuracy.py --only regression # ratings: SST-5 as numbers
    python benchmarks/accuracy.py --quick           # a smoke run on small subsets
    python benchmarks/accuracy.py --plot-only       # docs/images/benchmark.png only

The "benchmark" part also draws docs/images/benchmark.png (the README's picture:
accuracy and fit time of the defaults vs TF-IDF + LinearSVC per data set) from
the rows it writes to the table; ``--plot-only`` draws it from the table already
in docs/benchmarks.md, running nothing.

"benchmark" (section accuracy-benchmark): on 20 Newsgroups (bydate), the
few-labels curve on it (10 / 50 / 200 training posts per class, drawn from the
training split, scored on the whole test split), MR (10-fold CV), SST-2, SST-5
and TREC: the defaults ``GloveVectorizer() + TextCNNClassifier()`` over
``--seeds`` seeds, the convnet alone (``bag_of_words=False``), the
bag-of-words part alone (``architecture="bow"``: the ablation of the convnet),
TF-IDF (1-2-grams and unigrams, sublinear tf) + LinearSVC and TF-IDF +
ComplementNB, every model's fit time, all in the same run.

"kim" (section accuracy-kim): Kim (2014) Table 2's CNN variants on MR, TREC
and SST-2 with Kim's protocols, next to the defaults.

"reuters" (section accuracy-reuters): multilabel classification of
Reuters-21578 (ModApte, 90 categories): micro- and macro-F1 of the defaults
(``--seeds`` seeds) and of the bag-of-words part alone, against TF-IDF
(sublinear tf) + ``OneVsRestClassifier(LinearSVC())``, in the same run.

"regression" (section accuracy-regression): SST-5's ratings (0-4) as numbers:
RMSE, R^2 and the accuracy of the rounded predictions of
``TextCNNRegressor()`` against TF-IDF (1-2-grams) + ``Ridge()``, and
``TextCNNClassifier()`` on the five classes for comparison.

Every figure is a test-set score; no setting here was chosen on a test set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.metrics import f1_score, mean_squared_error, r2_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.naive_bayes import ComplementNB  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import (  # noqa: E402
    command_line,
    data_dir,
    machine_summary,
    markdown_table,
    read_section,
    table_rows,
    write_section,
)

from sktextcnn import (  # noqa: E402
    GloveVectorizer,
    TextCNNClassifier,
    TextCNNRegressor,
)
from sktextcnn.datasets import (  # noqa: E402
    load_20newsgroups,
    load_reuters21578,
    load_sentence_dataset,
)

# Kim (2014), "Convolutional Neural Networks for Sentence Classification", Table 2
# (accuracy, %; 300-d word2vec vectors for static / non-static).
KIM_2014 = {
    "MR": {"rand": 76.1, "static": 81.0, "non-static": 81.5},
    "SST-2": {"rand": 82.7, "static": 86.8, "non-static": 87.2},
    "TREC": {"rand": 91.2, "static": 92.8, "non-static": 93.6},
}
# Kim's CNN variants in our parameters.
KIM_MODES = {
    "rand": dict(embedding_init="random", embedding_dim=300, trainable_embeddings=True),
    "static": dict(trainable_embeddings=False),
    "non-static": dict(trainable_embeddings=True),
}


def seed_recipe(embeddings, from_scratch=False, random_state=0):
    """The Keras blog's recipe (2016): stacked convnet, RMSprop, 2 epochs."""
    clf = dict(
        architecture="seed",
        filters=128,
        optimizer="rmsprop",
        batch_size=128,
        epochs=2,
        dropout=0.0,
        early_stopping=False,
        trainable_embeddings=from_scratch,
        random_state=random_state,
    )
    if from_scratch:
        clf.update(embedding_init="random", embedding_dim=100)
    return make_pipeline(
        GloveVectorizer(
            max_features=20000,
            max_length=1000,
            padding="pre",
            truncating="pre",
            missing_vectors="zeros",
            embeddings=embeddings,
        ),
        TextCNNClassifier(**clf),
    )


def kim_cnn(mode, embeddings, random_state):
    """Kim's CNN: widths 3/4/5 x 100 maps, dropout 0.5, batch 50."""
    return make_pipeline(
        GloveVectorizer(
            max_features=None,
            max_length=100,
            embeddings=embeddings,
            missing_vectors="random",
            random_state=random_state,
        ),
        TextCNNClassifier(
            filters=100,
            kernel_sizes=(3, 4, 5),
            pooling="max",
            bag_of_words=False,
            batch_size=50,
            epochs=20,
            learning_rate=0.001,  # Keras' Adam default, as when the table was made
            random_state=random_state,
            **KIM_MODES[mode],
        ),
    )


def defaults(seed, **clf):
    """The library's defaults (``clf`` overrides them for the ablations)."""
    return make_pipeline(
        GloveVectorizer(random_state=seed), TextCNNClassifier(random_state=seed, **clf)
    )


# The models of the "benchmark" part: name -> a factory taking a seed.
MODELS = {
    "defaults": lambda s: defaults(s),
    "convnet alone (bag_of_words=False)": lambda s: defaults(s, bag_of_words=False),
    'bag-of-words part alone (architecture="bow")': lambda s: defaults(
        s, architecture="bow"
    ),
    "TF-IDF (1-2-grams) + LinearSVC": lambda s: make_pipeline(
        TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)), LinearSVC()
    ),
    "TF-IDF + LinearSVC": lambda s: make_pipeline(
        TfidfVectorizer(sublinear_tf=True), LinearSVC()
    ),
    "TF-IDF + ComplementNB": lambda s: make_pipeline(
        TfidfVectorizer(sublinear_tf=True), ComplementNB()
    ),
}
SVC_BASELINES = ("TF-IDF (1-2-grams) + LinearSVC", "TF-IDF + LinearSVC")


def _subset(split, n_train, n_test):
    """A random subset of a (X_train, y_train, X_test, y_test) split (--quick)."""
    rng = np.random.RandomState(0)
    X_tr, y_tr, X_te, y_te = split
    tr = rng.permutation(len(y_tr))[:n_train]
    te = rng.permutation(len(y_te))[:n_test]
    return [X_tr[i] for i in tr], y_tr[tr], [X_te[i] for i in te], y_te[te]


def _per_class(split, n, seed):
    """``n`` training texts per class, drawn with ``seed``; the whole test split."""
    X_tr, y_tr, X_te, y_te = split
    rng = np.random.RandomState(seed)
    idx = np.concatenate(
        [rng.permutation(np.flatnonzero(y_tr == c))[:n] for c in np.unique(y_tr)]
    )
    return [X_tr[i] for i in idx], y_tr[idx], X_te, y_te


def _fit_score(model, X_train, y_train, X_test, y_test):
    t0 = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - t0
    return model.score(X_test, y_test), fit_s


def _mean_sd(scores):
    scores = 100 * np.asarray(scores)
    text = f"{scores.mean():.1f}"
    if len(scores) > 1:
        text += f" ± {scores.std(ddof=1):.1f} (n={len(scores)})"
    return text


def _row(dataset, name, scores, times, embeddings, kim=None, note=""):
    kim = "" if kim is None else f"{kim:.1f}"
    return [
        dataset, name, _mean_sd(scores), kim, f"{np.mean(times):.1f}", embeddings,
        note,
    ]  # fmt: skip


def _repeat(make, seeds, split):
    scores, times = [], []
    for seed in seeds:
        score, secs = _fit_score(make(seed), *split)
        scores.append(score)
        times.append(secs)
        print(f"    seed {seed}: {100 * score:.2f}% in {secs:.1f}s", flush=True)
    return scores, times


def _newsgroups(args):
    tar = Path(args.data) / "20news-bydate.tar.gz"
    train, test = (
        load_20newsgroups("train", data=tar),
        load_20newsgroups("test", data=tar),
    )
    return [train.data, train.target, test.data, test.target]


def _sentence_split(args, name):
    folder = Path(args.data) / "sentence-benchmarks"
    files = {
        "TREC": ("TREC.train.all", "TREC.test.all"),
        "SST-2": ("stsa.binary.train", "stsa.binary.test"),
        "SST-5": ("stsa.fine.train", "stsa.fine.test"),
    }
    if name in files:
        train, test = (load_sentence_dataset(folder / f) for f in files[name])
        return [(*train, *test)]
    texts, labels = load_sentence_dataset(folder / "rt-polarity.all")
    texts = np.asarray(texts, dtype=object)
    folds = StratifiedKFold(args.mr_folds, shuffle=True, random_state=0)
    return [
        (list(texts[tr]), labels[tr], list(texts[te]), labels[te])
        for tr, te in folds.split(texts, labels)
    ]


def _benchmark_tasks(args):
    """(dataset name, [(split, seed), ...]) in the order of the table.

    Random splits (the few-labels draws, MR's folds) give one fit per split,
    its seed the split's index; fixed splits give one fit per seed.
    """
    news = _newsgroups(args)
    seeds = list(range(args.seeds))
    if args.quick:
        news = _subset(news, 1500, 500)
    tasks = [("20 Newsgroups", [(news, s) for s in seeds])]
    for n in args.per_class:
        tasks.append(
            (
                f"20 Newsgroups, {n} per class",
                [(_per_class(news, n, s), s) for s in seeds],
            )
        )
    for name in ("MR", "SST-2", "SST-5", "TREC"):
        splits = _sentence_split(args, name)
        if args.quick:
            splits = [_subset(splits[0], 800, 300)]
        if len(splits) == 1:
            tasks.append((name, [(splits[0], s) for s in seeds]))
        else:
            tasks.append(
                (
                    f"{name} ({len(splits)}-fold CV)",
                    list(zip(splits, range(len(splits)))),
                )
            )
    return tasks


def run_benchmark(args, results):
    rows, summary = [], []
    for dataset, runs in _benchmark_tasks(args):
        scores = {}
        for name, make in MODELS.items():
            print(f"[{dataset}] {name}", flush=True)
            acc, secs = [], []
            for split, seed in runs:
                score, t = _fit_score(make(seed), *split)
                acc.append(score)
                secs.append(t)
                print(f"    seed {seed}: {100 * score:.2f}% in {t:.1f}s", flush=True)
            scores[name] = (np.asarray(acc), np.asarray(secs))
            rows.append([dataset, name, _mean_sd(acc), f"{np.mean(secs):.1f}"])
        if dataset == "20 Newsgroups":
            # Where the project started: the Keras blog's recipe (one seed).
            name = "Keras blog recipe, frozen GloVe (2 epochs)"
            print(f"[{dataset}] {name}", flush=True)
            acc, secs = _repeat(
                lambda s: seed_recipe(args.embeddings, random_state=s), [0], runs[0][0]
            )
            rows.append([dataset, name, _mean_sd(acc), f"{np.mean(secs):.1f}"])
        results[dataset] = scores
        default = 100 * scores["defaults"][0]
        best = max(SVC_BASELINES, key=lambda k: scores[k][0].mean())
        bow = 100 * scores['bag-of-words part alone (architecture="bow")'][0]
        ratio = scores["defaults"][1].mean() / scores["TF-IDF + LinearSVC"][1].mean()
        summary.append(
            [
                dataset,
                _mean_sd(default / 100),
                f"{100 * scores[best][0].mean():.1f} ({best.split(' + ')[0]})",
                f"{default.mean() - 100 * scores[best][0].mean():+.1f}",
                f"{default.std(ddof=1) if len(default) > 1 else float('nan'):.1f}",
                f"{default.mean() - bow.mean():+.1f}",
                f"{ratio:.1f}x",
            ]
        )
    margins = [float(r[3]) for r in summary]
    gains = [float(r[5]) for r in summary]
    summary.append(
        [
            "**mean**",
            "",
            "",
            f"**{np.mean(margins):+.1f}**",
            "",
            f"**{np.mean(gains):+.1f}**",
            "",
        ]
    )
    return rows, summary


def run_kim(args, emb_name, results):
    rows = []
    for ds in ("MR", "TREC", "SST-2"):
        splits = _sentence_split(args, ds)
        if args.quick:
            splits = [_subset(splits[0], 800, 300)]
        # MR: one fit per fold (Kim's 10-fold CV); others: several seeds.
        seeds = [0] if len(splits) > 1 else list(range(args.kim_seeds))
        for mode in KIM_MODES:
            print(f"[{ds}] CNN-{mode}", flush=True)
            scores, times = [], []
            for split in splits:
                s, t = _repeat(
                    lambda seed, m=mode: kim_cnn(m, args.embeddings, seed), seeds, split
                )
                scores += s
                times += t
            emb = "none (300-d, random init)" if mode == "rand" else emb_name
            rows.append(
                _row(ds, f"Kim CNN-{mode}", scores, times, emb, KIM_2014[ds][mode])
            )
        # The defaults: from this run's "benchmark" part when it ran, else here.
        done = [v for k, v in results.items() if k.split(" (")[0] == ds]
        if done:
            scores, times = done[0]["defaults"]
        else:
            print(f"[{ds}] sktextcnn defaults", flush=True)
            scores, times = [], []
            for i, split in enumerate(splits):
                s, t = _repeat(
                    defaults, [i] if len(splits) > 1 else list(range(args.kim_seeds)),
                    split,
                )  # fmt: skip
                scores += s
                times += t
        rows.append(_row(ds, "sktextcnn defaults", scores, times, emb_name))
        print(f"[{ds}] TF-IDF + LinearSVC", flush=True)
        scores, times = [], []
        for split in splits:
            s, t = _fit_score(MODELS["TF-IDF + LinearSVC"](0), *split)
            scores.append(s)
            times.append(t)
        rows.append(
            _row(ds, "TF-IDF (sublinear tf) + LinearSVC", scores, times, "none")
        )
    return rows


# -- multilabel: Reuters-21578 ---------------------------------------------------

REUTERS_MODELS = {
    "defaults": lambda s: defaults(s),
    'bag-of-words part alone (architecture="bow")': lambda s: defaults(
        s, architecture="bow"
    ),
    "TF-IDF + OneVsRestClassifier(LinearSVC())": lambda s: make_pipeline(
        TfidfVectorizer(sublinear_tf=True), OneVsRestClassifier(LinearSVC())
    ),
}
REUTERS_BASELINE = "TF-IDF + OneVsRestClassifier(LinearSVC())"


def _reuters(args):
    tar = Path(args.data) / "reuters21578.tar.gz"
    train, test = (load_reuters21578(s, data=tar) for s in ("train", "test"))
    split = [train.data, train.target, test.data, test.target]
    if args.quick:
        split = _subset(split, 2000, 1000)
    return split


def _f1s(model, X_train, Y_train, X_test, Y_test):
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        # A category without a training story (--quick subsets only): both
        # sides predict it constant, and say so.
        warnings.filterwarnings("ignore", "Label (not )?[0-9]+ is present in all")
        warnings.filterwarnings("ignore", r"Label column\(s\) .* hold the same")
        model.fit(X_train, Y_train)
    fit_s = time.perf_counter() - t0
    pred = model.predict(X_test)
    micro = f1_score(Y_test, pred, average="micro")
    macro = f1_score(Y_test, pred, average="macro", zero_division=0)
    return micro, macro, fit_s


def run_reuters(args):
    split = _reuters(args)
    X_train, Y_train, _, Y_test = split
    rows, scores = [], {}
    for name, make in REUTERS_MODELS.items():
        seeds = [0] if name == REUTERS_BASELINE else list(range(args.seeds))
        print(f"[Reuters-21578] {name}", flush=True)
        runs = []
        for seed in seeds:
            micro, macro, secs = _f1s(make(seed), *split)
            runs.append((micro, macro, secs))
            print(
                f"    seed {seed}: micro-F1 {micro:.4f}, macro-F1 {macro:.4f} in "
                f"{secs:.1f}s",
                flush=True,
            )
        runs = np.asarray(runs)
        scores[name] = runs
        rows.append(
            [
                name,
                _mean_sd(runs[:, 0]),
                _mean_sd(runs[:, 1]),
                f"{runs[:, 2].mean():.1f}",
            ]
        )
    base = scores[REUTERS_BASELINE][:, :2].mean(0)
    ours = scores["defaults"][:, :2]
    summary = (
        f"{len(X_train):,} training and {len(Y_test):,} test stories, "
        f"{Y_train.shape[1]} categories. The defaults minus the baseline: "
        f"micro-F1 {100 * (ours[:, 0].mean() - base[0]):+.1f} points (each seed: "
        f"{', '.join(f'{100 * (v - base[0]):+.1f}' for v in ours[:, 0])}), macro-F1 "
        f"{100 * (ours[:, 1].mean() - base[1]):+.1f} (each seed: "
        f"{', '.join(f'{100 * (v - base[1]):+.1f}' for v in ours[:, 1])})."
    )
    return summary + "\n\n" + markdown_table(REUTERS_HEADER, rows)


# -- regression: SST-5 ratings as numbers ------------------------------------------

REGRESSION_MODELS = {
    "TextCNNRegressor() (defaults)": lambda s: make_pipeline(
        GloveVectorizer(random_state=s), TextCNNRegressor(random_state=s)
    ),
    'TextCNNRegressor(loss="huber")': lambda s: make_pipeline(
        GloveVectorizer(random_state=s),
        TextCNNRegressor(loss="huber", random_state=s),
    ),
    "TF-IDF (1-2-grams) + Ridge()": lambda s: make_pipeline(
        TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)), Ridge()
    ),
    "TextCNNClassifier() (defaults, 5 classes)": lambda s: defaults(s),
}
REGRESSION_BASELINE = "TF-IDF (1-2-grams) + Ridge()"


def _regression_scores(model, X_train, y_train, X_test, y_test):
    t0 = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - t0
    pred = model.predict(X_test).astype(float)
    rmse = float(np.sqrt(mean_squared_error(y_test, pred)))
    rounded = np.clip(np.rint(pred), y_train.min(), y_train.max())
    return rmse, r2_score(y_test, pred), float(np.mean(rounded == y_test)), fit_s


def run_regression(args):
    (split,) = _sentence_split(args, "SST-5")
    X_train, y_train, X_test, y_test = split
    if args.quick:
        X_train, y_train, X_test, y_test = _subset(split, 2000, 500)
    split = (X_train, y_train.astype(float), X_test, y_test.astype(float))
    rows, scores = [], {}
    for name, make in REGRESSION_MODELS.items():
        seeds = [0] if name == REGRESSION_BASELINE else list(range(args.seeds))
        print(f"[SST-5 ratings] {name}", flush=True)
        runs = []
        for seed in seeds:
            rmse, r2, acc, secs = _regression_scores(make(seed), *split)
            runs.append((rmse, r2, acc, secs))
            print(
                f"    seed {seed}: RMSE {rmse:.4f}, R2 {r2:.4f}, accuracy "
                f"{100 * acc:.2f}% in {secs:.1f}s",
                flush=True,
            )
        runs = np.asarray(runs)
        scores[name] = runs
        rows.append(
            [
                name,
                _mean_sd_plain(runs[:, 0]),
                _mean_sd_plain(runs[:, 1]),
                _mean_sd(runs[:, 2]),
                f"{runs[:, 3].mean():.1f}",
            ]
        )
    base = scores[REGRESSION_BASELINE][0, 0]
    ours = scores["TextCNNRegressor() (defaults)"][:, 0]
    summary = (
        f"{len(X_train):,} training and {len(X_test):,} test sentences. RMSE of "
        f"the defaults minus Ridge's: {ours.mean() - base:+.3f} (each seed: "
        f"{', '.join(f'{v - base:+.3f}' for v in ours)}; lower is better)."
    )
    return summary + "\n\n" + markdown_table(REGRESSION_HEADER, rows)


def _mean_sd_plain(values):
    """Mean ± sd of values shown as they are (RMSE, R^2)."""
    values = np.asarray(values)
    text = f"{values.mean():.3f}"
    if len(values) > 1:
        text += f" ± {values.std(ddof=1):.3f} (n={len(values)})"
    return text


def _clf_defaults():
    """The classifier's defaults, as the notes describe them."""
    p = TextCNNClassifier().get_params()
    return ", ".join(
        f"{k}={p[k]!r}"
        for k in ("architecture", "filters", "bag_of_words", "bag_of_words_bigrams",
                  "bag_of_words_init", "bag_of_words_smoothing",
                  "epochs", "batch_size", "optimizer", "early_stopping")
    )  # fmt: skip


BENCHMARK_PNG = Path(__file__).resolve().parents[1] / "docs/images/benchmark.png"
# The models of the picture: the defaults and the two TF-IDF + LinearSVC.
PLOTTED = {
    "defaults": "sktextcnn defaults",
    "TF-IDF + LinearSVC": "TF-IDF + LinearSVC",
    "TF-IDF (1-2-grams) + LinearSVC": "TF-IDF (1-2-grams) + LinearSVC",
}


def _accuracy_cell(cell):
    """``"85.8 ± 0.3 (n=3)"`` -> ``(85.8, 0.3)``; ``"39.4"`` -> ``(39.4, 0.0)``."""
    fields = cell.split()
    return float(fields[0]), float(fields[2]) if len(fields) > 2 else 0.0


def plotted_rows(rows):
    """The rows of the "All models" table (``BENCH_HEADER``) that the picture shows."""
    return [row for row in rows if row[1] in PLOTTED]


def plot_benchmark(rows, path=BENCHMARK_PNG):
    """Draw the README's picture from rows of the "All models" table.

    Per data set, the test accuracy (mean ± sd) and the fit time of the
    defaults and of TF-IDF + LinearSVC (unigrams, 1-2-grams). The rows drawn
    are stored in the PNG (text chunk ``sktextcnn-rows``, JSON), so that a test
    can check the picture against the table.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = plotted_rows(rows)
    datasets = list(dict.fromkeys(row[0] for row in rows))
    cells = {(row[0], row[1]): row for row in rows}
    fig, (ax_acc, ax_fit) = plt.subplots(
        1, 2, figsize=(10, 0.5 * len(datasets) + 1.8), sharey=True,
        layout="constrained",
    )  # fmt: skip
    y = np.arange(len(datasets))
    for k, (model, label) in enumerate(PLOTTED.items()):
        offset = (k - 1) * 0.22
        found = [i for i, ds in enumerate(datasets) if (ds, model) in cells]
        acc = [_accuracy_cell(cells[datasets[i], model][2]) for i in found]
        fit = [float(cells[datasets[i], model][3]) for i in found]
        style = dict(marker="os^"[k], linestyle="none", color=f"C{k}", label=label)
        ax_acc.errorbar(
            [a for a, _ in acc], y[found] + offset, xerr=[s for _, s in acc], **style
        )
        ax_fit.plot(fit, y[found] + offset, **style)
    ax_acc.set_yticks(y, datasets)
    ax_acc.invert_yaxis()
    ax_acc.set_xlabel("test accuracy (%), mean ± sd over seeds or folds")
    ax_fit.set_xscale("log")
    ax_fit.set_xlabel("fit time (s, log scale), vectorizing included")
    for ax in (ax_acc, ax_fit):
        ax.grid(axis="x", alpha=0.3)
    ax_acc.legend(loc="lower left", fontsize="small")
    fig.suptitle(
        "sktextcnn defaults vs TF-IDF + LinearSVC "
        "(python benchmarks/accuracy.py, docs/benchmarks.md)"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"sktextcnn-rows": json.dumps(rows)})
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        default=None,
        help="the data folder (default: sktextcnn.datasets.default_data_dir(), "
        "e.g. ../shared/data)",
    )
    parser.add_argument(
        "--embeddings",
        default="glove-6b-50d",
        help="embeddings of Kim's CNN-static/non-static: 'glove-6b-50d' or a file",
    )
    parser.add_argument(
        "--only", choices=["benchmark", "kim", "reuters", "regression"], default=None
    )
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--per-class", type=int, nargs="*", default=[10, 50, 200])
    parser.add_argument("--kim-seeds", type=int, default=3)
    parser.add_argument("--mr-folds", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="small subsets, no docs")
    parser.add_argument(
        "--plot-only",
        action="store_true",
        help="only draw docs/images/benchmark.png from the table in docs/benchmarks.md",
    )
    args = parser.parse_args(argv)
    if args.plot_only:
        plot_benchmark(table_rows(read_section("accuracy-benchmark"), "All models"))
        print(f"wrote {BENCHMARK_PNG} from the accuracy-benchmark section")
        return
    args.data = data_dir(args.data)
    if not Path(args.data).is_dir():
        parser.error(f"--data {args.data!r} is not a directory")
    emb_name = (
        "GloVe 6B 50d (packaged)"
        if args.embeddings == "glove-6b-50d"
        else Path(args.embeddings).name
    )
    parts = (
        ["benchmark", "kim", "reuters", "regression"]
        if args.only is None
        else [args.only]
    )
    results = {}
    for part in parts:
        machine = machine_summary()
        t0 = time.perf_counter()
        if part == "benchmark":
            rows, summary = run_benchmark(args, results)
            tables = (
                "Summary (accuracy %, the defaults' mean ± sd over seeds or folds):\n\n"
                + markdown_table(SUMMARY_HEADER, summary)
                + "\n\nAll models:\n\n"
                + markdown_table(BENCH_HEADER, rows)
            )
        elif part == "kim":
            tables = markdown_table(KIM_HEADER, run_kim(args, emb_name, results))
        elif part == "reuters":
            tables = run_reuters(args)
        else:
            tables = run_regression(args)
        print("\n" + tables)
        body = (
            f"{TITLES[part]}\n\n"
            f"Command: `{command_line()}` ({time.perf_counter() - t0:.0f} s for this "
            f"part)\n\nMachine: {machine}\n\n{tables}\n\n{_notes(part, args)}"
        )
        if args.quick:
            print("\n--quick: docs/benchmarks.md not written")
        else:
            write_section(f"accuracy-{part}", body)
            print(f"\nwrote the 'accuracy-{part}' section of docs/benchmarks.md")
            if part == "benchmark":
                plot_benchmark(rows)
                print(f"wrote {BENCHMARK_PNG}")


SUMMARY_HEADER = [
    "Dataset",
    "Defaults",
    "Best TF-IDF + LinearSVC",
    "Margin (points)",
    "Defaults' sd",
    "Convnet's gain over the bag-of-words part alone",
    "Fit time / TF-IDF + LinearSVC's",
]
BENCH_HEADER = ["Dataset", "Model", "Test accuracy % (mean ± sd)", "Fit time (s)"]
KIM_HEADER = [
    "Dataset",
    "Model",
    "Test accuracy % (mean ± sd)",
    "Kim (2014) %",
    "Fit time (s)",
    "Embeddings",
    "Note",
]
REUTERS_HEADER = [
    "Model",
    "Micro-F1 % (mean ± sd)",
    "Macro-F1 % (mean ± sd)",
    "Fit time (s)",
]
REGRESSION_HEADER = [
    "Model",
    "RMSE (mean ± sd)",
    "R² (mean ± sd)",
    "Accuracy %, rounded (mean ± sd)",
    "Fit time (s)",
]
TITLES = {
    "benchmark": "## Accuracy: the defaults vs TF-IDF + LinearSVC on every data set",
    "kim": "## Accuracy: Kim (2014) sentence benchmarks",
    "reuters": "## Multilabel: Reuters-21578 (ModApte, 90 categories)",
    "regression": "## Regression: SST-5 ratings as numbers",
}


def _notes(part, args):
    if part == "reuters":
        return f"""Notes:
- `load_reuters21578("train")` / `("test")`: the ModApte split, the 90 categories
  with at least one training and one test story; `target` is the (n, 90)
  indicator matrix, given as is to `fit`. F1 over the test stories' label
  decisions: micro (pooled over categories) and macro (mean over the 90
  categories; a category never predicted counts 0).
- Defaults: `GloveVectorizer()` + `TextCNNClassifier()` ({_clf_defaults()}),
  seeds 0..{args.seeds - 1}; on a multilabel `y` it trains one sigmoid output per
  category with the binary cross-entropy and predicts the categories whose
  probability exceeds 0.5. The bag-of-words part alone: `architecture="bow"`.
  Baseline: `TfidfVectorizer(sublinear_tf=True)` + `OneVsRestClassifier(LinearSVC())`,
  scikit-learn's defaults otherwise (deterministic: one run).
- No setting was chosen on the test stories: the multilabel defaults (epochs,
  the output bias) were chosen on a validation split (20%) of the training
  stories."""
    if part == "regression":
        return f"""Notes:
- SST-5 (`stsa.fine.train` / `stsa.fine.test`, labels 0-4 read as numbers);
  predictions rounded to the nearest rating in 0..4 for the accuracy. The
  classifier's rows predict the most probable class (its RMSE and R² are those
  of the class read as a number).
- `TextCNNRegressor()`: `GloveVectorizer()` + the regressor's defaults (the
  classifier's model with a linear output, `loss="squared_error"`, targets
  standardized inside `fit`), seeds 0..{args.seeds - 1}. Baseline:
  `TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2))` + `Ridge()`
  (alpha=1.0; deterministic: one run).
- No setting was chosen on the test sentences: the regression losses'
  bag-of-words steps were chosen on a validation split of the training
  sentences."""
    if part == "benchmark":
        return f"""Notes:
- Defaults: `GloveVectorizer()` (packaged GloVe 6B 50d) + `TextCNNClassifier()`
  ({_clf_defaults()}); seeds 0..{args.seeds - 1} (`random_state`). The ablations
  change one parameter of the defaults.
- 20 Newsgroups: bydate train / test split. "N per class": N training posts per
  class drawn from the training split with seed 0..{args.seeds - 1} (one draw per
  seed; every model is fitted on the same draws), scored on the whole test split.
  MR: {args.mr_folds}-fold stratified CV (one fit per fold, seed = fold index).
  SST-2 / SST-5: `stsa.*.train` sentences, scored on `stsa.*.test`; TREC: the
  given train / test split.
- Margin: the defaults' mean minus the better of the two TF-IDF + LinearSVC
  baselines (unigrams, 1-2-grams; both `sublinear_tf=True`) on that data set.
  Convnet's gain: the defaults minus the bag-of-words part alone (the same model
  without its convnet). Fit times include vectorizing the training texts; the
  ratio divides by the unigram TF-IDF + LinearSVC's fit time.
- No setting was chosen on these test sets: the defaults were chosen on
  validation splits drawn from the training data (see the user guide)."""
    return f"""Notes:
- sd is over random seeds (TREC, SST-2: seeds 0..{args.kim_seeds - 1}) or over the
  {args.mr_folds} cross-validation folds (MR).
- Kim's CNN rows: widths 3/4/5 x 100 maps, dropout 0.5, batches of 50, 20 epochs,
  Adam at 0.001, no bag-of-words part, `max_length=100`. Kim (2014) used 300-d
  word2vec vectors (GoogleNews) for CNN-static/non-static; unless `--embeddings`
  names a larger file, we use the 50-d GloVe 6B vectors, and CNN-rand uses 300-d
  random vectors as Kim did. Kim trained SST-2 on phrases and sentences; we train
  on the sentences of `stsa.binary.train` only. Kim's numbers are quoted from the
  paper's Table 2, not rerun; Kim used Adadelta, a max-norm constraint and the dev
  set (SST-2) for early stopping.
- sktextcnn defaults: `GloveVectorizer()` + `TextCNNClassifier()`
  ({_clf_defaults()})."""


if __name__ == "__main__":
    main()
