"""Tests for sktextcnn.datasets."""

import io
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils import Bunch

from sktextcnn.datasets import (
    default_data_dir,
    load_20newsgroups,
    load_sentence_dataset,
)

# {subset folder: {category: {file name: content}}}; "9" < "10" numerically but
# not as strings, and "caf\xe9" is Latin-1.
FAKE_NEWS = {
    "20news-bydate-train": {
        "sci.space": {
            "10": b"From: a@b\nSubject: orbit\n\nThe orbit is high.\n",
            "9": b"From: c@d\nSubject: moon\n\nLunar caf\xe9 opens.\n",
        },
        "comp.graphics": {
            "3": b"From: e@f\nSubject: gif\n\nGIF or JPEG?\n",
            "100": b"From: g@h\nSubject: 3d\n\nRay tracing.\n\n--\nsig\n",
            "20": b"From: i@j\nSubject: png\n\nPNG wins.\n",
        },
    },
    "20news-bydate-test": {
        "comp.graphics": {"7": b"From: k@l\nSubject: svg\n\nVectors.\n"},
        "sci.space": {
            "12": b"From: m@n\nSubject: mars\n\nRed planet.\n",
            "11": b"From: o@p\nSubject: sun\n\nHot.\n",
        },
    },
}
TRAIN_TEXTS = [
    FAKE_NEWS["20news-bydate-train"][cat][name].decode("latin-1")
    for cat, name in [
        ("comp.graphics", "3"),
        ("comp.graphics", "20"),
        ("comp.graphics", "100"),
        ("sci.space", "9"),
        ("sci.space", "10"),
    ]
]
TARGET_NAMES = ["comp.graphics", "sci.space"]


def _write_tarball(path, files=FAKE_NEWS):
    with tarfile.open(path, "w:gz") as tar:
        for folder, categories in files.items():
            for category, docs in categories.items():
                info = tarfile.TarInfo(f"{folder}/{category}")
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
                for name, content in docs.items():
                    info = tarfile.TarInfo(f"{folder}/{category}/{name}")
                    info.size = len(content)
                    tar.addfile(info, io.BytesIO(content))
    return path


@pytest.fixture(autouse=True)
def _no_env_data(monkeypatch):
    monkeypatch.delenv("SKTEXTCNN_20NEWS_DATA", raising=False)
    monkeypatch.delenv("SKTEXTCNN_DATA", raising=False)


@pytest.fixture
def fake_tarball(tmp_path):
    return _write_tarball(tmp_path / "20news-bydate.tar.gz")


@pytest.fixture
def fake_folders(tmp_path):
    root = tmp_path / "folders"
    for folder, categories in FAKE_NEWS.items():
        for category, docs in categories.items():
            (root / folder / category).mkdir(parents=True)
            for name, content in docs.items():
                (root / folder / category / name).write_bytes(content)
    return root


def test_tarball(fake_tarball):
    train = load_20newsgroups(data=fake_tarball)
    assert set(train) == {"data", "target", "target_names", "filenames"}
    assert train.data == TRAIN_TEXTS
    assert "Lunar café" in train.data[3]
    assert train.target_names == TARGET_NAMES
    np.testing.assert_array_equal(train.target, [0, 0, 0, 1, 1])
    assert train.filenames[0].endswith("20news-bydate-train/comp.graphics/3")

    test = load_20newsgroups("test", data=str(fake_tarball))
    assert test.data[1] == "From: o@p\nSubject: sun\n\nHot.\n"
    np.testing.assert_array_equal(test.target, [0, 1, 1])
    assert test.target_names == TARGET_NAMES


def test_folders_match_tarball(fake_folders, fake_tarball):
    for subset in ("train", "test", "all"):
        from_folders = load_20newsgroups(subset, data=fake_folders)
        from_tar = load_20newsgroups(subset, data=fake_tarball)
        assert from_folders.data == from_tar.data
        np.testing.assert_array_equal(from_folders.target, from_tar.target)
        assert from_folders.target_names == TARGET_NAMES
        assert [os.path.basename(f) for f in from_folders.filenames] == [
            os.path.basename(f) for f in from_tar.filenames
        ]
    assert os.path.isfile(from_folders.filenames[0])


def test_directory_holding_tarball_and_env_var(fake_tarball, monkeypatch):
    expected = load_20newsgroups(data=fake_tarball).data
    assert load_20newsgroups(data=fake_tarball.parent).data == expected
    monkeypatch.setenv("SKTEXTCNN_20NEWS_DATA", str(fake_tarball.parent))
    assert load_20newsgroups().data == expected


def test_sklearn_fallback(monkeypatch):
    calls = []

    def fake_fetch(**kwargs):
        calls.append(kwargs)
        return Bunch(
            data=["x"], target=[1], target_names=["a", "b"], filenames=np.array(["f"])
        )

    monkeypatch.setattr("sklearn.datasets.fetch_20newsgroups", fake_fetch)
    bunch = load_20newsgroups("test", categories=["b"], remove=("quotes",))
    assert calls == [
        dict(
            subset="test",
            categories=["b"],
            remove=("quotes",),
            shuffle=False,
            random_state=None,
        )
    ]
    assert bunch.data == ["x"] and bunch.filenames == ["f"]
    assert bunch.target_names == ["a", "b"] and bunch.target.dtype == np.int64


