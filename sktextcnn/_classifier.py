"""TextCNNClassifier: a Keras 1-D convnet over token ids as a sklearn classifier."""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from ._base import BaseTextCNN, Targets, shared_docstring, store_init_params
from ._compat import Interval, StrOptions, _fit_context
from ._validation import check_labels, check_multilabel_targets, class_weighted

# Multilabel y, epochs="auto": about this many gradient steps, not 250. Each
# label has few positive texts: on a validation split (20%) of Reuters-21578's
# training stories, micro- and macro-F1 still rose from 8 epochs (250 steps)
# to about 30 (1,000 steps).
_MULTILABEL_AUTO_STEPS = 1000
# The output layer's bias starts at each label's log-odds in training (the
# prior initialisation of Lin et al. 2017, "Focal Loss for Dense Object
# Detection"), clipped to these probabilities: the first epochs then learn
# what tells the labels apart, instead of moving every probability from 0.5
# to near a rare label's frequency. Reuters validation split, 16 epochs:
# micro-F1 0.881 against 0.874 from a zero bias.
_PRIOR_CLIP = (1e-4, 1 - 1e-4)
# bag_of_words_smoothing="auto": this strength of the ridge start's smoothing
# when the vocabulary has at most _SMOOTHING_MAX_IDS ids. On the validation
# splits: 20 Newsgroups with 200 posts per class (73,000 ids) +0.2 points for
# ~2 s more; all of it (112,000 ids) 93.9 in a 48.6 s fit, as the unsmoothed
# model's 93.9 in 26 s of an earlier session (not side by side). See
# _architectures.SMOOTHING_NEIGHBORS and docs/index.md.
_SMOOTHING_STRENGTH = 0.1
_SMOOTHING_MAX_IDS = 100_000


