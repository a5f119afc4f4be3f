"""Keras models <-> bytes, with public Keras APIs only.

A fitted :class:`TextCNNClassifier` pickles its model as the bytes of a
``.keras`` archive plus a format version, and rebuilds it with
``keras.saving.load_model(..., safe_mode=True)`` when unpickled, so pickle and
joblib work without touching ``keras.Model`` itself.
"""

from __future__ import annotations

import os
import tempfile
import zipfile

import keras

MODEL_FORMAT_VERSION = 1


def model_to_bytes(model):
    """Serialize a Keras model (architecture, weights, optimizer state)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


def model_from_bytes(data):
    """Rebuild a Keras model from :func:`model_to_bytes` output."""
    # Importing the architectures registers our custom layers with Keras.
    from . import _architectures  # noqa: F401

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as f:
            f.write(data)
        try:
            return keras.saving.load_model(path, safe_mode=True)
        except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
            raise ValueError(
                f"Cannot restore the Keras model: the stored archive is corrupt "
                f"or truncated ({type(exc).__name__}: {exc})."
            ) from None


def pack_model(model):
    """What a fitted estimator stores in its pickled state for its model."""
    return {
        "format": MODEL_FORMAT_VERSION,
        "keras_version": keras.__version__,
        "model": model_to_bytes(model),
    }


def unpack_model(packed):
    if packed.get("format") != MODEL_FORMAT_VERSION:
        raise ValueError(
            f"Unsupported sktextcnn model format {packed.get('format')!r}; this "
            f"version reads format {MODEL_FORMAT_VERSION}."
        )
    return model_from_bytes(packed["model"])
