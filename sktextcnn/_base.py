"""What TextCNNClassifier and TextCNNRegressor share: parameters, fit, persistence.

As scikit-learn's ``BaseMultilayerPerceptron`` does for ``MLPClassifier`` and
``MLPRegressor``, :class:`BaseTextCNN` holds everything the two estimators
share -- the parameters, the training (vocabulary, embeddings, model,
training loop, early stopping, warm start, the roll-back of a failed fit),
batched prediction and persistence -- and the estimators add only what
differs: how ``y`` becomes what the model learns (class indices, an
indicator matrix, standardized numbers), with which output activation and
loss, and what ``predict`` returns.
"""

from __future__ import annotations

import copy
import inspect
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from ._architectures import (
    ARCHITECTURES,
    BIGRAM_BUCKETS,
    LOSSES,
    NB_INTERPOLATION,
    OPTIMIZERS,
    REGISTRY,
    RIDGE_LOGIT_SCALE,
    build_model,
    compile_model,
    embedding_neighbors,
    largest_gram_eigenvalue,
    nb_scales,
    ridge_weights,
    smooth_idf,
    smoothing_matrix,
    tfidf_features,
)
from ._compat import Interval, StrOptions
from ._digest import open_state, seal_state
from ._persistence import pack_model, unpack_model
from ._sequences import TokenSequences
from ._training import (
    BatchMaker,
    copy_callbacks,
    fit_loop,
    predict_batches,
    restore_variable_values,
    variable_values,
)
from ._validation import (
    check_embedding_dim,
    check_id_array,
    check_sample_weight,
    check_table_size,
    reject_raw_text,
    set_input_attributes,
    validate_fit_data,
    warn_no_pretrained_vectors,
)

# epochs="auto": about this many gradient steps (by the median training
# text's length, as bag_of_words_bigrams="auto"), within these bounds. With
# the ridge start of the bag-of-words part, long texts need fewer: on the
# validation splits (mean of 2 seeds, 250 -> 150 steps) 20 Newsgroups 94.1
# -> 93.9 (4 epochs instead of 7, 26 s instead of 36), 10 / 50 posts per
# class 63.15 -> 63.3 / 82.4 -> 82.4; sentences lost 0.2 to 0.5 (MR 79.9 ->
# 79.55, SST-5 38.2 -> 37.65, TREC 86.1 -> 85.7) and keep 250. With the
# NBSVM-scaled start, 150 -> 100 steps and at least 3 epochs instead of 4:
# 20 Newsgroups 94.12 -> 94.10 (3 epochs instead of 5 on the split), 10 / 50
# / 200 posts per class 67.68 -> 67.30 / 83.95 -> 84.10 / 91.17 -> 91.05.
_AUTO_STEPS = {"short": 250, "long": 100}
_AUTO_EPOCHS = (3, 40)
# bag_of_words_bigrams="auto": bigrams when the median training text has at
# most this many tokens (in the vocabulary).
_SHORT_TEXT = 64


# What a pickled state of sktextcnn 0.1 (no whole-state digest) may hold
# besides parameters and fitted attributes.
_OLD_STATE_KEYS = {"_sklearn_version", "_sklearn_output_config", "_metadata_request"}


def _rng_state(rng):
    """A RandomState's state as plain values (what ``set_state`` takes back)."""
    name, keys, pos, has_gauss, cached = rng.get_state(legacy=True)
    return (str(name), keys.copy(), int(pos), int(has_gauss), float(cached))


def _carried_matrix(X):
    if isinstance(X, TokenSequences):
        return X.embedding_matrix, X.n_ids
    return None, None


