"""The order of the example gallery (sphinx-gallery's ``within_subsection_order``).

A script missing from ``ORDER`` comes after the listed ones, by file name: a
new example appears without touching this file, and is placed by one line here.
"""

ORDER = [
    "plot_quickstart.py",
    "plot_training_curves.py",
    "plot_grid_search.py",
    "plot_few_labels.py",
    "plot_embedding_modes.py",
    "plot_persistence.py",
    "plot_explain.py",
    "distributed_search.py",
]


class GalleryOrder:
    """Sort key: the position in ``ORDER``, then the file name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = str(filename).rsplit("/", 1)[-1]
        rank = ORDER.index(name) if name in ORDER else len(ORDER)
        return (rank, name)
