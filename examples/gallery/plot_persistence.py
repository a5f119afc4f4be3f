"""
Saving and loading a fitted pipeline
====================================

Two ways to keep a fitted model:

- **joblib** (or pickle): everything is kept, custom tokenizers and callbacks
  included. Loading such a file runs code from it: load only files you made
  yourself or otherwise trust.
- :func:`sktextcnn.save` / :func:`sktextcnn.load`: a file of data only (JSON
  and NumPy arrays, with a SHA-256 digest of the whole) that loading checks
  value by value and never unpickles: the format for files shared with or
  received from others.

Both files are read back here in a fresh Python process, as a deployment
would, and give the same probabilities as the model that was saved.
"""

# %%
# A fitted pipeline
# -----------------
# Fitted on the TREC questions (5,452 short texts, 6 classes).
from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier
from sktextcnn.datasets import default_data_dir, load_sentence_dataset

folder = default_data_dir() / "sentence-benchmarks"
X_train, y_train = load_sentence_dataset(folder / "TREC.train.all")
X_test, y_test = load_sentence_dataset(folder / "TREC.test.all")
pipe = make_pipeline(GloveVectorizer(random_state=0), TextCNNClassifier(random_state=0))
pipe.fit(X_train, y_train)
print(f"test accuracy: {pipe.score(X_test, y_test):.3f}")

# %%
# Write both files
# ----------------
# A fitted pipeline holds its vocabulary's rows of the embedding table, not
# the whole table: the files need no GloVe file to load.
import tempfile
from pathlib import Path

import joblib

import sktextcnn

workdir = Path(tempfile.mkdtemp())
joblib.dump(pipe, workdir / "trec.joblib")
sktextcnn.save(pipe, workdir / "trec.sktextcnn")
for path in sorted(workdir.iterdir()):
    print(f"{path.name:<16} {path.stat().st_size / 2**20:5.1f} MiB")

# %%
# Load them in a fresh process
# ----------------------------
# A new interpreter, which has imported nothing yet, loads each file and
# writes the probabilities it predicts for the test questions.
import subprocess
import sys
import textwrap

import numpy as np

script = textwrap.dedent(
    """
    import sys
    import joblib
    import numpy as np
    import sktextcnn
    from sktextcnn.datasets import default_data_dir, load_sentence_dataset

    workdir = sys.argv[1]
    folder = default_data_dir() / "sentence-benchmarks"
    X_test, _ = load_sentence_dataset(folder / "TREC.test.all")
    from_joblib = joblib.load(f"{workdir}/trec.joblib")
    from_file = sktextcnn.load(f"{workdir}/trec.sktextcnn")
    np.save(f"{workdir}/joblib.npy", from_joblib.predict_proba(X_test))
    np.save(f"{workdir}/safe.npy", from_file.predict_proba(X_test))
    print("loaded:", type(from_file).__name__, [name for name, _ in from_file.steps])
    """
)
done = subprocess.run(
    [sys.executable, "-c", script, str(workdir)],
    capture_output=True,
    text=True,
    check=True,
)
print(done.stdout.strip())

expected = pipe.predict_proba(X_test)
for name in ("joblib", "safe"):
    proba = np.load(workdir / f"{name}.npy")
    same = np.array_equal(proba, expected)
    print(f"{name:<7} same probabilities as before saving: {same}")

# %%
# A damaged or tampered file is refused
# -------------------------------------
# :func:`sktextcnn.load` checks the file (the zip's checksums, the SHA-256
# digest of the whole) before it builds anything: one changed byte fails with a
# ``ValueError``.
data = bytearray((workdir / "trec.sktextcnn").read_bytes())
data[len(data) // 2] ^= 0xFF
(workdir / "tampered.sktextcnn").write_bytes(bytes(data))
try:
    sktextcnn.load(workdir / "tampered.sktextcnn")
except ValueError as error:
    print("ValueError:", str(error)[:160])

# %%
# What :func:`~sktextcnn.load` guarantees, and what it does not: the
# :doc:`/user_guide/persistence` page.
import shutil

shutil.rmtree(workdir)
