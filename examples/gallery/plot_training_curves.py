"""
Training curves: loss and accuracy per epoch
============================================

:class:`~sktextcnn.TextCNNClassifier` records the loss and the accuracy of
every epoch in ``history_``. With ``early_stopping=True`` it also holds out
``validation_fraction`` of the training texts (stratified), records the loss
and accuracy on them (``val_loss``, ``val_accuracy``), stops after
``n_iter_no_change`` epochs without a lower validation loss and keeps the
weights of the best epoch.
"""

# %%
# Data: four newsgroups
# ---------------------
from sktextcnn.datasets import default_data_dir, load_20newsgroups

data = default_data_dir()
tarball = None if data is None else data / "20news-bydate.tar.gz"
categories = ["comp.graphics", "rec.autos", "sci.space", "talk.politics.guns"]
remove = ("headers", "footers", "quotes")
kwargs = dict(data=tarball, categories=categories, remove=remove)
train = load_20newsgroups("train", **kwargs)
test = load_20newsgroups("test", **kwargs)

# %%
# Fit with early stopping
# -----------------------
# Up to 20 epochs, stopping after 3 epochs without a lower validation loss. The
# convnet alone (``bag_of_words=False``) is trained here: it fits its training
# posts within a few epochs, which makes the stop visible (the default model,
# whose bag-of-words part learns slowly and steadily, improves on the
# validation posts for longer). The vectorizer keeps the first 300 tokens of
# each post, to keep this example short.
from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier

clf = TextCNNClassifier(
    bag_of_words=False,
    epochs=20,
    early_stopping=True,
    validation_fraction=0.1,
    n_iter_no_change=3,
    random_state=0,
)
pipe = make_pipeline(GloveVectorizer(max_length=300, random_state=0), clf)
pipe.fit(train.data, train.target)

history = clf.history_
print(f"epochs run: {clf.n_iter_}; recorded: {sorted(history)}")
for key, values in history.items():
    print(f"{key:<13}", " ".join(f"{v:.3f}" for v in values))
print(f"test accuracy: {pipe.score(test.data, test.target):.3f}")

# %%
# Plot the curves
# ---------------
# The training loss keeps falling; the validation loss stops falling first.
# The epoch with the lowest validation loss is the one whose weights the
# fitted model keeps.
import matplotlib.pyplot as plt
import numpy as np

epochs = np.arange(1, len(history["loss"]) + 1)
best = int(np.argmin(history["val_loss"])) + 1

fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
for ax, metric in zip(axes, ["loss", "accuracy"]):
    ax.plot(epochs, history[metric], "o-", label="training")
    ax.plot(epochs, history[f"val_{metric}"], "s-", label="validation (held out)")
    ax.axvline(best, color="grey", linestyle=":", label=f"best epoch ({best})")
    ax.set_xlabel("epoch")
    ax.set_title(metric)
    ax.set_xticks(epochs)
axes[0].legend()
fig.suptitle("TextCNNClassifier.history_, early_stopping=True")
plt.show()

# %%
# Training on, and other callbacks
# --------------------------------
# ``warm_start=True`` continues training the same ``model_`` and appends the
# new epochs to ``history_``. Keras callbacks (``CSVLogger``,
# ``TerminateOnNaN``, your own) go in ``callbacks=[...]``; each fit uses fresh
# copies of them, so the objects you pass are never changed.
clf.set_params(warm_start=True, early_stopping=False, epochs=2)
pipe.fit(train.data, train.target)
print(f"history_ now holds {len(clf.history_['loss'])} epochs")
