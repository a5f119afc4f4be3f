"""Texts in a DataFrame column: the pre-trained vectors still reach the classifier."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktextcnn import GloveVectorizer, TextCNNClassifier, TokenSequences


@pytest.fixture
def frame(corpus):
    texts, labels = corpus
    df = pd.DataFrame({"text": texts, "length": [len(t) for t in texts]})
    return df, labels


def _embedding_weights(pipe):
    return pipe[-1].model_.get_layer("embedding").get_weights()[0]


@pytest.mark.slow
def test_column_transformer_keeps_the_pretrained_vectors(frame, tiny_glove_path):
    df, labels = frame
    pipe = make_pipeline(
        ColumnTransformer(
            [("text", GloveVectorizer(max_length=12, embeddings=tiny_glove_path),
              "text")],
            remainder="drop",
        ),
        TextCNNClassifier(
            filters=4, epochs=1, trainable_embeddings=False, random_state=0
        ),
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "learned from scratch" warning
        pipe.fit(df, labels)
    vec = pipe[0].named_transformers_["text"]
    assert isinstance(pipe[0].transform(df), TokenSequences)
    assert pipe[-1].embedding_dim_ == 5
    # Frozen (these sentences would be fine-tuned by "auto"): the model's
    # table is the vectorizer's matrix.
    np.testing.assert_array_equal(_embedding_weights(pipe), vec.embedding_matrix_)
    assert pipe.predict_proba(df).shape == (len(df), 2)


@pytest.mark.slow
def test_a_dataframe_column_passed_directly(frame, tiny_glove_path):
    df, labels = frame
    pipe = make_pipeline(
        GloveVectorizer(max_length=12, embeddings=tiny_glove_path),
        TextCNNClassifier(filters=4, epochs=1, random_state=0),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pipe.fit(df["text"], labels)
    assert pipe[-1].embedding_dim_ == 5
    np.testing.assert_allclose(
        pipe.predict_proba(df["text"]), pipe.predict_proba(list(df["text"]))
    )


def test_stacking_with_other_columns_warns_and_names_the_fix(frame, tiny_glove_path):
    df, labels = frame
    pipe = make_pipeline(
        ColumnTransformer(
            [("text", GloveVectorizer(max_length=12, embeddings=tiny_glove_path),
              "text"),
             ("num", StandardScaler(), ["length"])],
        ),
        TextCNNClassifier(filters=4, epochs=1, random_state=0),
    )  # fmt: skip
    with pytest.warns(UserWarning, match='single transformer and remainder="drop"'):
        # The scaled column is not token ids: the classifier refuses it.
        with pytest.raises(ValueError):
            pipe.fit(df, labels)


def test_stacking_keeps_the_matrix_only_when_shared(tiny_glove_path, corpus):
    texts, _ = corpus
    vec = GloveVectorizer(max_length=6, embeddings=tiny_glove_path).fit(texts)
    a, b = vec.transform(texts[:3]), vec.transform(texts[3:6])
    for stacked in (np.hstack([a, b]), np.vstack([a, b]), np.concatenate([a, b])):
        assert isinstance(stacked, TokenSequences)
        assert stacked.embedding_matrix is vec.embedding_matrix_
    np.testing.assert_array_equal(
        np.hstack([a, b]), np.hstack([np.asarray(a), np.asarray(b)])
    )
    other = GloveVectorizer(max_length=6, embeddings=tiny_glove_path).fit(texts[:4])
    with pytest.warns(UserWarning, match="drops its pre-trained embedding matrix"):
        mixed = np.hstack([a, other.transform(texts[3:6])])
    assert type(mixed) is np.ndarray
    # Other NumPy functions see the plain ids.
    assert np.max(a) == np.asarray(a).max()
    assert type(np.unique(a)) is np.ndarray
