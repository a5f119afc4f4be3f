"""sktextcnn.explain / top_ngrams: exact per-token contributions, display, errors."""

import keras
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sktextcnn import (
    Explanation,
    GloveVectorizer,
    TextCNNClassifier,
    TokenSequences,
    explain,
    top_ngrams,
)
from sktextcnn._explain import Explanations, TopNgrams

from .conftest import make_corpus

# Contributions + bias vs the model's own logits (float32 inside the model).
ATOL = 1e-5

TINY = dict(filters=4, kernel_sizes=(2, 3), epochs=2, batch_size=16, random_state=0)


def _fit(texts, y, vectorizer=None, **params):
    vectorizer = vectorizer or GloveVectorizer(max_length=16, embeddings=None)
    clf = TextCNNClassifier(**{**TINY, **params})
    return make_pipeline(vectorizer, clf).fit(texts, y)


def _model_logits(pipe, texts):
    """The pre-softmax logits, straight from the model's layers."""
    model = pipe[-1].model_
    logits = keras.Model(model.input, model.get_layer("output").input)
    ids = np.asarray(pipe[0].transform(texts))
    return np.asarray(keras.ops.convert_to_numpy(logits(ids, training=False)))


def _assert_exact(pipe, texts):
    explanations = explain(pipe, texts, target=None)
    expected = _model_logits(pipe, texts)
    for ex, logits in zip(explanations, expected):
        assert ex.exact and ex.method == "exact"
        total = ex.bias + ex.convnet.sum(0) + ex.bag_of_words.sum(0)
        np.testing.assert_allclose(total, logits, rtol=0, atol=ATOL)
        np.testing.assert_allclose(ex.logit, logits, rtol=0, atol=ATOL)
        np.testing.assert_allclose(np.abs(ex.residual), 0, atol=ATOL)
    return explanations


@pytest.fixture(scope="module")
def data():
    return make_corpus(12, classes=("sport", "space", "cars"))


@pytest.fixture(scope="module")
def pipe(data):
    """The default model (kim, bag of words, dense_units=0), tiny."""
    return _fit(*data)


PROBES = [
    "The NASA rocket reached orbit; the team scored a goal!",
    "",  # empty
    "!!! ???",  # no token at all
    "zzz qqq unknown words only",  # tokens, none in the vocabulary
    "goal " * 30,  # longer than max_length: truncated
]


# -- exactness ----------------------------------------------------------------------


def test_contributions_plus_bias_equal_the_logits(pipe, data):
    _assert_exact(pipe, list(data[0][:6]) + PROBES)


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [
        dict(pooling="max_mean"),
        dict(bag_of_words_bigrams=True),
        dict(pooling="max_mean", bag_of_words_bigrams=True, kernel_sizes=(1, 3, 5)),
        dict(bag_of_words=False),
        dict(architecture="bow"),
        dict(architecture="bow", bag_of_words_bigrams=True),
    ],
    ids=["max_mean", "bigrams", "max_mean+bigrams", "no-bow", "bow", "bow+bigrams"],
)
def test_exact_for_every_exact_configuration(data, params):
    pipe = _fit(*data, **params)
    _assert_exact(pipe, list(data[0][:6]) + PROBES)


@pytest.mark.slow
@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_exact_whatever_the_padding_and_truncation_sides(data, padding, truncating):
    vec = GloveVectorizer(
        max_length=8, padding=padding, truncating=truncating, embeddings=None,
        handle_unknown="oov_token",
    )  # fmt: skip
    pipe = _fit(*data, vectorizer=vec)
    long_text = "orbit " + "the goal match " * 5 + "rocket"
    explanations = _assert_exact(pipe, [long_text, data[0][0], "qqq goal zzz"])
    ex = explanations[0]
    truncated = [i for i, s in enumerate(ex.status) if s == "truncated"]
    assert len(truncated) == len(ex.tokens) - 8
    # "post" keeps the first max_length tokens, "pre" the last ones.
    kept = [i for i, s in enumerate(ex.status) if s == "used"]
    assert kept == (list(range(8)) if truncating == "post" else list(range(9, 17)))
    assert np.all(ex.contributions[truncated] == 0)
    oov = explanations[2]  # handle_unknown="oov_token": unknown words are used
    assert oov.status == ["used"] * 3 and oov.token_ids[0] == 1


