"""Shared helpers of the benchmark scripts: machine facts, docs/benchmarks.md."""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
_HEADER = """# Benchmarks

Every section below is written by the script named in it; rerun the command to
regenerate that section. Do not edit the sections by hand.
"""


def machine_summary():
    """One line: date, CPU model, cores, load average, library versions."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import keras
    import sklearn
    import tensorflow as tf

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{datetime.date.today().isoformat()}, {cpu}, {os.cpu_count()} cores, "
        f"load average {load:.2f} at start, Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"scikit-learn {sklearn.__version__}"
    )


def command_line():
    """The command that ran this script, as a user would type it."""
    script = os.path.relpath(sys.argv[0], Path(__file__).resolve().parents[1])
    return shlex.join(["python", script, *sys.argv[1:]])


def write_section(name, body, path=BENCHMARKS_MD):
    """Replace the ``name`` section of docs/benchmarks.md (append it if absent)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else _HEADER
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def read_section(name, path=BENCHMARKS_MD):
    """The text of the ``name`` section of docs/benchmarks.md, without its markers."""
    text = path.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in text:
        sys.exit(f"{path} has no '{name}' section: run the benchmark that writes it")
    return text[text.index(start) + len(start) : text.index(end)]


def table_rows(text, after):
    """The rows of the first Markdown table after the line ``after`` in ``text``.

    Each row is a list of its cells, stripped; the header and separator rows
    are left out. The inverse of :func:`markdown_table`.
    """
    lines = text[text.index(after) :].splitlines()[1:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            if rows:
                break
            continue
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[2:]


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# A worker subprocess prints its result as one line starting with this.
RESULT = "@@result@@ "


def print_result(result):
    """In a worker: print ``result`` (JSON) for :func:`run_worker` to read."""
    print(RESULT + json.dumps(result), flush=True)


def run_worker(cmd, tag, name, env=None):
    """Run a benchmark's worker subprocess and return its printed result.

    ``tag`` prefixes the progress lines on stderr; a failed worker's stderr
    tail is shown and a RuntimeError raised.
    """
    print(f"[{tag}] running {name}", file=sys.stderr)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-5000:])
        raise RuntimeError(f"worker {name} failed (exit {proc.returncode})")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT)][-1]
    print(f"[{tag}] {name} done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return json.loads(line[len(RESULT) :])


def add_data_argument(parser):
    """The ``--data`` option of the 20 Newsgroups benchmarks (read by data_dir)."""
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="20news-bydate tarball or its directory "
        "(default: sktextcnn.datasets.default_data_dir(), e.g. ../shared/data)",
    )


def data_dir(given):
    """``--data`` if given, else ``sktextcnn.datasets.default_data_dir()``.

    Imported late: some scripts measure processes that must not have
    imported TensorFlow yet.
    """
    if given is not None:
        return Path(given)
    from sktextcnn.datasets import default_data_dir

    found = default_data_dir()
    if found is None:
        sys.exit(
            "no data folder: pass --data, set SKTEXTCNN_DATA or create ../shared/data"
        )
    return found