def test_subset_all(fake_tarball):
    bunch = load_20newsgroups("all", data=fake_tarball)
    assert bunch.data[:5] == TRAIN_TEXTS and len(bunch.data) == 8
    np.testing.assert_array_equal(bunch.target, [0, 0, 0, 1, 1, 0, 1, 1])
    assert len(bunch.filenames) == 8


def test_categories(fake_tarball):
    bunch = load_20newsgroups(data=fake_tarball, categories=["sci.space"])
    assert bunch.data == TRAIN_TEXTS[3:]
    assert bunch.target_names == ["sci.space"]
    np.testing.assert_array_equal(bunch.target, [0, 0])
    assert load_20newsgroups(data=fake_tarball, categories=TARGET_NAMES[::-1]).data == (
        TRAIN_TEXTS
    )


def test_unknown_category(fake_tarball):
    with pytest.raises(ValueError, match="'rec.autos'"):
        load_20newsgroups(data=fake_tarball, categories=["sci.space", "rec.autos"])


def test_bad_arguments(fake_tarball):
    with pytest.raises(ValueError, match="subset"):
        load_20newsgroups("valid", data=fake_tarball)
    with pytest.raises(ValueError, match="signatures"):
        load_20newsgroups(data=fake_tarball, remove=("headers", "signatures"))


def test_bad_path(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="nowhere.*20news-bydate-train"):
        load_20newsgroups(data=missing)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="empty.*20news-bydate.tar.gz"):
        load_20newsgroups(data=empty)
    not_tar = tmp_path / "notes.txt"
    not_tar.write_text("hello")
    with pytest.raises(ValueError, match="notes.txt"):
        load_20newsgroups(data=not_tar)
    unrelated = _write_tarball(tmp_path / "other.tar.gz", {"stuff": {"a": {"1": b""}}})
    with pytest.raises(ValueError, match="no 20 newsgroups documents"):
        load_20newsgroups(data=unrelated)


def test_remove_headers(fake_tarball):
    bunch = load_20newsgroups(data=fake_tarball, remove=("headers",))
    assert bunch.data[0] == "GIF or JPEG?\n"
    assert bunch.data[2] == "Ray tracing.\n\n--\nsig\n"
    bunch = load_20newsgroups(data=fake_tarball, remove=("headers", "footers"))
    assert bunch.data[2] == "Ray tracing.\n"


def test_shuffle(fake_tarball):
    ordered = load_20newsgroups("all", data=fake_tarball)
    first = load_20newsgroups("all", data=fake_tarball, shuffle=True, random_state=0)
    second = load_20newsgroups("all", data=fake_tarball, shuffle=True, random_state=0)
    assert first.data == second.data and first.filenames == second.filenames
    np.testing.assert_array_equal(first.target, second.target)
    assert first.data != ordered.data
    assert sorted(first.data) == sorted(ordered.data)
    # Targets and file names still follow their documents.
    pairs = set(zip(ordered.data, ordered.target, ordered.filenames, strict=True))
    assert set(zip(first.data, first.target, first.filenames, strict=True)) == pairs


def test_tarball_reread_when_modified(fake_tarball):
    assert len(load_20newsgroups(data=fake_tarball).data) == 5
    _write_tarball(fake_tarball, {"20news-bydate-train": {"x.y": {"1": b"z"}}})
    stat = fake_tarball.stat()
    os.utime(fake_tarball, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert load_20newsgroups(data=fake_tarball).data == ["z"]


def test_load_sentence_dataset(tmp_path):
    path = tmp_path / "sentences.txt"
    path.write_bytes(
        b"1 a fine film .\n\n0 caf\xc3\xa9 noir \n  \n3 na\xefve\r\n2\n0 tab\tkept\n"
    )
    texts, labels = load_sentence_dataset(path)
    assert texts == ["a fine film .", "café noir", "naïve", "", "tab\tkept"]
    np.testing.assert_array_equal(labels, [1, 0, 3, 2, 0])
    assert labels.dtype == np.int64

    path.write_bytes(b"1 good\n0 bad\n\npositive great\n")
    with pytest.raises(ValueError, match=r"sentences\.txt, line 4"):
        load_sentence_dataset(str(path))


def test_default_data_dir(tmp_path, monkeypatch):
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    assert default_data_dir() == (tmp_path / "shared" / "data").resolve()
    monkeypatch.setenv("SKTEXTCNN_DATA", str(tmp_path / "elsewhere"))
    assert default_data_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("SKTEXTCNN_DATA")
    monkeypatch.chdir(tmp_path)
    # Not beside the working directory: beside the source checkout, if any.
    import sktextcnn

    beside_checkout = Path(sktextcnn.__file__).resolve().parents[1].parent
    expected = beside_checkout / "shared" / "data"
    assert default_data_dir() == (expected.resolve() if expected.is_dir() else None)


@pytest.mark.slow
@pytest.mark.parametrize("shared_data_dir", ["20news-bydate.tar.gz"], indirect=True)
def test_real_20newsgroups(shared_data_dir):
    tarball = shared_data_dir / "20news-bydate.tar.gz"
    train = load_20newsgroups("train", data=tarball)
    test = load_20newsgroups("test", data=tarball)
    assert (len(train.data), len(test.data)) == (11314, 7532)
    assert len(train.target) == 11314 and len(test.filenames) == 7532
    assert train.target_names == test.target_names
    assert len(train.target_names) == 20
    assert train.target_names[0] == "alt.atheism"
    assert train.target_names[-1] == "talk.religion.misc"
    assert np.bincount(train.target).min() == 377  # talk.religion.misc
