"""scikit-learn's estimator checks on both estimators.

Every expected failure is listed with the reason it cannot pass.
"""

import pytest
from sklearn.utils import estimator_checks as checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from sktextcnn import GloveVectorizer, TextCNNClassifier

# Small and quick: the checks fit dozens of models.
FAST_CLF = TextCNNClassifier(
    filters=8, kernel_sizes=(2,), epochs=5, batch_size=32, random_state=0
)

CLF_EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batch SGD: a weight of 2 is not exactly a repeated sample"
    ),
    "check_classifiers_one_label_sample_weights": (
        "the check passes continuous floats, which are not token ids"
    ),
    "check_class_weight_classifiers": (
        "a threshold on predictions for blob features, which are not token ids"
    ),
}


@parametrize_with_checks(
    [FAST_CLF], expected_failed_checks=lambda est: CLF_EXPECTED_FAILURES
)
def test_classifier_passes_sklearn_checks(estimator, check):
    check(estimator)


# The vectorizer takes raw texts, which the generic checks cannot produce
# (parametrize_with_checks skips string-input estimators wholesale), so the
# data-independent API checks run on it explicitly.
VECTORIZER_API_CHECKS = [
    checks.check_no_attributes_set_in_init,
    checks.check_parameters_default_constructible,
    checks.check_get_params_invariance,
    checks.check_set_params,
    checks.check_estimator_repr,
    checks.check_estimator_cloneable,
    checks.check_estimator_tags_renamed,
    checks.check_valid_tag_types,
    checks.check_do_not_raise_errors_in_init_or_set_params,
    checks.check_estimator_sparse_tag,
    checks.check_param_validation,
]


@pytest.mark.parametrize("check", VECTORIZER_API_CHECKS, ids=lambda c: c.__name__)
def test_vectorizer_passes_sklearn_api_checks(check):
    check("GloveVectorizer", GloveVectorizer(embeddings=None))
