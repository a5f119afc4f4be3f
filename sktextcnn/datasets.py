"""Loaders for the text classification datasets used in examples and benchmarks."""

from __future__ import annotations

import functools
import os
import tarfile
from pathlib import Path, PurePosixPath

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._compat import (
    strip_newsgroup_footer,
    strip_newsgroup_header,
    strip_newsgroup_quoting,
)

__all__ = ["default_data_dir", "load_20newsgroups", "load_sentence_dataset"]

_ARCHIVE_NAME = "20news-bydate.tar.gz"
_FOLDERS = {"train": "20news-bydate-train", "test": "20news-bydate-test"}
_LAYOUTS = (
    f"a '{_ARCHIVE_NAME}' tarball, a directory holding '{_FOLDERS['train']}/' "
    f"and '{_FOLDERS['test']}/' folders (one folder per category), or a "
    f"directory holding '{_ARCHIVE_NAME}'"
)
# scikit-learn's own header / footer / quote stripping (fetch_20newsgroups'
# ``remove=``), in the order it applies them; identical output on every post.
_STRIPPERS = {
    "headers": strip_newsgroup_header,
    "footers": strip_newsgroup_footer,
    "quotes": strip_newsgroup_quoting,
}


def _sort_key(doc):
    """Order documents by category, then numerically by (article id) file name."""
    category, name = doc[0], doc[1]
    return (category, 0, int(name), "") if name.isdigit() else (category, 1, 0, name)


@functools.lru_cache(maxsize=2)
def _read_tarball(path, mtime_ns):
    """Read all documents of a tarball, in one sequential pass over its members.

    Returns ``{subset: [(category, name, filename, text), ...]}``, sorted with
    :func:`_sort_key`. ``mtime_ns`` only serves as part of the cache key.
    """
    docs = {subset: [] for subset in _FOLDERS}
    folder_to_subset = {folder: subset for subset, folder in _FOLDERS.items()}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                parts = PurePosixPath(member.name).parts
                if not member.isfile() or len(parts) < 3:
                    continue
                subset = folder_to_subset.get(parts[-3])
                if subset is not None:
                    text = tar.extractfile(member).read().decode("latin-1")
                    filename = f"{path}/{member.name}"
                    docs[subset].append((parts[-2], parts[-1], filename, text))
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ValueError(
            f"Cannot read {path!r} as a gzipped tarball ({exc}); expected {_LAYOUTS}."
        ) from exc
    if not any(docs.values()):
        raise ValueError(
            f"{path!r} holds no 20 newsgroups documents; expected {_LAYOUTS}."
        )
    return {subset: sorted(docs[subset], key=_sort_key) for subset in docs}


def _read_folders(root, subsets):
    """Read ``subsets`` from folder-per-category directories under ``root``.

    Returns the mapping :func:`_read_tarball` returns, and the sorted names of
    the categories found in either subset.
    """
    dirs = {
        k: [p for p in (root / v).iterdir() if p.is_dir()] for k, v in _FOLDERS.items()
    }
    docs = {subset: [] for subset in subsets}
    for subset in subsets:
        for file in (f for category in dirs[subset] for f in category.iterdir()):
            if file.is_file():
                text = file.read_bytes().decode("latin-1")
                docs[subset].append((file.parent.name, file.name, str(file), text))
        docs[subset].sort(key=_sort_key)
    return docs, sorted({p.name for paths in dirs.values() for p in paths})


def _read_20newsgroups(source, subsets):
    """Return the sorted documents of each subset and all category names."""
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"20 newsgroups data {str(path)!r} does not exist; expected {_LAYOUTS}."
        )
    if path.is_dir() and all((path / f).is_dir() for f in _FOLDERS.values()):
        return _read_folders(path, subsets)
    if path.is_dir():
        if not (path / _ARCHIVE_NAME).is_file():
            raise ValueError(
                f"No 20 newsgroups data found in {str(path)!r}; expected {_LAYOUTS}."
            )
        path = path / _ARCHIVE_NAME
    path = path.resolve()
    docs = _read_tarball(str(path), path.stat().st_mtime_ns)
    return docs, sorted({doc[0] for name in docs for doc in docs[name]})


