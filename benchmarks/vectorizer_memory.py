"""Peak memory of GloveVectorizer on a big corpus and on one huge text (Linux).

Each case runs in a fresh process. The peak resident set size (VmHWM) is
reset just before the measured call (``/proc/self/clear_refs``), so the
figure is what the call itself adds on top of the texts already in memory
(and of TensorFlow, which ``import sktextcnn`` loads)::

    python benchmarks/vectorizer_memory.py
"""

import subprocess
import sys

CASES = {
    "fit_transform, 200,000 texts, max_length=100": "fit_transform",
    "transform, 200,000 texts, max_length=100": "transform",
    "transform, one 1,000,000-character text, max_length=1000": "huge",
}


def peak_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def run(case):
    import gc
    import time

    import numpy as np

    from sktextcnn import GloveVectorizer

    rng = np.random.default_rng(0)
    words = np.array([f"w{i}" for i in range(50_000)], dtype=object)
    if case == "huge":
        docs = [" ".join(words[rng.integers(0, 50_000, 200_000)])[:1_000_000]]
        vec = GloveVectorizer(max_length=1000, embeddings=None)
        vec.fit([" ".join(words[:20_000])])
    else:
        lengths = rng.integers(5, 40, size=200_000)
        tokens = words[rng.zipf(1.3, size=int(lengths.sum())) % 50_000]
        ends = np.cumsum(lengths)
        docs = [" ".join(tokens[e - n : e]) for e, n in zip(ends, lengths)]
        del tokens
        vec = GloveVectorizer(max_length=100, embeddings=None)
        if case == "transform":
            vec.fit(docs)
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current resident set size
    before = peak_mib()
    t0 = time.perf_counter()
    X = vec.fit_transform(docs) if case == "fit_transform" else vec.transform(docs)
    seconds = time.perf_counter() - t0
    text_mib = sum(map(len, docs)) / 2**20
    out_mib = np.asarray(X).nbytes / 2**20
    print(f"{text_mib:.1f} | {out_mib:.1f} | {peak_mib() - before:.0f} | {seconds:.1f}")


def main():
    print("| case | text (MiB) | output (MiB) | peak RSS added (MiB) | seconds |")
    print("|---|---|---|---|---|")
    for name, case in CASES.items():
        out = subprocess.run(
            [sys.executable, __file__, case], capture_output=True, text=True
        )
        if out.returncode:
            sys.exit(out.stderr)
        print(f"| {name} | {out.stdout.strip()} |")


if __name__ == "__main__":
    run(sys.argv[1]) if len(sys.argv) > 1 else main()
