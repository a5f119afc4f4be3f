"""Keras model builders ("kim", "seed", "bow"), with ``keras`` / ``keras.ops`` only.

Inputs are int32 token ids of shape (batch, length) with 0 as padding; the
length may vary from batch to batch. The output layer is an activation named
"output": softmax (single-label classification), sigmoid (multilabel) or
linear (regression), over the sum of the convnet's and the bag-of-words
part's outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers, ops
from scipy import sparse

_BASE_OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "rmsprop": keras.optimizers.RMSprop,
    "adadelta": keras.optimizers.Adadelta,
    "sgd": keras.optimizers.SGD,
}


def _wide_deep(base):
    """``base`` optimizer for the convnet, plain SGD for the bag-of-words weights.

    As in Wide & Deep (Cheng et al. 2016, "Wide & Deep Learning for
    Recommender Systems"), the sparse linear part gets its own optimizer.
    Adam's per-weight step normalisation moves the weight of a word seen once
    as far as that of a word seen in every text: on few labelled texts the
    bag-of-words part then fits noise words (20 Newsgroups, 10 texts per
    class, validation split: 52.7% with Adam vs 59.3% with SGD, the level of
    a logistic regression on the same features). Gradient descent on a
    linear model over TF-IDF features converges to the max-margin direction
    (Soudry et al. 2018), the solution a linear SVM finds.

    ``wide_learning_rate`` is the SGD step of the bag-of-words weights, for
    the batch-mean loss; it follows the optimizer's learning-rate schedule
    (the ratio of the current to the initial learning rate).
    """

    class WideDeep(base):
        def __init__(self, wide_learning_rate=1.0, **kwargs):
            super().__init__(**kwargs)
            self.wide_learning_rate = float(wide_learning_rate)
            rate = self._learning_rate
            if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
                rate = keras.ops.convert_to_numpy(rate(0))
            else:  # a keras.Variable
                rate = rate.numpy()
            self._initial_rate = float(rate)

        def build(self, var_list):
            super().build(var_list)
            self._wide = {
                self._get_variable_index(v)
                for v in var_list
                if v.path.startswith("tfidf_linear/")
            }

        def update_step(self, gradient, variable, learning_rate):
            if self._get_variable_index(variable) not in self._wide:
                return super().update_step(gradient, variable, learning_rate)
            dtype = variable.dtype
            scale = self.wide_learning_rate / self._initial_rate
            rate = ops.cast(learning_rate, dtype) * scale
            self.assign_sub(variable, ops.cast(gradient, dtype) * rate)

        def get_config(self):
            config = super().get_config()
            return {**config, "wide_learning_rate": self.wide_learning_rate}

    WideDeep.__name__ = WideDeep.__qualname__ = f"WideDeep{base.__name__}"
    return keras.saving.register_keras_serializable(package="sktextcnn")(WideDeep)


OPTIMIZERS = {name: _wide_deep(base) for name, base in _BASE_OPTIMIZERS.items()}


@keras.saving.register_keras_serializable(package="sktextcnn")
class IdPadding(layers.Layer):
    """Pad token ids with ``width`` zeros on both sides ("wide" convolution)."""

    def __init__(self, width, **kwargs):
        super().__init__(**kwargs)
        self.width = int(width)

    def call(self, ids):
        return ops.pad(ids, [[0, 0], [self.width, self.width]])

    def compute_output_shape(self, input_shape):
        n = input_shape[1]
        return (input_shape[0], None if n is None else n + 2 * self.width)

    def get_config(self):
        return {**super().get_config(), "width": self.width}


@keras.saving.register_keras_serializable(package="sktextcnn")
class ZeroPadVectors(layers.Layer):
    """Zero the embedding of padding positions (id 0), even when fine-tuned."""

    def call(self, ids, vectors):
        mask = ops.cast(ops.not_equal(ids, 0), vectors.dtype)
        return vectors * ops.expand_dims(mask, -1)

    def compute_output_shape(self, ids_shape, vectors_shape):
        return vectors_shape


@keras.saving.register_keras_serializable(package="sktextcnn")
class MaskedGlobalPooling1D(layers.Layer):
    """Pool over the convolution windows that cover at least one real token.

    Expects non-negative features (after a ReLU) from a "valid" convolution
    of width ``window`` over ``ids``. Windows made only of padding are
    excluded, so the pooled features of a text do not depend on how much
    padding surrounds it: predictions are the same whatever batch a text
    lands in. ``mode="max"`` is Kim's max-over-time pooling;
    ``mode="max_mean"`` concatenates it with the mean over the same windows
    (an aggregate of the evidence spread over a long text).
    """

    def __init__(self, window, mode="max", **kwargs):
        super().__init__(**kwargs)
        self.window = int(window)
        self.mode = mode

    def call(self, features, ids):
        mask = ops.cast(ops.not_equal(ids, 0), features.dtype)
        covered = ops.max_pool(
            ops.expand_dims(mask, -1), self.window, strides=1, padding="valid"
        )
        masked = features * covered
        pooled = ops.max(masked, axis=1)
        if self.mode == "max_mean":
            count = ops.maximum(ops.sum(covered, axis=1), 1.0)
            pooled = ops.concatenate([pooled, ops.sum(masked, axis=1) / count], -1)
        return pooled

    def compute_output_shape(self, features_shape, ids_shape):
        n = features_shape[2] * (2 if self.mode == "max_mean" else 1)
        return (features_shape[0], n)

    def get_config(self):
        return {**super().get_config(), "window": self.window, "mode": self.mode}


# Word bigrams of the bag of words are hashed into this many buckets, after
# fastText's bigram buckets (Joulin et al. 2016, "Bag of Tricks for Efficient
# Text Classification"): the bigram (a, b) of two token ids goes to bucket
# ((a mod B) * K mod B + b) mod B, arithmetic that stays within int32 on
# every backend (B * K < 2**31).
BIGRAM_BUCKETS = 2**17
_BIGRAM_MULTIPLIER = 16381  # a prime below 2**14


def bigram_ids(ids, n_ids, buckets, xp=None):
    """Ids of the word bigrams of ``ids`` (0 where either word is padding).

    Bigram ids follow the unigram ids: ``n_ids + bucket``. ``xp`` is
    ``keras.ops`` inside a model, NumPy (the default) outside it.
    """
    if xp is None:
        a, b = ids[:, :-1].astype(np.int64), ids[:, 1:].astype(np.int64)
        h = ((a % buckets) * _BIGRAM_MULTIPLIER % buckets + b) % buckets
        return np.where((a > 0) & (b > 0), n_ids + h, 0).astype(ids.dtype)
    a, b = ids[:, :-1], ids[:, 1:]
    h = xp.mod(xp.mod(a, buckets) * _BIGRAM_MULTIPLIER, buckets)
    h = xp.mod(h + b, buckets)
    both = xp.logical_and(xp.greater(a, 0), xp.greater(b, 0))
    return xp.where(both, h + n_ids, xp.zeros_like(h))


@keras.saving.register_keras_serializable(package="sktextcnn")
class TfidfLinear(layers.Layer):
    """A linear model over a TF-IDF bag of words, computed from token ids.

    The features are those of ``TfidfVectorizer(sublinear_tf=True)``: each
    word (and, with ``bigram_buckets``, each hashed word bigram) of the text
    weighs ``(1 + log tf) * idf[id]``, the vector is L2 normalised, and the
    output is its product with ``weights``. ``idf`` is a frozen weight set
    from the training data; ``weights`` start at zero, so the branch starts
    neutral and learns alongside the convnet.

    The weights are used times ``scale``: a linear model over sparse
    features needs larger steps than a convnet (see :class:`WideDeepOptimizer`).
    """

    def __init__(self, n_ids, n_outputs, scale=10.0, bigram_buckets=0, **kwargs):
        super().__init__(**kwargs)
        self.n_ids = int(n_ids)
        self.n_outputs = int(n_outputs)
        self.scale = float(scale)
        self.bigram_buckets = int(bigram_buckets)

    @property
    def n_features(self):
        return self.n_ids + self.bigram_buckets

    def build(self, input_shape):
        self.idf = self.add_weight(
            shape=(self.n_features,), initializer="ones", trainable=False, name="idf"
        )
        self.weights_ = self.add_weight(
            shape=(self.n_features, self.n_outputs),
            initializer="zeros",
            name="weights",
        )

    def _sorted_runs(self, ids):
        """Each row's feature ids (words, hashed bigrams), sorted, and where runs start.

        The bag of words ignores order: in each row's sorted ids the
        occurrences of a word form one run whose length is its count.
        Returns ``ids, first, batch, length``; ``first`` is 1 at each run's
        first position.
        """
        ids = ops.cast(ids, "int32")  # Keras 3.3 casts a called layer's ints to float
        if self.bigram_buckets:
            bigrams = bigram_ids(ids, self.n_ids, self.bigram_buckets, xp=ops)
            ids = ops.concatenate([ids, bigrams], axis=1)
        ids = ops.sort(ids, axis=1)
        batch, length = ops.shape(ids)[0], ops.shape(ids)[1]
        first = ops.concatenate(
            [ops.ones_like(ids[:, :1]), ops.cast(ids[:, 1:] != ids[:, :-1], ids.dtype)],
            axis=1,
        )
        return ids, first, batch, length

    def call(self, ids):
        ids, first, batch, length = self._sorted_runs(ids)
        run = (
            ops.cumsum(first, axis=1)
            - 1
            + ops.expand_dims(ops.arange(batch, dtype=ids.dtype) * length, 1)
        )
        run = ops.reshape(run, (-1,))
        ones = ops.ones_like(run, dtype=self.idf.dtype)
        counts = ops.segment_sum(ones, run, num_segments=batch * length)
        tf = ops.reshape(ops.take(counts, run), (batch, length))
        # Sublinear tf, as TfidfVectorizer(sublinear_tf=True): each of a word's
        # tf occurrences carries (1 + log tf) / tf of its weight.
        mask = ops.cast(ops.not_equal(ids, 0), self.idf.dtype)
        value = ops.take(self.idf, ids) * (1.0 + ops.log(tf)) * mask
        rows = ops.take(self.weights_, ids, axis=0) * self.scale
        scores = ops.sum(rows * ops.expand_dims(value / tf, -1), axis=1)
        norm = ops.sum(value * value / tf, axis=1, keepdims=True)
        return scores / ops.sqrt(ops.maximum(norm, 1e-12))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_outputs)

    def get_config(self):
        return {
            **super().get_config(),
            "n_ids": self.n_ids,
            "n_outputs": self.n_outputs,
            "scale": self.scale,
            "bigram_buckets": self.bigram_buckets,
        }


# With the bag-of-words part, the convnet's logits enter the sum times this
# factor. Adam moves each convnet weight by about the same step whatever the
# scale of its output, so a small factor slows the convnet's share of the fit
# (a shrinkage): the sparse linear part, trained by SGD, fits first, and the
# convnet adds what it can on top instead of memorising small training sets.
# Chosen on validation splits of the training data (20 Newsgroups with 10 and
# 50 texts per class and all of them, MR, SST-2, SST-5, TREC): 1.0 lost 6 points
# to the bag-of-words part alone with 10 texts per class; every value from 0.1
# to 0.25 beat 1.0 or tied on each split (mean +1.6 points), 0.05 lost on SST-5
# and TREC. See docs/index.md.
CONVNET_LOGIT_SCALE = 0.15


def _embedding(ids, n_ids, dim, trainable, seed):
    emb = layers.Embedding(
        n_ids,
        dim,
        embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed),
        trainable=trainable,
        name="embedding",
    )
    return ZeroPadVectors(name="zero_padding")(ids, emb(ids))


def _head(
    x, n_outputs, dense_units, dropout, seed, extra_logits=None, convnet_scale=1.0,
    activation="softmax",
):  # fmt: skip
    """Dense layers on the pooled features; ``extra_logits`` (the bag-of-words
    part's) are added to the convnet's logits times ``convnet_scale``."""
    if dense_units:
        x = layers.Dense(
            dense_units,
            activation="relu",
            kernel_initializer=keras.initializers.GlorotUniform(seed + 11),
            name="dense_hidden",
        )(x)
    if dropout:
        x = layers.Dropout(dropout, seed=seed + 7, name="dropout")(x)
    logits = layers.Dense(
        n_outputs,
        kernel_initializer=keras.initializers.GlorotUniform(seed + 13),
        name="logits",
    )(x)
    if extra_logits is not None:
        if convnet_scale != 1.0:
            logits = layers.Rescaling(convnet_scale, name="convnet_scale")(logits)
        logits = layers.Add(name="add_bag_of_words")([logits, extra_logits])
    # float32 outputs under a mixed precision policy too.
    return layers.Activation(activation, dtype="float32", name="output")(logits)


def build_kim(
    n_ids, dim, n_outputs, *, filters, kernel_sizes, dense_units, dropout,
    trainable, seed, pooling="max", bag_of_words=False, bigram_buckets=0,
    bow_scale=1.0, convnet_scale=CONVNET_LOGIT_SCALE, output_activation="softmax",
):  # fmt: skip
    """Kim (2014): parallel convolutions of several widths, global max pooling.

    ``bow_scale`` is the bag-of-words part's ``TfidfLinear(scale=)``: 1.0 since
    its weights have their own optimizer, 10.0 in files of sktextcnn 0.1.
    ``convnet_scale`` multiplies the convnet's logits next to the bag-of-words
    part (:data:`CONVNET_LOGIT_SCALE`; 1.0, no ``Rescaling`` layer, in files
    saved before it).
    """
    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    wide = IdPadding(max(kernel_sizes) - 1, name="wide_padding")(ids)
    x = _embedding(wide, n_ids, dim, trainable, seed)
    pooled = []
    for i, k in enumerate(kernel_sizes):
        h = layers.Conv1D(
            filters,
            k,
            activation="relu",
            kernel_initializer=keras.initializers.GlorotUniform(seed + 1 + i),
            name=f"conv_{k}_{i}",
        )(x)
        pool = MaskedGlobalPooling1D(k, pooling, name=f"pool_{k}_{i}")
        pooled.append(pool(h, wide))
    x = pooled[0] if len(pooled) == 1 else layers.Concatenate()(pooled)
    # Optionally a TF-IDF linear model trained jointly ("wide & deep").
    bow = (
        TfidfLinear(
            n_ids, n_outputs, scale=bow_scale, bigram_buckets=bigram_buckets,
            name="tfidf_linear",
        )(ids)
        if bag_of_words
        else None
    )  # fmt: skip
    out = _head(
        x, n_outputs, dense_units, dropout, seed, bow, convnet_scale, output_activation
    )
    return keras.Model(ids, out, name="kim_textcnn")


def build_bow(
    n_ids, dim, n_outputs, *, bigram_buckets=0, bow_scale=1.0,
    output_activation="softmax", **unused,
):  # fmt: skip
    """The "kim" model's bag-of-words part alone: a TF-IDF linear model.

    The ablation of the convnet (``architecture="bow"``): on
    ``TfidfVectorizer(sublinear_tf=True)`` features, a multinomial logistic
    regression (softmax), one logistic regression per label (sigmoid) or a
    linear regression (linear), trained by the same loop.
    """
    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    logits = TfidfLinear(
        n_ids, n_outputs, scale=bow_scale, bigram_buckets=bigram_buckets,
        name="tfidf_linear",
    )(ids)  # fmt: skip
    out = layers.Activation(output_activation, dtype="float32", name="output")(logits)
    return keras.Model(ids, out, name="bow_linear")


def build_seed(
    n_ids, dim, n_outputs, *, filters, kernel_sizes, dense_units, dropout,
    trainable, seed, pool_size=5, output_activation="softmax",
):  # fmt: skip
    """The Keras blog's stacked convnet: (Conv1D + MaxPooling1D) blocks.

    The last block ends in a global max pooling instead of the blog's
    ``MaxPooling1D(35)``, which only fitted sequences of length 1000.
    """
    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    x = _embedding(ids, n_ids, dim, trainable, seed)
    for i, k in enumerate(kernel_sizes):
        x = layers.Conv1D(
            filters,
            k,
            activation="relu",
            kernel_initializer=keras.initializers.GlorotUniform(seed + 1 + i),
            name=f"conv_{i}",
        )(x)
        if i < len(kernel_sizes) - 1:
            x = layers.MaxPooling1D(pool_size, name=f"pool_{i}")(x)
    x = layers.GlobalMaxPooling1D(name="global_pool")(x)
    out = _head(x, n_outputs, dense_units, dropout, seed, activation=output_activation)
    return keras.Model(ids, out, name="seed_textcnn")


def seed_min_length(kernel_sizes, pool_size=5):
    """Shortest input the stacked convnet accepts (its last conv needs >= 1 step)."""
    length = 1
    for i, k in reversed(list(enumerate(kernel_sizes))):
        if i < len(kernel_sizes) - 1:
            length *= pool_size
        length += k - 1
    return length


def _id_runs(ids, n_ids, bigram_buckets=0):
    """Each text's distinct ids (and hashed bigrams) and their counts.

    Returns ``rows``, ``columns`` and ``counts`` of the (text, id) pairs,
    padding left out, in row order with the ids of a row ascending (the
    coordinates of a canonical CSR matrix). Each row's ids are sorted, so
    that an id's occurrences form one run: ~40x faster on 20 Newsgroups than
    ``np.unique`` or a COO matrix's ``sum_duplicates`` over all (text,
    position) pairs, most of which are padding.
    """
    if bigram_buckets:
        ids = np.concatenate([ids, bigram_ids(ids, n_ids, bigram_buckets)], axis=1)
    ids = np.sort(ids, axis=1)
    first = np.empty(ids.shape, dtype=bool)
    first[:, :1] = True
    np.not_equal(ids[:, 1:], ids[:, :-1], out=first[:, 1:])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, ids.size))
    columns = ids.ravel()[starts]
    keep = columns > 0  # padding
    rows = starts[keep] // max(ids.shape[1], 1)
    return rows, columns[keep].astype(np.int64), counts[keep]


def smooth_idf(ids, n_ids, bigram_buckets=0):
    """scikit-learn's smooth idf, ``log((1 + n) / (1 + df)) + 1``, per token id.

    With ``bigram_buckets``, also per hashed bigram (ids from ``n_ids`` on).
    """
    _, columns, _ = _id_runs(ids, n_ids, bigram_buckets)
    df = np.bincount(columns, minlength=n_ids + bigram_buckets)
    idf = np.log((1.0 + len(ids)) / (1.0 + df)) + 1.0
    idf[0] = 0.0  # padding
    return idf.astype(np.float32)


def tfidf_features(ids, idf, n_ids, bigram_buckets=0):
    """The features :class:`TfidfLinear` computes, as a SciPy CSR matrix.

    ``(1 + log tf) * idf`` per word (and hashed bigram), each row L2
    normalised (all-padding rows stay zero): ``TfidfLinear(ids)`` is this
    times its weights.
    """
    rows, columns, counts = _id_runs(ids, n_ids, bigram_buckets)
    values = (1.0 + np.log(counts)) * idf[columns]
    indptr = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(ids)), out=indptr[1:])
    features = sparse.csr_matrix(
        (values, columns, indptr), shape=(len(ids), n_ids + bigram_buckets)
    )
    norms = np.sqrt(np.asarray(features.multiply(features).sum(axis=1)).ravel())
    return sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ features


# bag_of_words_init="ridge" (single-label classification): the bag-of-words
# weights start at a ridge regression of the one-hot (0/1) labels on the
# TF-IDF features (scikit-learn's Ridge without intercept; RidgeClassifier
# regresses -1/1 targets), its scores times a logit scale, and the joint
# training goes on from there.
# The cross-entropy alone trains a multinomial logistic regression, which is
# ~0.7 points below LinearSVC or RidgeClassifier on the same features of 20
# Newsgroups (validation split of the training posts: 93.15 at its best C vs
# 93.6 and 93.7), and a few epochs of SGD do not converge to it anyway.
# Chosen on validation splits of the training data (mean of 2 seeds;
# zero start -> ridge start): 20 Newsgroups 92.95 -> 94.1, 10 / 50 posts per
# class 62.25 -> 63.15 / 81.6 -> 82.4 with scale 8; on sentences scale 8 was
# mixed (TREC +0.7, SST-2 -0.4), scale 4 neutral to positive (TREC 85.3 ->
# 86.1, SST-2 81.1 -> 81.25, SST-5 38.1 -> 38.2), scale 16 worse there.
# Alpha 0.5 (2: 0.45 to 0.8 lower with 10 / 50 posts per class, +0.2 on
# SST-2). A scale fitted to out-of-fold ridge scores (temperature scaling)
# came out too small: the same accuracy as the zero start. See docs/index.md.
RIDGE_ALPHA = 0.5
RIDGE_LOGIT_SCALE = {"long": 8.0, "short": 4.0}
# On long texts each class's ridge is solved on features scaled by its
# Naive-Bayes log-count ratios (nb_scales), a quarter of the way from 1 (after
# NBSVM, Wang & Manning 2012). Chosen on validation splits of the training
# data; see docs/index.md.
NB_INTERPOLATION = {"long": 0.25, "short": 0.0}


def ridge_weights(
    features, y, n_classes, sample_weight, alpha=RIDGE_ALPHA, tol=1e-4, scales=None
):  # fmt: skip
    """Ridge regression of one-hot labels on ``features``: weights per class.

    ``features`` is a sparse (n_samples, n_features) matrix, ``y`` class
    indices; returns float32 weights of shape (n_features, n_classes), the
    ``coef_.T`` of ``Ridge(alpha, fit_intercept=False, solver="sparse_cg")``
    fitted on the 0/1 targets with ``sample_weight``.

    Solved as scikit-learn's ``sparse_cg`` solver does (conjugate gradients,
    on the kernel form ``(X X' + alpha I) c = y``, ``w = X' c`` when there
    are fewer samples than features, each class until its residual is
    ``tol`` times its target's norm), but for all classes at once: each
    iteration multiplies the features by one dense block of n_classes
    columns instead of n_classes vectors (20 Newsgroups: 1.4 s instead of
    2.5 s).

    ``scales`` (n_features, n_classes), optional: class ``c`` is regressed on
    the features times ``scales[:, c]`` (:func:`nb_scales`), and its returned
    weights are its solution times ``scales[:, c]``, so that the unscaled
    features times them give its scores.
    """
    root = np.sqrt(np.asarray(sample_weight, dtype=np.float64))
    X = sparse.csr_matrix(sparse.diags(root) @ features, dtype=np.float64)
    Xt = X.T.tocsr()
    B = np.zeros((len(y), n_classes))
    B[np.arange(len(y)), y] = root
    # Class c's features are X D_c (D_c = diag(scales[:, c])); for all classes
    # at once, D_c v_c is the column c of (scales * V). Unscaled: no products.
    D = None if scales is None else np.asarray(scales, dtype=np.float64)
    D2 = None if D is None else D * D

    def scale(M, factor):
        return M if factor is None else factor * M

    kernel = X.shape[0] < X.shape[1]
    if kernel:  # the kernel form, as sparse_cg

        def gram(V):
            return X @ scale(Xt @ V, D2) + alpha * V

    else:
        B = scale(Xt @ B, D)

        def gram(V):
            return scale(Xt @ (X @ scale(V, D)), D) + alpha * V

    # Conjugate gradients, one independent run per column of B.
    solution = np.zeros_like(B)
    residual = B.copy()
    direction = residual.copy()
    rs = np.einsum("ij,ij->j", residual, residual)
    stop = tol**2 * np.einsum("ij,ij->j", B, B)
    for _ in range(10 * B.shape[0]):
        active = rs > stop
        if not active.any():
            break
        product = gram(direction)
        curvature = np.einsum("ij,ij->j", direction, product)
        step = np.where(active, rs / np.where(active, curvature, 1.0), 0.0)
        solution += step * direction
        residual -= step * product
        new_rs = np.einsum("ij,ij->j", residual, residual)
        direction = (
            residual
            + np.where(active, new_rs / np.where(active, rs, 1.0), 0.0) * direction
        )
        rs = new_rs
    # The weights on the unscaled features: D_c times class c's solution.
    solution = scale(Xt @ solution, D2) if kernel else scale(solution, D)
    return np.asarray(solution, dtype=np.float32)


def nb_scales(features, y, n_classes, sample_weight, interpolation):
    """Per-class feature scales from Naive-Bayes log-count ratios.

    After Wang & Manning (2012), "Baselines and Bigrams" (NBSVM): feature
    ``j`` of class ``c`` is scaled by ``|r[j, c]|``, the log ratio of how
    often it occurs (present or not, weighted by ``sample_weight``, add-one
    smoothed) in the texts of class ``c`` and in the others, each side
    normalised to sum 1. Here the ratios are divided by their mean over the
    features' occurrences and moved towards 1: returns the (n_features,
    n_classes) scales ``(1 - interpolation) + interpolation * |r| / mean``.
    """
    present = sparse.csr_matrix(features, copy=True)
    present.data = (present.data != 0).astype(np.float64)
    onehot = np.zeros((len(y), n_classes))
    onehot[np.arange(len(y)), y] = np.asarray(sample_weight, dtype=np.float64)
    inside = np.asarray(present.T @ onehot)  # (n_features, n_classes)
    total = inside.sum(axis=1, keepdims=True)
    p, q = 1.0 + inside, 1.0 + (total - inside)
    ratio = np.abs(np.log(p / p.sum(axis=0)) - np.log(q / q.sum(axis=0)))
    occurrences = np.asarray(present.sum(axis=0)).reshape(-1, 1)
    mean = (ratio * occurrences).sum(axis=0) / max(occurrences.sum(), 1.0)
    ratio /= np.where(mean > 0, mean, 1.0)
    return (1.0 - interpolation) + interpolation * ratio


# bag_of_words_smoothing: the ridge start solved on smoothed features
# (semantic smoothing of the bag of words). Each word of a text also counts,
# times lambda * cosine similarity, as each of its SMOOTHING_NEIGHBORS
# nearest words in the pre-trained vectors, chosen among the
# SMOOTHING_CANDIDATES most frequent training words that have a vector: the
# features are x (I + lambda S), S[i, j] the similarity of word j to word i
# when j is one of i's neighbours. With ridge weights V on them, x (I +
# lambda S) V = x W for W = (I + lambda S) V: the part starts at W, and a
# word seen in few training texts starts with the weights of frequent words
# of similar meaning. Chosen on validation splits of the training data (a
# ridge on the smoothed features: K = 5 and lambda = 0.1 gained 0.3 to 2.4
# points on 20 Newsgroups with 10 / 50 / 200 posts per class, 0.8 to 1.9 on
# TREC, MR, SST-2, SST-5; K = 10 or 20 and lambda = 0.05 or 0.15 within 0.5
# of it). See docs/index.md.
SMOOTHING_NEIGHBORS = 5
SMOOTHING_CANDIDATES = 10_000


def embedding_neighbors(
    matrix, idf, n_neighbors=SMOOTHING_NEIGHBORS, n_candidates=SMOOTHING_CANDIDATES,
    chunk=4096,
):  # fmt: skip
    """Each word's nearest frequent words in the pre-trained vectors.

    ``matrix``: the (n_ids, dim) embedding matrix (all-zero rows: no vector);
    ``idf``: :func:`smooth_idf` of the training ids (its lowest values are the
    most frequent words). Returns ``rows`` (the ids with a vector),
    ``neighbors`` (len(rows), n_neighbors) and ``similarity`` (the cosine,
    negative ones set to 0; a word is never its own neighbour).
    """
    n_ids = matrix.shape[0]
    norms = np.linalg.norm(matrix, axis=1)
    seen = idf[:n_ids] > 0  # id 0 (padding) has idf 0
    rows = np.flatnonzero((norms > 0) & seen)
    by_frequency = rows[np.argsort(idf[rows], kind="stable")]
    candidates = np.sort(by_frequency[:n_candidates])
    k = min(n_neighbors, len(candidates) - 1)
    unit = (matrix / np.where(norms > 0, norms, 1.0)[:, None]).astype(np.float32)
    pool = ops.convert_to_tensor(unit[candidates].T)
    neighbors = np.zeros((len(rows), max(k, 0)), dtype=np.int32)
    similarity = np.zeros((len(rows), max(k, 0)), dtype=np.float32)
    if k <= 0:
        return rows, neighbors, similarity
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        sims = ops.matmul(ops.convert_to_tensor(unit[part]), pool)
        # A word among the candidates is not its own neighbour.
        own = ops.convert_to_tensor(part[:, None] == candidates[None, :])
        sims = ops.where(own, -2.0, sims)
        values, where = ops.top_k(sims, k)
        neighbors[start : start + chunk] = candidates[ops.convert_to_numpy(where)]
        similarity[start : start + chunk] = ops.convert_to_numpy(values)
    return rows, neighbors, np.maximum(similarity, 0.0)


def smoothing_matrix(rows, neighbors, similarity, strength, n_features):
    """``I + strength * S`` as a sparse (n_features, n_features) matrix."""
    s = sparse.csr_matrix(
        (
            strength * similarity.ravel(),
            (np.repeat(rows, neighbors.shape[1]), neighbors.ravel()),
        ),
        shape=(n_features, n_features),
    )
    return sparse.identity(n_features, format="csr") + s


def largest_gram_eigenvalue(features, n_iter=100):
    """Largest eigenvalue of ``features @ features.T`` (power iteration).

    For the rows of a batch, it bounds how far one gradient step on a linear
    model over them moves their outputs: the steps a quadratic loss
    tolerates. The Gram matrix is non-negative, so the iteration from an
    all-ones vector converges to it (Perron-Frobenius).
    """
    v = np.ones(features.shape[0])
    value = 0.0
    for _ in range(n_iter):
        w = features @ (features.T @ v)
        norm = float(np.linalg.norm(w))
        if norm == 0.0:
            return 0.0
        value, v = norm / float(np.linalg.norm(v)), w / norm
    return value


# What learning_rate=None means, where it is not the Keras default: Adam's
# 0.001 suits small batches; with the default batch_size=256, 0.002 reached the
# same 20 Newsgroups accuracy in about half the epochs.
DEFAULT_LEARNING_RATES = {"adam": 0.002, "adamw": 0.002}


# SGD step of the bag-of-words weights per training text: the step for the
# batch-mean loss is this times the batch size (the linear scaling rule).
# Chosen on validation splits of the training data (20 Newsgroups with 10 and
# 50 texts per class and with all of them, TREC, SST-5): 0.1 under-fits the
# small sets, 4 over-fits short sentences.
WIDE_LEARNING_RATE_PER_TEXT = 1.0


@dataclass(frozen=True)
class Loss:
    """How a model is compiled for one Keras loss.

    Attributes
    ----------
    metrics : tuple of str
        Keras metrics logged next to the loss.
    wide_rate : float
        SGD step of the bag-of-words weights per training text and per
        output. Keras averages the binary cross-entropy and the regression
        losses over the outputs (labels, targets): the step is multiplied by
        their number, so that each output's weights learn as fast as one
        model's would alone.
    per_output : bool
        The loss is such an average over the outputs.
    curvature : float or None
        The largest second derivative of the loss in an output, for the
        losses whose gradient grows without bound (the squared error: 2,
        Huber: 1); None for the cross-entropies, whose gradient is bounded,
        so that a too-large step cannot diverge.
    """

    metrics: tuple
    wide_rate: float
    per_output: bool
    curvature: float | None = None


# Multilabel: 4 per text and label. A label has few positive texts, and its
# weights learn from those only: on 3-fold cross-validation over
# Reuters-21578's training stories (never its test stories), micro- / macro-F1
# after 32 epochs were 0.879 / 0.405 with 1 per text and 0.881 / 0.421 with 4
# (TF-IDF + OneVsRestClassifier(LinearSVC()): 0.878 / 0.403).
MULTILABEL_WIDE_RATE = 4.0
# Regression steps, chosen on SST-5's dev sentences (ratings as numbers; the
# defaults trained on stsa.fine.train): the squared error's RMSE fell from
# 1.017 with 1/4 per text (capped to 0.15) to 0.99-1.00 with 1/16 to 1/64
# (TF-IDF + Ridge: 0.991), the Huber loss's likewise. compile_model caps them
# for texts that share many words; on SST-5 the defaults stay below the cap.
LOSSES = {
    "sparse_categorical_crossentropy": Loss(
        ("accuracy",), WIDE_LEARNING_RATE_PER_TEXT, False
    ),
    "binary_crossentropy": Loss(("binary_accuracy",), MULTILABEL_WIDE_RATE, True),
    "mean_squared_error": Loss((), 1 / 32, True, curvature=2.0),
    "huber": Loss((), 1 / 16, True, curvature=1.0),
}


def compile_model(
    model, optimizer, learning_rate=None, batch_size=256,
    loss="sparse_categorical_crossentropy", gram_eigenvalue=None,
):  # fmt: skip
    """Compile for ``loss`` (one of :data:`LOSSES`) with one of :data:`OPTIMIZERS`.

    The default, sparse categorical cross-entropy, takes integer labels.
    ``gram_eigenvalue``: :func:`largest_gram_eigenvalue` of the TF-IDF
    features of a batch of training texts. For the losses with a
    ``curvature``, the bag-of-words step is capped at half the largest step
    gradient descent on them tolerates, ``2 * batch_size / (curvature *
    gram_eigenvalue)``: the per-text step suits texts that share few words
    (the eigenvalue is then small), and would diverge on texts that share
    most of them.
    """
    if learning_rate is None:
        learning_rate = DEFAULT_LEARNING_RATES.get(optimizer)
    kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}
    spec = LOSSES[loss]
    wide = spec.wide_rate * batch_size
    if spec.curvature is not None and gram_eigenvalue:
        wide = min(wide, batch_size / (spec.curvature * gram_eigenvalue))
    if spec.per_output:
        wide *= int(model.outputs[0].shape[-1])
    kwargs["wide_learning_rate"] = wide
    _compile(model, OPTIMIZERS[optimizer](**kwargs), loss)


def compile_restored(
    model, optimizer, learning_rate, wide_learning_rate=None,
    loss="sparse_categorical_crossentropy",
):  # fmt: skip
    """Compile a model rebuilt by the safe loader, from checked numbers only.

    ``wide_learning_rate=None``: the plain Keras optimizer, as models of
    sktextcnn 0.1 had (no separate step for the bag-of-words weights).
    ``loss``: a key of :data:`LOSSES`.
    """
    if wide_learning_rate is None:
        instance = _BASE_OPTIMIZERS[optimizer](learning_rate=learning_rate)
    else:
        instance = OPTIMIZERS[optimizer](
            learning_rate=learning_rate, wide_learning_rate=wide_learning_rate
        )
    _compile(model, instance, loss)


def _compile(model, optimizer, loss):
    model.compile(optimizer=optimizer, loss=loss, metrics=list(LOSSES[loss].metrics))


@dataclass(frozen=True)
class Architecture:
    """What sktextcnn knows of one architecture, read by the classifier, the
    batching and the safe loader alike.

    Attributes
    ----------
    build : callable
        ``build(n_ids, dim, n_outputs, **params)`` -> uncompiled keras.Model.
    kernel_sizes, dense_units
        What ``kernel_sizes=None`` / ``dense_units=None`` mean.
    padding_invariant : bool
        The output never depends on padding: batches may be cut to their texts.
    uses_embeddings : bool
        The model has an "embedding" layer (set from pre-trained vectors).
    layers : tuple of (module, class name)
        Every Keras layer class its models are made of.
    """

    build: Callable
    kernel_sizes: tuple
    dense_units: int
    padding_invariant: bool
    uses_embeddings: bool
    layers: tuple

    def min_length(self, kernel_sizes, pool_size):
        """Shortest input its models accept."""
        if self.padding_invariant:
            return 1
        return seed_min_length(kernel_sizes, pool_size)


def _keras_layers(names):
    return tuple(("keras.layers", name) for name in names.split())


def _our_layers(names):
    return tuple(("sktextcnn._architectures", name) for name in names.split())


REGISTRY = {
    "kim": Architecture(
        build=build_kim,
        kernel_sizes=(3, 4, 5),
        dense_units=0,
        padding_invariant=True,
        uses_embeddings=True,
        layers=_keras_layers(
            "InputLayer Embedding Conv1D Concatenate Dense Dropout Rescaling Add "
            "Activation"
        )
        + _our_layers("IdPadding ZeroPadVectors MaskedGlobalPooling1D TfidfLinear"),
    ),
    "seed": Architecture(
        build=build_seed,
        kernel_sizes=(5, 5, 5),
        dense_units=128,
        padding_invariant=False,
        uses_embeddings=True,
        layers=_keras_layers(
            "InputLayer Embedding Conv1D MaxPooling1D GlobalMaxPooling1D Dense "
            "Dropout Activation"
        )
        + _our_layers("ZeroPadVectors"),
    ),
    "bow": Architecture(
        build=build_bow,
        kernel_sizes=(),
        dense_units=0,
        padding_invariant=True,
        uses_embeddings=False,
        layers=_keras_layers("InputLayer Activation") + _our_layers("TfidfLinear"),
    ),
}
ARCHITECTURES = tuple(REGISTRY)
# The initializers the builders use (for the safe loader).
INITIALIZERS = ("GlorotUniform", "Ones", "RandomUniform", "Zeros")


# Keras dtype policies of the ``precision`` settings: "bfloat16" computes in
# bfloat16 and keeps float32 variables (and float32 output probabilities).
DTYPE_POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16"}


def build_model(architecture, n_ids, dim, n_outputs, precision="float32", **params):
    """Build the (uncompiled) Keras model for ``architecture``.

    ``precision`` ("float32" or "bfloat16", see :data:`DTYPE_POLICIES`) is
    the dtype policy of the layers, set for the build only: Keras' global
    policy (per thread) is left as it was.
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(DTYPE_POLICIES[precision])
    try:
        return REGISTRY[architecture].build(n_ids, dim, n_outputs, **params)
    finally:
        keras.config.set_dtype_policy(previous)


def n_weights(architecture, n_ids, dim, n_outputs, **params):
    """How many values the weights of ``build_model(...)`` hold, without building it.

    Arithmetic on the builder's parameters (``model.count_params()`` of the
    built model; a test keeps the two equal): the safe loader compares it
    with the weights a file actually stores before it lets Keras allocate
    anything.
    """
    filters = params.get("filters", 0)
    kernel_sizes = tuple(params.get("kernel_sizes", ()))
    dense = params.get("dense_units", 0)
    bow = 0
    if architecture == "bow" or (
        architecture == "kim" and params.get("bag_of_words", False)
    ):
        n_features = n_ids + params.get("bigram_buckets", 0)
        bow = n_features * n_outputs + n_features  # weights + idf
    if architecture == "bow":
        return bow
    total = n_ids * dim  # the embedding table
    if architecture == "kim":
        total += sum(k * dim * filters + filters for k in kernel_sizes)
        pooled = filters * len(kernel_sizes)
        pooled *= 2 if params.get("pooling", "max") == "max_mean" else 1
    else:  # "seed": stacked convolutions
        channels = dim
        for k in kernel_sizes:
            total += k * channels * filters + filters
            channels = filters
        pooled = filters
    if dense:
        total += pooled * dense + dense
        pooled = dense
    return total + pooled * n_outputs + n_outputs + bow
