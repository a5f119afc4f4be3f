"""sktextcnn: pre-trained word embeddings + 1-D convnets as scikit-learn estimators.

>>> from sklearn.pipeline import make_pipeline
>>> from sktextcnn import GloveVectorizer, TextCNNClassifier
>>> pipe = make_pipeline(GloveVectorizer(), TextCNNClassifier())  # doctest: +SKIP
"""

from ._threads import limit_tf_threads

# Before TensorFlow starts: in a joblib/dask worker, size its thread pools to
# the worker's share of the cores (OMP_NUM_THREADS), not to all of them.
limit_tf_threads()

from ._quiet import import_keras_quietly  # noqa: E402

# Before anything imports Keras: TensorFlow's start-up lines are not printed.
import_keras_quietly()

from ._classifier import TextCNNClassifier  # noqa: E402
from ._explain import Explanation, explain, top_ngrams  # noqa: E402
from ._export import export  # noqa: E402
from ._regressor import TextCNNRegressor  # noqa: E402
from ._saving import load, save  # noqa: E402
from ._tokenize import DEFAULT_TOKEN_PATTERN  # noqa: E402
from ._vectorizer import GloveVectorizer, TokenSequences  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_TOKEN_PATTERN",
    "Explanation",
    "GloveVectorizer",
    "TextCNNClassifier",
    "TextCNNRegressor",
    "TokenSequences",
    "__version__",
    "explain",
    "export",
    "load",
    "save",
    "top_ngrams",
]
