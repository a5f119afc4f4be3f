"""The Keras backend the tests run on is the one asked for.

CI runs the core tests a second time with ``KERAS_BACKEND=jax``; this test
runs in that step too, so that step fails if Keras fell back to another
backend (TensorFlow, when the variable is unset: the documented default).
"""

import os

import keras
import numpy as np

from sktextcnn import TextCNNClassifier


def test_keras_and_fitted_models_run_on_the_requested_backend():
    expected = os.environ.get("KERAS_BACKEND", "tensorflow")
    assert keras.backend.backend() == expected
    # Tensors and a fitted model's weights are that backend's arrays
    # (tensorflow.python..., jaxlib... / jax...).
    package = "jax" if expected == "jax" else expected
    tensor = keras.ops.convert_to_tensor([1.0])
    assert type(tensor).__module__.startswith(package), type(tensor)
    X = np.arange(1, 41).reshape(10, 4) % 7 + 1
    clf = TextCNNClassifier(filters=2, kernel_sizes=(2,), epochs=1, random_state=0)
    clf.fit(X, [0, 1] * 5)
    weights = clf.model_.weights[0].value
    assert type(weights).__module__.startswith(package), type(weights)
