"""set_output / feature names: GloveVectorizer as a DataFrame-producing transformer."""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier, TokenSequences

from .conftest import make_corpus

CLF = dict(filters=4, kernel_sizes=(2,), epochs=2, batch_size=16, random_state=0)


@pytest.fixture(scope="module")
def texts_labels():
    return make_corpus(10)


_SKLEARN = tuple(int(v) for v in sklearn.__version__.split(".")[:2])


def test_pandas_output_holds_the_ids_with_position_columns(texts_labels):
    texts, _ = texts_labels
    series = pd.Series(texts, index=np.arange(len(texts)) * 10)
    plain = GloveVectorizer(max_length=8, embeddings=None)
    expected = np.asarray(plain.fit_transform(texts))
    vec = GloveVectorizer(max_length=8, embeddings=None).set_output(transform="pandas")
    for out in (vec.fit_transform(series), vec.transform(series)):
        assert isinstance(out, pd.DataFrame)
        assert list(out.columns) == [f"position_{i}" for i in range(8)]
        assert list(out.columns) == list(vec.get_feature_names_out())
        assert (out.dtypes == np.int32).all()
        if _SKLEARN >= (1, 7):  # older versions keep only a DataFrame's index
            np.testing.assert_array_equal(out.index, series.index)
        np.testing.assert_array_equal(out.to_numpy(), expected)
    # Back to the default: the TokenSequences with its embedding matrix.
    vec.set_output(transform="default")
    assert isinstance(vec.transform(texts), TokenSequences)


def test_global_transform_output_config_applies(texts_labels, tiny_glove_path):
    texts, _ = texts_labels
    vec = GloveVectorizer(max_length=6, embeddings=tiny_glove_path).fit(texts)
    with sklearn.config_context(transform_output="pandas"):
        assert isinstance(vec.transform(texts), pd.DataFrame)
    out = vec.transform(texts)
    assert isinstance(out, TokenSequences) and out.embedding_matrix is not None


@pytest.mark.slow
def test_feature_names_through_a_pipeline(texts_labels):
    texts, labels = texts_labels
    pipe = make_pipeline(
        GloveVectorizer(max_length=5, embeddings=None), TextCNNClassifier(**CLF)
    ).fit(texts, labels)
    names = pipe[:-1].get_feature_names_out()
    assert names.tolist() == [f"position_{i}" for i in range(5)]
    np.testing.assert_array_equal(names, pipe[0].get_feature_names_out())
    # As for any classifier, the full pipeline has no output features.
    with pytest.raises(AttributeError, match="get_feature_names_out"):
        pipe.get_feature_names_out()


@pytest.mark.slow
def test_classifier_on_a_dataframe_warns_that_vectors_are_lost(
    texts_labels, tiny_glove_path
):
    texts, labels = texts_labels
    pipe = make_pipeline(
        GloveVectorizer(max_length=8, embeddings=tiny_glove_path),
        TextCNNClassifier(**CLF),
    ).set_output(transform="pandas")
    with pytest.warns(UserWarning, match="embeddings are learned from scratch"):
        pipe.fit(texts, labels)
    clf = pipe[-1]
    assert clf.feature_names_in_.tolist() == [f"position_{i}" for i in range(8)]
    assert clf.embedding_dim_ == 100  # its own embedding_dim, not GloVe's 5
    assert pipe.predict_proba(texts).shape == (len(texts), 2)
    assert set(pipe.predict(texts)) <= set(labels)

    # The same pipeline with the default output uses the GloVe vectors.
    pipe.set_output(transform="default")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pipe.fit(texts, labels)
    assert pipe[-1].embedding_dim_ == 5


@pytest.mark.slow
def test_no_warning_when_embeddings_are_meant_to_be_learned(texts_labels):
    texts, labels = texts_labels
    X = GloveVectorizer(max_length=8, embeddings=None).set_output(transform="pandas")
    X = X.fit_transform(texts)
    clf = TextCNNClassifier(**CLF, embedding_init="random")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(X, labels)
    # Columns are checked by name and order, as for any scikit-learn estimator.
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(X.rename(columns={"position_0": "first"}))
    with pytest.raises(ValueError, match="same order"):
        clf.predict(X[X.columns[::-1]])
    # The frame's values are the ids the model reads: the same probabilities
    # as the bare array (which only warns that it has no feature names), and
    # other ones when the ids change.
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        from_array = clf.predict_proba(X.to_numpy())
    np.testing.assert_array_equal(clf.predict_proba(X), from_array)
    assert not np.allclose(clf.predict_proba(X[::-1]), from_array)
