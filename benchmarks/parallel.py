"""Wall time of GridSearchCV and cross_val_score with n_jobs=1 and n_jobs=2.

One command writes the "parallel" section of docs/benchmarks.md:

    python benchmarks/parallel.py                  # data from ../shared/data
    python benchmarks/parallel.py --repeats 1 --no-write

A GloveVectorizer + TextCNNClassifier pipeline on a 400-document, 4-category
subset of 20 Newsgroups (train split): a 4-candidate grid with cv=2 (8 fits plus
the refit) and a 4-fold cross_val_score (4 fits), with joblib's default (loky)
backend. Every case runs in a fresh Python process. "start" times what any first
fit in a process pays (TensorFlow's start, the GloVe index), in the two worker
processes for n_jobs=2 (starting them included) or in the main process for
n_jobs=1; "call" then times the GridSearchCV / cross_val_score call.

The n_jobs=2 rows come in two thread settings:
- "per worker": sktextcnn's default. loky sets OMP_NUM_THREADS to
  cpu_count() // n_jobs in its workers and importing sktextcnn sizes
  TensorFlow's thread pools from it (sktextcnn/_threads.py).
- "all cores": TF_NUM_INTRAOP_THREADS = TF_NUM_INTEROP_THREADS = cpu_count(),
  which is what TensorFlow does by itself: every worker uses every core.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import (  # noqa: E402
    BENCHMARKS_MD,
    add_data_argument,
    command_line,
    data_dir,
    machine_summary,
    write_section,
)

CATEGORIES = ["comp.graphics", "rec.autos", "sci.space", "talk.politics.guns"]
N_DOCS = 400
# (call, n_jobs, threads)
CASES = [
    ("GridSearchCV", 1, "all cores"),
    ("GridSearchCV", 2, "per worker"),
    ("GridSearchCV", 2, "all cores"),
    ("cross_val_score", 1, "all cores"),
    ("cross_val_score", 2, "per worker"),
    ("cross_val_score", 2, "all cores"),
]


def _warm_up(pause):
    """What any first fit in a process pays: TensorFlow's start, the GloVe index."""
    import keras

    from sktextcnn._embeddings import _packaged_glove_index

    keras.ops.convert_to_numpy(keras.ops.ones(1) + 1)
    _packaged_glove_index()
    time.sleep(pause)  # so that every worker gets one of these tasks
    return os.getpid()


def _run_case(call, n_jobs, data):
    """Time one call in this process; return a JSON-able dict."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from joblib import Parallel, delayed
    from joblib.externals.loky import get_reusable_executor
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline

    from sktextcnn import GloveVectorizer, TextCNNClassifier
    from sktextcnn.datasets import load_20newsgroups

    news = load_20newsgroups(
        "train",
        data=data,
        categories=CATEGORIES,
        shuffle=True,
        random_state=0,
    )
    texts, y = news.data[:N_DOCS], news.target[:N_DOCS]
    pipe = make_pipeline(
        GloveVectorizer(max_length=300),
        TextCNNClassifier(filters=64, epochs=3, early_stopping=False, random_state=0),
    )
    t0 = time.perf_counter()
    if n_jobs == 1:
        _warm_up(0)
    else:
        pids = Parallel(n_jobs=n_jobs)(delayed(_warm_up)(1) for _ in range(n_jobs))
        assert len(set(pids)) == n_jobs, "a worker was not warmed up"
    start = time.perf_counter() - t0
    t0 = time.perf_counter()
    if call == "GridSearchCV":
        grid = {
            "textcnnclassifier__filters": [32, 64],
            "textcnnclassifier__kernel_sizes": [(3,), (3, 4, 5)],
        }
        search = GridSearchCV(pipe, grid, cv=2, n_jobs=n_jobs).fit(texts, y)
        score = float(search.best_score_)
    else:
        score = float(cross_val_score(pipe, texts, y, cv=4, n_jobs=n_jobs).mean())
    wall = time.perf_counter() - t0
    get_reusable_executor().shutdown(wait=True)  # reap the workers (CPU time)
    return {"start": start, "wall": wall, "score": score}


def _case_env(threads):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_NUM_")}
    env.pop("OMP_NUM_THREADS", None)
    if threads == "all cores":
        n = str(os.cpu_count())
        env.update(TF_NUM_INTRAOP_THREADS=n, TF_NUM_INTEROP_THREADS=n)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def measure(case, data):
    """Run ``case`` in a fresh process: wall time, CPU time of all processes."""
    call, n_jobs, threads = case
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = [sys.executable, __file__, "--case", json.dumps([call, n_jobs, data])]
    out = subprocess.run(
        cmd, env=_case_env(threads), capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{case} failed:\n{out.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["cpu"] = cpu
    return result


def render(runs, command, repeats, summary):
    """The docs section: ``runs`` maps each case to its list of results."""
    header = (
        "| call | n_jobs | TensorFlow threads | start (s) | call (s) | total (s) "
        "| CPU time (s) |"
    )
    lines = [header, "|---|---|---|---|---|---|---|"]
    for (call, n_jobs, threads), results in runs.items():
        cells = [call, n_jobs, "all cores" if n_jobs == 1 else threads]
        for key in ("start", "wall", "total", "cpu"):
            values = sorted(
                r["start"] + r["wall"] if key == "total" else r[key] for r in results
            )
            text = f"{values[len(values) // 2]:.1f}"
            if key == "wall" and len(values) > 1:
                text += f" ({values[0]:.1f}-{values[-1]:.1f})"
            cells.append(text)
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    table = "\n".join(lines)
    return f"""## Parallel search: n_jobs=1 vs n_jobs=2

Command: `{command}` ({repeats} runs of each case, interleaved; medians).
Machine: {summary}.

A 4-candidate GridSearchCV (cv=2, refit) and a 4-fold cross_val_score of
`GloveVectorizer(max_length=300) + TextCNNClassifier(filters=64, epochs=3)` on
{N_DOCS} documents of 4 20 Newsgroups categories, joblib's default (loky)
backend, each case in a fresh process that has imported sktextcnn. "start": for
n_jobs=2, starting the two worker processes and importing TensorFlow, sktextcnn and
the GloVe index there; for n_jobs=1, TensorFlow's first op and the GloVe index in
the main process. It is paid once per process: loky reuses its workers for the
next search. "call": the GridSearchCV / cross_val_score call after that (median,
range of the runs in brackets). "CPU time": all processes, start included.
"per worker": sktextcnn's default, TensorFlow sized to the worker's
`OMP_NUM_THREADS` (`cpu_count() // n_jobs`, set by loky); "all cores":
TensorFlow's own default, each worker sized to every core.

{table}
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each case (median kept)"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="only print, leave docs/ alone"
    )
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.data = data_dir(args.data)
    if args.case:
        call, n_jobs, data = json.loads(args.case)
        print(json.dumps(_run_case(call, n_jobs, data)))
        return

    summary = machine_summary()
    runs = {case: [] for case in CASES}
    for _ in range(args.repeats):  # interleaved, so load changes hit every case
        for case in CASES:
            runs[case].append(measure(case, args.data))
            print(case, runs[case][-1], file=sys.stderr, flush=True)

    body = render(runs, command_line(), args.repeats, summary)
    print(body.rsplit("\n\n", 2)[-1].strip())
    if not args.no_write:
        write_section("parallel", body)
        print(f"wrote the 'parallel' section of {BENCHMARKS_MD}")


if __name__ == "__main__":
    main()
