"""Latency and throughput of an exported model served by examples/serve.py.

One command writes the "serve" section of docs/benchmarks.md:

    python benchmarks/serve.py                  # data from ../shared/data
    python benchmarks/serve.py --quick --no-write

The default pipeline (GloveVectorizer + TextCNNClassifier, seeded) is fitted on
the 20 Newsgroups training posts for one epoch -- prediction speed depends on
the architecture and the vocabulary, not on how long the weights trained --
and exported with sktextcnn.export (ONNX). Then, on test posts drawn at random:

- one text at a time, sequentially: the latency of each call (p50, p99);
- batches of 64 texts: texts per second over all the batches;

three ways: the pipeline's ``predict_proba`` in this process (TensorFlow), the
export in this process (the reference tokenizer + an onnxruntime session, what
examples/serve.py runs per request), and examples/serve.py over HTTP on
127.0.0.1 (one keep-alive connection; the client runs on the same cores).
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import (  # noqa: E402
    command_line,
    data_dir,
    machine_summary,
    markdown_table,
    write_section,
)

BATCH = 64


def _percentiles(seconds):
    ms = np.asarray(seconds) * 1000
    return f"{np.percentile(ms, 50):.1f}", f"{np.percentile(ms, 99):.1f}"


def _measure(predict, singles, batches, warm_up):
    """p50 and p99 of one-text calls (ms), texts per second in batches."""
    for text in warm_up:
        predict([text])
    predict(batches[0])
    times = []
    for text in singles:
        start = time.perf_counter()
        predict([text])
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    for batch in batches:
        predict(batch)
    rate = sum(map(len, batches)) / (time.perf_counter() - start)
    return (*_percentiles(times), f"{rate:.0f}")


def _load_predictor(export_dir):
    spec = importlib.util.spec_from_file_location("serve", ROOT / "examples/serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Predictor(export_dir)


class _Client:
    """examples/serve.py in a subprocess, and one keep-alive connection to it."""

    def __init__(self, export_dir):
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "examples/serve.py"), str(export_dir),
             "--port", "0", "--quiet", "--max-texts", str(BATCH)],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        line = self.proc.stdout.readline()
        if not line.startswith("serving"):
            self.close()
            sys.exit(f"examples/serve.py did not start: {line!r}")
        self.conn = http.client.HTTPConnection(line.split("http://")[1].strip())

    def __call__(self, texts):
        body = json.dumps({"texts": texts})
        self.conn.request("POST", "/predict", body=body)
        response = self.conn.getresponse()
        answer = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(answer)
        return answer

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="folder holding 20news-bydate.tar.gz")
    parser.add_argument(
        "--quick", action="store_true", help="500 training posts, few calls"
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    from sklearn.pipeline import make_pipeline

    import sktextcnn  # before TensorFlow: its start-up lines stay hidden
    from sktextcnn import GloveVectorizer, TextCNNClassifier
    from sktextcnn.datasets import load_20newsgroups

    machine = machine_summary()
    tarball = data_dir(args.data) / "20news-bydate.tar.gz"
    train = load_20newsgroups("train", data=tarball, shuffle=True, random_state=0)
    test = load_20newsgroups("test", data=tarball, shuffle=True, random_state=0)
    n_train = 500 if args.quick else len(train.data)
    n_singles, n_batches = (50, 4) if args.quick else (1000, 50)
    pipe = make_pipeline(
        GloveVectorizer(random_state=0), TextCNNClassifier(epochs=1, random_state=0)
    )
    pipe.fit(train.data[:n_train], train.target[:n_train])

    rng = np.random.default_rng(0)
    texts = test.data
    singles = [texts[i] for i in rng.integers(len(texts), size=n_singles)]
    batches = [
        [texts[i] for i in rng.integers(len(texts), size=BATCH)]
        for _ in range(n_batches)
    ]
    warm_up = [texts[i] for i in rng.integers(len(texts), size=20)]
    tokens = np.count_nonzero(np.asarray(pipe[0].transform(singles)), axis=1)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        export_dir = sktextcnn.export(pipe, Path(tmp) / "model")
        size = (export_dir / "model.onnx").stat().st_size / 2**20
        rows.append(
            ["`pipe.predict_proba` in process (TensorFlow)"]
            + list(_measure(pipe.predict_proba, singles, batches, warm_up))
        )
        predictor = _load_predictor(export_dir)
        rows.append(
            ["reference tokenizer + onnxruntime in process"]
            + list(_measure(predictor.predict_proba, singles, batches, warm_up))
        )
        client = _Client(export_dir)
        try:
            rows.append(
                ["`examples/serve.py` over HTTP (onnxruntime)"]
                + list(_measure(client, singles, batches, warm_up))
            )
        finally:
            client.close()

    table = markdown_table(
        ["", "one text p50 (ms)", "one text p99 (ms)", "batches of 64 (texts/s)"],
        rows,
    )
    elapsed = time.perf_counter() - started
    body = f"""## Serving an exported model

Command: `{command_line()}` ({elapsed:.0f} s)

Machine: {machine}, onnxruntime {_onnxruntime_version()}

The default pipeline fitted on {n_train} 20 Newsgroups training posts (one
epoch: the weights' values do not change the speed) and exported with
`sktextcnn.export` (ONNX, {size:.1f} MB). Test posts drawn at random: {n_singles}
calls with one text each, one after the other (median {np.median(tokens):.0f}
tokens a text, `max_length=1000`), then {n_batches} calls with 64 texts each.
"In process" times a Python call; "over HTTP" a `POST /predict` from a client on
the same machine, one keep-alive connection, request and JSON answer included.

{table}
"""
    print(body)
    if not args.no_write:
        write_section("serve", body)


def _onnxruntime_version():
    import onnxruntime

    return onnxruntime.__version__


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    main()
