"""Predictions read fitted state only: ``set_params`` after ``fit`` changes nothing.

As for every scikit-learn estimator, a parameter set after ``fit`` acts at the
next ``fit``; ``predict_proba`` and ``transform`` are unchanged until then.
Also: files written by an earlier version (format 1) still load with the same
predictions.
"""

import pickle
from pathlib import Path

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

import sktextcnn
from sktextcnn import GloveVectorizer, TextCNNClassifier

from .conftest import make_corpus

DATA = Path(__file__).resolve().parent / "data"

# Another valid value for every constructor parameter.
VECTORIZER_ALTERNATIVES = {
    "max_features": 3,
    "vocabulary": ["space", "sport"],
    "max_length": 4,
    "padding": "post",
    "truncating": "pre",
    "embeddings": "some-other-vectors.txt",
    "handle_unknown": "oov_token",
    "missing_vectors": "zeros",
    "lowercase": False,
    "token_pattern": r"\w",
    "tokenizer": str.split,
    "encoding": "latin-1",
    "decode_error": "ignore",
    "random_state": 3,
    "verbose": 1,
}
CLASSIFIER_ALTERNATIVES = {
    "architecture": "bow",
    "filters": 3,
    "kernel_sizes": (2,),
    "pool_size": 2,
    "pooling": "max_mean",
    "bag_of_words": False,
    "bag_of_words_bigrams": True,
    "dense_units": 5,
    "dropout": 0.1,
    "embedding_init": "random",
    "trainable_embeddings": True,
    "embedding_dim": 7,
    "optimizer": "sgd",
    "learning_rate": 0.5,
    "batch_size": 3,
    "epochs": 1,
    "early_stopping": True,
    "validation_fraction": 0.3,
    "n_iter_no_change": 5,
    "class_weight": "balanced",
    "bag_of_words_init": "zeros",
    "bag_of_words_smoothing": 0.25,
    "callbacks": [keras.callbacks.TerminateOnNaN()],
    "warm_start": True,
    "precision": "bfloat16",
    "random_state": 1,
    "verbose": 1,
}


def _texts():
    texts, labels = make_corpus(8, classes=("sport", "space", "cars"), length=30)
    # Upper case and long texts, so that lowercase, max_length and truncation
    # would all change the ids if transform read them.
    return [t.upper() if i % 2 else t for i, t in enumerate(texts)], labels


@pytest.mark.parametrize("architecture", ["kim", "seed"])
def test_set_params_after_fit_leaves_predictions_unchanged(architecture):
    texts, labels = _texts()
    pipe = make_pipeline(
        GloveVectorizer(max_length=40, embeddings=None, random_state=0),
        TextCNNClassifier(
            architecture=architecture,
            filters=4,
            kernel_sizes=(3, 4),
            epochs=2,
            batch_size=8,
            embedding_dim=8,
            random_state=0,
        ),
    )
    pipe.fit(texts, labels)
    vec, clf = pipe.steps[0][1], pipe.steps[1][1]
    assert set(VECTORIZER_ALTERNATIVES) == set(vec.get_params())
    assert set(CLASSIFIER_ALTERNATIVES) == set(clf.get_params())
    ids = np.asarray(vec.transform(texts))
    proba = pipe.predict_proba(texts)
    for est, alternatives in (
        (vec, VECTORIZER_ALTERNATIVES),
        (clf, CLASSIFIER_ALTERNATIVES),
    ):
        for name, value in alternatives.items():
            old = est.get_params()[name]
            est.set_params(**{name: value})
            try:
                np.testing.assert_array_equal(
                    np.asarray(vec.transform(texts)), ids, err_msg=name
                )
                np.testing.assert_allclose(
                    pipe.predict_proba(texts), proba, rtol=0, atol=1e-6, err_msg=name
                )
                assert vec.get_feature_names_out().shape == (40,), name
            finally:
                est.set_params(**{name: old})
    # ... and all of them at once.
    vec.set_params(**VECTORIZER_ALTERNATIVES)
    clf.set_params(**CLASSIFIER_ALTERNATIVES)
    np.testing.assert_allclose(pipe.predict_proba(texts), proba, rtol=0, atol=1e-6)


@pytest.mark.slow
def test_new_parameters_act_at_the_next_fit():
    texts, labels = _texts()
    vec = GloveVectorizer(max_length=40, embeddings=None).fit(texts)
    vec.set_params(max_length=5)
    assert vec.transform(texts).shape == (len(texts), 40)
    vec.fit(texts)
    assert vec.transform(texts).shape == (len(texts), 5)
    # A fitted "seed" model switched to "kim" keeps predicting as "seed" (this
    # used to fail inside TensorFlow: the batches were cut for "kim").
    pipe = make_pipeline(
        GloveVectorizer(max_length=40, embeddings=None),
        TextCNNClassifier(architecture="seed", epochs=1, random_state=0),
    ).fit(texts, labels)
    proba = pipe.predict_proba(texts)
    pipe.set_params(
        textcnnclassifier__architecture="kim", textcnnclassifier__kernel_sizes=(2,)
    )
    np.testing.assert_allclose(pipe.predict_proba(texts), proba, atol=1e-6)
    assert pipe[-1].model_.name == "seed_textcnn"
    pipe.fit(texts, labels)
    assert pipe[-1].model_.name == "kim_textcnn"
    # A clone has the new parameters and no fitted state.
    assert clone(pipe)[-1].get_params()["architecture"] == "kim"


def _fixture_keras_version():
    import json
    import zipfile

    with zipfile.ZipFile(DATA / "pipeline-format1.sktextcnn") as archive:
        return json.loads(archive.read("meta.json"))["versions"]["keras"]


def _version(text):
    return tuple(int(part) for part in text.split(".")[:2])


@pytest.mark.parametrize("how", ["safe", "pickle"])
def test_files_of_format_1_load_with_identical_predictions(how):
    """Files written by sktextcnn 0.1 before the fitted settings existed."""
    written_by = _fixture_keras_version()
    if how == "pickle" and _version(keras.__version__) < _version(written_by):
        # The oldest-versions CI step: a pickle holds Keras' own serialization
        # (and NumPy 2's arrays), which an older Keras / NumPy 1 cannot read.
        # The safe format needs no such luck: ``load`` rebuilds the network
        # from its validated spec and reads the weights itself, so the
        # branch below runs under every supported Keras.
        with pytest.raises((ValueError, ModuleNotFoundError)):
            with open(DATA / "pipeline-format1.pkl", "rb") as f:
                pickle.load(f)
        return
    expected = np.load(DATA / "pipeline-format1-expected.npz")
    if how == "safe":
        pipe = sktextcnn.load(DATA / "pipeline-format1.sktextcnn")
    else:
        with open(DATA / "pipeline-format1.pkl", "rb") as f:
            pipe = pickle.load(f)
    texts = [str(t) for t in expected["texts"]]
    np.testing.assert_allclose(
        pipe.predict_proba(texts), expected["proba"], rtol=0, atol=1e-6
    )
