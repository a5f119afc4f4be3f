"""
Few labels: accuracy vs training texts per class
================================================

How many labelled texts does the default pipeline need, and how does it
compare with the usual strong baseline, TF-IDF + a linear SVM? Both are
trained on ``n`` posts per class drawn from the training split of four
newsgroups, for growing ``n``, and scored on the whole test split.
"""

# %%
# Data
# ----
import numpy as np

from sktextcnn.datasets import default_data_dir, load_20newsgroups

data = default_data_dir()
tarball = None if data is None else data / "20news-bydate.tar.gz"
categories = ["comp.graphics", "rec.autos", "sci.space", "talk.politics.guns"]
remove = ("headers", "footers", "quotes")
kwargs = dict(data=tarball, categories=categories, remove=remove)
train = load_20newsgroups("train", **kwargs)
test = load_20newsgroups("test", **kwargs)


def draw(n_per_class, seed=0):
    """``n_per_class`` training posts of each class, drawn at random."""
    rng = np.random.RandomState(seed)
    idx = np.concatenate(
        [
            rng.permutation(np.flatnonzero(train.target == c))[:n_per_class]
            for c in np.unique(train.target)
        ]
    )
    return [train.data[i] for i in idx], train.target[idx]


# %%
# The two models
# --------------
# The defaults of sktextcnn, and TF-IDF (sublinear tf) + ``LinearSVC``, the
# baseline of :doc:`the benchmarks </benchmarks>`.
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sktextcnn import GloveVectorizer, TextCNNClassifier

models = {
    "GloveVectorizer + TextCNNClassifier (defaults)": lambda: make_pipeline(
        GloveVectorizer(random_state=0), TextCNNClassifier(random_state=0)
    ),
    "TF-IDF + LinearSVC": lambda: make_pipeline(
        TfidfVectorizer(sublinear_tf=True), LinearSVC()
    ),
}

# %%
# Fit each model on each training set size
# ----------------------------------------
# One draw per size (the benchmarks average three draws, on all 20 groups).
sizes = [5, 10, 30, 100]
scores = {name: [] for name in models}
for n in sizes:
    texts, y = draw(n)
    for name, make in models.items():
        model = make().fit(texts, y)
        scores[name].append(model.score(test.data, test.target))
    print(f"{n:>4} per class: " + ", ".join(f"{s[-1]:.3f}" for s in scores.values()))

# %%
# The curve
# ---------
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for (name, values), marker in zip(scores.items(), ["o", "s"]):
    ax.plot(sizes, values, marker=marker, label=name)
ax.set_xscale("log")
ax.set_xticks(sizes, [str(n) for n in sizes])
ax.set_xlabel("training posts per class")
ax.set_ylabel("test accuracy")
ax.set_title("20 Newsgroups, 4 groups: learning from few labels")
ax.grid(alpha=0.3)
ax.legend()
plt.show()

# %%
# Which model is ahead with few labels depends on the data: here, posts of four
# groups without their headers, quotes and signatures. The
# :doc:`accuracy benchmark </benchmarks>` measures the same on all 20 groups
# (headers kept; 10, 50 and 200 posts per class, three draws each), where
# TF-IDF + LinearSVC is ahead at every size, and on sentence data sets, where
# the defaults are.
