import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_api_page_is_generated_from_current_docstrings():
    spec = importlib.util.spec_from_file_location("build_api", DOCS / "build_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (DOCS / "api.md").read_text(encoding="utf-8") == module.render(), (
        "docs/api.md is stale: run python docs/build_api.py"
    )


def _section(text, name):
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    return text[text.index(start) : text.index(end)]


def test_readme_accuracy_figures_come_from_the_benchmark_output():
    """Every figure of the README's "Where it stands" paragraph is in the table
    benchmarks/accuracy.py wrote (rerun it, then update the README)."""
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("Where it stands") :].split("\n\n")[0]
    section = _section(
        (DOCS / "benchmarks.md").read_text(encoding="utf-8"), "accuracy-benchmark"
    )
    summary = section[section.index("Summary") : section.index("All models")]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in summary.splitlines()
        if line.startswith("| ") and not line.startswith("| Dataset")
        and "**mean**" not in line
    ]  # fmt: skip
    assert len(rows) == 8
    for dataset, defaults, best, *_ in rows:
        mean = defaults.split()[0]
        baseline = best.split()[0]
        assert mean in paragraph and baseline in paragraph, (dataset, mean, baseline)
    blog = [line for line in section.splitlines() if "Keras blog recipe" in line]
    assert blog and blog[0].split("|")[3].strip() in paragraph


def test_readme_speed_figures_come_from_the_performance_section():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("Where it stands") :].split("\n\n")[0]
    section = _section(
        (DOCS / "benchmarks.md").read_text(encoding="utf-8"), "performance"
    )
    rows = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:]]
        for line in section.splitlines()
        if line.startswith("| ")
    }
    train = rows["Training throughput (docs/s) [1]"][2]
    predict = rows["Prediction, ids -> proba (docs/s) [2]"][2]
    plain_rss, our_rss = rows["Peak RSS, fit + predict (process) [7]"][:2]
    assert f"{train} the documents per second" in paragraph
    assert f"{predict} when predicting" in paragraph
    assert f"{our_rss.split()[0]} vs {float(plain_rss.split()[0]):.1f} GB" in paragraph