def test_convnet_share_goes_to_real_tokens_only(pipe):
    """A one-word text: every window holding it (the rest is padding) gives
    it its whole value, so the word gets the whole convnet part."""
    ex = explain(pipe, ["rocket"], target=None)[0]
    logits = _model_logits(pipe, ["rocket"])[0]
    np.testing.assert_allclose(
        ex.bias + ex.convnet[0] + ex.bag_of_words[0], logits, atol=ATOL
    )


def test_empty_text_gives_an_empty_explanation(pipe):
    ex = explain(pipe, ["", "..."])
    for e in ex:
        assert len(e) == 0 and e.tokens == [] and e.convnet.shape == (0, 1)
        np.testing.assert_allclose(e.bias, e.logit, atol=ATOL)
    assert "(no tokens)" in str(ex[0])
    assert ex[0]._repr_html_()
    assert len(ex[0].to_frame()) == 0


# -- tokens and offsets -------------------------------------------------------------


def test_spans_point_into_the_original_text(pipe):
    text = "İstanbul: NASA's ROCKET didn't reach orbit... the Goal!\ttéam"
    ex = explain(pipe, [text])[0]
    vec = pipe[0]
    tokenize = vec._transform_settings_
    assert len(ex.tokens) == len(ex.spans) > 5
    assert ex.text == text
    # "İ" lowercases to two characters, "i" + a combining dot, which splits
    # the word: the token "i" comes from "İ"; offsets after it still match.
    assert ex.tokens[:5] == ["i", "stanbul", "nasa", "'s", "rocket"]
    assert ex.spans[:2] == [(0, 1), (1, 8)]
    for token, (start, end) in zip(ex.tokens[1:], ex.spans[1:]):
        assert text[start:end].lower() == token
    assert tokenize["lowercase"]
    status = dict(zip(ex.tokens, ex.status))
    assert status["rocket"] == "used" and status["did"] == "unknown"
    assert ex.token_ids[ex.tokens.index("orbit")] == vec.vocabulary_["orbit"]


@pytest.mark.slow
def test_bytes_and_custom_token_patterns(data):
    vec = GloveVectorizer(
        max_length=16, embeddings=None, token_pattern=r"(\w+)-?", lowercase=False
    )
    pipe = _fit(*data, vectorizer=vec, epochs=1)
    ex = explain(pipe, [b"goal- orbit rocket", "Goal orbit"])
    assert ex[0].text == "goal- orbit rocket"
    assert ex[0].spans == [(0, 4), (6, 11), (12, 18)]
    assert ex[1].status[0] == "unknown"  # no lowercasing: "Goal" is unknown


@pytest.mark.slow
def test_custom_tokenizer_spans_found_in_order(data):
    vec = GloveVectorizer(max_length=16, embeddings=None, tokenizer=str.split)
    pipe = _fit(*data, vectorizer=vec, epochs=1)
    ex = explain(pipe, ["Goal goal, orbit"])[0]
    assert ex.tokens == ["goal", "goal,", "orbit"]
    assert ex.spans == [(0, 4), (5, 10), (11, 16)]


def test_bare_classifier_with_vectorizer_or_ids(pipe, data):
    vec, clf = pipe[0], pipe[-1]
    texts = list(data[0][:4])
    by_pipe = explain(pipe, texts, target=None)
    by_parts = explain(clf, texts, vectorizer=vec, target=None)
    ids = vec.transform(texts)
    by_ids = explain(clf, ids, vectorizer=vec, target=None)
    by_plain_ids = explain(clf, np.asarray(ids), target=None)
    rows = np.asarray(ids)
    for a, b, c, d, row in zip(by_pipe, by_parts, by_ids, by_plain_ids, rows):
        np.testing.assert_allclose(a.contributions, b.contributions)
        used = [t for t, s in zip(a.tokens, a.status) if s == "used"]
        assert c.tokens == used
        assert c.text == " ".join(used)
        assert d.tokens == [f"#{i}" for i in row if i]
        np.testing.assert_allclose(c.contributions.sum(0), a.contributions.sum(0))
        np.testing.assert_allclose(d.logit, a.logit, atol=ATOL)


