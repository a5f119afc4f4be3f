"""Keras callbacks, early stopping, warm_start and history_ of TextCNNClassifier."""

import keras
import numpy as np
import pytest
from sklearn.base import clone

from sktextcnn import GloveVectorizer, TextCNNClassifier
from sktextcnn._training import copy_callbacks

from .conftest import make_corpus

PARAMS = dict(filters=4, kernel_sizes=(2,), batch_size=8, random_state=0)


@pytest.fixture(scope="module")
def data():
    texts, labels = make_corpus(12)
    X = np.asarray(GloveVectorizer(max_length=12, embeddings=None).fit_transform(texts))
    return X, labels


class EpochRecorder(keras.callbacks.Callback):
    """Records what it is called with on itself (so copies record on the copy)."""

    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append((epoch, dict(logs)))


class StopAfterBatches(keras.callbacks.Callback):
    def __init__(self, n):
        super().__init__()
        self.n = n

    def on_train_batch_end(self, batch, logs=None):
        if batch + 1 >= self.n:
            self.model.stop_training = True


@pytest.mark.slow
def test_callbacks_get_epoch_logs_and_the_users_objects_stay_untouched(data):
    X, y = data
    seen = []  # a closure: shared by the deep copy of the LambdaCallback
    lam = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append((epoch, dict(logs)))
    )
    recorder = EpochRecorder()
    clf = TextCNNClassifier(
        **PARAMS, epochs=3, early_stopping=True, callbacks=[lam, recorder]
    )
    clf.fit(X, y)
    assert [epoch for epoch, _ in seen] == [0, 1, 2]
    for epoch, logs in seen:
        assert set(logs) == {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert logs["loss"] == pytest.approx(clf.history_["loss"][epoch])
    # The user's callbacks were copied, never bound nor fed.
    assert recorder.epochs == [] and recorder.model is None and lam.model is None
    assert clf.callbacks[1] is recorder
    # So a second fit starts from fresh copies again.
    clf.fit(X, y)
    assert [epoch for epoch, _ in seen] == [0, 1, 2] * 2


@pytest.mark.slow
def test_keras_early_stopping_callback_is_honoured(data):
    X, y = data
    stop = keras.callbacks.EarlyStopping(monitor="loss", min_delta=100, patience=1)
    clf = TextCNNClassifier(**PARAMS, epochs=10, early_stopping=False, callbacks=[stop])
    clf.fit(X, y)
    assert clf.n_iter_ == 2 and len(clf.history_["loss"]) == 2
    assert stop.model is None and stop.stopped_epoch == 0

    # On our validation loss, with our own patience out of the way.
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", min_delta=100, patience=0, restore_best_weights=True
    )
    clf = TextCNNClassifier(
        **PARAMS, epochs=10, early_stopping=True, n_iter_no_change=50, callbacks=[stop]
    )
    clf.fit(X, y)
    assert clf.n_iter_ == 2 and len(clf.history_["val_loss"]) == 2


def test_stop_training_mid_epoch_ends_after_that_batch(data):
    X, y = data
    batches = []
    count = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batches.append(batch)
    )
    clf = TextCNNClassifier(
        **PARAMS, epochs=5, early_stopping=False, callbacks=[count, StopAfterBatches(2)]
    )
    clf.fit(X, y)
    assert batches == [0, 1] and clf.n_iter_ == 1


@pytest.mark.slow
def test_csv_logger_writes_one_row_per_epoch(data, tmp_path):
    X, y = data
    path = tmp_path / "log.csv"
    clf = TextCNNClassifier(
        **PARAMS,
        epochs=3,
        early_stopping=True,
        callbacks=[keras.callbacks.CSVLogger(str(path))],
    )
    clf.fit(X, y)
    lines = path.read_text().splitlines()
    assert lines[0].split(",") == [
        "epoch",
        "accuracy",
        "loss",
        "val_accuracy",
        "val_loss",
    ]
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1", "2"]
    logged = [float(line.split(",")[2]) for line in lines[1:]]
    np.testing.assert_allclose(logged, clf.history_["loss"])


