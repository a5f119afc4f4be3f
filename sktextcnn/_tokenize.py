"""Texts -> tokens -> integer ids, and padding/truncation.

Pure functions only; :class:`~sktextcnn.GloveVectorizer` composes them.
"""

from __future__ import annotations

import re
from itertools import chain, repeat

import numpy as np

# GloVe 6B was trained on lowercased text split by the Stanford tokenizer, which
# keeps decimal numbers ("3.5", "1,000") whole and splits clitics off ("do" +
# "n't", "it" + "'s"); this pattern reproduces those pieces so that as many
# tokens as possible find a vector.  Punctuation and underscores are dropped:
# they carry little signal for topic classification and lengthen sequences.
DEFAULT_TOKEN_PATTERN = (
    r"\d+(?:[.,:/]\d+)*"  # numbers, decimals, times, dates
    r"|[^\W\d_]+(?=n't\b)"  # "do" in "don't"
    r"|n't\b"  # the negation clitic
    r"|'(?:s|re|ve|ll|d|m)\b"  # other clitics
    r"|[^\W_]+"  # any other run of letters/digits
)

# The same tokens as DEFAULT_TOKEN_PATTERN (same matches, same order), found
# about 40% faster. Every match now starts with one character of a single
# class, so the regex engine skips spaces and punctuation without trying each
# alternative there; the lookbehinds then pick the alternative that the first
# character allows. The first branch takes the common case -- a run of
# letters/digits not followed by an apostrophe, where no clitic rule can
# apply -- in one scan; its negative lookahead also forbids backtracking into
# shorter runs. Words followed by an apostrophe fall through to the original
# rules, in the original order.
_FAST_DEFAULT_PATTERN = (
    r"[\w'](?:"
    r"(?<=[^\W\d_])[^\W_]*(?![^\W_]|')"
    r"|(?<=\d)\d*(?:[.,:/]\d+)*"
    r"|(?<=[^\W\d_])[^\W\d_]*(?=n't\b)"
    r"|(?<=n)'t\b"
    r"|(?<=')(?:s|re|ve|ll|d|m)\b"
    r"|(?<=[^\W\d_])[^\W_]*"
    r")"
)


def build_tokenizer(
    token_pattern=DEFAULT_TOKEN_PATTERN, tokenizer=None, lowercase=True
):
    """Return a callable mapping one document to its list of tokens.

    As in scikit-learn's ``CountVectorizer``, a ``token_pattern`` with one
    capturing group yields the group's matches; more groups are an error.
    """
    if tokenizer is not None:
        if lowercase:
            return lambda doc: tokenizer(doc.lower())
        return tokenizer
    if token_pattern == DEFAULT_TOKEN_PATTERN:
        token_pattern = _FAST_DEFAULT_PATTERN  # same tokens, found faster
    try:
        regex = re.compile(token_pattern)
    except re.error as exc:
        raise ValueError(
            f"token_pattern={token_pattern!r} is not a valid regular expression "
            f"({exc})."
        ) from None
    if regex.groups > 1:
        raise ValueError(
            f"token_pattern={token_pattern!r} has {regex.groups} capturing groups; "
            "at most one may capture (use (?:...) for the others)."
        )
    findall = regex.findall
    if lowercase:
        return lambda doc: findall(doc.lower())
    return findall


def chunk_bounds(documents, max_docs=4096, max_chars=1 << 22):
    """Split ``documents`` into consecutive ``(start, stop)`` runs.

    A run holds at most ``max_docs`` documents and, unless a single document is
    longer, at most ``max_chars`` characters: processing texts run by run keeps
    the memory of their token lists bounded, whatever the corpus size.
    """
    start, chars = 0, 0
    for i, doc in enumerate(documents):
        if i > start and (i - start >= max_docs or chars + len(doc) > max_chars):
            yield start, i
            start, chars = i, 0
        chars += len(doc)
    if start < len(documents):
        yield start, len(documents)


def tokens_to_ids(
    token_lists: list[list[str]], vocabulary: dict, oov_id: int | None = None
):
    """Map token lists to one flat int32 id array plus per-document lengths.

    Tokens missing from ``vocabulary`` are dropped when ``oov_id`` is None and
    mapped to ``oov_id`` otherwise. Vectorized: one dictionary lookup per
    token in C (``map``), the dropping and counting in NumPy.
    """
    lengths = np.fromiter(map(len, token_lists), np.int64, count=len(token_lists))
    default = -1 if oov_id is None else oov_id
    flat = np.fromiter(
        map(vocabulary.get, chain.from_iterable(token_lists), repeat(default)),
        np.int32,
        count=int(lengths.sum()),
    )
    if oov_id is None:
        known = flat >= 0
        if not known.all():
            # Known tokens before each document's end, minus before its start.
            before = np.concatenate(([0], np.cumsum(known)))
            ends = np.cumsum(lengths)
            lengths = before[ends] - before[ends - lengths]
            flat = flat[known]
    return flat, lengths


