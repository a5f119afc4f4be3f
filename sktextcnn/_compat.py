"""The scikit-learn private APIs sktextcnn uses, in one place.

scikit-learn-compatible libraries (imbalanced-learn, skorch, ...) rely on
these helpers, but scikit-learn may move or change them in any release: when
one does, this module is the only one to adapt. ``.ci/run`` tests the oldest
scikit-learn ``pyproject.toml`` allows.
"""

from sklearn.base import _fit_context
from sklearn.datasets._twenty_newsgroups import (
    strip_newsgroup_footer,
    strip_newsgroup_header,
    strip_newsgroup_quoting,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "Interval",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "_get_output_config",
    "strip_newsgroup_footer",
    "strip_newsgroup_header",
    "strip_newsgroup_quoting",
]