# -- targets ------------------------------------------------------------------------


def test_targets(pipe, data):
    texts = list(data[0][:3])
    classes = pipe[-1].classes_
    predicted = pipe.predict(texts)
    for ex, label in zip(explain(pipe, texts), predicted):
        assert ex.target == [label] == [ex.predicted]
        assert ex.convnet.shape == (len(ex.tokens), 1)
        np.testing.assert_allclose(ex.proba.sum(), 1.0)
    every = explain(pipe, texts, target=None)
    assert every[0].target == list(classes)
    one = explain(pipe, texts, target="space")
    two = explain(pipe, texts, target=["cars", "space"])
    np.testing.assert_allclose(two[1].convnet[:, 1], one[1].convnet[:, 0])
    j = list(classes).index("space")
    np.testing.assert_allclose(one[2].bag_of_words[:, 0], every[2].bag_of_words[:, j])
    np.testing.assert_allclose(
        every[0].proba, pipe.predict_proba(texts[:1])[0], atol=1e-6
    )


# -- display ------------------------------------------------------------------------


def test_html_text_and_frame(pipe):
    text = "<b>NASA</b> & the rocket team"
    ex = explain(pipe, [text, "orbit goal"], target=None)
    first = ex[0]
    page = first._repr_html_()
    assert "&lt;" in page and "&amp;" in page and "<b>" not in page  # escaped
    assert "rgba(" in page and "title=" in page
    for label in pipe[-1].classes_:
        assert f"class {label} (p=" in page
    assert "predicted: " in page
    assert ex._repr_html_().count("sktextcnn-explanation") == 6
    plain = str(first)
    assert "logit" in plain and "bias" in plain and "convnet" in plain
    assert isinstance(ex, Explanations) and isinstance(first, Explanation)
    assert str(ex).startswith("[0] ")
    pytest.importorskip("pandas")
    frame = first.to_frame()
    assert list(frame.columns) == [
        "token", "start", "end", "id", "status", "class", "convnet",
        "bag_of_words", "contribution",
    ]  # fmt: skip
    assert len(frame) == len(first.tokens) * 3
    sub = frame[frame["class"] == first.target[0]]
    np.testing.assert_allclose(sub["contribution"], first.contributions[:, 0])
    assert frame.attrs["method"] == "exact"
    assert set(frame.attrs["logit"]) == set(pipe[-1].classes_)
    both = ex.to_frame()
    assert list(both["text"].unique()) == [0, 1]
    assert "Explanation of" in repr(first)


# -- top n-grams --------------------------------------------------------------------


def test_top_ngrams_sum_to_the_explanations(pipe, data):
    texts = list(data[0])
    top = top_ngrams(pipe, texts, n=10**6, centered=False)
    assert isinstance(top, TopNgrams) and list(top) == list(pipe[-1].classes_)
    explanations = explain(pipe, texts, target=None)
    total = sum(e.contributions.sum(0) for e in explanations)
    for j, label in enumerate(top):
        rows = top[label]
        assert sum(r.contribution for r in rows) == pytest.approx(total[j])
        assert [r.contribution for r in rows] == sorted(
            (r.contribution for r in rows), reverse=True
        )
        assert all(r.contribution == pytest.approx(r.convnet + r.bag_of_words)
                   for r in rows)  # fmt: skip
    lengths = {len(r.ngram.split()) for r in top["space"]}
    assert lengths <= {1, 2, 3} and 1 in lengths and 3 in lengths
    mean = top_ngrams(pipe, texts, n=10**6, centered=False, aggregate="mean")
    for r in mean["space"]:
        same = next(t for t in top["space"] if t.ngram == r.ngram)
        assert r.contribution == pytest.approx(same.contribution / same.count)
    frequent = top_ngrams(pipe, texts, n=10**6, min_count=5)
    assert min(r.count for r in frequent["cars"]) >= 5
    assert len(frequent["cars"]) < len(top["cars"])
    centered = top_ngrams(pipe, texts, n=5)
    assert all(len(v) == 5 for v in centered.values())
    assert "class space:" in str(centered) and "<table" in centered._repr_html_()
    pytest.importorskip("pandas")
    frame = centered.to_frame()
    assert len(frame) == 15 and frame["rank"].max() == 5


