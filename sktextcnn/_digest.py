"""A SHA-256 digest over the whole pickled state of an estimator.

``__getstate__`` returns :func:`seal_state` of the state and ``__setstate__``
checks it with :func:`open_state`, so a pickle corrupted anywhere in an
estimator's state (a label, the vocabulary, the model bytes) fails loudly
instead of loading wrong. Pickles remain for trusted files only: the digest
detects corruption, not an attacker, who can recompute it.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct

import numpy as np

# The key of the whole-state digest in a pickled estimator's state.
STATE_DIGEST = "_sktextcnn_state_sha256"


def state_digest(state):
    """SHA-256 over a canonical encoding of a pickled estimator's state.

    Canonical so that it is the same after a round trip through any pickler
    (pickle, joblib, cloudpickle) in any process: type-tagged and
    length-prefixed values, dicts in their (preserved) order, sets sorted by
    the digests of their items, arrays as dtype, shape and C-order bytes.
    Objects of other types (callbacks, a custom tokenizer) contribute their
    type's qualified name and, for a RandomState, its state.
    """
    digest = hashlib.sha256()
    _feed(digest, state, 0)
    return digest.hexdigest()


def _feed(h, value, depth):
    def put(tag, data=b""):
        h.update(tag + struct.pack("<Q", memoryview(data).nbytes))
        h.update(data)

    if depth > 100:
        put(b"deep")
    elif value is None or isinstance(value, bool):
        put(b"c", repr(value).encode())
    elif isinstance(value, np.ndarray):
        put(b"a", f"{value.dtype.str}{value.shape}".encode())
        if value.dtype.hasobject:
            for item in value.ravel(order="C").tolist():
                _feed(h, item, depth + 1)
        else:
            put(b"v", np.ascontiguousarray(value).view(np.uint8).ravel())
    elif isinstance(value, np.generic):
        put(b"g", value.dtype.str.encode() + value.tobytes())
    elif isinstance(value, int):
        put(b"i", str(value).encode())
    elif isinstance(value, float):
        put(b"f", struct.pack("<d", value))
    elif isinstance(value, str):
        put(b"s", value.encode("utf-8", "surrogatepass"))
    elif isinstance(value, (bytes, bytearray)):
        put(b"b", bytes(value))
    elif isinstance(value, (list, tuple)):
        put(b"l" if isinstance(value, list) else b"t", str(len(value)).encode())
        for item in value:
            _feed(h, item, depth + 1)
    elif isinstance(value, dict) and _is_vocabulary(value):
        # A vocabulary (str -> int) in bulk: ~40x faster than item by item.
        words = json.dumps(list(value), ensure_ascii=False)
        put(b"D", words.encode("utf-8", "surrogatepass"))
        put(b"V", np.fromiter(value.values(), np.int64, len(value)).tobytes())
    elif isinstance(value, dict):
        put(b"d", str(len(value)).encode())
        for key, item in value.items():
            _feed(h, key, depth + 1)
            _feed(h, item, depth + 1)
    elif isinstance(value, (set, frozenset)):
        items = sorted(state_digest(item) for item in value)
        put(b"S", "".join(items).encode())
    elif isinstance(value, os.PathLike):
        put(b"p", os.fsencode(value))
    else:
        kind = type(value)
        put(b"o", f"{kind.__module__}.{kind.__qualname__}".encode())
        name = getattr(value, "__qualname__", None)
        if isinstance(name, str):  # functions, classes
            put(b"n", f"{getattr(value, '__module__', '')}.{name}".encode())
        if isinstance(value, np.random.RandomState):
            _feed(h, value.get_state(), depth + 1)


def _is_vocabulary(value):
    return (
        len(value) > 16
        and all(type(key) is str for key in value)
        and all(type(i) is int and -(2**63) <= i < 2**63 for i in value.values())
    )


def seal_state(state):
    """``state`` plus its :func:`state_digest` (what ``__getstate__`` returns)."""
    return {**state, STATE_DIGEST: state_digest(state)}


def open_state(state, estimator, known):
    """Check a pickled state's digest; return the state without it.

    Parameters
    ----------
    state : dict
        What ``__setstate__`` received.
    estimator : object
        The estimator being unpickled (named in errors).
    known : set of str
        Every attribute a state of sktextcnn 0.1 (which had no digest) may
        hold: such a state loads only if it holds nothing else, so a corrupt
        digest key cannot pass for an old pickle.
    """
    state = dict(state)
    name = type(estimator).__name__
    if STATE_DIGEST not in state:
        unknown = sorted(set(state) - known)
        if unknown:
            raise ValueError(
                f"Cannot unpickle this {name}: its state has no digest and holds "
                f"unknown attributes {unknown}; the pickle is corrupt."
            )
        return state
    digest = state.pop(STATE_DIGEST)
    if digest != state_digest(state):
        raise ValueError(
            f"Cannot unpickle this {name}: its state does not match its SHA-256 "
            "digest, so the pickle is corrupt or was edited (a flipped byte, a "
            "cut file). Load a good copy."
        )
    return state
