"""
Embedding modes: frozen, fine-tuned, learned from scratch
=========================================================

The three ways Kim (2014) ran his convnet, side by side on the TREC question
classification data set (5,452 training and 500 test questions, 6 classes):

- **frozen** GloVe vectors (Kim's CNN-static, the Keras blog's recipe, and the
  default on long texts): ``trainable_embeddings=False``;
- **fine-tuned** GloVe vectors (CNN-non-static, and the default on sentences
  such as TREC's questions): ``trainable_embeddings=True``;
- **learned from scratch** (CNN-rand): ``embedding_init="random"``, 100-d
  random vectors trained with the rest.

The bag-of-words part of the default model is switched off
(``bag_of_words=False``), so that the scores show the convnet and its
embeddings alone.
"""

# %%
# Data
# ----
from sktextcnn.datasets import default_data_dir, load_sentence_dataset

folder = default_data_dir() / "sentence-benchmarks"
X_train, y_train = load_sentence_dataset(folder / "TREC.train.all")
X_test, y_test = load_sentence_dataset(folder / "TREC.test.all")
print(f"{len(X_train)} training questions, e.g. {X_train[0]!r}")

# %%
# Fit the three modes
# -------------------
# One vectorizer (the packaged 50-d GloVe vectors) serves all three: with
# ``embedding_init="random"`` the classifier ignores the vectors it carries.
import time

from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier

modes = {
    "frozen GloVe\n(CNN-static)": dict(trainable_embeddings=False),
    "fine-tuned GloVe\n(CNN-non-static)": dict(trainable_embeddings=True),
    "from scratch\n(CNN-rand)": dict(embedding_init="random"),
}
accuracy, fit_time = {}, {}
for name, params in modes.items():
    pipe = make_pipeline(
        GloveVectorizer(random_state=0),
        TextCNNClassifier(bag_of_words=False, random_state=0, **params),
    )
    start = time.perf_counter()
    pipe.fit(X_train, y_train)
    fit_time[name] = time.perf_counter() - start
    accuracy[name] = pipe.score(X_test, y_test)
    label = name.replace("\n", " ")
    print(f"{label:<36} {accuracy[name]:.3f}  ({fit_time[name]:.1f} s)")

# %%
# Side by side
# ------------
import matplotlib.pyplot as plt

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
names = list(modes)
ax1.bar(names, [accuracy[n] for n in names], color=["C0", "C1", "C2"])
ax1.set_ylim(0, 1)
ax1.set_ylabel("test accuracy")
for i, n in enumerate(names):
    ax1.text(i, accuracy[n] + 0.005, f"{accuracy[n]:.3f}", ha="center")
ax2.bar(names, [fit_time[n] for n in names], color=["C0", "C1", "C2"])
ax2.set_ylabel("fit time (s)")
fig.suptitle("TREC, convnet alone (bag_of_words=False), one seed")
plt.show()

# %%
# One seed of each, on one data set, with the convnet alone: whether training
# the vectors pays off depends on the data and on the training budget. The
# :doc:`benchmarks </benchmarks>` ("Kim (2014) sentence benchmarks") repeat
# Kim's protocol (20 epochs, batches of 50) on MR, TREC and SST-2. The default
# keeps the vectors frozen because, next to the bag-of-words part, fine-tuning
# gained nothing measurable on 20 Newsgroups and made each epoch slower (the
# design notes of the :doc:`front page </index>`). Larger vectors (300-d GloVe
# or word2vec text files) plug in through
# ``GloveVectorizer(embeddings="path/to/vectors.txt")``: see
# :doc:`/user_guide/embeddings`.