@pytest.mark.slow
def test_planted_keyword_comes_first():
    rng = np.random.RandomState(0)
    filler = [f"w{i}" for i in range(40)]
    keywords = {"alpha": "zorblax", "beta": "quibble"}
    texts, labels = [], []
    for _ in range(40):
        for label, keyword in keywords.items():
            words = list(rng.choice(filler, 12))
            words.insert(rng.randint(len(words) + 1), keyword)
            texts.append(" ".join(words))
            labels.append(label)
    pipe = _fit(texts, labels, epochs=8)
    probes = [
        "w1 w2 w3 zorblax w4 w5 w6",
        "quibble w7 w8 w9 w10",
        "w11 w12 w13 w14 w15 w16 w17 quibble",
    ]
    assert list(pipe.predict(probes)) == ["alpha", "beta", "beta"]
    for ex in explain(pipe, probes):
        keyword = keywords[ex.target[0]]
        assert ex.tokens[int(np.argmax(ex.contributions[:, 0]))] == keyword
    top = top_ngrams(pipe, texts, n=3)
    for label, keyword in keywords.items():
        assert top[label][0].ngram == keyword
        assert top[label][0].count >= 40


# -- approximate models -------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [dict(dense_units=8), dict(architecture="seed", kernel_sizes=(2, 2), pool_size=2)],
    ids=["dense", "seed"],
)
def test_occlusion_for_models_without_an_exact_decomposition(data, params):
    pipe = _fit(*data, **params)
    texts = list(data[0][:3]) + ["", "orbit"]
    explanations = explain(pipe, texts, target=None)
    logits = _model_logits(pipe, texts)
    for ex, expected in zip(explanations, logits):
        assert ex.method == "occlusion" and not ex.exact
        np.testing.assert_allclose(ex.logit, expected, atol=ATOL)
        assert np.all(np.isfinite(ex.residual))
    assert "approximate" in str(explanations[0])
    # One word: its occlusion is the whole step from the empty text.
    one = explanations[4]
    np.testing.assert_allclose(
        one.bias + one.convnet[0] + one.bag_of_words[0], one.logit, atol=ATOL
    )
    np.testing.assert_allclose(explanations[3].bias, explanations[3].logit, atol=ATOL)
    with pytest.raises(ValueError, match="decomposes exactly"):
        top_ngrams(pipe, texts)


# -- bad input ----------------------------------------------------------------------


def test_unfitted_models_are_refused(pipe):
    fresh = make_pipeline(GloveVectorizer(embeddings=None), TextCNNClassifier())
    with pytest.raises(NotFittedError):
        explain(fresh, ["a text"])
    with pytest.raises(NotFittedError):
        top_ngrams(TextCNNClassifier(), np.ones((2, 3), dtype=np.int32))
    with pytest.raises(NotFittedError):
        explain(pipe[-1], ["a text"], vectorizer=GloveVectorizer())


