"""Loaders for the text classification datasets used in examples and benchmarks."""

from __future__ import annotations

import functools
import html
import os
import re
import tarfile
from pathlib import Path, PurePosixPath

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._compat import (
    strip_newsgroup_footer,
    strip_newsgroup_header,
    strip_newsgroup_quoting,
)

__all__ = [
    "default_data_dir",
    "load_20newsgroups",
    "load_reuters21578",
    "load_sentence_dataset",
]

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


_REUTERS_ARCHIVE = "reuters21578.tar.gz"
_REUTERS_FOLDER = "reuters21578"
_REUTERS_FILES = tuple(f"reut2-{i:03d}.sgm" for i in range(22))
_REUTERS_URL = "https://kdd.ics.uci.edu/databases/reuters21578/reuters21578.html"
_REUTERS_LAYOUTS = (
    f"the '{_REUTERS_ARCHIVE}' tarball of the UCI KDD archive ({_REUTERS_URL}), "
    f"a directory holding its 22 'reut2-NNN.sgm' files (or a '{_REUTERS_FOLDER}/' "
    f"folder of them), or a directory holding '{_REUTERS_ARCHIVE}'"
)
_SGML_DOC = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_SGML_ATTR = re.compile(r'([A-Z]+)="([^"]*)"')
_SGML_TOPICS = re.compile(r"<TOPICS>(.*?)</TOPICS>", re.S)
_SGML_D = re.compile(r"<D>(.*?)</D>", re.S)
_SGML_TEXT = re.compile(r"<TEXT\b[^>]*>(.*?)</TEXT>", re.S)
_SGML_TITLE = re.compile(r"<TITLE>(.*?)</TITLE>", re.S)
_SGML_BODY = re.compile(r"<BODY>(.*?)</BODY>", re.S)
_SGML_TAG = re.compile(r"<[^>]*>")

_REUTERS_DESCR = """\
.. _reuters21578_dataset:

Reuters-21578 text categorization collection, ModApte split
------------------------------------------------------------

**Data Set Characteristics:**

    =================   =====================================
    Classes             90 topic categories (multilabel)
    Samples total       10,789
    Train / test        7,770 / 3,019 (ModApte)
    Labels per sample   1 to 15, 1.24 on average
    Features            text: title + body
    =================   =====================================

Newswire stories that appeared on the Reuters newswire in 1987, indexed
with topic categories by Reuters Ltd. and Carnegie Group, Inc., in the
"Reuters-21578, Distribution 1.0" of David D. Lewis (22 SGML files).

The split is the standard "ModApte" one: the stories with
LEWISSPLIT="TRAIN" (train) or LEWISSPLIT="TEST" (test) and TOPICS="YES",
restricted, as in the usual 90-category benchmark, to the categories that
have at least one training and one test story, and to the stories that have
at least one of them. ``target`` is the binary indicator matrix of those
categories, whose names ``target_names`` lists in sorted order. Each text is
the story's title and body, joined by a line break, with SGML entities
decoded; a story without either (TYPE="UNPROC") keeps the raw text of its
TEXT element. The files are read as Latin-1.

The copyright for the text of newswire articles and Reuters annotations in
the Reuters-21578 collection resides with Reuters Ltd. Reuters Ltd. and
Carnegie Group, Inc. have agreed to allow the free distribution of this data
*for research purposes only*. Results based on it should refer to the data
set as "Reuters-21578, Distribution 1.0".

The data: the file reuters21578.tar.gz of the UCI KDD archive,
https://kdd.ics.uci.edu/databases/reuters21578/reuters21578.html

.. rubric:: References

* Lewis, D. D. Reuters-21578 text categorization test collection,
  Distribution 1.0, README file (v 1.2), 1997.
* Apté, C., Damerau, F. and Weiss, S. M. Automated learning of decision
  rules for text categorization. ACM Transactions on Information Systems
  12(3), 1994.
* Yang, Y. and Liu, X. A re-examination of text categorization methods.
  SIGIR 1999.
"""


def _parse_reuters_sgml(text):
    """Return the ModApte candidates of one ``reut2-NNN.sgm`` file.

    Yields ``(newid, split, topics, text)`` for each story with
    TOPICS="YES" and LEWISSPLIT "TRAIN" or "TEST", ``split`` lower-cased and
    ``topics`` a tuple of category names (as listed, duplicates included).
    """
    for match in _SGML_DOC.finditer(text):
        attrs = dict(_SGML_ATTR.findall(match.group(1)))
        split = attrs.get("LEWISSPLIT")
        if attrs.get("TOPICS") != "YES" or split not in ("TRAIN", "TEST"):
            continue
        story = match.group(2)
        topics = _SGML_TOPICS.search(story)
        topics = _SGML_D.findall(topics.group(1)) if topics else []
        parts = [
            html.unescape(found.group(1)).strip()
            for found in (_SGML_TITLE.search(story), _SGML_BODY.search(story))
            if found is not None
        ]
        if not parts:  # TYPE="UNPROC": the story is the TEXT element's content
            raw = _SGML_TEXT.search(story)
            parts = (
                [html.unescape(_SGML_TAG.sub("", raw.group(1))).strip()] if raw else []
            )
        yield (
            int(attrs["NEWID"]),
            split.lower(),
            tuple(html.unescape(topic).strip() for topic in topics),
            "\n".join(part for part in parts if part),
        )