def test_terminate_on_nan_stops_at_the_bad_batch_and_fit_raises(data):
    X, y = data
    batches = []
    count = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batches.append(batch)
    )
    clf = TextCNNClassifier(
        **PARAMS,
        epochs=3,
        optimizer="sgd",
        learning_rate=1e30,
        early_stopping=False,
        callbacks=[count, keras.callbacks.TerminateOnNaN()],
    )
    with pytest.raises(FloatingPointError, match="diverged at epoch 1"):
        clf.fit(X, y)
    n_batches = -(-len(y) // PARAMS["batch_size"])
    assert 0 < len(batches) < n_batches
    assert not hasattr(clf, "model_")


@pytest.mark.slow
def test_clone_and_refit_with_a_callback_bound_elsewhere(data):
    X, y = data
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    stop.set_model(other)  # as after a plain Model.fit(callbacks=[stop])
    clf = TextCNNClassifier(**PARAMS, epochs=1, callbacks=[stop])
    twin = clone(clf)
    assert twin.callbacks[0] is not stop
    assert twin.callbacks[0].patience == 3
    twin.fit(X, y)
    assert stop.model is other  # the user's callback keeps its own model


def test_copy_callbacks_unbinds_and_checks_types():
    stop = keras.callbacks.EarlyStopping(patience=4)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    stop.set_model(model)
    (copy,) = copy_callbacks([stop])
    assert copy is not stop and copy.patience == 4 and copy.model is None
    assert stop.model is model
    assert copy_callbacks(None) == []
    with pytest.raises(TypeError, match=r"callbacks\[1\] must be a keras"):
        copy_callbacks([stop, print])
    with pytest.raises(TypeError, match=r"callbacks\[0\]"):
        TextCNNClassifier(callbacks=["EarlyStopping"]).fit(
            np.ones((4, 3), int), [0, 1, 0, 1]
        )


@pytest.mark.slow
def test_warm_start_appends_history_on_the_same_model(data):
    X, y = data
    clf = TextCNNClassifier(**PARAMS, epochs=2, early_stopping=False, warm_start=True)
    clf.fit(X, y)
    model, first = clf.model_, list(clf.history_["loss"])
    weights = [w.copy() for w in model.get_weights()]
    clf.set_params(epochs=3).fit(X, y)
    assert clf.model_ is model and clf.n_iter_ == 3
    assert clf.history_["loss"][:2] == first and len(clf.history_["loss"]) == 5
    assert any(not np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    # A cold fit starts over.
    clf.set_params(warm_start=False).fit(X, y)
    assert clf.model_ is not model and len(clf.history_["loss"]) == 3


@pytest.mark.slow
def test_warm_start_refuses_other_classes_or_vocabulary(data):
    X, y = data
    clf = TextCNNClassifier(**PARAMS, epochs=1, early_stopping=False, warm_start=True)
    clf.fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X, np.where(y == "sport", "cars", y))
    with pytest.raises(ValueError, match="same classes and vocabulary"):
        clf.fit(X + clf.n_ids_, y)
    with pytest.raises(ValueError, match="features"):
        clf.fit(X[:, :5], y)
    # The failed fits left the model as it was.
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert len(clf.history_["loss"]) == 1


class WeightSnapshots(keras.callbacks.Callback):
    def __init__(self, sink):
        super().__init__()
        self.sink = sink  # a builtin method: deepcopy shares it

    def on_epoch_end(self, epoch, logs=None):
        self.sink(self.model.get_weights())


@pytest.mark.slow
def test_early_stopping_patience_is_n_iter_no_change(data):
    X, y = data
    snapshots = []
    clf = TextCNNClassifier(
        **PARAMS,
        epochs=40,
        learning_rate=0.05,
        # The convnet alone: its validation loss levels off within 40 epochs
        # (next to the bag-of-words part, the scaled convnet still improves).
        bag_of_words=False,
        early_stopping=True,
        n_iter_no_change=3,
        callbacks=[WeightSnapshots(snapshots.append)],
    ).fit(X, y)
    val = clf.history_["val_loss"]
    best, best_loss = None, np.inf
    for epoch, loss in enumerate(val):
        if loss < best_loss - 1e-4:  # smaller improvements do not count
            best, best_loss = epoch, loss
    # Training stopped n_iter_no_change epochs after the best one ...
    assert clf.n_iter_ == len(val) == best + 1 + 3 < 40
    # ... and the best epoch's weights were restored.
    for restored, kept in zip(clf.model_.get_weights(), snapshots[best]):
        np.testing.assert_array_equal(restored, kept)
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(clf.model_.get_weights(), snapshots[-1])
    )