def test_bad_targets_and_inputs(pipe):
    with pytest.raises(ValueError, match="'golf' is not one of the classifier"):
        explain(pipe, ["goal"], target="golf")
    with pytest.raises(ValueError, match="is not one of"):
        explain(pipe, ["goal"], target=["space", 3])
    with pytest.raises(ValueError, match="Iterable over raw text documents"):
        explain(pipe, "goal orbit")
    with pytest.raises(ValueError, match="vectorizer="):
        explain(pipe[-1], ["goal orbit"])
    with pytest.raises(ValueError, match="already holds"):
        explain(pipe, ["goal"], vectorizer=GloveVectorizer())
    with pytest.raises(TypeError, match="must be a GloveVectorizer"):
        explain(pipe[-1], ["goal"], vectorizer=FunctionTransformer())
    with pytest.raises(ValueError, match="n must be a positive int"):
        top_ngrams(pipe, ["goal"], n=0)
    with pytest.raises(ValueError, match="min_count must be a positive int"):
        top_ngrams(pipe, ["goal"], min_count=1.5)
    with pytest.raises(ValueError, match="aggregate must be"):
        top_ngrams(pipe, ["goal"], aggregate="max")
    with pytest.raises(ValueError, match="token id"):
        explain(pipe[-1], np.full((1, 16), 10**6, dtype=np.int32))


def test_unsupported_estimators_get_a_clear_error(pipe, data):
    other = make_pipeline(
        FunctionTransformer(lambda x: np.c_[[len(t) for t in x]]),
        LogisticRegression(),
    ).fit(data[0], data[1])
    with pytest.raises(TypeError, match="supports a TextCNNClassifier"):
        explain(other[-1], [[1]])
    with pytest.raises(TypeError, match="Pipeline of a GloveVectorizer"):
        explain(other, ["goal"])
    two = make_pipeline(FunctionTransformer(), pipe[0], pipe[-1])
    with pytest.raises(TypeError, match="Pipeline of a GloveVectorizer"):
        explain(two, ["goal"])


def test_non_softmax_outputs_are_refused(pipe, monkeypatch):
    """Multilabel (sigmoid) and regression (linear) models are not explained
    yet: a clear error, not a wrong answer."""
    layer = pipe[-1].model_.get_layer("output")
    monkeypatch.setattr(layer, "activation", keras.activations.sigmoid)
    with pytest.raises(NotImplementedError, match="softmax"):
        explain(pipe, ["goal"])
    monkeypatch.setattr(pipe[-1], "_multilabel_", {"dtype": int}, raising=False)
    with pytest.raises(NotImplementedError, match="multilabel"):
        explain(pipe, ["goal"])


def test_token_sequences_input_is_accepted(pipe, data):
    ids = pipe[0].transform(data[0][:2])
    assert isinstance(ids, TokenSequences)
    assert [e.tokens for e in explain(pipe[-1], ids)] == [
        e.tokens for e in explain(pipe[-1], ids.ids)
    ]


# -- real posts -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("shared_data_dir", ["20news-bydate.tar.gz"], indirect=True)
def test_real_newsgroups_posts(shared_data_dir):
    """Real posts (headers, e-mail addresses, long texts truncated): exact
    decompositions, spans into the original text, and top_ngrams."""
    from sktextcnn.datasets import load_20newsgroups

    train = load_20newsgroups(
        "train",
        data=shared_data_dir / "20news-bydate.tar.gz",
        categories=["rec.autos", "sci.space"],
    )
    texts = train.data[::4]
    labels = np.asarray(train.target_names)[train.target[::4]]
    vec = GloveVectorizer(max_length=200, embeddings=None)
    pipe = _fit(texts, labels, vectorizer=vec, filters=8, kernel_sizes=(3, 5))
    probes = texts[:8]
    explanations = _assert_exact(pipe, probes)
    for text, ex in zip(probes, explanations):
        for token, span in zip(ex.tokens, ex.spans):
            assert text[span[0] : span[1]].lower() == token
        assert ex.status.count("used") == min(200, np.count_nonzero(
            np.asarray(vec.transform([text]))
        ))  # fmt: skip
    top = top_ngrams(pipe, texts, n=5)
    assert set(top) == {"rec.autos", "sci.space"}
    assert all(len(rows) == 5 for rows in top.values())
