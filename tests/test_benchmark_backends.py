"""The backends benchmark's report (benchmarks/backends.py), from fake figures.

The benchmark fits the default pipeline twice (minutes): only its table logic is
tested here -- the ratios and the GPU section read next to the CPU's.
"""

import argparse
import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def backends():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(
            "backends_benchmark", BENCHMARKS / "backends.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


def result(backend, device="cpu", **figures):
    base = dict(
        backend=backend, device=device, keras="3.x", backend_version="1.0",
        n_train=1000, n_test=500, fit_s=10.0, epochs=4, predict_first_s=1.0,
        predict_s=0.5, accuracy=0.85, latency_ms=2.0,
    )  # fmt: skip
    return {**base, **figures}


def args(**kw):
    base = {
        "gpu": False, "latency_calls": 7, "output": None, "precision": "float32",
        "embeddings": "glove-6b-50d",
    }  # fmt: skip
    return argparse.Namespace(**{**base, **kw})


def _row(body, label):
    line = next(ln for ln in body.splitlines() if ln.startswith(f"| {label}"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_ratios_favour_the_faster_backend(backends):
    tf = result("tensorflow")
    jax = result("jax", fit_s=12.5, predict_s=0.25, latency_ms=4.0)
    body = backends.report([tf, jax], args(), "a machine", 0.5)
    # Throughputs: jax over tensorflow; times: tensorflow over jax.
    assert _row(body, "Fit time")[1:] == ["10.0", "12.5", "0.80x"]
    assert _row(body, "Training throughput")[1:] == ["400", "320", "0.80x"]
    assert _row(body, "Prediction, second call")[1:] == ["1000", "2000", "2.00x"]
    assert _row(body, "One-text latency")[1:] == ["2.0", "4.0", "0.50x"]
    assert "noisy" not in body and "7 one-text" in body


def test_gpu_section_sits_next_to_the_cpu_tensorflow_figures(backends, tmp_path):
    output = tmp_path / "benchmarks.md"
    cpu = backends.report(
        [result("tensorflow"), result("jax")], args(), "cpu machine", 0.5
    )
    backends.write_section("backends", cpu, path=output)
    gpu = backends.report(
        [result("jax", device="gpu: H200", fit_s=2.0)],
        args(gpu=True, output=output),
        "gpu machine",
        2.0,
        cores=2,
    )
    assert "## JAX on a GPU" in gpu and "noisy" in gpu
    assert "jax / tensorflow" not in gpu and "4. JAX's figure" not in gpu
    # JAX on the GPU, then the CPU's TensorFlow figure from the section above.
    assert _row(gpu, "Fit time")[1:] == ["2.0", "10.0"]
    assert _row(gpu, "Test accuracy")[1:] == ["0.8500", "0.8500"]


def test_a_vectors_file_is_named_in_the_section(backends):
    runs = [result("tensorflow"), result("jax")]
    assert "--write-embeddings" not in backends.report(runs, args(), "m", 0.5)
    body = backends.report(
        runs, args(embeddings="/somewhere/glove-20news.txt.gz"), "m", 0.5
    )
    assert "read from `glove-20news.txt.gz`, not the packaged ones" in body


def test_noisy_means_a_load_above_half_the_cores(backends):
    runs = [result("jax", device="gpu: H200")]
    assert "noisy" not in backends.report(runs, args(), "m", 1.06, cores=16)
    assert "noisy" in backends.report(runs, args(), "m", 1.06, cores=2)


def test_each_precision_has_its_own_title(backends):
    runs = [result("jax", device="gpu: H200")]
    titles = {
        next(ln for ln in backends.report(runs, args(gpu=True, precision=p), "m", 0)
             .splitlines() if ln.startswith("## "))
        for p in ("float32", "bfloat16")
    }  # fmt: skip
    assert titles == {"## JAX on a GPU", "## JAX on a GPU, precision='bfloat16'"}
