"""
Quickstart: classify 20 Newsgroups posts
=========================================

Fit the default pipeline, :class:`~sktextcnn.GloveVectorizer` followed by
:class:`~sktextcnn.TextCNNClassifier`, on four of the twenty newsgroups, score
it on their test posts, and see which groups it confuses.
"""

# %%
# Load four newsgroups
# --------------------
# :func:`~sktextcnn.datasets.load_20newsgroups` reads the "bydate" split from a
# local ``20news-bydate.tar.gz``. :func:`~sktextcnn.datasets.default_data_dir`
# finds the project's copy (``../shared/data``); with ``data=None`` the loader
# downloads the data through scikit-learn instead. Headers, signatures and
# quoted replies are removed, so that the model learns from what each post says,
# not from who wrote it.
from sktextcnn.datasets import default_data_dir, load_20newsgroups

data = default_data_dir()
tarball = None if data is None else data / "20news-bydate.tar.gz"
categories = ["comp.graphics", "rec.autos", "sci.space", "talk.politics.guns"]
remove = ("headers", "footers", "quotes")
kwargs = dict(data=tarball, categories=categories, remove=remove)
train = load_20newsgroups("train", **kwargs)
test = load_20newsgroups("test", **kwargs)
print(f"{len(train.data)} training posts, {len(test.data)} test posts")

# %%
# Fit the defaults
# ----------------
# The vectorizer keeps every word of the training posts, cuts each post after
# 1,000 tokens and looks up the words' vectors in the packaged 50-d GloVe
# table. In a :class:`~sklearn.pipeline.Pipeline` the classifier starts from
# that embedding matrix by itself. An int ``random_state`` makes the fit
# reproducible on a CPU.
import time

from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier

pipe = make_pipeline(GloveVectorizer(random_state=0), TextCNNClassifier(random_state=0))
start = time.perf_counter()
pipe.fit(train.data, train.target)
print(f"fitted in {time.perf_counter() - start:.1f} s")

vectorizer, classifier = pipe[0], pipe[-1]
print(
    f"vocabulary: {len(vectorizer.vocabulary_):,} words, "
    f"{vectorizer.vector_coverage_:.0%} of them with a GloVe vector; "
    f"{classifier.n_iter_} epochs"
)
print(f"test accuracy: {pipe.score(test.data, test.target):.3f}")

# %%
# Predict new texts
# -----------------
# The pipeline takes raw strings; ``predict_proba`` has one column per class,
# in the order of ``classes_``.
texts = [
    "The shuttle launch was delayed by a day.",
    "My engine makes a noise when I brake.",
]
for text, proba in zip(texts, pipe.predict_proba(texts)):
    best = proba.argmax()
    print(f"{train.target_names[best]:<20} p={proba[best]:.2f}  {text}")

# %%
# Where it errs
# -------------
# Rows are the true groups, columns the predicted ones; each row is normalised
# to sum to 1.
import matplotlib.pyplot as plt
from sklearn.metrics import ConfusionMatrixDisplay

fig, ax = plt.subplots(figsize=(6, 5), layout="constrained")
ConfusionMatrixDisplay.from_estimator(
    pipe,
    test.data,
    test.target,
    display_labels=train.target_names,
    normalize="true",
    values_format=".2f",
    xticks_rotation=30,
    cmap="Blues",
    ax=ax,
)
ax.set_title("Default pipeline, 20 Newsgroups (4 groups), test posts")
plt.show()

# %%
# Next: :ref:`sphx_glr_auto_examples_plot_training_curves.py` shows what
# happens during training, and the :doc:`/user_guide/index` what each
# parameter does.