def index_tokens(token_lists: list[list[str]], index: dict):
    """Like :func:`tokens_to_ids`, adding unseen tokens to ``index`` first.

    New tokens get the next free ids (0, 1, ...), so ``index`` grows into a
    provisional numbering of every distinct token seen: a corpus is then held
    as int32 ids (4 bytes a token) instead of lists of strings.
    """
    seen = set()
    seen.update(*token_lists)
    new = seen.difference(index)
    index.update(zip(new, range(len(index), len(index) + len(new))))
    return tokens_to_ids(token_lists, index)


def top_tokens(index: dict, counts, max_features=None):
    """The ``max_features`` most frequent tokens of ``index``, ties alphabetical.

    Parameters
    ----------
    index : dict
        Token -> provisional id, as built by :func:`index_tokens`.
    counts : ndarray of int
        Occurrences of each provisional id.

    Returns
    -------
    words : list of str
    ids : ndarray of int64
        Provisional id of each of ``words``.
    """
    counts = np.asarray(counts)
    candidates = np.arange(len(counts))
    if max_features is not None and max_features < len(counts):
        # Only tokens at least as frequent as the max_features-th need sorting.
        kth = np.partition(counts, len(counts) - max_features)[
            len(counts) - max_features
        ]
        candidates = np.flatnonzero(counts >= kth)
    words = list(index)
    freq = counts.tolist()
    # Alphabetical, then a stable sort by decreasing count: the order of the
    # key (-count, word), with both sorts comparing in C.
    order = sorted(candidates.tolist(), key=words.__getitem__)
    order.sort(key=freq.__getitem__, reverse=True)
    order = order[:max_features]
    return [words[i] for i in order], np.asarray(order, dtype=np.int64)


def remap_ids(flat_ids, lengths, mapping, drop=None):
    """Map provisional ids through ``mapping``; drop the ids mapped to ``drop``.

    Returns the new flat ids and per-document lengths.
    """
    flat = mapping[flat_ids]
    if drop is None:
        return flat, lengths
    keep = flat != drop
    kept = np.concatenate(([0], np.cumsum(keep, dtype=np.int64)))
    ends = np.cumsum(lengths)
    return flat[keep], kept[ends] - kept[ends - lengths]


def pad_ids(flat_ids, lengths, max_length, padding="pre", truncating="pre", out=None):
    """Place variable-length id runs into a zero-padded (n_docs, max_length) array.

    Vectorized: one boolean-mask assignment, no Python loop over documents.

    Parameters
    ----------
    flat_ids : ndarray of int32
        The concatenation of every document's ids.
    lengths : ndarray of int
        Number of ids of each document in ``flat_ids``.
    max_length : int
        Output width.
    padding, truncating : {"pre", "post"}
        Whether to pad / cut at the start ("pre") or the end ("post") of a
        document, as ``keras.utils.pad_sequences`` does.
    out : ndarray of shape (n_docs, max_length) or None
        A zero-filled int32 array to write into (e.g. a slice of a bigger
        output); a new one by default.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    n = len(lengths)
    if out is None:
        out = np.zeros((n, max_length), dtype=np.int32)
    if n == 0 or len(flat_ids) == 0:
        return out
    kept = np.minimum(lengths, max_length)
    if (lengths > max_length).any():
        # Position of every token within its document; keep the last (pre)
        # or first (post) max_length of each.
        starts = np.cumsum(lengths) - lengths
        within = np.arange(len(flat_ids)) - np.repeat(starts, lengths)
        if truncating == "pre":
            flat_ids = flat_ids[within >= np.repeat(lengths - kept, lengths)]
        else:
            flat_ids = flat_ids[within < max_length]
    # Row-major boolean mask of the cells that receive a token: the kept
    # tokens fill them in order.
    columns = np.arange(max_length)
    if padding == "pre":
        filled = columns >= (max_length - kept)[:, None]
    else:
        filled = columns < kept[:, None]
    out[filled] = flat_ids
    return out
