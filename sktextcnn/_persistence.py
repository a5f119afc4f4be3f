"""The one serialization layer: Keras models <-> bytes, digests, atomic writes.

Both ways of storing a fitted :class:`TextCNNClassifier` go through here.
Pickle / joblib: ``__getstate__`` packs the model as the bytes of a
``.keras`` archive (rebuilt with ``keras.saving.load_model(...,
safe_mode=True)`` after its configuration was checked against the classes
sktextcnn models are made of, the architecture registry), and ``_digest``
seals the whole state. The pickle-free :func:`sktextcnn.save` file
stores weights as arrays instead (``_model_spec``). Public Keras APIs only;
no Keras class is patched. Files are written with :func:`atomic_write_bytes`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import stat
import tempfile
import time
import zipfile

import keras
import numpy as np

from ._architectures import INITIALIZERS, OPTIMIZERS, REGISTRY
from ._model_spec import seed_variables

try:  # POSIX: a save in progress holds a lock on its temporary file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

# The version of the pickle-free file written by sktextcnn.save (format 1,
# sktextcnn 0.1: Keras archives inside; format 2: weights as arrays, a digest
# of the whole file).
FORMAT_VERSION = 2
# The version of a pickled model's packing (``pack_model``): unchanged since
# sktextcnn 0.1.
MODEL_FORMAT_VERSION = 1
# Every (module, class_name) a sktextcnn Keras model configuration may name,
# from the architecture registry: a model archive naming anything else (a
# Lambda layer, a function) is refused before Keras sees it, whatever Keras'
# own safe_mode lets through.
_KERAS_ALLOWED = (
    {
        (None, "__keras_tensor__"),
        ("keras", "DTypePolicy"),
        ("keras.src.models.functional", "Functional"),
        # Optimizers of files written before the wide part had its own.
        *(
            ("keras.optimizers", name)
            for name in "Adadelta Adam AdamW RMSprop SGD".split()
        ),
    }
    | {layer for arch in REGISTRY.values() for layer in arch.layers}
    | {("keras.initializers", name) for name in INITIALIZERS}
    | {("sktextcnn._architectures", cls.__name__) for cls in OPTIMIZERS.values()}
)


def model_to_bytes(model):
    """Serialize a Keras model (architecture, weights, optimizer state)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


def model_digest(data):
    """The SHA-256 digest stored next to a model's bytes."""
    return hashlib.sha256(data).hexdigest()


def model_from_bytes(data, digest=None):
    """Rebuild a Keras model from :func:`model_to_bytes` output.

    ``digest``: the :func:`model_digest` stored with the bytes (None for
    files of sktextcnn 0.1, which stored none on the safe-file path).
    """
    if digest is not None and model_digest(data) != digest:
        raise ValueError(
            "Cannot restore the Keras model: the stored archive is corrupt or "
            f"truncated (its {len(data)} bytes do not match their SHA-256 digest)."
        )
    try:
        _check_keras_config(data)
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(
            "Cannot restore the Keras model: the stored archive is corrupt or "
            "truncated (no readable config.json)."
        ) from None
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
        "sha256": model_digest(data),
        # The dropout seed generators' states, which .keras archives do not
        # keep: a warm_start fit or partial_fit of an unpickled estimator
        # draws the same dropout masks as the pickled one would have.
        "seeds": [keras.ops.convert_to_numpy(v) for v in seed_variables(model)],
    }


