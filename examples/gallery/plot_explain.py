"""
Explaining predictions: which words decided
===========================================

For the default model, :func:`sktextcnn.explain` splits a text's logit for a
class exactly into one contribution per word (from the convnet and from the
bag-of-words part) plus a bias, and :func:`sktextcnn.top_ngrams` sums those
contributions over a corpus: the n-grams each class listens to. Here they show
that a model trained on raw newsgroup posts reads the senders' addresses.
"""

# %%
# A model trained on the raw posts
# --------------------------------
# Four newsgroups, headers included (as in the benchmarks). The labels are the
# group names, so that ``classes_`` and the explanations read as names.
import numpy as np
from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier
from sktextcnn.datasets import default_data_dir, load_20newsgroups

data = default_data_dir()
tarball = None if data is None else data / "20news-bydate.tar.gz"
categories = ["comp.graphics", "rec.autos", "sci.space", "talk.politics.guns"]
train = load_20newsgroups("train", data=tarball, categories=categories)
test = load_20newsgroups("test", data=tarball, categories=categories)
names = np.asarray(train.target_names)
pipe = make_pipeline(GloveVectorizer(random_state=0), TextCNNClassifier(random_state=0))
pipe.fit(train.data, names[train.target])
print(f"test accuracy: {pipe.score(test.data, names[test.target]):.3f}")

# %%
# One test post
# -------------
# ``explain`` returns one :class:`~sktextcnn.Explanation` per text, for its
# predicted class by default. ``bias`` plus the contributions of all tokens is
# the model's logit (``exact``).
from sktextcnn import explain

post = test.data[np.flatnonzero(test.target == categories.index("sci.space"))[0]]
ex = explain(pipe, [post])[0]
print(ex.to_text(n=6))
total = ex.bias[0] + ex.contributions[:, 0].sum()
print(f"\nbias + contributions = {total:.4f}, logit = {ex.logit[0]:.4f}")

# %%
# The words with the largest contributions (each word's occurrences summed):
# red ones push the logit of the predicted class up, blue ones down.
import matplotlib.pyplot as plt

words = {}
for token, value in zip(ex.tokens, ex.contributions[:, 0]):
    words[token] = words.get(token, 0.0) + value
top = sorted(words, key=lambda w: abs(words[w]), reverse=True)[:15][::-1]
values = np.array([words[w] for w in top])

fig, ax = plt.subplots(figsize=(6, 5), layout="constrained")
ax.barh(top, values, color=np.where(values > 0, "tab:red", "tab:blue"))
ax.axvline(0, color="black", linewidth=0.8)
ax.set_xlabel(f"contribution to the logit of {ex.target[0]!s}")
ax.set_title(f"A sci.space post: predicted {ex.predicted!s}, p={ex.proba.max():.2f}")
plt.show()

# %%
# What each class listens to
# --------------------------
# ``top_ngrams`` runs the model over the training posts and ranks the n-grams
# of each class by their total contribution. Besides the topic words, some come
# from the headers rather than from what the posts say, such as ``com`` and
# ``access``, parts of the senders' e-mail addresses: the model uses the
# headers. Whether that is a leak depends on the use; to learn from the body
# only, load the data with ``remove=("headers", "footers", "quotes")`` as the
# :ref:`quickstart <sphx_glr_auto_examples_plot_quickstart.py>` does.
from sktextcnn import top_ngrams

print(top_ngrams(pipe, train.data, n=8))
