"""Nothing lost: interrupted fits, atomic file writes, corrupt stored models.

A fit that fails part-way -- an exception from a Keras callback, a
KeyboardInterrupt, a bad embedding file, a validation error -- leaves an
unfitted estimator unfitted and a fitted one exactly as it was (attributes,
model weights and, for warm_start, optimizer state).
"""

import io
import os
import pickle
import signal
import stat
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sktextcnn import GloveVectorizer, TextCNNClassifier
from sktextcnn._digest import STATE_DIGEST
from sktextcnn._persistence import atomic_write_bytes, pack_model, unpack_model

from .conftest import make_corpus

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

PARAMS = dict(
    filters=4, kernel_sizes=(2,), epochs=2, batch_size=8, early_stopping=False,
    random_state=0,
)  # fmt: skip


class Interrupt(keras.callbacks.Callback):
    """Raise ``error`` from ``hook`` (a Keras callback method name)."""

    def __init__(self, hook, error):
        super().__init__()
        self.hook, self.error = hook, error

    def on_train_batch_end(self, batch, logs=None):
        if self.hook == "on_train_batch_end" and batch == 1:
            raise self.error("stopped in a batch")

    def on_epoch_end(self, epoch, logs=None):
        if self.hook == "on_epoch_end" and epoch == 1:
            raise self.error("stopped after an epoch")


# Both hooks and both kinds of exception, in two runs per scenario.
INTERRUPTIONS = [
    ("on_train_batch_end", KeyboardInterrupt),
    ("on_epoch_end", RuntimeError),
]


def fitted_attributes(est):
    return {k: v for k, v in vars(est).items() if k.endswith("_")}


@pytest.fixture(scope="module")
def data():
    texts, y = make_corpus(n_per_class=10)
    X = np.asarray(GloveVectorizer(max_length=12, embeddings=None).fit_transform(texts))
    # Another task: other labels, shorter sequences, a larger vocabulary.
    texts2, y2 = make_corpus(8, classes=("sport", "space", "cars"), seed=1)
    X2 = np.asarray(
        GloveVectorizer(max_length=8, embeddings=None).fit_transform(texts2)
    )
    return X, y, X2, y2


# --------------------------------------------------------------------------
# TextCNNClassifier.fit interrupted


@pytest.mark.parametrize("hook, error", INTERRUPTIONS)
@pytest.mark.slow
def test_interrupted_first_fit_leaves_the_estimator_unfitted(data, hook, error):
    X, y, _, _ = data
    clf = TextCNNClassifier(**PARAMS, callbacks=[Interrupt(hook, error)])
    with pytest.raises(error, match="stopped"):
        clf.fit(X, y)
    assert fitted_attributes(clf) == {}
    with pytest.raises(NotFittedError):
        clf.predict(X)