def unpack_model(packed):
    if packed.get("format") != MODEL_FORMAT_VERSION:
        raise ValueError(
            f"Unsupported sktextcnn model format {packed.get('format')!r}; this "
            f"version reads format {MODEL_FORMAT_VERSION}."
        )
    if not isinstance(packed.get("sha256"), str):
        raise ValueError(
            "Cannot restore the Keras model: the pickled state carries no "
            "SHA-256 digest of it (a pickle of an early sktextcnn 0.1 "
            "development version, or a corrupt one); pickle the estimator again "
            "with the version that made it, or save it with sktextcnn.save."
        )
    model = model_from_bytes(packed["model"], packed["sha256"])
    seeds = packed.get("seeds")  # absent from older pickles
    if seeds is not None:
        variables = seed_variables(model)
        if not isinstance(seeds, list) or len(seeds) != len(variables):
            raise ValueError(
                "The pickled model's seed generator states do not fit its "
                "dropout layers; the pickle is corrupt."
            )
        for variable, value in zip(variables, seeds):
            value = np.asarray(value)
            if value.shape != tuple(variable.shape) or value.dtype.kind not in "iu":
                raise ValueError(
                    "The pickled model's seed generator states do not fit its "
                    "dropout layers; the pickle is corrupt."
                )
            variable.assign(value.astype(variable.dtype))
    return model


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` so that the file is either old or new, never cut.

    The bytes go to a temporary file in the same directory, are flushed to
    disk (``fsync``), then ``os.replace`` swaps it in. An exception, a
    ``KeyboardInterrupt`` or a crash part-way leaves a previous file at
    ``path`` intact; the temporary file is removed on failure, and one left
    by a killed process is removed by the next save to the same ``path``.
    The temporary file is readable by its owner only while the bytes go in,
    and gets the mode of the file it replaces (or, for a new file, the one
    the umask gives) just before the rename. Every path that saves a model
    file must write through this function.

    Parameters
    ----------
    path : str or path-like
        Destination file; its directory must exist.
    data : bytes-like
        The whole content.
    """
    path = os.path.abspath(os.fspath(path))
    directory, name = os.path.split(path)
    remove_stale_temporary_files(path)
    tmp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never write through someone else's file or link; mode 0o666 lets
    # the umask decide, as open() does -- recorded, then narrowed to 0o600
    # before any byte is written.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    lock = None
    try:
        try:
            new_mode = stat.S_IMODE(os.fstat(fd).st_mode)
            os.chmod(tmp, 0o600)
            lock = _lock(tmp)
            f = open(fd, "wb")
        except BaseException:
            os.close(fd)
            raise
        with f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileNotFoundError):
            new_mode = stat.S_IMODE(os.stat(path).st_mode)
        os.chmod(tmp, new_mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        if lock is not None:
            os.close(lock)
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        with contextlib.suppress(OSError):
            dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


# A temporary file left by a save that was killed, without a lock holder, is
# removed; without POSIX locks (Windows), once it is this old.
_STALE_AGE_S = 3600


def _lock(tmp):
    """Hold an exclusive lock on ``tmp`` for the save (POSIX), on its own fd.

    The kernel drops it when the process dies, even by SIGKILL: a later save
    then knows the file is left over.
    """
    if fcntl is None:  # pragma: no cover - Windows
        return None
    fd = os.open(tmp, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def remove_stale_temporary_files(path):
    """Remove the temporary files of earlier saves to ``path`` that were killed.

    Only files named as :func:`atomic_write_bytes` names them
    (``.<name>.<12 hex digits>.tmp`` beside ``path``) and that no running
    save holds (POSIX ``flock``) are removed.
    """
    directory, name = os.path.split(os.path.abspath(os.fspath(path)))
    pattern = re.compile(rf"\.{re.escape(name)}\.[0-9a-f]{{12}}\.tmp\Z")
    try:
        entries = [e for e in os.scandir(directory) if pattern.match(e.name)]
    except OSError:
        return
    for entry in entries:
        with contextlib.suppress(OSError):
            _remove_if_stale(entry)


def _remove_if_stale(entry):
    if fcntl is None:  # pragma: no cover - Windows
        if time.time() - entry.stat(follow_symlinks=False).st_mtime > _STALE_AGE_S:
            os.unlink(entry.path)
        return
    fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # a save in progress
        # Still the same file under that name (not renamed into place since).
        if os.stat(entry.path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
            os.unlink(entry.path)
    finally:
        os.close(fd)


def _check_keras_config(data):
    """Refuse a Keras archive naming classes sktextcnn models never use."""
    with zipfile.ZipFile(io.BytesIO(data)) as model_zip:
        config = json.loads(model_zip.read("config.json"))
    check_keras_classes(config)


def check_keras_classes(config):
    """Refuse a parsed Keras configuration naming classes sktextcnn never uses."""
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "class_name" in item:
                key = (item.get("module"), item["class_name"])
                registered = item.get("registered_name")
                if key not in _KERAS_ALLOWED or registered not in (
                    None, key[1], f"sktextcnn>{key[1]}"
                ):  # fmt: skip
                    raise ValueError(
                        f"the Keras model names {key[1]!r} from module "
                        f"{key[0]!r}, which sktextcnn models never use; "
                        "refusing to load it."
                    )
            stack.extend(item.values())
