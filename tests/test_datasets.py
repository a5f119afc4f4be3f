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
    load_reuters21578,
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


# {file: (number of examples, labels)}, counted in the files (one per line).
SENTENCE_FILES = {
    "stsa.fine.train": (8544, range(5)),  # SST-5
    "stsa.fine.dev": (1101, range(5)),
    "stsa.fine.test": (2210, range(5)),
    "stsa.binary.train": (6920, range(2)),  # SST-2
    "stsa.binary.dev": (872, range(2)),
    "stsa.binary.test": (1821, range(2)),
    "TREC.train.all": (5452, range(6)),
    "TREC.test.all": (500, range(6)),
    "rt-polarity.all": (10662, range(2)),  # MR
}


@pytest.mark.parametrize(
    "shared_data_dir, name",
    [(f"sentence-benchmarks/{name}", name) for name in SENTENCE_FILES],
    indirect=["shared_data_dir"],
    ids=list(SENTENCE_FILES),
)
def test_real_sentence_datasets(shared_data_dir, name):
    n_samples, labels = SENTENCE_FILES[name]
    texts, target = load_sentence_dataset(
        shared_data_dir / "sentence-benchmarks" / name
    )
    assert len(texts) == len(target) == n_samples
    assert sorted(set(target.tolist())) == list(labels)
    assert all(texts)


# A miniature Reuters-21578: {file name: SGML stories}. Topics "rare" (train
# only) and "rare2" (test only) are not ModApte categories; story 4 has no
# other one and is dropped, story 7 keeps "cocoa". Stories 3 (TOPICS="NO"),
# 5 (BYPASS), 6 (NOT-USED) and 10 (no topic) are not ModApte stories. Story 1
# has entities, a Latin-1 byte and the end-of-text mark; story 2 is a BRIEF
# (title only, its "Blah blah blah." is not a BODY) listing "grain" twice;
# story 8 is UNPROC (neither TITLE nor BODY).
def _story(newid, split, topics, text, topics_flag="YES", extra=""):
    d = "".join(f"<D>{topic}</D>" for topic in topics)
    return (
        f'<REUTERS TOPICS="{topics_flag}" LEWISSPLIT="{split}" '
        f'CGISPLIT="TRAINING-SET" OLDID="{5000 + newid}" NEWID="{newid}"{extra}>\n'
        f"<DATE>26-FEB-1987 15:01:01.79</DATE>\n<TOPICS>{d}</TOPICS>\n"
        f"<PLACES><D>usa</D></PLACES>\n<PEOPLE></PEOPLE>\n"
        f"<UNKNOWN> \n&#5;&#5;&#5;C T\n&#22;&#22;&#1;f0704&#31;reute</UNKNOWN>\n"
        f"{text}\n</REUTERS>\n"
    ).encode("latin-1")


_DOCTYPE = b'<!DOCTYPE lewis SYSTEM "lewis.dtd">\n'
FAKE_REUTERS = {f"reut2-{i:03d}.sgm": _DOCTYPE for i in range(22)}
FAKE_REUTERS["reut2-000.sgm"] += b"".join(
    [
        _story(
            1,
            "TRAIN",
            ["cocoa"],
            "<TEXT>&#2;\n<TITLE>BAHIA COCOA &lt;BCR&gt; REVIEW</TITLE>\n"
            "<DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Showers at the "
            "caf\xe9 &amp; rain.\n Reuter\n</BODY></TEXT>&#3;",
        ),
        _story(
            2,
            "TRAIN",
            ["grain", "wheat", "grain"],
            '<TEXT TYPE="BRIEF">&#2;\n******<TITLE>WHEAT UP 3 PCT\n</TITLE>'
            "Blah blah blah.\n&#3;\n\n</TEXT>",
        ),
        _story(3, "TRAIN", [], "<TEXT><TITLE>NO</TITLE><BODY>x</BODY></TEXT>", "NO"),
        _story(4, "TRAIN", ["rare"], "<TEXT><TITLE>RARE</TITLE></TEXT>"),
        _story(5, "TRAIN", ["cocoa"], "<TEXT><TITLE>B</TITLE></TEXT>", "BYPASS"),
        _story(6, "NOT-USED", ["cocoa"], "<TEXT><TITLE>NOT USED</TITLE></TEXT>"),
    ]
)
FAKE_REUTERS["reut2-001.sgm"] += b"".join(
    [
        _story(
            7,
            "TEST",
            ["rare2", "cocoa"],
            "<TEXT><TITLE>COCOA FALLS</TITLE><BODY>Prices fell.</BODY></TEXT>",
            extra=' CSECS="539010540"',
        ),
        _story(
            8,
            "TEST",
            ["wheat"],
            '<TEXT TYPE="UNPROC">&#2;\nWHEAT REPORT - FEB 26\n'
            " Stocks....644 vs.....1,337\n Reuter\n&#3;\n</TEXT>",
        ),
        _story(
            9, "TEST", ["grain"], "<TEXT><TITLE>GRAIN</TITLE><BODY>Up.</BODY></TEXT>"
        ),
        _story(10, "TEST", [], "<TEXT><TITLE>NONE</TITLE><BODY>-</BODY></TEXT>"),
    ]
)
REUTERS_NAMES = ["cocoa", "grain", "wheat"]
REUTERS_TRAIN = [
    "BAHIA COCOA <BCR> REVIEW\nShowers at the café & rain.\n Reuter",
    "WHEAT UP 3 PCT",
]
REUTERS_TEST = [
    "COCOA FALLS\nPrices fell.",
    "WHEAT REPORT - FEB 26\n Stocks....644 vs.....1,337\n Reuter",
    "GRAIN\nUp.",
]


