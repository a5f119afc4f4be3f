"""Many fits in one process, as a hyper-parameter search does: memory stays flat."""

import json
import textwrap
from pathlib import Path

import numpy as np

from sktextcnn import TextCNNClassifier

from .conftest import run_fresh_python

ROOT = Path(__file__).resolve().parents[1]

_SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    from sklearn.base import clone
    from sktextcnn import GloveVectorizer, TextCNNClassifier
    from tests.conftest import make_corpus

    def peak_rss_kib():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])

    texts, labels = make_corpus(10)
    X = np.asarray(GloveVectorizer(max_length=12, embeddings=None).fit_transform(texts))
    clf = TextCNNClassifier(filters=8, kernel_sizes=(2, 3), epochs=2, batch_size=8,
                            random_state=0)
    peaks = []
    for _ in range(30):
        clone(clf).fit(X, labels).predict_proba(X)
        peaks.append(peak_rss_kib())
    print(json.dumps(peaks))
    """
)


def test_thirty_fits_keep_peak_memory_flat():
    out = run_fresh_python(_SCRIPT, cwd=ROOT)
    peaks = json.loads(out.stdout.strip().splitlines()[-1])
    growth = peaks[29] / peaks[4] - 1
    assert growth < 0.10, f"peak RSS grew {growth:.1%} from fit 5 to 30: {peaks}"


def test_fitted_model_drops_its_training_step_and_can_train_again(corpus):
    texts, labels = corpus
    X = np.arange(1, 1 + 6 * len(texts)).reshape(len(texts), 6) % 50
    clf = TextCNNClassifier(
        filters=4, epochs=1, early_stopping=False, warm_start=True, random_state=0
    ).fit(X, labels)
    assert clf.model_.train_function is None
    before = clf.model_.get_weights()
    clf.fit(X, labels)
    assert clf.model_.train_function is None
    assert not all(
        np.array_equal(a, b) for a, b in zip(before, clf.model_.get_weights())
    )
