"""Keras model builders ("kim", "seed"), written with ``keras`` / ``keras.ops`` only.

Inputs are int32 token ids of shape (batch, length) with 0 as padding; the
length may vary from batch to batch.
"""

from __future__ import annotations

import keras
from keras import layers, ops

ARCHITECTURES = ("kim", "seed")


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


@keras.saving.register_keras_serializable(package="sktextcnn")
class TfidfLinear(layers.Layer):
    """A linear model over a TF-IDF bag of words, computed from token ids.

    Each real token contributes ``idf[id] * weights[id]``; the sum is divided
    by the L2 norm of the text's idf values (each occurrence counted as its
    own entry), as a TF-IDF vectorizer with ``norm="l2"`` would. ``idf`` is a
    frozen weight set from the training data; ``weights`` start at zero, so
    the branch starts neutral and learns alongside the convnet.
    """

    def __init__(self, n_ids, n_outputs, **kwargs):
        super().__init__(**kwargs)
        self.n_ids = int(n_ids)
        self.n_outputs = int(n_outputs)

    def build(self, input_shape):
        self.idf = self.add_weight(
            shape=(self.n_ids,), initializer="ones", trainable=False, name="idf"
        )
        self.weights_ = self.add_weight(
            shape=(self.n_ids, self.n_outputs), initializer="zeros", name="weights"
        )

    def call(self, ids):
        mask = ops.cast(ops.not_equal(ids, 0), self.idf.dtype)
        idf = ops.take(self.idf, ids) * mask
        rows = ops.take(self.weights_, ids, axis=0)
        scores = ops.sum(rows * ops.expand_dims(idf, -1), axis=1)
        norm = ops.sqrt(ops.maximum(ops.sum(idf * idf, axis=1, keepdims=True), 1e-12))
        return scores / norm

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_outputs)

    def get_config(self):
        return {
            **super().get_config(),
            "n_ids": self.n_ids,
            "n_outputs": self.n_outputs,
        }


def _embedding(ids, n_ids, dim, trainable, seed):
    emb = layers.Embedding(
        n_ids,
        dim,
        embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed),
        trainable=trainable,
        name="embedding",
    )
    return ZeroPadVectors(name="zero_padding")(ids, emb(ids))


def _head(x, n_outputs, dense_units, dropout, seed, extra_logits=None):
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
        logits = layers.Add(name="add_bag_of_words")([logits, extra_logits])
    return layers.Activation("softmax", name="output")(logits)


def build_kim(
    n_ids, dim, n_outputs, *, filters, kernel_sizes, dense_units, dropout,
    trainable, seed, pooling="max", bag_of_words=False,
):  # fmt: skip
    """Kim (2014): parallel convolutions of several widths, global max pooling."""
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
        TfidfLinear(n_ids, n_outputs, name="tfidf_linear")(ids)
        if bag_of_words
        else None
    )
    out = _head(x, n_outputs, dense_units, dropout, seed, bow)
    return keras.Model(ids, out, name="kim_textcnn")


def build_seed(
    n_ids, dim, n_outputs, *, filters, kernel_sizes, dense_units, dropout,
    trainable, seed, pool_size=5,
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
    out = _head(x, n_outputs, dense_units, dropout, seed)
    return keras.Model(ids, out, name="seed_textcnn")


def seed_min_length(kernel_sizes, pool_size=5):
    """Shortest input the stacked convnet accepts (its last conv needs >= 1 step)."""
    length = 1
    for i, k in reversed(list(enumerate(kernel_sizes))):
        if i < len(kernel_sizes) - 1:
            length *= pool_size
        length += k - 1
    return length


def build_model(architecture, n_ids, dim, n_outputs, **params):
    """Build the (uncompiled) Keras model for ``architecture``."""
    builder = {"kim": build_kim, "seed": build_seed}[architecture]
    return builder(n_ids, dim, n_outputs, **params)