@shared_docstring
class TextCNNClassifier(ClassifierMixin, BaseTextCNN):
    """1-D convolutional text classifier (Keras 3) over token id sequences.

    Takes the output of :class:`GloveVectorizer` (it then starts from the
    vectorizer's pre-trained embedding matrix) or any 2-D array of
    non-negative integer token ids with 0 as padding (embeddings then learned
    from scratch).

    Single-label classification (``y`` of labels): a softmax output trained
    with the cross-entropy. Multilabel classification (``y`` a binary
    indicator matrix of shape (n_samples, n_labels), as
    :class:`~sklearn.preprocessing.MultiLabelBinarizer` makes, dense or
    sparse): one sigmoid output per label trained with the binary
    cross-entropy; ``predict`` returns the indicator matrix (a label is
    predicted when its probability exceeds 0.5, as
    :class:`~sklearn.neural_network.MLPClassifier`). A label column that is
    the same in every training sample (all 0 or all 1: nothing to learn) is
    predicted as that value for every text, with probability 0 or 1, as
    :class:`~sklearn.multiclass.OneVsRestClassifier` does; fit warns which.

    Parameters
    ----------
    {model parameters}
    class_weight : dict, "balanced" or None, default=None
        Weights per class: ``{label: weight}`` (labels missing from the dict
        get 1) or "balanced" (``n_samples / (n_classes * count(label))``).
        They multiply ``sample_weight``: a sample's weight is its
        ``sample_weight`` times its class's weight. Single-label ``y`` only:
        with multilabel ``y`` a sample has several labels and the loss one
        weight per sample, so fit raises a ``ValueError``; use
        ``sample_weight``.
    bag_of_words_init : {"ridge", "zeros"}, default="ridge"
        Where the bag-of-words part's weights start (``bag_of_words=True``
        or ``architecture="bow"``), for single-label ``y``. "ridge": at a
        ridge regression of the one-hot (0/1) labels on the training texts'
        TF-IDF features (:class:`~sklearn.linear_model.Ridge` with
        ``alpha=0.5`` and no intercept), its scores times 8 (4 when the
        median training text has at most 64 tokens) as logits; the joint
        training goes on from there (``partial_fit``: from its first chunk).
        On longer texts each class's regression is solved on features scaled
        by their Naive-Bayes log-count ratios for it, a quarter of the way
        from 1 (NBSVM, Wang & Manning 2012), and the part starts at the
        weights that give the same scores on the plain features.
        "zeros": at zero, the model learning
        everything by gradient descent (sktextcnn 0.1). With multilabel
        ``y`` the part starts at zero whichever is set. See the user guide's
        design notes for what each gave on validation splits.
    bag_of_words_smoothing : float >= 0 or "auto", default="auto"
        Semantic smoothing of the ridge start (``bag_of_words_init="ridge"``,
        single-label ``y``, pre-trained vectors): the ridge regression is
        solved on features where each word of a text also counts as each of
        its 5 nearest words in the vectors (cosine similarity, among the
        10,000 most frequent training words), times its similarity and this
        factor, and the part starts at the weights that give the same
        scores on the plain features. A word seen in few training texts then
        starts with the weights of words of similar meaning. "auto": 0.1
        when the vocabulary has at most 100,000 ids, else 0 (none:
        the neighbour search grows with the vocabulary, the gain shrinks with
        the data). See the user guide's design notes for what it gave on
        validation splits.
    {control parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; with multilabel ``y``, the label column indices
        ``0 .. n_labels - 1`` (as :class:`~sklearn.neural_network.MLPClassifier`
        and :class:`~sklearn.multiclass.OneVsRestClassifier` define them).
    model_ : keras.Model
        The trained network; it outputs class probabilities (softmax), or
        each label's probability (sigmoid) with multilabel ``y``.
    history_ : dict of list
        Per-epoch ``loss`` and ``accuracy`` (multilabel: ``binary_accuracy``,
        the share of correct label decisions) and, with early stopping,
        ``val_loss`` and ``val_accuracy`` (``val_binary_accuracy``), over all
        fits since the last cold start when ``warm_start=True``.
    {attributes}

    See Also
    --------
    GloveVectorizer : Texts to token ids plus pre-trained vectors.
    TextCNNRegressor : The same model predicting numbers.

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
        **BaseTextCNN._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "bag_of_words_init": [StrOptions({"ridge", "zeros"})],
        "bag_of_words_smoothing": [
            Interval(Real, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
    }
    _same_targets_noun = "classes"
    _fine_tune_short_texts = True

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
        bag_of_words_init="ridge",
        bag_of_words_smoothing="auto",
        callbacks=None,
        warm_start=False,
        precision="float32",
        random_state=None,
        verbose=0,
    ):
        store_init_params(self, locals())

    def _smoothing_strength(self, n_ids):
        if self.bag_of_words_smoothing != "auto":
            return float(self.bag_of_words_smoothing)
        return _SMOOTHING_STRENGTH if n_ids <= _SMOOTHING_MAX_IDS else 0.0

    # -- labels ------------------------------------------------------------------

    def _check_y(self, y):
        check_labels(y)

    def _encode_targets(self, y, weights, warm):
        if y.ndim == 2:
            return self._multilabel_targets(y, weights)
        check_classification_targets(y)
        classes, y_enc = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"The training labels hold one class only ({classes.tolist()[0]!r}); "
                "at least 2 classes are needed."
            )
        weights = class_weighted(weights, self.class_weight, y, y_enc)
        fitted = {"classes_": classes, "_multilabel_": None}
        return Targets(
            y_enc, weights, len(classes), "softmax",
            "sparse_categorical_crossentropy", fitted,
            ridge_start=self.bag_of_words_init == "ridge",
        )  # fmt: skip

    def _partial_fit_targets(self, y, weights, classes, first):
        if y.ndim == 2:
            return self._partial_multilabel_targets(y, weights, classes, first)
        if first and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: the "
                "labels of every chunk to come (np.unique of the training "
                "labels), as the model's outputs are fixed then."
            )
        if not first and self._multilabel_ is not None:
            raise ValueError(
                "This chunk's y holds labels, but the model was built for a "
                "multilabel indicator matrix; every chunk must have the same kind."
            )
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: the "
                "class frequencies of the whole stream are unknown. Pass a dict "
                "of class weights (e.g. computed from the label counts with "
                "sklearn.utils.class_weight.compute_class_weight) or sample_weight."
            )
        check_classification_targets(y)
        if classes is not None:
            classes = np.asarray(classes)
            check_labels(classes)
            check_classification_targets(classes)
            classes = np.unique(classes)
            if first and len(classes) < 2:
                raise ValueError(
                    f"classes={classes.tolist()!r} holds fewer than 2 classes; "
                    "at least 2 are needed."
                )
            if not first and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"classes={classes.tolist()!r} is not the same as on the "
                    f"first call to partial_fit, {self.classes_.tolist()!r}."
                )
        else:
            classes = self.classes_
        try:
            unseen = np.setdiff1d(y, classes)
        except TypeError:  # labels of another type than the classes
            unseen = np.unique(y.astype(str))
        if len(unseen):
            shown = unseen[:10].tolist()
            raise ValueError(
                f"y holds label(s) {shown}{' ...' if len(unseen) > 10 else ''} "
                f"not in classes {classes.tolist()!r}; partial_fit learns only "
                "the classes given on its first call."
            )
        y_enc = np.searchsorted(classes, y)
        if isinstance(self.class_weight, dict):
            per_class = np.asarray(
                [self.class_weight.get(c, 1.0) for c in classes.tolist()],
                dtype=np.float32,
            )
            weights = (weights * per_class[y_enc]).astype(np.float32)
        if not np.any(weights > 0):
            raise ValueError(
                "sample_weight times class_weight is zero for every sample of "
                "this chunk; at least one sample needs a positive weight."
            )
        fitted = {"classes_": classes, "_multilabel_": None}
        return Targets(
            y_enc, weights, len(classes), "softmax",
            "sparse_categorical_crossentropy", fitted,
            ridge_start=self.bag_of_words_init == "ridge",
        )  # fmt: skip

    def _partial_multilabel_targets(self, y, weights, classes, first):
        n_labels = y.shape[1]
        if not first and self._multilabel_ is None:
            raise ValueError(
                "This chunk's y is a multilabel indicator matrix, but the model "
                "was built for labels; every chunk must have the same kind."
            )
        expected = np.arange(n_labels) if first else self.classes_
        if not first and n_labels != len(expected):
            raise ValueError(
                f"This chunk's y has {n_labels} label columns, but the model "
                f"was built for {len(expected)}; every chunk must have the same."
            )
        if classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), expected
        ):
            raise ValueError(
                f"With a multilabel y, classes must be the label columns 0 .. "
                f"{len(expected) - 1} (or None), got {classes!r}."
            )
        if first:
            return self._multilabel_targets(y, weights, partial=True)
        y = check_multilabel_targets(y)
        if self.class_weight is not None:
            self._multilabel_targets(y, weights, partial=True)  # its error
        if not np.any(weights > 0):
            raise ValueError(
                "Every sample of this chunk has zero weight; at least one "
                "sample needs a positive weight."
            )
        fitted = {"classes_": self.classes_, "_multilabel_": self._multilabel_}
        return Targets(
            y.astype(np.float32), weights, n_labels, "sigmoid",
            "binary_crossentropy", fitted,
        )  # fmt: skip

    def _multilabel_targets(self, y, weights, partial=False):
        """Targets of an indicator matrix.

        ``partial``: the first ``partial_fit`` chunk, which cannot tell which
        label columns are constant in the whole stream: none is treated so.
        """
        y = check_multilabel_targets(y)
        if self.class_weight is not None:
            raise ValueError(
                f"class_weight={self.class_weight!r} cannot weigh a multilabel y: "
                "a sample has several labels and the loss one weight per "
                "sample. Set class_weight=None; pass sample_weight to weigh "
                "samples."
            )
        # Columns without both values among the samples that train (a
        # positive weight): constant predictions, as OneVsRestClassifier.
        seen = y[weights > 0]
        if not len(seen):
            raise ValueError(
                "Every sample has zero weight; at least one sample needs a "
                "positive weight."
            )
        constant = np.flatnonzero((seen == seen[0]).all(axis=0))
        if partial:
            constant = constant[:0]
        if len(constant):
            shown = constant[:10].tolist()
            warnings.warn(
                f"Label column(s) {shown}{' ...' if len(constant) > 10 else ''} "
                "of y hold the same value in every training sample (with a "
                "positive weight): nothing to learn there. Each is predicted as "
                "that value for every text, with probability 0 or 1.",
                UserWarning,
                stacklevel=6,
            )
        share = np.average(y.astype(np.float64), axis=0, weights=weights)
        prior = np.clip(share, *_PRIOR_CLIP)
        fitted = {
            "classes_": np.arange(y.shape[1]),
            "_multilabel_": {
                "dtype": y.dtype.str,
                "constant_labels": constant.tolist(),
                "constant_values": seen[0, constant].astype(float).tolist(),
            },
        }
        return Targets(
            y.astype(np.float32), weights, y.shape[1], "sigmoid",
            "binary_crossentropy", fitted,
            output_bias=np.log(prior / (1 - prior)).astype(np.float32),
            auto_steps=_MULTILABEL_AUTO_STEPS,
        )  # fmt: skip

    def _same_targets(self, targets):
        new = targets.fitted
        same_kind = (new["_multilabel_"] is None) == (self._multilabel_ is None)
        return same_kind and np.array_equal(new["classes_"], self.classes_)

    # -- fit / predict -----------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the convnet.

        Parameters
        ----------
        X : TokenSequences or array-like of shape (n_samples, sequence_length)
            Token ids (0 = padding), e.g. the output of
            :meth:`GloveVectorizer.transform`.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels of any type, or a binary indicator matrix (dense or
            sparse, at least 2 columns) for multilabel classification.
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
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train on one chunk of a stream: a single pass over ``X``.

        For training sets that do not fit in memory: transform the texts
        chunk by chunk with a vectorizer of a fixed vocabulary
        (``GloveVectorizer(vocabulary="embeddings")``, whose ``fit`` reads no
        text) and call ``partial_fit`` on each chunk, as with
        :class:`~sklearn.linear_model.SGDClassifier`.

        The first call (on an unfitted classifier) builds the model
        ``fit`` would build for that chunk; each later call continues it
        and its optimizer state (a classifier fitted by ``fit`` is continued
        too). What ``fit`` resolves from the whole training set comes from
        the first chunk and stays fixed: the bag-of-words part's idf
        weights, ``bag_of_words_bigrams="auto"``, the vocabulary size (from
        the ``TokenSequences`` the vectorizer returns) and, for a multilabel
        ``y``, the output layer's initial bias. Make the first chunk large
        and representative. ``batch_size="auto"`` is resolved per chunk.
        ``epochs``, ``early_stopping`` and ``warm_start`` do not apply:
        one call is one pass, without a validation split. A later ``fit``
        starts over (unless ``warm_start=True``).

        Parameters
        ----------
        X : TokenSequences or array-like of shape (n_samples, sequence_length)
            Token ids (0 = padding) of one chunk, e.g. the output of
            :meth:`GloveVectorizer.transform`; every chunk must have the
            first one's ``sequence_length`` and vocabulary.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels of the chunk, each one of ``classes``; or a binary
            indicator matrix of the first chunk's number of columns.
        classes : array-like of shape (n_classes,), default=None
            Every label the stream holds. Required on the first call with
            single-label ``y`` (a chunk need not contain every class); may
            be omitted later, and must then be the same when given. With a
            multilabel ``y``, optional: the label columns ``0 .. n_labels -
            1``, fixed by the first chunk.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sample weights, multiplied by a dict
            ``class_weight``'s weight of each sample's class
            (``class_weight="balanced"`` needs the whole stream's class
            counts: partial_fit refuses it).

        Returns
        -------
        self : TextCNNClassifier
            The classifier, trained on one more chunk.

        Notes
        -----
        Each call appends one entry per key to ``history_`` (the chunk's
        mean training loss and accuracy) and adds 1 to ``n_iter_``, the
        passes since the model was built. The random state of the
        shuffling (seeded by ``random_state`` on the first call) and of
        dropout is kept between calls, in pickles and in
        :func:`sktextcnn.save` files: training, pickling, and continuing in
        another process gives the model an uninterrupted run gives. A chunk
        that fails its checks (unknown labels, another sequence length or
        vocabulary, no texts) raises ``ValueError`` and changes nothing.
        """
        return self._partial_fit(X, y, sample_weight, classes)

    def predict_proba(self, X):
        """Class probabilities (multilabel: each label's probability).

        Parameters
        ----------
        X : TokenSequences or array-like of shape (n_samples, sequence_length)
            Token ids (0 = padding), e.g. the output of
            :meth:`GloveVectorizer.transform`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``. Single-label: each row sums to 1.
            Multilabel: column j is the probability of label j, independently
            of the others.
        """
        proba = self._predict_outputs(X)
        multilabel = self._multilabel_
        if multilabel is None:
            return proba / proba.sum(axis=1, keepdims=True)
        proba[:, multilabel["constant_labels"]] = multilabel["constant_values"]
        return proba

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

        Multilabel: the indicator matrix of the labels whose probability
        exceeds 0.5.

        Parameters
        ----------
        X : TokenSequences or array-like of shape (n_samples, sequence_length)
            Token ids (0 = padding), e.g. the output of
            :meth:`GloveVectorizer.transform`.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``; multilabel: 0/1 of the training ``y``'s
            dtype.
        """
        proba = self.predict_proba(X)
        if self._multilabel_ is not None:
            return (proba > 0.5).astype(self._multilabel_["dtype"])
        return self.classes_[proba.argmax(axis=1)]

    _FITTED_ATTRIBUTES = BaseTextCNN._FITTED_ATTRIBUTES + ("classes_", "_multilabel_")

    def __setstate__(self, state):
        super().__setstate__(state)
        if "model_" in state and "_multilabel_" not in state:
            self._multilabel_ = None  # pickled before multilabel y existed

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