def _reuters_from_tarball(path):
    """Return ``{file name: decoded text}`` of the ``reut2-NNN.sgm`` members."""
    files = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = PurePosixPath(member.name).name
                if member.isfile() and name in _REUTERS_FILES:
                    if name in files:
                        raise ValueError(
                            f"{path!r} holds two copies of {name!r}; expected "
                            f"{_REUTERS_LAYOUTS}."
                        )
                    files[name] = tar.extractfile(member).read().decode("latin-1")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ValueError(
            f"Cannot read {path!r} as a gzipped tarball ({exc}); expected "
            f"{_REUTERS_LAYOUTS}."
        ) from exc
    return files


@functools.lru_cache(maxsize=2)
def _read_reuters(path, is_tarball, stamp):
    """Read and split the collection; ``stamp`` only serves as part of the cache key.

    Returns ``({"train": docs, "test": docs}, target_names)``, where each of
    ``docs`` is a tuple of ``(newid, text, topics)`` in NEWID order and
    ``topics`` holds the indices, in ``target_names``, of the story's topics.
    """
    if is_tarball:
        files = _reuters_from_tarball(path)
    else:
        files = {
            name: (Path(path) / name).read_bytes().decode("latin-1")
            for name in _REUTERS_FILES
            if (Path(path) / name).is_file()
        }
    missing = [name for name in _REUTERS_FILES if name not in files]
    if len(missing) == len(_REUTERS_FILES):
        raise ValueError(
            f"{path!r} holds no Reuters-21578 'reut2-NNN.sgm' files; expected "
            f"{_REUTERS_LAYOUTS}."
        )
    if missing:
        raise ValueError(
            f"{path!r} lacks {len(missing)} of the 22 Reuters-21578 files: "
            f"{', '.join(missing)}; expected {_REUTERS_LAYOUTS}."
        )
    stories = sorted(
        story for name in _REUTERS_FILES for story in _parse_reuters_sgml(files[name])
    )
    topics_in = {
        split: {t for story in stories if story[1] == split for t in story[2]}
        for split in ("train", "test")
    }
    target_names = sorted(topics_in["train"] & topics_in["test"])
    column = {name: i for i, name in enumerate(target_names)}
    docs = {"train": [], "test": []}
    for newid, split, topics, text in stories:
        kept = sorted({column[t] for t in topics if t in column})
        if kept:
            docs[split].append((newid, text, tuple(kept)))
    return {split: tuple(docs[split]) for split in docs}, tuple(target_names)


def _locate_reuters(data):
    """Return ``(path, is_tarball)`` of the Reuters-21578 data ``data`` names."""
    if data is None:
        root = default_data_dir()
        if root is None:
            raise FileNotFoundError(
                "No Reuters-21578 data given and no default data directory "
                "(SKTEXTCNN_DATA or ../shared/data) exists. Download "
                f"'{_REUTERS_ARCHIVE}' from the UCI KDD archive ({_REUTERS_URL}) "
                "and pass its path as data=."
            )
        data = root
    path = Path(data).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"Reuters-21578 data {str(path)!r} does not exist; expected "
            f"{_REUTERS_LAYOUTS}."
        )
    if not path.is_dir():
        return path.resolve(), True
    for folder in (path, path / _REUTERS_FOLDER):
        if any((folder / name).is_file() for name in _REUTERS_FILES):
            return folder.resolve(), False
    if (path / _REUTERS_ARCHIVE).is_file():
        return (path / _REUTERS_ARCHIVE).resolve(), True
    raise ValueError(
        f"No Reuters-21578 data found in {str(path)!r}; expected {_REUTERS_LAYOUTS}."
    )