def _write_reuters_tarball(path, files=FAKE_REUTERS, prefix=""):
    with tarfile.open(path, "w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return path


@pytest.fixture
def reuters_tarball(tmp_path):
    return _write_reuters_tarball(tmp_path / "reuters21578.tar.gz")


@pytest.fixture
def reuters_folder(tmp_path):
    root = tmp_path / "extracted"
    root.mkdir()
    for name, content in FAKE_REUTERS.items():
        (root / name).write_bytes(content)
    return root


def test_reuters_tarball(reuters_tarball):
    train = load_reuters21578(data=reuters_tarball)
    assert set(train) == {"data", "target", "target_names", "sample_id", "DESCR"}
    assert train.data == REUTERS_TRAIN
    assert train.target_names == REUTERS_NAMES
    assert train.target.dtype == np.int64
    np.testing.assert_array_equal(train.target, [[1, 0, 0], [0, 1, 1]])
    np.testing.assert_array_equal(train.sample_id, [1, 2])
    assert "ModApte" in train.DESCR

    test = load_reuters21578("test", data=str(reuters_tarball))
    assert test.data == REUTERS_TEST
    assert test.target_names == REUTERS_NAMES
    np.testing.assert_array_equal(test.target, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(test.sample_id, [7, 8, 9])


def test_reuters_subset_all_and_return_X_y(reuters_tarball):
    bunch = load_reuters21578("all", data=reuters_tarball)
    assert bunch.data == REUTERS_TRAIN + REUTERS_TEST
    np.testing.assert_array_equal(bunch.sample_id, [1, 2, 7, 8, 9])
    assert bunch.target.shape == (5, 3) and bunch.target.sum(axis=1).min() == 1
    data, target = load_reuters21578("all", data=reuters_tarball, return_X_y=True)
    assert data == bunch.data
    np.testing.assert_array_equal(target, bunch.target)


def test_reuters_layouts_agree(reuters_tarball, reuters_folder, tmp_path):
    expected = load_reuters21578("all", data=reuters_tarball)
    nested = _write_reuters_tarball(
        tmp_path / "nested.tgz", prefix="reuters21578/"
    )  # the members of the UCI archive lie at the top; a re-packed one may not
    parent = tmp_path / "parent"
    (parent / "reuters21578").mkdir(parents=True)
    for name, content in FAKE_REUTERS.items():
        (parent / "reuters21578" / name).write_bytes(content)
    for data in (reuters_folder, str(reuters_folder), nested, parent, tmp_path):
        bunch = load_reuters21578("all", data=data)
        assert bunch.data == expected.data, data
        np.testing.assert_array_equal(bunch.target, expected.target)
        np.testing.assert_array_equal(bunch.sample_id, expected.sample_id)


def test_reuters_default_data_dir(reuters_tarball, monkeypatch):
    monkeypatch.setenv("SKTEXTCNN_DATA", str(reuters_tarball.parent))
    assert load_reuters21578().data == REUTERS_TRAIN
    monkeypatch.setenv("SKTEXTCNN_DATA", str(reuters_tarball.parent / "nowhere"))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_reuters21578()
    monkeypatch.setattr("sktextcnn.datasets.default_data_dir", lambda: None)
    with pytest.raises(FileNotFoundError, match=r"kdd\.ics\.uci\.edu.*data="):
        load_reuters21578("test")


def test_reuters_shuffle(reuters_tarball):
    ordered = load_reuters21578("all", data=reuters_tarball)
    first = load_reuters21578("all", data=reuters_tarball, shuffle=True, random_state=0)
    second = load_reuters21578(
        "all", data=reuters_tarball, shuffle=True, random_state=0
    )
    assert first.data == second.data and first.data != ordered.data
    np.testing.assert_array_equal(first.target, second.target)
    # Targets and ids still follow their stories.
    pairs = set(zip(ordered.data, map(tuple, ordered.target), ordered.sample_id))
    assert set(zip(first.data, map(tuple, first.target), first.sample_id)) == pairs


def test_reuters_results_are_not_shared(reuters_tarball):
    first = load_reuters21578(data=reuters_tarball)
    first.data.append("extra")
    first.target[:] = 0
    first.target_names.clear()
    second = load_reuters21578(data=reuters_tarball)
    assert second.data == REUTERS_TRAIN and second.target_names == REUTERS_NAMES
    assert second.target.sum() == 3


def test_reuters_reread_when_modified(reuters_tarball):
    assert load_reuters21578(data=reuters_tarball).data == REUTERS_TRAIN
    files = dict(FAKE_REUTERS)
    files["reut2-000.sgm"] = _DOCTYPE + _story(
        1, "TRAIN", ["grain"], "<TEXT><TITLE>NEW</TITLE></TEXT>"
    )
    files["reut2-001.sgm"] = _DOCTYPE + _story(
        2, "TEST", ["grain"], "<TEXT><TITLE>OLD</TITLE></TEXT>"
    )
    _write_reuters_tarball(reuters_tarball, files)
    stat = reuters_tarball.stat()
    os.utime(reuters_tarball, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    bunch = load_reuters21578(data=reuters_tarball)
    assert bunch.data == ["NEW"] and bunch.target_names == ["grain"]


def test_reuters_bad_arguments(reuters_tarball, tmp_path):
    with pytest.raises(ValueError, match="subset must be .* got 'valid'"):
        load_reuters21578("valid", data=reuters_tarball)
    with pytest.raises(FileNotFoundError, match="nowhere.*reuters21578.tar.gz"):
        load_reuters21578(data=tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="No Reuters-21578 data found in .*empty"):
        load_reuters21578(data=empty)
    not_tar = tmp_path / "notes.txt"
    not_tar.write_text("hello")
    with pytest.raises(ValueError, match="Cannot read .*notes.txt"):
        load_reuters21578(data=not_tar)
    unrelated = _write_reuters_tarball(tmp_path / "other.tar.gz", {"a.sgm": b"x"})
    with pytest.raises(ValueError, match="holds no Reuters-21578"):
        load_reuters21578(data=unrelated)
    partial = dict(FAKE_REUTERS)
    del partial["reut2-005.sgm"], partial["reut2-021.sgm"]
    partial = _write_reuters_tarball(tmp_path / "partial.tar.gz", partial)
    with pytest.raises(ValueError, match="lacks 2 of the 22.*reut2-005.sgm"):
        load_reuters21578(data=partial)


@pytest.mark.parametrize("shared_data_dir", ["reuters21578.tar.gz"], indirect=True)
def test_real_reuters21578(shared_data_dir):
    tarball = shared_data_dir / "reuters21578.tar.gz"
    train = load_reuters21578("train", data=tarball)
    test = load_reuters21578("test", data=tarball)
    assert (len(train.data), len(test.data)) == (7770, 3019)
    assert train.target.shape == (7770, 90) and test.target.shape == (3019, 90)
    assert train.target_names == test.target_names == sorted(train.target_names)
    assert train.target_names[:3] == ["acq", "alum", "barley"]
    assert train.target_names[-3:] == ["wpi", "yen", "zinc"]
    for bunch in (train, test):
        assert set(np.unique(bunch.target)) == {0, 1}
        assert bunch.target.sum(axis=1).min() >= 1  # every story has a category
        assert bunch.target.sum(axis=0).min() >= 1  # every category has a story
        assert np.all(np.diff(bunch.sample_id) > 0)
        assert all(bunch.data)
    earn = train.target_names.index("earn")
    assert train.target[:, earn].sum() == 2877  # the largest category
    # Known stories: the first of the collection, and the first test story.
    assert train.sample_id[0] == 1
    assert train.data[0].startswith("BAHIA COCOA REVIEW\nShowers continued")
    assert [train.target_names[j] for j in np.flatnonzero(train.target[0])] == ["cocoa"]
    assert test.sample_id[0] == 14826
    assert test.data[0].startswith("ASIAN EXPORTERS FEAR DAMAGE FROM U.S.-JAPAN RIFT")
    assert [test.target_names[j] for j in np.flatnonzero(test.target[0])] == ["trade"]
    # Entities decoded, control characters (&#2; &#3; &#127;) gone.
    assert not any("&lt;" in text or "\x03" in text for text in train.data)
    assert any("<" in text for text in train.data)
    # Deterministic: the same again, read from the cache or not.
    again = load_reuters21578("all", data=tarball)
    assert again.data == train.data + test.data
    np.testing.assert_array_equal(again.target, np.vstack([train.target, test.target]))


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
