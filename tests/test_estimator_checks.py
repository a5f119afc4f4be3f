"""scikit-learn's estimator checks on both estimators.

Every expected failure is listed with the reason it cannot pass (xfail_strict:
one that passes fails the run).
"""

import numpy as np
import pytest
from sklearn.utils import estimator_checks as checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from sktextcnn import (
    GloveVectorizer,
    TextCNNClassifier,
    TextCNNRegressor,
    TokenSequences,
)

# Small and quick: the checks fit dozens of models.
FAST_CLF = TextCNNClassifier(
    filters=8, kernel_sizes=(2,), epochs=5, batch_size=32, random_state=0
)
FAST_REG = TextCNNRegressor(
    filters=8, kernel_sizes=(2,), epochs=5, batch_size=32, random_state=0
)

# These three checks make their X without the estimator's input tags (no
# ``_enforce_estimator_tags_X``), so the ``categorical`` tag, which gives every
# other check integral token ids, does not apply: they fail at once with "X
# holds non-integral floats". Below, they run again on integral ids.
_FLOAT_X = (
    "the check's X is continuous floats (it ignores the categorical input tag) "
    "and fit rejects non-integral token ids; run on integral ids below"
)
CLF_EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": _FLOAT_X,
    "check_classifiers_one_label_sample_weights": _FLOAT_X,
    "check_class_weight_classifiers": _FLOAT_X,
    # scikit-learn's convention: a column vector y is 1-D labels, with a
    # DataConversionWarning. Ours (issue 13): a 2-D y is a multilabel
    # indicator matrix, and one of a single column is refused with a
    # ValueError naming both fixes (y.ravel() for labels, >= 2 columns for
    # multilabel) rather than guessing which was meant.
    "check_supervised_y_2d": "a one-column y raises a ValueError: it could "
    "be labels or a one-label indicator matrix (tested in test_multilabel.py)",
}
REG_EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": _FLOAT_X,
    # make_regression(n_informative=1): the target follows one column of X.
    # As token ids, a column's position is what max-over-time pooling and the
    # bag of words discard by design (a text's meaning does not depend on
    # where a word sits): R^2 0.21 after the check's 5 epochs, 0.34 after 50,
    # where the check asks > 0.5.
    "check_regressors_train": "the signal is one column's position, which a "
    "text model ignores: R^2 of 0.2-0.3 where the check asks > 0.5",
}
EXPECTED_FAILURES = {
    TextCNNClassifier: CLF_EXPECTED_FAILURES,
    TextCNNRegressor: REG_EXPECTED_FAILURES,
}


@pytest.mark.slow
@parametrize_with_checks(
    [FAST_CLF, FAST_REG],
    expected_failed_checks=lambda est: EXPECTED_FAILURES[type(est)],
)
def test_estimators_pass_sklearn_checks(estimator, check):
    check(estimator)


N_IDS = 101


def _as_ids(X):
    """Float features as token ids 1..100 (|x| in tenths), a fixed vocabulary."""
    tenths = np.floor(np.abs(np.asarray(X, dtype=float)) * 10)
    ids = np.minimum(tenths, N_IDS - 2).astype(np.int32) + 1
    return TokenSequences(ids, None, n_ids=N_IDS)


class FloatsAsIds(TextCNNClassifier):
    """TextCNNClassifier fed :func:`_as_ids` of the checks' float features."""

    def fit(self, X, y, sample_weight=None):
        return super().fit(_as_ids(X), y, sample_weight)

    def predict_proba(self, X):
        return super().predict_proba(_as_ids(X))

    def predict(self, X):
        return super().predict(_as_ids(X))


ON_INTEGRAL_IDS = [
    checks.check_classifiers_one_label_sample_weights,
    checks.check_class_weight_classifiers,
    pytest.param(
        checks.check_sample_weight_equivalence_on_dense_data,
        marks=pytest.mark.xfail(
            reason="a weight is not a repeat: Keras averages the weighted loss "
            "over the batch's rows, so weights also scale the step (after one "
            "SGD step without dropout or bag of words, probabilities differ by "
            "2e-3); dropout draws one mask per row, a repeated row several; the "
            "bag-of-words idf counts a repeated text as more documents",
            raises=AssertionError,
        ),
    ),
]


@pytest.mark.parametrize("check", ON_INTEGRAL_IDS, ids=lambda c: c.__name__)
@pytest.mark.slow
def test_float_input_checks_on_integral_ids(check):
    check("TextCNNClassifier", FloatsAsIds(**FAST_CLF.get_params()))


# The vectorizer takes raw texts, which the generic checks cannot produce
# (parametrize_with_checks skips string-input estimators wholesale), so the
# data-independent API checks run on it explicitly.
_VECTORIZER_API_CHECK_NAMES = [
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimator_repr",
    "check_estimator_cloneable",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_estimator_sparse_tag",  # scikit-learn >= 1.7
    "check_param_validation",
]
# Those of the installed scikit-learn (the oldest-versions CI step has fewer).
VECTORIZER_API_CHECKS = [
    getattr(checks, name)
    for name in _VECTORIZER_API_CHECK_NAMES
    if hasattr(checks, name)
]


@pytest.mark.parametrize("check", VECTORIZER_API_CHECKS, ids=lambda c: c.__name__)
def test_vectorizer_passes_sklearn_api_checks(check):
    check("GloveVectorizer", GloveVectorizer(embeddings=None))
