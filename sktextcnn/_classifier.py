"""TextCNNClassifier: a Keras 1-D convnet over token ids as a sklearn classifier."""

from __future__ import annotations

import copy
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from ._architectures import (
    ARCHITECTURES,
    BIGRAM_BUCKETS,
    OPTIMIZERS,
    REGISTRY,
    build_model,
    compile_model,
    smooth_idf,
)
from ._compat import Interval, StrOptions, _fit_context
from ._digest import open_state, seal_state
from ._persistence import pack_model, unpack_model
from ._sequences import TokenSequences
from ._training import (
    BatchMaker,
    bfloat16_gpu,
    copy_callbacks,
    fit_loop,
    predict_batches,
    restore_variable_values,
    variable_values,
)
from ._validation import (
    check_embedding_dim,
    check_id_array,
    check_labels,
    check_table_size,
    fit_weights,
    reject_raw_text,
    set_input_attributes,
    validate_fit_data,
    warn_no_pretrained_vectors,
)

# epochs="auto": about this many gradient steps, within these bounds.
_AUTO_STEPS = 250
_AUTO_EPOCHS = (5, 40)
# bag_of_words_bigrams="auto": bigrams when the median training text has at
# most this many tokens (in the vocabulary).
_SHORT_TEXT = 64


def _carried_matrix(X):
    if isinstance(X, TokenSequences):
        return X.embedding_matrix, X.n_ids
    return None, None


# What a pickled state of sktextcnn 0.1 (no whole-state digest) may hold
# besides parameters and fitted attributes.
_OLD_STATE_KEYS = {"_sklearn_version", "_sklearn_output_config", "_metadata_request"}