@dataclass(frozen=True)
class Targets:
    """What a fit trains on, as an estimator made it from ``y``.

    Attributes
    ----------
    y : ndarray
        What the model's loss takes: class indices of shape (n_samples,), or
        an indicator matrix or standardized targets of shape (n_samples,
        n_outputs).
    weights : ndarray of shape (n_samples,)
        Per-sample training weights (``sample_weight`` times any class
        weights).
    n_outputs : int
        Units of the output layer.
    activation : str
        The output layer's activation ("softmax", "sigmoid", "linear").
    loss : str
        The Keras loss (a key of ``_architectures.LOSSES``).
    fitted : dict
        The fitted attributes that describe the targets (``classes_``,
        ``target_mean_``...), assigned once training has succeeded.
    output_bias : ndarray of shape (n_outputs,) or None
        The initial bias of the output layer (the "kim" and "seed"
        architectures' "logits" layer), None for zeros.
    auto_steps : int or None
        The gradient steps ``epochs="auto"`` aims at; None: by the training
        texts' length (``_AUTO_STEPS``).
    ridge_start : bool
        The bag-of-words part starts at a ridge regression of the one-hot
        labels (single-label classification with
        ``bag_of_words_init="ridge"``; see
        :data:`~sktextcnn._architectures.RIDGE_LOGIT_SCALE`).
    """

    y: np.ndarray
    weights: np.ndarray
    n_outputs: int
    activation: str
    loss: str
    fitted: dict
    output_bias: np.ndarray | None = None
    auto_steps: int | None = None
    ridge_start: bool = False


def store_init_params(estimator, params):
    """Store every ``__init__`` argument unchanged, as scikit-learn requires.

    ``params`` is the ``locals()`` of the estimator's ``__init__``, whose
    signature lists every parameter explicitly (``get_params`` reads it).
    """
    for name in estimator._get_param_names():
        setattr(estimator, name, params[name])


