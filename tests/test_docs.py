import doctest
import importlib
import importlib.util
import json
import pkgutil
import re
import struct
import zlib
from pathlib import Path

import pytest

import sktextcnn
from sktextcnn import datasets

DOCS = Path(__file__).resolve().parents[1] / "docs"
BENCHMARKS = DOCS.parent / "benchmarks"


def _api_page_names():
    """The fully qualified names docs/api.rst documents.

    Entries of its ``autosummary`` lists and ``auto*`` directives, each in the
    module set by the last ``module`` / ``currentmodule`` directive.
    """
    module, names, in_list = None, set(), False
    for line in (DOCS / "api.rst").read_text(encoding="utf-8").splitlines():
        directive = re.match(r"\.\. (\w+)::\s*(\S*)", line)
        if directive:
            kind, arg = directive.groups()
            in_list = kind == "autosummary"
            if kind in ("module", "currentmodule"):
                module = arg
            elif kind.startswith("auto") and arg:
                names.add(f"{module}.{arg}")
        elif in_list and line.startswith("   ") and not line.strip().startswith(":"):
            names.add(f"{module}.{line.strip()}")
        elif line.strip() and not line.startswith(" "):
            in_list = False
    return names


def test_every_public_name_is_on_the_api_page():
    """Add a new public name to docs/api.rst: one line in the list that fits it."""
    public = {f"sktextcnn.{n}" for n in sktextcnn.__all__ if not n.startswith("__")}
    public |= {f"sktextcnn.datasets.{name}" for name in datasets.__all__}
    on_page = _api_page_names()
    assert not public - on_page, f"missing from docs/api.rst: {public - on_page}"
    for name in on_page:  # and nothing there that is not public
        module, _, attr = name.rpartition(".")
        assert attr in importlib.import_module(module).__all__, name


def _modules_with_examples():
    names = ["sktextcnn"] + [
        f"sktextcnn.{info.name}" for info in pkgutil.iter_modules(sktextcnn.__path__)
    ]
    found = []
    for name in sorted(names):
        module = importlib.import_module(name)
        if any(t.examples for t in doctest.DocTestFinder().find(module)):
            # Real data, or fits of seconds: the slow tests.
            slow = name == "sktextcnn.datasets" or "TextCNNClassifier(" in "".join(
                e.source
                for t in doctest.DocTestFinder().find(module)
                for e in t.examples
            )
            found.append(pytest.param(name, marks=[pytest.mark.slow] if slow else []))
    return found


@pytest.mark.parametrize("module_name", _modules_with_examples())
def test_docstring_examples(module_name, request):
    """The Examples sections of the docstrings run, and print what they show."""
    if module_name == "sktextcnn.datasets":
        request.getfixturevalue("shared_data_dir")  # skips (or fails in CI) without
    module = importlib.import_module(module_name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    runner = doctest.DocTestRunner(optionflags=flags)
    report = []
    for test in doctest.DocTestFinder().find(module):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


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


def _load_benchmark_script():
    spec = importlib.util.spec_from_file_location(
        "accuracy_benchmark", BENCHMARKS / "accuracy.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _png_text_chunks(path):
    """The tEXt / zTXt chunks of a PNG file, as a dict."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = {}, 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            chunks[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"zTXt":
            key, _, value = body.partition(b"\0")
            chunks[key.decode("latin-1")] = zlib.decompress(value[1:]).decode("latin-1")
        pos += 12 + length
    return chunks


def test_readme_picture_is_drawn_from_the_benchmark_table():
    """docs/images/benchmark.png shows the rows of the accuracy-benchmark table
    (after a new table: python benchmarks/accuracy.py --plot-only)."""
    script = _load_benchmark_script()
    section = script.read_section("accuracy-benchmark")
    expected = script.plotted_rows(script.table_rows(section, "All models"))
    picture = DOCS / "images" / "benchmark.png"
    drawn = json.loads(_png_text_chunks(picture)["sktextcnn-rows"])
    assert drawn == expected, "stale picture: python benchmarks/accuracy.py --plot-only"
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "(docs/images/benchmark.png)" in readme


@pytest.mark.parametrize(
    "page, start, end, section",
    [
        ("limitations.md", "Long texts", "Word vectors", "accuracy-benchmark"),
        ("architectures.md", "## Which one", "The picture", "accuracy-benchmark"),
        ("parallel.md", "measured a", "## Threads", "parallel"),
    ],
)  # fmt: skip
def test_user_guide_figures_come_from_the_benchmark_sections(page, start, end, section):
    """Each measured figure quoted in the user guide is in the section of
    docs/benchmarks.md that its command writes: rerun it, then update the page."""
    text = (DOCS / "user_guide" / page).read_text(encoding="utf-8")
    passage = text[text.index(start) : text.index(end)]
    numbers = set(re.findall(r"\d+\.\d+", passage))
    assert numbers, passage
    written = set(re.findall(r"\d+\.\d+", _section(
        (DOCS / "benchmarks.md").read_text(encoding="utf-8"), section
    )))  # fmt: skip
    assert numbers <= written, sorted(numbers - written)


def test_readme_has_the_docs_command_ci_runs():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("<!-- docs-command -->") :].split("```")[1]
    assert 'pip install -e ".[docs]"' in block
    assert "-m sphinx -W --keep-going -b html docs docs/_build/html" in block