def load_reuters21578(
    subset="train",
    *,
    data=None,
    shuffle=False,
    random_state=None,
    return_X_y=False,
):
    """Load the ModApte split of Reuters-21578, with its 90 categories.

    The standard multilabel benchmark: the stories with LEWISSPLIT="TRAIN" or
    "TEST" and TOPICS="YES", restricted to the 90 categories that have at
    least one training and one test story, and to the stories that have at
    least one of them: 7,770 training and 3,019 test stories. The data is read
    from a local copy of the original SGML files, straight from the tarball
    or from an extracted folder, without extracting or caching anything on
    disk; the parsed stories are kept in memory for the next call while the
    files are unchanged. scikit-learn has no Reuters fetcher: nothing is
    downloaded.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        The part of the dataset to load; "all" is "train" followed by "test".

    data : str or os.PathLike, default=None
        Where the data lies: the path of the ``reuters21578.tar.gz`` tarball
        of the UCI KDD archive
        (https://kdd.ics.uci.edu/databases/reuters21578/reuters21578.html),
        of a directory holding its 22 ``reut2-NNN.sgm`` files (or a
        ``reuters21578/`` folder of them), or of a directory holding
        ``reuters21578.tar.gz``. When None, the directory
        :func:`default_data_dir` returns.

    shuffle : bool, default=False
        Whether to shuffle the stories. Otherwise they are in the order of
        their NEWID (the order of the files).

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling when ``shuffle=True``.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    bunch : :class:`~sklearn.utils.Bunch`
        With attributes:

        data : list of str of length n_samples
            Each story's title and body, joined by a line break (the raw text
            of the few stories without either).
        target : ndarray of int64 of shape (n_samples, 90)
            The binary indicator matrix of the categories:
            ``target[i, j] == 1`` if story ``i`` has category
            ``target_names[j]``. Every row has at least one 1.
        target_names : list of str of length 90
            The category names, sorted; the same for every subset.
        sample_id : ndarray of int64 of shape (n_samples,)
            Each story's NEWID in the collection.
        DESCR : str
            A description of the dataset and of the split.

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` and ``target`` as above.

    Raises
    ------
    FileNotFoundError
        If ``data`` does not exist, or is None and there is no default data
        directory.
    ValueError
        If ``subset`` is unknown, or ``data`` is not one of the layouts above
        or lacks some of the 22 files.

    See Also
    --------
    sklearn.datasets.fetch_rcv1 : The RCV1 multilabel newswire dataset.
    load_20newsgroups : The 20 newsgroups dataset, one label per post.

    Examples
    --------
    >>> from sktextcnn.datasets import load_reuters21578
    >>> train = load_reuters21578("train")  # or data="path/to/reuters21578.tar.gz"
    >>> len(train.data), train.target.shape
    (7770, (7770, 90))
    >>> train.target_names[:3]
    ['acq', 'alum', 'barley']
    >>> print(train.data[0][:18])
    BAHIA COCOA REVIEW

    ``target`` is what scikit-learn's multilabel estimators take, e.g. the
    usual bag-of-words baseline:

    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import LinearSVC
    >>> baseline = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LinearSVC()))
    >>> baseline.fit(train.data, train.target)  # doctest: +ELLIPSIS
    Pipeline(...)
    """
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset must be 'train', 'test' or 'all', got {subset!r}.")
    path, is_tarball = _locate_reuters(data)
    files = [path] if is_tarball else [path / name for name in _REUTERS_FILES]
    stats = [file.stat() for file in files if file.is_file()]
    stamp = tuple((stat.st_mtime_ns, stat.st_size) for stat in stats)
    split_docs, target_names = _read_reuters(str(path), is_tarball, stamp)
    subsets = ("train", "test") if subset == "all" else (subset,)
    docs = [doc for name in subsets for doc in split_docs[name]]
    if shuffle:
        order = check_random_state(random_state).permutation(len(docs))
        docs = [docs[i] for i in order]
    target = np.zeros((len(docs), len(target_names)), dtype=np.int64)
    for row, doc in enumerate(docs):
        target[row, list(doc[2])] = 1
    texts = [doc[1] for doc in docs]
    if return_X_y:
        return texts, target
    return Bunch(
        data=texts,
        target=target,
        target_names=list(target_names),
        sample_id=np.array([doc[0] for doc in docs], dtype=np.int64),
        DESCR=_REUTERS_DESCR,
    )


def load_sentence_dataset(path):
    """Load a sentence classification file with one ``LABEL text`` per line.

    This is the format of the sentence benchmarks of Kim (2014):

    =======  ==================================  ======  =====================
    Dataset  Files                               Labels  Examples
    =======  ==================================  ======  =====================
    MR       ``rt-polarity.all``                 0-1     10,662
    SST-2    ``stsa.binary.{train,dev,test}``    0-1     6,920 / 872 / 1,821
    SST-5    ``stsa.fine.{train,dev,test}``      0-4     8,544 / 1,101 / 2,210
    TREC     ``TREC.{train,test}.all``           0-5     5,452 / 500
    =======  ==================================  ======  =====================

    Each line is decoded as UTF-8, or as Latin-1 where it is not valid UTF-8.
    Blank lines are skipped. The labels are returned as written, whatever
    their range.

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

    Raises
    ------
    ValueError
        If a line does not start with an integer label; the message names the
        file and line.

    Examples
    --------
    >>> from sktextcnn.datasets import default_data_dir, load_sentence_dataset
    >>> folder = default_data_dir() / "sentence-benchmarks"  # or any folder
    >>> texts, labels = load_sentence_dataset(folder / "stsa.fine.train")
    >>> len(texts), sorted(set(labels.tolist()))
    (8544, [0, 1, 2, 3, 4])
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
