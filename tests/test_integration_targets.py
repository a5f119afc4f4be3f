"""End to end on real data: multilabel Reuters-21578, SST-5 ratings as numbers.

Needs ../shared/data (fails in CI when it is missing, skips elsewhere).
"""

import numpy as np
import pytest
from sklearn.metrics import f1_score, mean_squared_error
from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier, TextCNNRegressor
from sktextcnn.datasets import load_reuters21578, load_sentence_dataset

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("shared_data_dir", ["reuters21578.tar.gz"], indirect=True)
def test_reuters_multilabel_pipeline(shared_data_dir):
    tar = shared_data_dir / "reuters21578.tar.gz"
    train, test = (load_reuters21578(s, data=tar) for s in ("train", "test"))
    # The 10 most frequent categories, 1,500 training stories: about a minute.
    top = np.argsort(-train.target.sum(0))[:10]
    Y_train, Y_test = train.target[:1500, top], test.target[:800, top]
    pipe = make_pipeline(
        GloveVectorizer(max_length=300, random_state=0),
        TextCNNClassifier(epochs=10, random_state=0),
    ).fit(train.data[:1500], Y_train)
    proba = pipe.predict_proba(test.data[:800])
    assert proba.shape == (800, 10) and ((proba >= 0) & (proba <= 1)).all()
    pred = pipe.predict(test.data[:800])
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(Y_train.dtype))
    assert f1_score(Y_test, pred, average="micro") > 0.8
    # Stories with several categories get several.
    assert (pred.sum(1) >= 2).any()


@pytest.mark.parametrize(
    "shared_data_dir", [("sentence-benchmarks/stsa.fine.train",)], indirect=True
)
def test_sst5_ratings_regression_pipeline(shared_data_dir):
    folder = shared_data_dir / "sentence-benchmarks"
    texts, ratings = load_sentence_dataset(folder / "stsa.fine.train")
    test_texts, test_ratings = load_sentence_dataset(folder / "stsa.fine.test")
    pipe = make_pipeline(
        GloveVectorizer(random_state=0), TextCNNRegressor(epochs=4, random_state=0)
    ).fit(texts[:4000], ratings[:4000])
    pred = pipe.predict(test_texts[:1000])
    assert pred.shape == (1000,) and pred.dtype == np.float64
    # Better than predicting the training mean (R^2 > 0), on the 0-4 scale.
    assert pipe.score(test_texts[:1000], test_ratings[:1000]) > 0.15
    assert np.sqrt(mean_squared_error(test_ratings[:1000], pred)) < test_ratings.std()
    assert -1 < pred.min() and pred.max() < 5
