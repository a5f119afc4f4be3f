"""
Grid search over the vectorizer and the network
===============================================

A pipeline of :class:`~sktextcnn.GloveVectorizer` and
:class:`~sktextcnn.TextCNNClassifier` is one scikit-learn estimator:
:class:`~sklearn.model_selection.GridSearchCV` tunes the parameters of both
steps together, with the usual ``step__parameter`` names.
"""

# %%
# Data: 400 posts of four newsgroups
# ----------------------------------
# A small training set keeps the 9 fits of this search short.
import numpy as np

from sktextcnn.datasets import default_data_dir, load_20newsgroups

data = default_data_dir()
tarball = None if data is None else data / "20news-bydate.tar.gz"
categories = ["comp.graphics", "rec.autos", "sci.space", "talk.politics.guns"]
remove = ("headers", "footers", "quotes")
kwargs = dict(data=tarball, categories=categories, remove=remove)
train = load_20newsgroups("train", shuffle=True, random_state=0, **kwargs)
test = load_20newsgroups("test", **kwargs)
texts, y = train.data[:400], train.target[:400]
print(f"classes: {np.bincount(y)} posts each")

# %%
# The search
# ----------
# How much of each post the vectorizer keeps (``max_length``), and whether the
# classifier adds its bag-of-words part to the convnet (``bag_of_words``):
# 2 x 2 candidates, 2-fold cross-validation, then a refit of the best on all
# 400 posts. ``epochs=8`` keeps each fit short.
import time

from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier

pipe = make_pipeline(
    GloveVectorizer(random_state=0), TextCNNClassifier(epochs=8, random_state=0)
)
grid = {
    "glovevectorizer__max_length": [100, 400],
    "textcnnclassifier__bag_of_words": [False, True],
}
search = GridSearchCV(pipe, grid, cv=2)
start = time.perf_counter()
search.fit(texts, y)
seconds = time.perf_counter() - start
print(
    f"{len(search.cv_results_['params'])} candidates x 2 folds + refit: {seconds:.0f} s"
)
print(f"best: {search.best_params_}, cross-validated accuracy {search.best_score_:.3f}")
print(f"test accuracy of the refitted best: {search.score(test.data, test.target):.3f}")

# %%
# Mean test scores as a heatmap
# -----------------------------
# ``cv_results_`` holds one row per candidate; the pivot puts ``max_length``
# on the rows and ``bag_of_words`` on the columns.
import matplotlib.pyplot as plt

lengths = grid["glovevectorizer__max_length"]
bows = grid["textcnnclassifier__bag_of_words"]
scores = np.empty((len(lengths), len(bows)))
for params, score in zip(
    search.cv_results_["params"], search.cv_results_["mean_test_score"]
):
    row = lengths.index(params["glovevectorizer__max_length"])
    col = bows.index(params["textcnnclassifier__bag_of_words"])
    scores[row, col] = score

fig, ax = plt.subplots(figsize=(5, 4), layout="constrained")
image = ax.imshow(scores, cmap="viridis")
for (row, col), score in np.ndenumerate(scores):
    color = "black" if score > scores.mean() else "white"
    ax.text(col, row, f"{score:.3f}", ha="center", va="center", color=color)
ax.set_xticks(range(len(bows)), [str(b) for b in bows])
ax.set_yticks(range(len(lengths)), [str(n) for n in lengths])
ax.set_xlabel("textcnnclassifier__bag_of_words")
ax.set_ylabel("glovevectorizer__max_length")
ax.set_title("Mean cross-validated accuracy")
fig.colorbar(image, ax=ax)
plt.show()

# %%
# The same search runs in parallel with ``n_jobs=2`` (each worker process
# first pays for importing TensorFlow: on few cores it pays off for long
# searches only), and on a dask cluster: see
# :ref:`sphx_glr_auto_examples_distributed_search.py`.
