"""Sphinx configuration of the sktextcnn documentation.

Build (from the repository root, after ``pip install -e ".[docs]"``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

This executes the example gallery (``examples/gallery/plot_*.py``, a few minutes
on 2 cores, reading ``../shared/data``). While writing pages, skip it with
``-D sphinx_gallery_conf.plot_gallery=0``, or run one example with
``-D sphinx_gallery_conf.filename_pattern=plot_quickstart``.
"""

import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # sktextcnn, also without an install
sys.path.insert(0, str(DOCS))  # _gallery_order

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import sktextcnn  # noqa: E402

project = "sktextcnn"
author = "the sktextcnn developers"
copyright = "the sktextcnn developers"
release = sktextcnn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    # Scripts and pages that live in docs/ but are not pages of the site.
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
]

# Every cross-reference must resolve: a broken :class:/:func:/:meth: or a link
# to a missing page or heading is a warning, and the build runs with -W.
nitpicky = True

# -- MyST (the Markdown pages: index.md, benchmarks.md, the user guide) --------

myst_enable_extensions = ["colon_fence", "deflist"]
# GitHub's heading anchors (index.md#design-notes), so that the same links work
# on GitHub and on the site.
myst_heading_anchors = 3

# -- API reference ---------------------------------------------------------------

autosummary_generate = True
autodoc_typehints = "none"
autodoc_member_order = "groupwise"
add_module_names = False

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# numpydoc validation of every docstring the API pages render. "all" less
# the checks below, each excluded for a reason:
numpydoc_validation_checks = {
    "all",
    # ES01 (an extended summary): a method such as ``predict`` or
    # ``get_feature_names_out`` is described completely by its one-line
    # summary and its Parameters / Returns; scikit-learn does the same.
    "ES01",
    # SA01 (a See Also section) and EX01 (an Examples section) on every
    # method: the classes and functions have them; the methods are shown by
    # the class's example and the gallery, which every API page links to
    # ("Gallery examples"). scikit-learn does the same.
    "SA01",
    "EX01",
    # RT02 (the Returns line holds only a type): scikit-learn's convention
    # ``self : object`` / ``X : TokenSequences of shape (...)`` names what is
    # returned, which users of scikit-learn estimators read everywhere.
    "RT02",
}
# Methods inherited from scikit-learn (get_params, set_output, score,
# set_*_request, ...) are shown on our classes' pages with scikit-learn's own
# docstrings; they are scikit-learn's to validate, not ours.
numpydoc_validation_exclude = {
    r"\.(get_params|set_params|set_output|get_metadata_routing|score)$",
    r"\.set_\w+_request$",
    # A constant has no docstring of its own (numpydoc would read str's): the
    # API page describes it.
    r"^sktextcnn\.DEFAULT_TOKEN_PATTERN$",
}

# -- Intersphinx -----------------------------------------------------------------
# Links to Python, NumPy, scikit-learn, joblib and matplotlib's docs need their
# inventories (objects.inv), fetched over the network: off by default (CI has no
# network), configurable with SKTEXTCNN_INTERSPHINX:
#   SKTEXTCNN_INTERSPHINX=online   the published inventories (network)
#   SKTEXTCNN_INTERSPHINX=DIR      local copies, DIR/<name>.inv (e.g. DIR/sklearn.inv)
# Keras and TensorFlow publish no Sphinx inventory: their names stay plain text.

INTERSPHINX_URLS = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "sklearn": "https://scikit-learn.org/stable/",
    "joblib": "https://joblib.readthedocs.io/en/stable/",
    "matplotlib": "https://matplotlib.org/stable/",
}
_intersphinx = os.environ.get("SKTEXTCNN_INTERSPHINX", "").strip()
if _intersphinx.lower() in ("", "0", "off", "no"):
    intersphinx_mapping = {}
elif _intersphinx.lower() == "online":
    intersphinx_mapping = {name: (url, None) for name, url in INTERSPHINX_URLS.items()}
else:
    _local = Path(_intersphinx)
    intersphinx_mapping = {
        name: (url, str(_local / f"{name}.inv"))
        for name, url in INTERSPHINX_URLS.items()
        if (_local / f"{name}.inv").is_file()
    }
intersphinx_disabled_reftypes = ["*"]  # only explicit roles use the inventories

# What only an inventory could resolve is not a broken reference of ours; with
# the inventories on, the names they hold resolve and the rest still counts.
_EXTERNAL = {
    "python": r"(builtins\.)?(str|int|float|bool|dict|list|tuple|set|bytes|object|"
    r"callable|iterable|Iterable|os\.PathLike|pathlib\.Path|[A-Z]\w*Error|"
    r"re\.Pattern|None)",
    "numpy": r"(numpy|np)\..*",
    "sklearn": r"sklearn\..*",
    "joblib": r"joblib\..*",
    "matplotlib": r"matplotlib\..*",
}
nitpick_ignore_regex = [
    (r"py:.*", pattern)
    for name, pattern in _EXTERNAL.items()
    if name not in intersphinx_mapping
] + [
    # No inventory exists for these.
    (r"py:.*", r"(keras|tensorflow|tf|dask|distributed|pandas|polars)(\..*)?"),
]

# -- Example gallery ---------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": [str(ROOT / "examples" / "gallery")],
    "gallery_dirs": ["auto_examples"],
    # Run the plot_*.py scripts; the others (the dask search, which needs a
    # cluster) are shown with their recorded output, not run.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"(__init__|/_\w+)\.py",
    "within_subsection_order": "_gallery_order.GalleryOrder",
    "doc_module": ("sktextcnn",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"sktextcnn": None},
    "min_reported_time": 0,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "show_memory": False,
}

# -- HTML --------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sktextcnn {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_show_sourcelink = True
html_last_updated_fmt = None


# -- Docstrings that are not ours ------------------------------------------------

_SKLEARN_ROLE = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^`>]*>)?`")


def _plain_foreign_docstrings(app, what, name, obj, options, lines):
    """Fit docstrings we do not write to the site they are shown on.

    - Methods inherited from scikit-learn cite scikit-learn's own labels and
      glossary (``:ref:`metadata_routing```, ``:term:`meta-estimator```), which
      resolve only through its inventory: without it, they become plain text.
    - A constant (``DEFAULT_TOKEN_PATTERN``) has no docstring of its own:
      autodoc would show its type's (``str``'s). It shows the value instead,
      as a literal block (the API page describes it).
    """
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklearn") and "sklearn" not in intersphinx_mapping:
        lines[:] = [_SKLEARN_ROLE.sub(r"\1", line) for line in lines]
    if what == "data" and isinstance(obj, (str, int, float)):
        lines[:] = ["Its value:", "", ".. code-block:: text", "", f"   {obj}", ""]


def setup(app):
    # Before numpydoc (priority 500) reads the lines.
    app.connect("autodoc-process-docstring", _plain_foreign_docstrings, priority=400)
