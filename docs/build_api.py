"""Write docs/api.md from the public docstrings (run: python docs/build_api.py)."""

import inspect
from pathlib import Path

import sktextcnn
from sktextcnn import datasets

PUBLIC = [
    sktextcnn.GloveVectorizer,
    sktextcnn.TextCNNClassifier,
    sktextcnn.TokenSequences,
    sktextcnn.explain,
    sktextcnn.top_ngrams,
    sktextcnn.Explanation,
    sktextcnn.save,
    sktextcnn.load,
    sktextcnn.export,
    datasets.load_20newsgroups,
    datasets.load_reuters21578,
    datasets.load_sentence_dataset,
]


def render():
    out = [
        "# API reference",
        "",
        "Generated from the docstrings by `docs/build_api.py`.",
        "",
    ]
    for obj in PUBLIC:
        name = obj.__name__
        out += [
            f"## {name}",
            "",
            "```text",
            f"{obj.__module__.replace('._', '.')}.{name}",
        ]
        out += [inspect.getdoc(obj), "```", ""]
        if inspect.isclass(obj):
            for meth in (
                "fit",
                "fit_transform",
                "transform",
                "predict",
                "predict_proba",
            ):
                if meth in vars(obj):
                    sig = inspect.signature(getattr(obj, meth))
                    doc = inspect.getdoc(getattr(obj, meth)) or ""
                    out += [f"### {name}.{meth}{sig}", "", "```text", doc, "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    Path(__file__).with_name("api.md").write_text(render(), encoding="utf-8")
