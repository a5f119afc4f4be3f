"""Keras models <-> bytes, with public Keras APIs only.

A fitted :class:`TextCNNClassifier` pickles its model as the bytes of a
``.keras`` archive plus a format version, and rebuilds it with
``keras.saving.load_model(..., safe_mode=True)`` when unpickled, so pickle and
joblib work without touching ``keras.Model`` itself. A SHA-256 digest of the
archive travels with it: corrupt bytes fail loudly instead of loading wrong
weights. Files are written with :func:`atomic_write_bytes`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
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
    data = model_to_bytes(model)
    return {
        "format": MODEL_FORMAT_VERSION,
        "keras_version": keras.__version__,
        "model": data,
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def unpack_model(packed):
    if packed.get("format") != MODEL_FORMAT_VERSION:
        raise ValueError(
            f"Unsupported sktextcnn model format {packed.get('format')!r}; this "
            f"version reads format {MODEL_FORMAT_VERSION}."
        )
    data = packed["model"]
    digest = packed.get("sha256")  # absent from pickles of sktextcnn <= 0.1.0
    if digest is not None and hashlib.sha256(data).hexdigest() != digest:
        raise ValueError(
            "Cannot restore the Keras model: the stored archive is corrupt or "
            f"truncated (its {len(data)} bytes do not match their SHA-256 digest)."
        )
    return model_from_bytes(data)


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` so that the file is either old or new, never cut.

    The bytes go to a temporary file in the same directory, are flushed to
    disk (``fsync``), then ``os.replace`` swaps it in. An exception, a
    ``KeyboardInterrupt`` or a crash part-way leaves a previous file at
    ``path`` intact; the temporary file is removed on failure. Every path that
    saves a model file must write through this function.

    Parameters
    ----------
    path : str or path-like
        Destination file; its directory must exist.
    data : bytes-like
        The whole content.
    """
    path = os.path.abspath(os.fspath(path))
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never write through someone else's file or link; mode 0o666 lets
    # the umask decide, as open() does.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        with contextlib.suppress(OSError):
            dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