def load_20newsgroups(
    subset="train",
    *,
    data=None,
    categories=None,
    remove=(),
    shuffle=False,
    random_state=None,
):
    """Load the "bydate" version of the 20 newsgroups dataset.

    Same semantics as :func:`sklearn.datasets.fetch_20newsgroups`, but read
    from a local copy of the data when one is given, without extracting or
    caching anything on disk.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        The part of the dataset to load; "all" is "train" followed by "test".

    data : str or os.PathLike, default=None
        Where the data lies: the path of a ``20news-bydate.tar.gz`` tarball, of
        a directory holding the ``20news-bydate-train/`` and
        ``20news-bydate-test/`` folders (one folder per category), or of a
        directory holding ``20news-bydate.tar.gz``. When None, the environment
        variable ``SKTEXTCNN_20NEWS_DATA`` is used if set, else the data is
        fetched by :func:`sklearn.datasets.fetch_20newsgroups`, which may
        download it (in which case the documents are in scikit-learn's order).

    categories : list of str, default=None
        The categories to load; None loads all 20.

    remove : tuple, default=()
        Any subset of ("headers", "footers", "quotes"): the parts of each
        document to strip, with the same heuristics as scikit-learn.

    shuffle : bool, default=False
        Whether to shuffle the documents. Otherwise they are ordered by
        category name, then by numeric article id.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling when ``shuffle=True``.

    Returns
    -------
    bunch : :class:`~sklearn.utils.Bunch`
        With attributes ``data`` (list of str), ``target`` (ndarray of int of
        shape (n_samples,)), ``target_names`` (sorted list of str) and
        ``filenames`` (list of str; for a tarball, ``<tarball>/<member>``).
    """
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset must be 'train', 'test' or 'all', got {subset!r}.")
    remove = (remove,) if isinstance(remove, str) else tuple(remove)
    unknown = sorted(set(remove) - set(_STRIPPERS))
    if unknown:
        raise ValueError(
            f"Unknown parts to remove {unknown}; use any of {tuple(_STRIPPERS)}."
        )
    subsets = ("train", "test") if subset == "all" else (subset,)
    if data is None:
        data = os.environ.get("SKTEXTCNN_20NEWS_DATA") or None
    if data is None:
        from sklearn.datasets import fetch_20newsgroups

        kwargs = dict(shuffle=shuffle, random_state=random_state, remove=remove)
        bunch = fetch_20newsgroups(subset=subset, categories=categories, **kwargs)
        target = np.asarray(bunch.target, dtype=np.int64)
        filenames = [str(name) for name in bunch.filenames]
        names = list(bunch.target_names)
        return Bunch(
            data=bunch.data, target=target, target_names=names, filenames=filenames
        )

    read, all_names = _read_20newsgroups(data, subsets)
    docs = [doc for name in subsets for doc in read[name]]
    if categories is None:
        target_names = all_names
    else:
        if isinstance(categories, str):
            categories = [categories]
        target_names = sorted(set(categories))
        missing = [name for name in target_names if name not in all_names]
        if missing:
            raise ValueError(
                f"Unknown categories {missing}; known categories are {all_names}."
            )
        docs = [doc for doc in docs if doc[0] in target_names]
    if shuffle:
        order = check_random_state(random_state).permutation(len(docs))
        docs = [docs[i] for i in order]
    texts = [doc[3] for doc in docs]
    for part, strip in _STRIPPERS.items():
        if part in remove:
            texts = [strip(text) for text in texts]
    label = {name: i for i, name in enumerate(target_names)}
    return Bunch(
        data=texts,
        target=np.array([label[doc[0]] for doc in docs], dtype=np.int64),
        target_names=target_names,
        filenames=[doc[2] for doc in docs],
    )


def load_sentence_dataset(path):
    """Load a sentence classification file with one ``LABEL text`` per line.

    This is the format of the MR (``rt-polarity.all``), SST
    (``stsa.binary.*``) and TREC (``TREC.*.all``) benchmark files. Each line
    is decoded as UTF-8, or as Latin-1 where it is not valid UTF-8. Blank lines
    are skipped.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.

    Returns
    -------
    texts : list of str
        The text of each example, stripped of surrounding whitespace.

    labels : ndarray of int of shape (n_samples,)
        The integer label of each example.
    """
    texts, labels = [], []
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("latin-1")
            fields = line.split(maxsplit=1)
            if not fields:
                continue
            try:
                labels.append(int(fields[0]))
            except ValueError:
                raise ValueError(
                    f"{os.fspath(path)}, line {lineno}: expected 'LABEL text' with an "
                    f"integer label, got {line.strip()[:60]!r}."
                ) from None
            texts.append(fields[1].strip() if len(fields) > 1 else "")
    return texts, np.array(labels, dtype=np.int64)


def default_data_dir():
    """Return the default directory holding the benchmark data, if any.

    The one place that knows where the project's tests, benchmarks and
    examples look for their data by default.

    Returns
    -------
    path : pathlib.Path or None
        The directory named by the environment variable ``SKTEXTCNN_DATA`` if
        it is set, else ``../shared/data`` relative to the current working
        directory, else ``shared/data`` beside a source checkout of
        sktextcnn (``<checkout>/../shared/data``), the first that exists;
        None if neither does.
    """
    env = os.environ.get("SKTEXTCNN_DATA")
    if env:
        return Path(env).expanduser()
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate.resolve()
    return None