class TextCNNClassifier(ClassifierMixin, BaseEstimator):
    """1-D convolutional text classifier (Keras 3) over token id sequences.

    Takes the output of :class:`GloveVectorizer` (it then starts from the
    vectorizer's pre-trained embedding matrix) or any 2-D array of
    non-negative integer token ids with 0 as padding (embeddings then learned
    from scratch).

    Parameters
    ----------
    architecture : {"kim", "seed", "bow"}, default="kim"
        "kim": Kim (2014) -- parallel convolutions of the widths
        ``kernel_sizes``, ``filters`` maps each, global max pooling over
        time, dropout, softmax. Padding never changes its output, so batches
        are cut to their longest text. "seed": the Keras blog's stacked
        convnet -- one Conv1D + MaxPooling1D(``pool_size``) block per width,
        the last pooled globally, a ``dense_units`` hidden layer, softmax.
        "bow": the "kim" model's bag-of-words part alone (no convnet, no
        embeddings): the ablation that shows what the convnet adds.
    filters : int, default=64
        Feature maps per convolution width.
    kernel_sizes : tuple of int or None, default=None
        Convolution widths. None: (3, 4, 5) for "kim", (5, 5, 5) for "seed".
    pool_size : int, default=5
        Pooling size between the "seed" architecture's blocks.
    pooling : {"max", "max_mean"}, default="max"
        Pooling over time of the "kim" architecture: Kim's max, or the max
        concatenated with the mean over the text's windows.
    bag_of_words : bool, default=True
        Add to the "kim" architecture's logits a linear model over the TF-IDF
        bag of words of the text (idf from the training data), trained jointly
        with the convnet ("wide & deep"). Its weights are trained by plain SGD
        (a step of 1.0 per text, times the batch size), the convnet by
        ``optimizer``: see the user guide's design notes.
    bag_of_words_bigrams : bool or "auto", default="auto"
        Add the text's word bigrams, hashed into 2**17 buckets (fastText's
        bigram buckets), to the bag of words. "auto": when the median
        training text has at most 64 tokens -- bigrams (negations, "not
        good") help sentences and hurt long texts with few labels.
    dense_units : int or None, default=None
        Units of a ReLU hidden layer before the output (0: none).
        None: 0 for "kim", 128 for "seed".
    dropout : float, default=0.5
        Dropout rate before the output layer (the blog's recipe used 0).
    embedding_init : {"pretrained", "random"}, default="pretrained"
        Start from the embedding matrix carried by ``X`` (when it carries
        one) or from random vectors ("random": Kim's CNN-rand, the blog's
        "learned from scratch").
    trainable_embeddings : bool or "auto", default="auto"
        Fine-tune the embeddings (True: Kim's CNN-non-static) or keep them
        frozen (False: CNN-static, the blog's recipe). "auto": frozen when
        they start from pre-trained vectors, learned when they start random
        (why: the design notes of the user guide, docs/index.md).
    embedding_dim : int, default=100
        Size of the random embeddings when no pre-trained matrix is used.
    optimizer : {"adam", "adamw", "rmsprop", "adadelta", "sgd"}, default="adam"
        Keras optimizer.
    learning_rate : float or None, default=None
        None: 0.002 for "adam" and "adamw", the Keras default for the others
        (0.001 for "rmsprop", as in the blog).
    batch_size : int or "auto", default="auto"
        Texts per gradient step (and per inference batch). "auto": 256, or
        ``n_samples // 32`` (at least 32) when 256 would give fewer than 32
        steps per epoch: large batches train faster per text, small ones
        learn more from small training sets. Inference uses 256.
    epochs : int or "auto", default="auto"
        Passes over the training data (at most, with ``early_stopping``).
        "auto": enough for about 250 gradient steps, at least 5 and at most
        40: 6 for 11,314 texts, 36 for 200 (why: the user guide's design
        notes, docs/index.md).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified),
        stop when the validation loss has not improved for
        ``n_iter_no_change`` epochs and restore the best epoch's weights.
        Off by default, as in :class:`~sklearn.neural_network.MLPClassifier`
        (why: the design notes of the user guide, docs/index.md).
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping``.
    n_iter_no_change : int, default=2
        The patience of the early stopping (Keras' ``EarlyStopping(patience=)``,
        named as in :class:`~sklearn.neural_network.MLPClassifier`): epochs
        without a lower validation loss before training stops.
    class_weight : dict, "balanced" or None, default=None
        Weights per class: ``{label: weight}`` (labels missing from the dict
        get 1) or "balanced" (``n_samples / (n_classes * count(label))``).
        They multiply ``sample_weight``: a sample's weight is its
        ``sample_weight`` times its class's weight.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Keras callbacks, called as ``Model.fit`` calls them with per-epoch
        logs (``loss``, ``accuracy`` and, with early stopping, ``val_loss``,
        ``val_accuracy``); one setting ``model.stop_training`` (e.g.
        ``EarlyStopping``, ``TerminateOnNaN``) ends training. Each fit
        uses fresh deep copies: the objects given here are never bound to
        the model nor changed, so they survive :func:`~sklearn.base.clone`
        and grid searches. A non-finite loss always raises
        ``FloatingPointError``.
    warm_start : bool, default=False
        Continue training the previous fit's model (same classes and
        vocabulary size) instead of starting anew: ``model_`` stays the same
        object and ``history_`` grows by the new epochs. Architecture
        parameters changed in between are ignored until a cold fit.
    precision : {"float32", "bfloat16", "auto"}, default="float32"
        Arithmetic of the network. "float32": exact single precision.
        "bfloat16": Keras' ``mixed_bfloat16`` policy -- layers compute in
        bfloat16 and keep float32 weights, probabilities stay float32. "auto":
        "bfloat16" on a GPU with bfloat16 units (compute capability 8.0 or
        more), "float32" on any CPU: on a CPU with AVX-512 BF16 and AMX,
        bfloat16 took as many CPU-seconds to train as float32 (see the user
        guide's "GPUs and backends" page). Resolved at a cold fit;
        ``warm_start`` fits keep the model's precision.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling and the validation
        split. With an int, fits on CPU are reproducible. Fitting never
        touches the global NumPy, Python or Keras random state.
    verbose : int, default=0
        0: silent; 1: one line per epoch (to stderr); 2: also a Keras
        progress bar over each epoch's batches.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Sequence length seen in fit.
    n_ids_ : int
        Number of token ids the model accepts (vocabulary size).
    embedding_dim_ : int
        Size of the embedding vectors.
    model_ : keras.Model
        The trained network; it outputs class probabilities.
    history_ : dict of list
        Per-epoch ``loss`` and ``accuracy`` (and ``val_loss``,
        ``val_accuracy`` with early stopping), over all fits since the last
        cold start when ``warm_start=True``.
    n_iter_ : int
        Epochs run in the last fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` when it was a DataFrame with string column
        names (e.g. ``GloveVectorizer().set_output(transform="pandas")``).

    See Also
    --------
    GloveVectorizer : Texts to token ids plus pre-trained vectors.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sktextcnn import GloveVectorizer, TextCNNClassifier
    >>> texts = ["good movie", "great film", "bad movie", "awful film"] * 10
    >>> labels = ["pos", "pos", "neg", "neg"] * 10
    >>> pipe = make_pipeline(
    ...     GloveVectorizer(max_length=8, embeddings=None),
    ...     TextCNNClassifier(filters=8, epochs=20, early_stopping=False,
    ...                       random_state=0),
    ... )
    >>> pipe.fit(texts, labels).predict(["a great movie"])
    array(['pos'], dtype='<U3')
    """

    _parameter_constraints: dict = {
        "architecture": [StrOptions(set(ARCHITECTURES))],
        "filters": [Interval(Integral, 1, None, closed="left")],
        "kernel_sizes": ["array-like", None],
        "pool_size": [Interval(Integral, 1, None, closed="left")],
        "pooling": [StrOptions({"max", "max_mean"})],
        "bag_of_words": ["boolean"],
        "bag_of_words_bigrams": ["boolean", StrOptions({"auto"})],
        "dense_units": [Interval(Integral, 0, None, closed="left"), None],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "embedding_init": [StrOptions({"pretrained", "random"})],
        "trainable_embeddings": ["boolean", StrOptions({"auto"})],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
        "precision": [StrOptions({"float32", "bfloat16", "auto"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        architecture="kim",
        filters=64,
        kernel_sizes=None,
        pool_size=5,
        pooling="max",
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
        class_weight=None,
        callbacks=None,
        warm_start=False,
        precision="float32",
        random_state=None,
        verbose=0,
    ):
        self.architecture = architecture
        self.filters = filters
        self.kernel_sizes = kernel_sizes
        self.pool_size = pool_size
        self.pooling = pooling
        self.bag_of_words = bag_of_words
        self.bag_of_words_bigrams = bag_of_words_bigrams
        self.dense_units = dense_units
        self.dropout = dropout
        self.embedding_init = embedding_init
        self.trainable_embeddings = trainable_embeddings
        self.embedding_dim = embedding_dim
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose

    # -- helpers ---------------------------------------------------------------

    def _kernel_sizes(self):
        sizes = self.kernel_sizes
        if sizes is None:
            return REGISTRY[self.architecture].kernel_sizes
        sizes = tuple(np.ravel(sizes).tolist())
        if not sizes or not all(
            isinstance(k, Integral) and not isinstance(k, bool) and k >= 1
            for k in sizes
        ):
            raise ValueError(
                "kernel_sizes must be a non-empty sequence of positive ints, "
                f"got {self.kernel_sizes!r}."
            )
        return sizes

    def _batch_size(self, n_train):
        """``batch_size``, resolved for a training set of ``n_train`` texts."""
        if self.batch_size != "auto":
            return self.batch_size
        return int(min(256, max(32, n_train // 32)))

    def _new_predict_settings(self, use_matrix):
        """What prediction needs to know of the parameters, fixed at a cold fit.

        ``predict`` reads this fitted state only, never the parameters: as in
        scikit-learn, ``set_params`` after ``fit`` changes nothing until the
        next fit.
        """
        arch = REGISTRY[self.architecture]
        return {
            # Padding-invariant models get batches cut to their texts.
            "trim": arch.padding_invariant,
            "min_width": int(arch.min_length(self._kernel_sizes(), self.pool_size)),
            "batch_size": 256 if self.batch_size == "auto" else int(self.batch_size),
            "pretrained": bool(use_matrix),
        }

    @staticmethod
    def _batch_maker(ids, settings):
        return BatchMaker(ids, trim=settings["trim"], min_width=settings["min_width"])

    def _new_model(self, n_ids, matrix, n_classes, seed, idf, bigrams, batch_size):
        use_matrix = matrix is not None and self.embedding_init == "pretrained"
        dim = matrix.shape[1] if use_matrix else self.embedding_dim
        dense = self.dense_units
        if dense is None:
            dense = REGISTRY[self.architecture].dense_units
        params = dict(
            filters=self.filters,
            kernel_sizes=self._kernel_sizes(),
            dense_units=dense,
            dropout=self.dropout,
            trainable=(
                not use_matrix
                if self.trainable_embeddings == "auto"
                else self.trainable_embeddings
            ),
            seed=seed,
        )
        if self.architecture == "seed":
            params["pool_size"] = self.pool_size
        else:
            params["pooling"] = self.pooling
            params["bag_of_words"] = self.bag_of_words
            params["bigram_buckets"] = BIGRAM_BUCKETS if bigrams else 0
        model = build_model(
            self.architecture, n_ids, dim, n_classes, precision=self._precision(),
            **params,
        )  # fmt: skip
        if use_matrix and REGISTRY[self.architecture].uses_embeddings:
            model.get_layer("embedding").set_weights([matrix])
        if idf is not None:
            model.get_layer("tfidf_linear").idf.assign(idf)
        compile_model(model, self.optimizer, self.learning_rate, batch_size)
        return model, dim

    def _precision(self):
        """``precision``, resolved for the device Keras computes on."""
        if self.precision != "auto":
            return self.precision
        return "bfloat16" if bfloat16_gpu() else "float32"

    def _uses_bag_of_words(self):
        return self.architecture == "bow" or (
            self.architecture == "kim" and self.bag_of_words
        )

    def _bigrams(self, X):
        """``bag_of_words_bigrams``, resolved for the training ids ``X``."""
        if not self._uses_bag_of_words():
            return False
        if self.bag_of_words_bigrams != "auto":
            return bool(self.bag_of_words_bigrams)
        lengths = np.count_nonzero(X, axis=1)
        return bool(len(lengths)) and float(np.median(lengths)) <= _SHORT_TEXT

    def _epochs(self, n_train, batch_size):
        """``epochs``, resolved for ``n_train`` texts in batches of ``batch_size``."""
        if self.epochs != "auto":
            return self.epochs
        steps = -(-n_train // batch_size)
        return int(np.clip(-(-_AUTO_STEPS // steps), *_AUTO_EPOCHS))

    def _check_predict_ids(self, X):
        """Token ids for prediction (fit checks its own through the same functions)."""
        reject_raw_text(X)
        matrix, _ = _carried_matrix(X)
        X = validate_data(self, X, reset=False, dtype=None, ensure_min_features=1)
        X = check_id_array(X, self.n_ids_)
        if matrix is not None and self._predict_settings_["pretrained"]:
            check_embedding_dim(
                matrix.shape[1], self.embedding_dim_, "refit it with the new vectorizer"
            )
        return X

    # -- fit / predict -----------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the convnet.

        Parameters
        ----------
        X : TokenSequences or array-like of shape (n_samples, sequence_length)
            Token ids (0 = padding), e.g. the output of
            :meth:`GloveVectorizer.transform`.
        y : array-like of shape (n_samples,)
            Labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sample weights, multiplied by the
            ``class_weight`` of each sample's class; never modified. In a
            :class:`~sklearn.pipeline.Pipeline` pass it as
            ``textcnnclassifier__sample_weight=``; with metadata routing
            enabled, request it with ``set_fit_request(sample_weight=True)``.

        Returns
        -------
        self : TextCNNClassifier
            The fitted classifier.
        """
        # Every fitted attribute is assigned at the end, once training has
        # succeeded: an exception or KeyboardInterrupt part-way leaves an
        # unfitted estimator unfitted and a fitted one with its old model.
        warm = self.warm_start and hasattr(self, "model_")
        reject_raw_text(X)
        check_labels(y)
        matrix, n_ids = _carried_matrix(X)
        is_frame = hasattr(X, "columns")
        X, y, input_attrs = validate_fit_data(self, X, y, reset=not warm)
        X = check_id_array(X)
        check_classification_targets(y)
        classes, y_enc = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"The training labels hold one class only ({classes.tolist()[0]!r}); "
                "at least 2 classes are needed."
            )
        weights = fit_weights(sample_weight, self.class_weight, X, y, y_enc)
        if n_ids is None:
            n_ids = int(X.max()) + 1 if X.size else 1
        if X.size and X.max() >= n_ids:
            raise ValueError(
                f"X contains token id {X.max()} but its vocabulary has {n_ids} ids."
            )
        use_matrix = matrix is not None and self.embedding_init == "pretrained"
        dim = matrix.shape[1] if use_matrix else self.embedding_dim
        check_table_size(n_ids, dim)
        callbacks = copy_callbacks(self.callbacks)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))

        # Resolved once for the texts that train (less the validation split).
        batch_size = self._batch_size(len(y_enc) - self._n_validation(len(y_enc)))

        if warm:
            if not np.array_equal(classes, self.classes_) or n_ids > self.n_ids_:
                raise ValueError(
                    "warm_start=True needs the same classes and vocabulary as the "
                    "previous fit; set warm_start=False to train a new model."
                )
            if use_matrix:
                check_embedding_dim(
                    dim,
                    self.embedding_dim_,
                    "set warm_start=False to train a new model",
                )
            model, dim = self.model_, self.embedding_dim_
            # Architecture parameters changed since then wait for a cold fit.
            settings = self._predict_settings_
            history = copy.deepcopy(self.history_)
            # All of the model's state: weights, dropout seed, optimizer slots.
            old_state = variable_values(model)
        else:
            if is_frame and matrix is None and self.embedding_init == "pretrained":
                warn_no_pretrained_vectors()
            bigrams = self._bigrams(X)
            idf = None
            if self._uses_bag_of_words():
                idf = smooth_idf(X, n_ids, BIGRAM_BUCKETS if bigrams else 0)
            model, dim = self._new_model(
                n_ids, matrix, len(classes), seed, idf, bigrams, batch_size
            )
            settings = self._new_predict_settings(use_matrix)
            history, old_state = None, None

        train_idx, val = np.arange(len(y_enc)), None
        if self.early_stopping:
            train_idx, val_idx = self._validation_split(y_enc, rng)
            for part, idx in (("training", train_idx), ("validation", val_idx)):
                if not np.any(weights[idx] > 0):
                    raise ValueError(
                        f"Every sample of the early-stopping {part} split has "
                        "zero weight; give more samples a positive "
                        "sample_weight or set early_stopping=False."
                    )
            val_batches = self._batch_maker(X[val_idx], settings)
            val = (val_batches, y_enc[val_idx], weights[val_idx])
        try:
            history = fit_loop(
                model,
                self._batch_maker(X[train_idx], settings),
                y_enc[train_idx],
                weights[train_idx],
                epochs=self._epochs(len(train_idx), batch_size),
                batch_size=batch_size,
                rng=rng,
                validation=val,
                n_iter_no_change=self.n_iter_no_change if self.early_stopping else None,
                callbacks=callbacks,
                verbose=self.verbose,
                history=history,
            )
        except BaseException:
            # Leave a previously fitted estimator exactly as it was.
            if old_state is not None:
                restore_variable_values(model, old_state)
            raise
        n_epochs = len(history.get("loss", ())) - (
            len(self.history_.get("loss", ())) if warm else 0
        )
        set_input_attributes(self, input_attrs)
        self.classes_ = classes
        self.n_ids_ = n_ids
        self.embedding_dim_ = dim
        self.model_ = model
        self.history_ = history
        self.n_iter_ = n_epochs
        self._predict_settings_ = settings
        return self

    def _n_validation(self, n_samples):
        if not self.early_stopping:
            return 0
        return int(np.ceil(self.validation_fraction * n_samples))

    def _validation_split(self, y, rng):
        idx = np.arange(len(y))
        n_val = self._n_validation(len(y))
        counts = np.bincount(y)
        stratify = y if counts.min() >= 2 and n_val >= len(counts) else None
        if n_val < 1 or len(y) - n_val < 1:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves no "
                f"training or no validation samples out of {len(y)}."
            )
        return train_test_split(
            idx, test_size=n_val, stratify=stratify, random_state=rng
        )

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : TokenSequences or array-like of shape (n_samples, sequence_length)
            Token ids (0 = padding), e.g. the output of
            :meth:`GloveVectorizer.transform`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        check_is_fitted(self, "model_")
        X = self._check_predict_ids(X)
        settings = self._predict_settings_
        proba = predict_batches(
            self.model_, self._batch_maker(X, settings), settings["batch_size"]
        )
        proba = proba.astype(np.float64)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : TokenSequences or array-like of shape (n_samples, sequence_length)
            Token ids (0 = padding), e.g. the output of
            :meth:`GloveVectorizer.transform`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        return np.log(np.clip(self.predict_proba(X), 1e-300, None))

    def predict(self, X):
        """Most probable class of each sample, as an original label.

        Parameters
        ----------
        X : TokenSequences or array-like of shape (n_samples, sequence_length)
            Token ids (0 = padding), e.g. the output of
            :meth:`GloveVectorizer.transform`.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    # -- persistence -------------------------------------------------------------

    # Every fitted attribute (what sktextcnn.load accepts, and all an old
    # pickle may hold besides the parameters).
    _FITTED_ATTRIBUTES = (
        "classes_", "n_features_in_", "feature_names_in_", "n_ids_",
        "embedding_dim_", "model_", "history_", "n_iter_", "_predict_settings_",
    )  # fmt: skip

    def __getstate__(self):
        state = dict(super().__getstate__())
        if "model_" in state:
            state["model_"] = pack_model(state["model_"])
        # A digest of the whole state: a corrupt pickle cannot load wrong labels.
        return seal_state(state)

    def __setstate__(self, state):
        known = _OLD_STATE_KEYS | set(self._FITTED_ATTRIBUTES)
        state = open_state(state, self, known | set(self._get_param_names()))
        if isinstance(state.get("model_"), dict):
            state["model_"] = unpack_model(state["model_"])
        super().__setstate__(state)
        if "model_" in state and "_predict_settings_" not in state:
            # Pickled before the settings were recorded: derive them from the
            # parameters, which such versions read at predict time.
            self._predict_settings_ = self._new_predict_settings(
                self.embedding_init == "pretrained"
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.input_tags.categorical = True
        tags.non_deterministic = self.random_state is None
        return tags