class BaseTextCNN(BaseEstimator, metaclass=ABCMeta):
    """Base class of :class:`TextCNNClassifier` and :class:`TextCNNRegressor`.

    Not an estimator itself: a subclass declares its parameters in its own
    ``__init__`` (the shared ones and its own, stored with
    :func:`store_init_params`), wraps :meth:`_fit` in its ``fit``, and
    implements :meth:`_check_y`, :meth:`_encode_targets` and
    :meth:`_same_targets`.
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
        "callbacks": [list, None],
        "warm_start": ["boolean"],
        "precision": [StrOptions({"float32", "bfloat16", "auto"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # validate_data's options for y (both take 2-D y).
    _y_params: dict = {"multi_output": True}
    # What warm_start needs to stay the same, for its error message.
    _same_targets_noun = "targets"
    # trainable_embeddings="auto" fine-tunes pre-trained vectors when the
    # median training text has at most _SHORT_TEXT tokens (the classifier;
    # see docs/index.md).
    _fine_tune_short_texts = False

    # -- what the subclasses implement -------------------------------------------

    @abstractmethod
    def _check_y(self, y):
        """Reject a ``y`` that ``validate_data`` would mangle or reject obscurely."""

    @abstractmethod
    def _encode_targets(self, y, weights, warm):
        """The :class:`Targets` of the validated ``y`` and checked ``weights``.

        ``warm``: a warm-start fit, which keeps the previous fit's encoding.
        """

    @abstractmethod
    def _same_targets(self, targets):
        """Whether a warm start may train the fitted model on ``targets``."""

    def _partial_fit_targets(self, y, weights, classes, first):
        """The :class:`Targets` of one ``partial_fit`` chunk.

        ``first``: the call that builds the model (the encoding is fixed
        then); later chunks are encoded as the fitted model's targets. The
        classifier overrides this to handle ``classes``.
        """
        targets = self._encode_targets(y, weights, warm=not first)
        if not first and not self._same_targets(targets):
            raise ValueError(
                f"This chunk's {self._same_targets_noun} differ from those the "
                "model was built for by the first partial_fit call (or fit); "
                "every chunk must have the same."
            )
        return targets

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

    def _new_model(
        self, X, n_ids, matrix, targets, seed, bigrams, batch_size, train=None
    ):
        """A new compiled model for the training ids ``X``, and its embedding size.

        ``train``: the indices of the texts that train (all of them when None;
        not the early-stopping validation split), for the ridge start.
        """
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
                not use_matrix or (self._fine_tune_short_texts and self._short(X))
                if self.trainable_embeddings == "auto"
                else self.trainable_embeddings
            ),
            seed=seed,
            output_activation=targets.activation,
        )
        if self.architecture == "seed":
            params["pool_size"] = self.pool_size
        else:
            params["pooling"] = self.pooling
            params["bag_of_words"] = self.bag_of_words
            params["bigram_buckets"] = BIGRAM_BUCKETS if bigrams else 0
        model = build_model(
            self.architecture, n_ids, dim, targets.n_outputs,
            precision=self._precision(), **params,
        )  # fmt: skip
        if use_matrix and REGISTRY[self.architecture].uses_embeddings:
            model.get_layer("embedding").set_weights([matrix])
        if targets.output_bias is not None and self.architecture != "bow":
            model.get_layer("logits").bias.assign(targets.output_bias)
        gram = None
        if self._uses_bag_of_words():
            buckets = BIGRAM_BUCKETS if bigrams else 0
            idf = smooth_idf(X, n_ids, buckets)
            layer = model.get_layer("tfidf_linear")
            layer.idf.assign(idf)
            if targets.ridge_start:
                rows = slice(None) if train is None else train
                features = tfidf_features(X[rows], idf, n_ids, buckets)
                strength = self._smoothing_strength(n_ids) if use_matrix else 0.0
                if strength:
                    # Ridge on the smoothed features x (I + S); the layer's
                    # weights are then (I + S) times its solution.
                    neighbors = embedding_neighbors(matrix, idf)
                    spread = smoothing_matrix(*neighbors, strength, features.shape[1])
                    features = features @ spread
                length = "short" if self._short(X) else "long"
                y, sample_weight = targets.y[rows], targets.weights[rows]
                scales = None
                if NB_INTERPOLATION[length]:
                    scales = nb_scales(
                        features, y, targets.n_outputs, sample_weight,
                        NB_INTERPOLATION[length],
                    )  # fmt: skip
                weights = ridge_weights(
                    features, y, targets.n_outputs, sample_weight, scales=scales
                )
                if strength:
                    weights = np.asarray(spread @ weights, dtype=np.float32)
                scale = RIDGE_LOGIT_SCALE[length]
                layer.weights_.assign(weights * (scale / layer.scale))
            if LOSSES[targets.loss].curvature is not None:
                # How much a batch's texts overlap (see compile_model): on a
                # sample of one batch of them, drawn apart from the fit's rng.
                sample = np.random.RandomState(seed).permutation(len(X))[:batch_size]
                features = tfidf_features(X[sample], idf, n_ids, buckets)
                gram = largest_gram_eigenvalue(features)
        compile_model(
            model, self.optimizer, self.learning_rate, batch_size,
            loss=targets.loss, gram_eigenvalue=gram,
        )  # fmt: skip
        return model, dim

    def _smoothing_strength(self, n_ids):
        """``bag_of_words_smoothing`` of the ridge start, resolved (0.0: none)."""
        return 0.0

    def _precision(self):
        """``precision``, resolved: "auto" is the precision measured fastest.

        bfloat16 has been measured slower or no faster than float32 on every
        device tried (docs/user_guide/gpus_backends.md, "Mixed precision"):
        an NVIDIA H200 under JAX (training steps 1.2-1.3x slower, the
        bag-of-words part 2x), a CPU with AVX-512 BF16 and AMX under
        TensorFlow (as many CPU-seconds) and JAX (1.4x more). So "auto" is
        float32 everywhere until a device is measured where bfloat16 helps.
        """
        return "float32" if self.precision == "auto" else self.precision

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
        return self._short(X)

    @staticmethod
    def _short(X):
        """Whether the median text of ``X`` has at most ``_SHORT_TEXT`` tokens."""
        lengths = np.count_nonzero(X, axis=1)
        return bool(len(lengths)) and float(np.median(lengths)) <= _SHORT_TEXT

    def _epochs(self, n_train, batch_size, auto_steps=None, short=True):
        """``epochs``, resolved for ``n_train`` texts in batches of ``batch_size``.

        "auto": about ``auto_steps`` gradient steps, within ``_AUTO_EPOCHS``;
        ``auto_steps=None``: ``_AUTO_STEPS`` of ``short`` or long texts.
        """
        if self.epochs != "auto":
            return self.epochs
        if auto_steps is None:
            auto_steps = _AUTO_STEPS["short" if short else "long"]
        steps = -(-n_train // batch_size)
        return int(np.clip(-(-auto_steps // steps), *_AUTO_EPOCHS))

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

    def _fit(self, X, y, sample_weight):
        # Every fitted attribute is assigned at the end, once training has
        # succeeded: an exception or KeyboardInterrupt part-way leaves an
        # unfitted estimator unfitted and a fitted one with its old model.
        warm = self.warm_start and hasattr(self, "model_")
        reject_raw_text(X)
        self._check_y(y)
        matrix, n_ids = _carried_matrix(X)
        is_frame = hasattr(X, "columns")
        X, y, input_attrs = validate_fit_data(
            self, X, y, reset=not warm, **self._y_params
        )
        X = check_id_array(X)
        targets = self._encode_targets(y, check_sample_weight(sample_weight, X), warm)
        weights = targets.weights
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
        n_samples = len(weights)
        batch_size = self._batch_size(n_samples - self._n_validation(n_samples))

        y = targets.y
        train_idx = np.arange(n_samples)
        if self.early_stopping:
            train_idx, val_idx = self._validation_split(y, rng)
            for part, idx in (("training", train_idx), ("validation", val_idx)):
                if not np.any(weights[idx] > 0):
                    raise ValueError(
                        f"Every sample of the early-stopping {part} split has "
                        "zero weight; give more samples a positive "
                        "sample_weight or set early_stopping=False."
                    )

        if warm:
            if not self._same_targets(targets) or n_ids > self.n_ids_:
                raise ValueError(
                    f"warm_start=True needs the same {self._same_targets_noun} and "
                    "vocabulary as the previous fit; set warm_start=False to train "
                    "a new model."
                )
            if use_matrix:
                check_embedding_dim(
                    dim,
                    self.embedding_dim_,
                    "set warm_start=False to train a new model",
                )
            model, dim = self.model_, self.embedding_dim_
            # Architecture parameters (and the regressor's loss) changed since
            # then wait for a cold fit: the model keeps its compiled loss.
            loss = model.get_compile_config()["loss"]
            settings = self._predict_settings_
            history = copy.deepcopy(self.history_)
            # All of the model's state: weights, dropout seed, optimizer slots.
            old_state = variable_values(model)
        else:
            if is_frame and matrix is None and self.embedding_init == "pretrained":
                warn_no_pretrained_vectors()
            model, dim = self._new_model(
                X, n_ids, matrix, targets, seed, self._bigrams(X), batch_size,
                train=train_idx if self.early_stopping else None,
            )  # fmt: skip
            settings = self._new_predict_settings(use_matrix)
            history, old_state, loss = None, None, targets.loss

        val = None
        if self.early_stopping:
            val_batches = self._batch_maker(X[val_idx], settings)
            val = (val_batches, y[val_idx], weights[val_idx])
        try:
            history = fit_loop(
                model,
                self._batch_maker(X[train_idx], settings),
                y[train_idx],
                weights[train_idx],
                epochs=self._epochs(
                    len(train_idx), batch_size, targets.auto_steps, self._short(X)
                ),
                batch_size=batch_size,
                rng=rng,
                validation=val,
                n_iter_no_change=self.n_iter_no_change if self.early_stopping else None,
                callbacks=callbacks,
                verbose=self.verbose,
                history=history,
                loss=loss,
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
        for key, value in targets.fitted.items():
            setattr(self, key, value)
        self.n_ids_ = n_ids
        self.embedding_dim_ = dim
        self.model_ = model
        self.history_ = history
        self.n_iter_ = n_epochs
        self._predict_settings_ = settings
        # A later partial_fit starts a new stream of shuffles from random_state.
        self.__dict__.pop("_rng_state_", None)
        return self

    def _partial_fit(self, X, y, sample_weight, classes=None):
        """One pass over a chunk; see the estimators' ``partial_fit``.

        The first call (no ``model_`` yet) builds the model as ``fit`` would
        for this chunk; every later one continues that model and its
        optimizer. Everything is checked before training starts, and a
        failure part-way restores the model: a rejected chunk changes nothing.
        """
        first = not hasattr(self, "model_")
        reject_raw_text(X)
        if _num_samples(X) == 0:
            raise ValueError(
                "partial_fit got an empty chunk (X holds 0 texts); pass chunks "
                "of at least one text, or skip empty ones."
            )
        shape = getattr(X, "shape", None)
        if not first and shape is not None and len(shape) == 2:
            if shape[1] != self.n_features_in_:
                n = self.n_features_in_
                raise ValueError(
                    f"X has {shape[1]} features, but {type(self).__name__} is "
                    f"expecting {n} features as input: this chunk's sequences "
                    f"hold {shape[1]} token ids where the model was built for "
                    f"{n}. Transform every chunk with the same vectorizer "
                    f"(max_length={n})."
                )
        self._check_y(y)
        matrix, n_ids = _carried_matrix(X)
        is_frame = hasattr(X, "columns")
        X, y, input_attrs = validate_fit_data(self, X, y, reset=first, **self._y_params)
        X = check_id_array(X, None if first else self.n_ids_)
        targets = self._partial_fit_targets(
            y, check_sample_weight(sample_weight, X), classes, first
        )
        weights = targets.weights
        use_matrix = matrix is not None and self.embedding_init == "pretrained"
        if first:
            if n_ids is None:
                n_ids = int(X.max()) + 1
            if X.max() >= n_ids:
                raise ValueError(
                    f"X contains token id {X.max()} but its vocabulary has {n_ids} ids."
                )
            dim = matrix.shape[1] if use_matrix else self.embedding_dim
            check_table_size(n_ids, dim)
            rng = check_random_state(self.random_state)
            seed = int(rng.randint(np.iinfo(np.int32).max))
            batch_size = self._batch_size(len(weights))
            if is_frame and matrix is None and self.embedding_init == "pretrained":
                warn_no_pretrained_vectors()
            model, dim = self._new_model(
                X, n_ids, matrix, targets, seed, self._bigrams(X), batch_size
            )
            settings = self._new_predict_settings(use_matrix)
            history, old_state, loss, n_iter = None, None, targets.loss, 0
        else:
            if n_ids is not None and n_ids != self.n_ids_:
                raise ValueError(
                    f"X comes from a vocabulary of {n_ids} token ids, but the "
                    f"model was built for {self.n_ids_}: transform every chunk "
                    "with the same fitted vectorizer (a fixed vocabulary, e.g. "
                    'GloveVectorizer(vocabulary="embeddings")).'
                )
            if use_matrix:
                check_embedding_dim(
                    matrix.shape[1],
                    self.embedding_dim_,
                    "transform every chunk with the same vectorizer",
                )
            n_ids, dim, model = self.n_ids_, self.embedding_dim_, self.model_
            rng = np.random.RandomState()
            if hasattr(self, "_rng_state_"):
                rng.set_state(self._rng_state_)
            else:  # the model comes from fit
                rng = check_random_state(self.random_state)
            batch_size = self._batch_size(len(weights))
            loss = model.get_compile_config()["loss"]
            settings = self._predict_settings_
            history = copy.deepcopy(self.history_)
            old_state = variable_values(model)
            n_iter = self.n_iter_
        try:
            history = fit_loop(
                model,
                self._batch_maker(X, settings),
                targets.y,
                weights,
                epochs=1,
                batch_size=batch_size,
                rng=rng,
                callbacks=copy_callbacks(self.callbacks),
                verbose=self.verbose,
                history=history,
                loss=loss,
            )
        except BaseException:
            if old_state is not None:
                restore_variable_values(model, old_state)
            raise
        # Keys this pass did not log (a fit's val_loss) get NaN: the lists
        # stay one entry per pass.
        n_passes = max(len(values) for values in history.values())
        for values in history.values():
            values.extend([float("nan")] * (n_passes - len(values)))
        if first:
            set_input_attributes(self, input_attrs)
            for key, value in targets.fitted.items():
                setattr(self, key, value)
        self.n_ids_ = n_ids
        self.embedding_dim_ = dim
        self.model_ = model
        self.history_ = history
        self.n_iter_ = n_iter + 1
        self._predict_settings_ = settings
        self._rng_state_ = _rng_state(rng)
        return self

    def _n_validation(self, n_samples):
        if not self.early_stopping:
            return 0
        return int(np.ceil(self.validation_fraction * n_samples))

    def _validation_split(self, y, rng):
        """Training and validation indices; stratified when ``y`` holds classes.

        ``y``: the :class:`Targets` ``y``, 1-D class indices for single-label
        classification (stratified when every class can be), 2-D otherwise.
        """
        idx = np.arange(len(y))
        n_val = self._n_validation(len(y))
        stratify = None
        if y.ndim == 1:
            counts = np.bincount(y)
            if counts.min() >= 2 and n_val >= len(counts):
                stratify = y
        if n_val < 1 or len(y) - n_val < 1:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves no "
                f"training or no validation samples out of {len(y)}."
            )
        return train_test_split(
            idx, test_size=n_val, stratify=stratify, random_state=rng
        )

    def _predict_outputs(self, X):
        """The model's outputs for ``X``, float64 of shape (n_samples, n_outputs)."""
        check_is_fitted(self, "model_")
        X = self._check_predict_ids(X)
        settings = self._predict_settings_
        outputs = predict_batches(
            self.model_, self._batch_maker(X, settings), settings["batch_size"]
        )
        return outputs.astype(np.float64)

    # -- persistence -------------------------------------------------------------

    # Every fitted attribute (what sktextcnn.load accepts, and all an old
    # pickle may hold besides the parameters); subclasses add the targets'.
    _FITTED_ATTRIBUTES = (
        "n_features_in_", "feature_names_in_", "n_ids_", "embedding_dim_",
        "model_", "history_", "n_iter_", "_predict_settings_", "_rng_state_",
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


# -- the parameters and attributes both estimators document ---------------------

_MODEL_PARAMETERS = """\
    architecture : {"kim", "seed", "bow"}, default="kim"
        "kim": Kim (2014) -- parallel convolutions of the widths
        ``kernel_sizes``, ``filters`` maps each, global max pooling over
        time, dropout, the output layer. Padding never changes its output,
        so batches are cut to their longest text. "seed": the Keras blog's
        stacked convnet -- one Conv1D + MaxPooling1D(``pool_size``) block per
        width, the last pooled globally, a ``dense_units`` hidden layer, the
        output layer. "bow": the "kim" model's bag-of-words part alone (no
        convnet, no embeddings): the ablation that shows what the convnet
        adds.
    filters : int, default=64
        Feature maps per convolution width.
    kernel_sizes : tuple of int or None, default=None
        Convolution widths. None: (3, 4, 5) for "kim", (5, 5, 5) for "seed".
    pool_size : int, default=5
        Pooling size between the "seed" architecture's blocks.
    pooling : {"max", "max_mean"}, default={pooling}
        Pooling over time of the "kim" architecture: Kim's max, or the max
        concatenated with the mean over the text's windows. The regressor's
        default is "max_mean": a rating sums up evidence spread over the
        whole text (on SST-5's dev sentences, RMSE 0.97-0.99 vs 0.99-1.00
        with "max").
    bag_of_words : bool, default=True
        Add to the "kim" architecture's outputs (before the output
        activation) a linear model over the TF-IDF bag of words of the text
        (idf from the training data), trained jointly with the convnet
        ("wide & deep"). Its weights are trained by plain SGD (a step of 1.0
        per text and output for the cross-entropies, smaller for the
        regression losses, times the batch size), the convnet by
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
        frozen (False: CNN-static, the blog's recipe). "auto": learned when
        they start random; when they start from pre-trained vectors,
        fine-tuned by :class:`TextCNNClassifier` if the median training text
        has at most 64 tokens (sentences), frozen otherwise and by
        :class:`TextCNNRegressor` (why: the design notes of the user guide,
        docs/index.md).
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
        "auto": enough for about 250 gradient steps when the median training
        text has at most 64 tokens, 100 for longer texts, at least 3 epochs
        and at most 40: 3 for the 11,314 posts of 20 Newsgroups, 36 for 200
        sentences (why: the user guide's design notes, docs/index.md).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified by
        class for single-label classification), stop when the validation
        loss has not improved for ``n_iter_no_change`` epochs and restore
        the best epoch's weights. Off by default, as in scikit-learn's
        multilayer perceptrons (why: the design notes of the user guide,
        docs/index.md).
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping``.
    n_iter_no_change : int, default=2
        The patience of the early stopping (Keras' ``EarlyStopping(patience=)``,
        named as in :class:`~sklearn.neural_network.MLPClassifier`): epochs
        without a lower validation loss before training stops.
"""

_CONTROL_PARAMETERS = """\
    callbacks : list of keras.callbacks.Callback or None, default=None
        Keras callbacks, called as ``Model.fit`` calls them with per-epoch
        logs (those of ``history_``); one setting ``model.stop_training``
        (e.g. ``EarlyStopping``, ``TerminateOnNaN``) ends training. Each fit
        uses fresh deep copies: the objects given here are never bound to
        the model nor changed, so they survive :func:`~sklearn.base.clone`
        and grid searches. A non-finite loss always raises
        ``FloatingPointError``.
    warm_start : bool, default=False
        Continue training the previous fit's model (same {same} and
        vocabulary size) instead of starting anew: ``model_`` stays the same
        object and ``history_`` grows by the new epochs. Architecture
        parameters (and a regressor's ``loss``) changed in between are
        ignored until a cold fit.
    precision : {"float32", "bfloat16", "auto"}, default="float32"
        Arithmetic of the network. "float32": exact single precision.
        "bfloat16": Keras' ``mixed_bfloat16`` policy -- layers compute in
        bfloat16 and keep float32 weights, outputs stay float32. "auto": the
        precision measured fastest at equal accuracy on the device the fit
        runs on -- so far "float32" everywhere: bfloat16 trained more slowly
        on an NVIDIA H200 GPU under JAX and no faster on a CPU with
        AVX-512 BF16 and AMX (the user guide's "GPUs and backends" page).
        Resolved at a cold fit; ``warm_start`` fits keep the model's
        precision.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling and the validation
        split. With an int, fits on CPU are reproducible. Fitting never
        touches the global NumPy, Python or Keras random state.
    verbose : int, default=0
        0: silent; 1: one line per epoch (to stderr); 2: also a Keras
        progress bar over each epoch's batches.
"""

_ATTRIBUTES = """\
    n_features_in_ : int
        Sequence length seen in fit.
    n_ids_ : int
        Number of token ids the model accepts (vocabulary size).
    embedding_dim_ : int
        Size of the embedding vectors.
    n_iter_ : int
        Epochs run in the last fit; each ``partial_fit`` call then adds 1 (a
        pass over its chunk).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` when it was a DataFrame with string column
        names (e.g. ``GloveVectorizer().set_output(transform="pandas")``).
"""


def shared_docstring(cls):
    """Class decorator: put the shared parts into ``cls``'s docstring.

    The docstring holds the lines ``{model parameters}``, ``{control
    parameters}`` and ``{attributes}`` (indented by 4) where they go; the
    defaults that differ between the estimators are read from ``__init__``.
    """
    doc = cls.__doc__
    if doc is None:  # python -OO
        return cls
    pooling = inspect.signature(cls.__init__).parameters["pooling"].default
    parts = {
        "    {model parameters}\n": _MODEL_PARAMETERS.replace(
            "{pooling}", f'"{pooling}"'
        ),
        "    {control parameters}\n": _CONTROL_PARAMETERS.replace(
            "{same}", cls._same_targets_noun
        ),
        "    {attributes}\n": _ATTRIBUTES,
    }
    for marker, text in parts.items():
        if marker not in doc:
            raise AssertionError(f"{cls.__name__}'s docstring lacks {marker!r}")
        doc = doc.replace(marker, text)
    cls.__doc__ = doc
    return cls
