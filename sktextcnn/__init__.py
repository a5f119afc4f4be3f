"""sktextcnn: pre-trained word embeddings + 1-D convnets as scikit-learn estimators.

>>> from sklearn.pipeline import make_pipeline
>>> from sktextcnn import GloveVectorizer, TextCNNClassifier
>>> pipe = make_pipeline(GloveVectorizer(), TextCNNClassifier())  # doctest: +SKIP
"""

from ._classifier import TextCNNClassifier
from ._saving import load, save
from ._tokenize import DEFAULT_TOKEN_PATTERN
from ._vectorizer import GloveVectorizer, TokenSequences

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_TOKEN_PATTERN",
    "GloveVectorizer",
    "TextCNNClassifier",
    "TokenSequences",
    "__version__",
    "load",
    "save",
]
