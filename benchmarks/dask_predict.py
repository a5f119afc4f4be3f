"""Prediction throughput over a dask cluster: 1 and 2 workers vs in-process.

One command writes the "dask-predict" section of docs/benchmarks.md:

    python benchmarks/dask_predict.py              # data from ../shared/data
    python benchmarks/dask_predict.py --repeat 4 --no-write

The default pipeline is fitted on 20 Newsgroups' training split (not timed);
its test split (7,532 posts), repeated ``--repeat`` times, is then scored
with ``predict_proba`` in this process, and on a ``LocalCluster`` of 1 and of 2
worker processes (one thread each) with the pattern the README documents: the
pipeline wrapped in ``dask.delayed`` (sent to each worker once) and a function
mapped over the partitions of a ``dask.bag`` of the texts. The cluster's start
is not timed; shipping the pipeline is (each run builds a new graph). The
results are checked against the local probabilities.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import (  # noqa: E402
    BENCHMARKS_MD,
    command_line,
    data_dir,
    machine_summary,
    write_section,
)


def _rows(texts, model):
    return list(model.predict_proba(list(texts)))


def _score_on_cluster(pipe, texts, n_workers, partitions):
    import dask
    import dask.bag as db
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # Warm the workers (TensorFlow's start) on a first, untimed graph.
        warm = db.from_sequence(texts[: 4 * n_workers], npartitions=n_workers)
        warm.map_partitions(_rows, dask.delayed(pipe, pure=True)).compute()
        client.run(lambda: None)
        start = time.perf_counter()
        bag = db.from_sequence(texts, npartitions=partitions)
        rows = bag.map_partitions(_rows, dask.delayed(pipe)).compute()
        return time.perf_counter() - start, np.asarray(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        default=None,
        help="the data folder (default: sktextcnn.datasets.default_data_dir())",
    )
    parser.add_argument(
        "--repeat", type=int, default=4, help="score the test split this many times"
    )
    parser.add_argument("--partitions", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="small data, no docs")
    parser.add_argument("--no-write", action="store_true", help="leave docs/ alone")
    args = parser.parse_args(argv)
    folder = data_dir(args.data)

    from sklearn.pipeline import make_pipeline

    from sktextcnn import GloveVectorizer, TextCNNClassifier
    from sktextcnn.datasets import load_20newsgroups

    summary = machine_summary()
    train = load_20newsgroups("train", data=folder / "20news-bydate.tar.gz")
    test = load_20newsgroups("test", data=folder / "20news-bydate.tar.gz")
    X_train, y_train, texts = train.data, train.target, list(test.data)
    if args.quick:
        X_train, y_train, texts = X_train[:1000], y_train[:1000], texts[:500]
    pipe = make_pipeline(GloveVectorizer(), TextCNNClassifier(random_state=0))
    pipe.fit(X_train, y_train)
    texts = texts * args.repeat
    pipe.predict_proba(texts[:64])  # warm

    start = time.perf_counter()
    local = pipe.predict_proba(texts)
    rows = [("in this process (`predict_proba`)", time.perf_counter() - start, 0.0)]
    for n_workers in (1, 2):
        seconds, proba = _score_on_cluster(pipe, texts, n_workers, args.partitions)
        diff = float(np.abs(proba - local).max())
        rows.append((f"dask, {n_workers} worker(s) x 1 thread", seconds, diff))
        print(rows[-1], file=sys.stderr, flush=True)

    lines = [
        "| where | texts | seconds | texts/s | max abs difference from local |",
        "|---|---|---|---|---|",
    ]
    for name, seconds, diff in rows:
        lines.append(
            f"| {name} | {len(texts)} | {seconds:.1f} | {len(texts) / seconds:,.0f} "
            f"| {diff:.1e} |"
        )
    table = "\n".join(lines)
    body = f"""## Prediction over a dask cluster

Command: `{command_line()}`

Machine: {summary}

The default pipeline, fitted on 20 Newsgroups' training split, scores the test
split repeated {args.repeat} times ({len(texts)} texts): in this process, and on a
`LocalCluster` of worker processes on the same machine (one thread each), the
pipeline wrapped in `dask.delayed` and `predict_proba` mapped over
{args.partitions} partitions of a `dask.bag` (the README's pattern). The
cluster's start and the workers' TensorFlow start are not timed; building the
graph and shipping the pipeline are. On a 2-core machine, 2 workers can at best
match one process that already uses both cores: the cluster pays off with more
machines.

{table}
"""
    print(table)
    if not (args.quick or args.no_write):
        write_section("dask-predict", body)
        print(f"wrote the 'dask-predict' section of {BENCHMARKS_MD}")


if __name__ == "__main__":
    main()
