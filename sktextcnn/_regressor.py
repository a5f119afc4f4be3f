"""TextCNNRegressor: the convnet of TextCNNClassifier predicting numbers."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin

from ._base import BaseTextCNN, Targets, shared_docstring, store_init_params
from ._compat import StrOptions, _fit_context
from ._validation import check_regression_targets

# loss parameter -> Keras loss (_architectures.LOSSES).
_KERAS_LOSSES = {"squared_error": "mean_squared_error", "huber": "huber"}


@shared_docstring
class TextCNNRegressor(RegressorMixin, BaseTextCNN):
    """1-D convolutional text regressor (Keras 3) over token id sequences.

    The model of :class:`TextCNNClassifier` -- the same vectorizer input,
    architectures, embedding modes, bag-of-words part, training loop,
    weights, callbacks and persistence -- with a linear output and a
    regression loss. The targets are standardized inside ``fit`` (each
    column to mean 0 and standard deviation 1, with the sample weights) and
    restored by ``predict``: no
    :class:`~sklearn.compose.TransformedTargetRegressor` is needed. ``y``
    may be 1-D or 2-D (several targets, one output each).

    Parameters
    ----------
    {model parameters}
    loss : {"squared_error", "huber"}, default="squared_error"
        The loss on the standardized targets: the squared error, or the
        Huber loss (squared within one standard deviation of the target,
        linear beyond it: outliers pull less).
    {control parameters}

    Attributes
    ----------
    n_outputs_ : int
        Number of targets (columns of a 2-D ``y``, 1 for a 1-D ``y``).
    target_mean_ : ndarray of shape (`n_outputs_`,)
        Weighted mean of each target in training; ``predict`` adds it back.
    target_scale_ : ndarray of shape (`n_outputs_`,)
        Weighted standard deviation of each target in training (1 for a
        constant target); ``predict`` multiplies by it. A warm start keeps
        the first fit's ``target_mean_`` and ``target_scale_``.
    model_ : keras.Model
        The trained network; it outputs the standardized targets.
    history_ : dict of list
        Per-epoch ``loss`` (on the standardized targets) and, with early
        stopping, ``val_loss``, over all fits since the last cold start when
        ``warm_start=True``.
    {attributes}

    See Also
    --------
    TextCNNClassifier : The same model predicting classes or labels.
    GloveVectorizer : Texts to token ids plus pre-trained vectors.

    Notes
    -----
    A 2-D ``y`` of one column gives 1-D predictions, as in
    :class:`~sklearn.neural_network.MLPRegressor`.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sktextcnn import GloveVectorizer, TextCNNRegressor
    >>> texts = ["awful film", "dull movie", "fine film", "great movie"] * 10
    >>> ratings = [0.0, 1.0, 3.0, 4.0] * 10
    >>> pipe = make_pipeline(
    ...     GloveVectorizer(max_length=8, embeddings=None),
    ...     TextCNNRegressor(filters=8, epochs=20, random_state=0),
    ... )
    >>> pipe.fit(texts, ratings).predict(["a great film"]).shape
    (1,)
    """

    _parameter_constraints: dict = {
        **BaseTextCNN._parameter_constraints,
        "loss": [StrOptions(set(_KERAS_LOSSES))],
    }
    _y_params = {"multi_output": True, "y_numeric": True}
    _same_targets_noun = "number of targets"
    _FITTED_ATTRIBUTES = BaseTextCNN._FITTED_ATTRIBUTES + (
        "n_outputs_", "target_mean_", "target_scale_",
    )  # fmt: skip

    def __init__(
        self,
        *,
        architecture="kim",
        filters=64,
        kernel_sizes=None,
        pool_size=5,
        pooling="max_mean",
        bag_of_words=True,
        bag_of_words_bigrams="auto",
        dense_units=None,
        dropout=0.5,
        embedding_init="pretrained",
        trainable_embeddings="auto",
        embedding_dim=100,
        optimizer="adam",
        learning_rate=None,
        batch_size="auto",
        epochs="auto",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=2,
        loss="squared_error",
        callbacks=None,
        warm_start=False,
        precision="float32",
        random_state=None,
        verbose=0,
    ):
        store_init_params(self, locals())

    # -- targets -------------------------------------------------------------------

    def _check_y(self, y):
        check_regression_targets(y)

    def _encode_targets(self, y, weights, warm):
        y = np.asarray(y, dtype=np.float64).reshape(len(weights), -1)
        n_outputs = y.shape[1]
        if warm and n_outputs == self.n_outputs_:
            # The fitted model's outputs are in the first fit's units.
            mean, scale = self.target_mean_, self.target_scale_
        else:
            mean = np.average(y, axis=0, weights=weights)
            scale = np.sqrt(np.average((y - mean) ** 2, axis=0, weights=weights))
            # A constant target keeps scale 1 (as StandardScaler): the model
            # learns zeros, predictions stay near its value.
            tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0)
            scale = np.where(scale > tiny, scale, 1.0)
        fitted = {
            "n_outputs_": n_outputs,
            "target_mean_": mean,
            "target_scale_": scale,
        }
        standardized = ((y - mean) / scale).astype(np.float32)
        return Targets(
            standardized, weights, n_outputs, "linear", _KERAS_LOSSES[self.loss],
            fitted,
        )  # fmt: skip

    def _same_targets(self, targets):
        return targets.n_outputs == self.n_outputs_

    # -- fit / predict -----------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the convnet.

        Parameters
        ----------
        X : TokenSequences or array-like of shape (n_samples, sequence_length)
            Token ids (0 = padding), e.g. the output of
            :meth:`GloveVectorizer.transform`.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Numeric targets (finite); standardized inside ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sample weights (they also weigh the targets'
            mean and standard deviation); never modified. In a
            :class:`~sklearn.pipeline.Pipeline` pass it as
            ``textcnnregressor__sample_weight=``.

        Returns
        -------
        self : TextCNNRegressor
            The fitted regressor.
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train on one chunk of a stream: a single pass over ``X``.

        For training sets that do not fit in memory: transform the texts
        chunk by chunk with a vectorizer of a fixed vocabulary
        (``GloveVectorizer(vocabulary="embeddings")``, whose ``fit`` reads no
        text) and call ``partial_fit`` on each chunk, as with
        :class:`~sklearn.linear_model.SGDRegressor`.

        The first call (on an unfitted regressor) builds the model ``fit``
        would build for that chunk; each later call continues it and its
        optimizer state (a regressor fitted by ``fit`` is continued too).
        What ``fit`` resolves from the whole training set comes from the
        first chunk and stays fixed: ``target_mean_`` and ``target_scale_``
        (the targets' standardization), the bag-of-words part's idf
        weights, ``bag_of_words_bigrams="auto"`` and the vocabulary size
        (from the ``TokenSequences`` the vectorizer returns). Make the first
        chunk large and representative. ``batch_size="auto"`` is resolved
        per chunk. ``epochs``, ``early_stopping`` and ``warm_start`` do not
        apply: one call is one pass, without a validation split. A later
        ``fit`` starts over (unless ``warm_start=True``).

        Parameters
        ----------
        X : TokenSequences or array-like of shape (n_samples, sequence_length)
            Token ids (0 = padding) of one chunk, e.g. the output of
            :meth:`GloveVectorizer.transform`; every chunk must have the
            first one's ``sequence_length`` and vocabulary.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Numeric targets (finite) of the chunk, with the first chunk's
            number of outputs.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sample weights (on the first call they also
            weigh the targets' mean and standard deviation).

        Returns
        -------
        self : TextCNNRegressor
            The regressor, trained on one more chunk.

        Notes
        -----
        Each call appends one entry to ``history_["loss"]`` (the chunk's
        mean training loss, on the standardized targets) and adds 1 to
        ``n_iter_``, the passes since the model was built. The random state
        of the shuffling (seeded by ``random_state`` on the first call) and
        of dropout is kept between calls, in pickles and in
        :func:`sktextcnn.save` files: training, pickling, and continuing in
        another process gives the model an uninterrupted run gives. A chunk
        that fails its checks (another sequence length, vocabulary or
        number of targets, no texts) raises ``ValueError`` and changes
        nothing.
        """
        return self._partial_fit(X, y, sample_weight)

    def predict(self, X):
        """Predicted targets, in the units of the training ``y``.

        Parameters
        ----------
        X : TokenSequences or array-like of shape (n_samples, sequence_length)
            Token ids (0 = padding), e.g. the output of
            :meth:`GloveVectorizer.transform`.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D when there is one target.
        """
        y = self._predict_outputs(X) * self.target_scale_ + self.target_mean_
        return y.ravel() if y.shape[1] == 1 else y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