@pytest.mark.parametrize("hook, error", INTERRUPTIONS)
@pytest.mark.slow
def test_interrupted_refit_keeps_the_old_model(data, hook, error):
    X, y, X2, y2 = data
    clf = TextCNNClassifier(**PARAMS).fit(X, y)
    before = fitted_attributes(clf)
    weights = clf.model_.get_weights()
    proba = clf.predict_proba(X)

    clf.set_params(callbacks=[Interrupt(hook, error)])
    with pytest.raises(error, match="stopped"):
        clf.fit(X2, y2)

    after = fitted_attributes(clf)
    assert after.keys() == before.keys()
    assert after["model_"] is before["model_"]
    assert clf.n_features_in_ == 12  # not the 8 columns of the interrupted fit
    np.testing.assert_array_equal(clf.classes_, ["space", "sport"])
    assert (clf.n_ids_, clf.n_iter_) == (before["n_ids_"], before["n_iter_"])
    assert clf.history_ == before["history_"]
    for old, new in zip(weights, clf.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


def optimizer_state(model):
    return [np.array(v.numpy()) for v in model.optimizer.variables]


@pytest.mark.parametrize("hook, error", INTERRUPTIONS)
@pytest.mark.slow
def test_interrupted_warm_start_restores_weights_and_optimizer(data, hook, error):
    X, y, _, _ = data
    clf = TextCNNClassifier(**PARAMS, warm_start=True).fit(X, y)
    before = fitted_attributes(clf)
    history = {k: list(v) for k, v in clf.history_.items()}
    weights, slots = clf.model_.get_weights(), optimizer_state(clf.model_)
    proba = clf.predict_proba(X)

    clf.set_params(callbacks=[Interrupt(hook, error)])
    with pytest.raises(error, match="stopped"):
        clf.fit(X, y)

    assert fitted_attributes(clf).keys() == before.keys()
    assert clf.model_ is before["model_"]
    assert clf.history_ == history and clf.n_iter_ == before["n_iter_"]
    for old, new in zip(weights, clf.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    for old, new in zip(slots, optimizer_state(clf.model_), strict=True):
        np.testing.assert_array_equal(old, new)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


@pytest.mark.slow
def test_warm_start_after_an_interruption_continues_as_if_none_happened(data):
    X, y, _, _ = data
    clean = TextCNNClassifier(**PARAMS, warm_start=True).fit(X, y).fit(X, y)
    clf = TextCNNClassifier(**PARAMS, warm_start=True).fit(X, y)
    clf.set_params(callbacks=[Interrupt("on_epoch_end", KeyboardInterrupt)])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    clf.set_params(callbacks=None).fit(X, y)
    assert clf.history_.keys() == clean.history_.keys()
    for key, values in clean.history_.items():
        assert clf.history_[key] == pytest.approx(values)
    np.testing.assert_allclose(
        clf.predict_proba(X), clean.predict_proba(X), rtol=1e-5, atol=1e-6
    )


def test_refit_failing_validation_keeps_n_features_in(data, fitted):
    _, _, X2, _ = data
    clf, X = fitted
    before = fitted_attributes(clf)
    with pytest.raises(ValueError, match="one class only"):
        clf.fit(X2[:, :8], np.zeros(len(X2)))
    with pytest.raises(ValueError, match="Negative values"):
        clf.fit(-X2 - 1, np.arange(len(X2)) % 2)
    assert fitted_attributes(clf) == before
    assert clf.n_features_in_ == 12
    assert clf.predict(X).shape == (len(X),)


# --------------------------------------------------------------------------
# GloveVectorizer.fit interrupted


class StopAt:
    """A tokenizer raising ``error`` on the document ``text``."""

    def __init__(self, text, error):
        self.text, self.error = text, error

    def __call__(self, doc):
        if doc == self.text:
            raise self.error("stopped while tokenizing")
        return doc.split()


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
@pytest.mark.parametrize("method", ["fit", "fit_transform"])
def test_interrupted_vectorizer_fit(tiny_glove, method, error):
    docs = ["the cat sat", "the dog"]
    vec = GloveVectorizer(embeddings=tiny_glove, max_length=4)
    vec.set_params(tokenizer=StopAt("the dog", error))
    with pytest.raises(error):
        getattr(vec, method)(docs)
    assert fitted_attributes(vec) == {}

    vec.set_params(tokenizer=None).fit(docs)
    before = {k: np.copy(v) for k, v in fitted_attributes(vec).items()}
    bigger = docs + ["a bird on a mat"] * 5000  # spans several runs of texts
    vec.set_params(tokenizer=StopAt(bigger[-1], error))
    with pytest.raises(error):
        getattr(vec, method)(bigger)
    after = fitted_attributes(vec)
    assert after.keys() == before.keys()
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value)


def test_vectorizer_refit_with_a_bad_embedding_file_keeps_the_old_fit(
    tiny_glove, tmp_path
):
    vec = GloveVectorizer(embeddings=tiny_glove, max_length=4).fit(["the cat sat"])
    vocabulary, matrix = vec.vocabulary_, vec.embedding_matrix_
    bad = tmp_path / "bad.txt"
    bad.write_text("the 1 2 3\nbird 1 2\n")
    with pytest.raises(ValueError, match="line 2"):
        vec.set_params(embeddings=bad).fit(["a bird on the mat"])
    assert vec.vocabulary_ is vocabulary and vec.embedding_matrix_ is matrix


# --------------------------------------------------------------------------
# atomic_write_bytes


def test_atomic_write_creates_and_replaces(tmp_path):
    path = tmp_path / "model.bin"
    atomic_write_bytes(path, b"first")
    assert path.read_bytes() == b"first"
    os.chmod(path, 0o640)
    atomic_write_bytes(str(path), memoryview(b"second version"))
    assert path.read_bytes() == b"second version"
    assert os.stat(path).st_mode & 0o777 == 0o640  # the file keeps its mode
    assert os.listdir(tmp_path) == ["model.bin"]


class Crash(Exception):
    pass


@pytest.mark.parametrize("error", [Crash, KeyboardInterrupt])
@pytest.mark.parametrize("stage", ["write", "fsync", "replace"])
def test_a_crash_mid_write_leaves_the_old_file_and_no_temp_file(
    tmp_path, monkeypatch, stage, error
):
    path = tmp_path / "model.bin"
    path.write_bytes(b"good old model")
    payload = os.urandom(1 << 20)
    seen = []

    def fail(*args, **kwargs):
        # The new bytes went to a temporary file beside the target.
        temps = [p for p in tmp_path.iterdir() if p.name != "model.bin"]
        assert len(temps) == 1 and temps[0].name.startswith(".model.bin.")
        seen.append(temps[0].stat().st_size)
        raise error(f"crash at {stage}")

    if stage == "write":

        class HalfWritten(io.FileIO):
            def write(self, data):
                super().write(bytes(data)[: len(data) // 2])
                fail()

        monkeypatch.setattr("builtins.open", lambda fd, mode: HalfWritten(fd, mode))
    else:
        monkeypatch.setattr(os, stage, fail)
    with pytest.raises(error, match="crash"):
        atomic_write_bytes(path, payload)
    monkeypatch.undo()
    assert seen == [len(payload) // 2 if stage == "write" else len(payload)]
    assert path.read_bytes() == b"good old model"
    assert os.listdir(tmp_path) == ["model.bin"]


def test_atomic_write_to_a_missing_directory_fails_cleanly(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write_bytes(tmp_path / "missing" / "model.bin", b"x")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("existing", [0o600, 0o640, None])
def test_the_temporary_file_is_private_and_gets_the_final_mode(
    tmp_path, monkeypatch, existing
):
    path = tmp_path / "model.bin"
    if existing is not None:
        path.write_bytes(b"old")
        os.chmod(path, existing)
    seen = []
    real_fsync = os.fsync

    def spy(fd):
        # While the bytes go in, the temporary file is the owner's only.
        temps = [p for p in tmp_path.iterdir() if p.name != "model.bin"]
        if temps:  # (not the directory's fsync after the rename)
            seen.append(stat.S_IMODE(temps[0].stat().st_mode))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    atomic_write_bytes(path, b"new")
    monkeypatch.undo()
    assert seen == [0o600]
    umask = os.umask(0o022)
    os.umask(umask)
    expected = existing if existing is not None else 0o666 & ~umask
    assert stat.S_IMODE(path.stat().st_mode) == expected
    assert os.listdir(tmp_path) == ["model.bin"]


@pytest.mark.skipif(fcntl is None, reason="POSIX locks")
def test_the_next_save_removes_temporary_files_of_killed_saves(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"old")
    stale = tmp_path / ".model.bin.0123456789ab.tmp"  # no process holds it
    stale.write_bytes(b"half a model")
    in_use = tmp_path / ".model.bin.ba9876543210.tmp"  # a save in progress
    in_use.write_bytes(b"being written")
    other = tmp_path / ".other.bin.0123456789ab.tmp"  # another file's
    other.write_bytes(b"x")
    lock = os.open(in_use, os.O_RDONLY)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        atomic_write_bytes(path, b"new")
        assert sorted(os.listdir(tmp_path)) == sorted(
            ["model.bin", in_use.name, other.name]
        )
    finally:
        os.close(lock)  # the save "dies": its lock goes
    atomic_write_bytes(path, b"newer")
    assert sorted(os.listdir(tmp_path)) == sorted(["model.bin", other.name])
    assert path.read_bytes() == b"newer"


@pytest.mark.slow
@pytest.mark.skipif(fcntl is None, reason="POSIX locks")
def test_a_save_killed_by_sigkill_leaves_a_file_the_next_save_removes(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"good old model")
    script = textwrap.dedent(
        f"""
        import os, time
        from sktextcnn._persistence import atomic_write_bytes

        def stall(fd):
            print("writing", flush=True)
            time.sleep(60)

        os.fsync = stall
        atomic_write_bytes({str(path)!r}, b"x" * 100000)
        """
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, env=env, text=True
    )
    assert child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGKILL)
    child.wait()
    temps = [p.name for p in tmp_path.iterdir() if p.name != "model.bin"]
    assert len(temps) == 1 and temps[0].startswith(".model.bin.")
    assert path.read_bytes() == b"good old model"
    atomic_write_bytes(path, b"new model")
    assert os.listdir(tmp_path) == ["model.bin"]


# --------------------------------------------------------------------------
# corrupt stored models


@pytest.fixture(scope="module")
def fitted(data):
    X, y, _, _ = data
    return TextCNNClassifier(**PARAMS).fit(X, y), X


def test_flipped_bytes_in_the_model_archive_are_detected(fitted):
    clf, _ = fitted
    packed = pack_model(clf.model_)
    rng = np.random.default_rng(0)
    for _ in range(5):
        data = bytearray(packed["model"])
        start = rng.integers(len(data) - 100)
        data[start : start + 100] = bytes(100)  # a zeroed block, as on a bad disk
        if bytes(data) == packed["model"]:
            continue
        with pytest.raises(ValueError, match="do not match their SHA-256 digest"):
            unpack_model({**packed, "model": bytes(data)})


def test_pickles_of_sktextcnn_0_1_load_with_their_model_digest(fitted):
    # sktextcnn 0.1 pickled no whole-state digest, only the model's.
    clf, X = fitted
    state = clf.__getstate__()
    del state[STATE_DIGEST]
    loaded = TextCNNClassifier()
    loaded.__setstate__(state)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # Without any digest, nothing would catch corrupt bytes: refused.
    del state["model_"]["sha256"]
    with pytest.raises(ValueError, match="carries no SHA-256 digest"):
        TextCNNClassifier().__setstate__(state)
    # A corrupt digest key cannot pass for such an old state.
    state = clf.__getstate__()
    state["_sktextcnn_state_sha257"] = state.pop(STATE_DIGEST)
    with pytest.raises(ValueError, match="unknown attributes"):
        TextCNNClassifier().__setstate__(state)


def test_truncated_pickle_files_never_load(fitted):
    clf, _ = fitted
    blob = pickle.dumps(clf)
    for cut in np.linspace(1, len(blob) - 1, 12).astype(int):
        with pytest.raises((pickle.UnpicklingError, EOFError, ValueError)):
            pickle.loads(blob[:cut])
