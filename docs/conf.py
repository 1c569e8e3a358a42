"""Sphinx configuration of the skdvae documentation.

Build from the repository root with::

    pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import re
import sys
from pathlib import Path

from threadpoolctl import threadpool_limits

import skdvae

# The gallery's sort key lives beside this file.
sys.path.insert(0, str(Path(__file__).parent))

project = "skdvae"
author = "skdvae developers"
copyright = "skdvae developers, BSD 3-Clause"  # noqa: A001
version = release = skdvae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    # sphinx-gallery's per-example zip and timing pages are built from
    # auto_examples/; the top-level timing page is not part of the toctree.
    "sg_execution_times.rst",
]

# -- API reference ----------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
# numpydoc lists the methods through the autosummary class template instead.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True


def _escape_shape_names(app, what, name, obj, options, lines):
    """Escape trailing underscores of names in shapes: ``(n, n_components_)``.

    In reStructuredText ``n_components_`` is a hyperlink reference; in a
    docstring's shape it means the fitted attribute, so it is shown literally.
    """
    for i, line in enumerate(lines):
        head, shape, tail = line.partition("shape (")
        if shape:
            lines[i] = head + shape + _SHAPE_NAME.sub(r"\1\\_", tail)


def _unlink_sklearn_refs(app, what, name, obj, options, lines):
    """Show the labels of scikit-learn's own guide, cited by inherited methods.

    ``set_output`` and ``get_metadata_routing`` come from scikit-learn, whose
    docstrings link to pages of scikit-learn's site that this site lacks.
    """
    if getattr(obj, "__module__", "").startswith("sklearn."):
        for i, line in enumerate(lines):
            lines[i] = _SKLEARN_REF.sub(r"\1", line)


_SHAPE_NAME = re.compile(r"\b([A-Za-z]\w*[A-Za-z0-9])_(?=[,)\s])")
_SKLEARN_REF = re.compile(r":ref:`([^`<]+?)\s*(?:<[^`>]+>)?`")


def setup(app):
    """Connect the docstring fixes before numpydoc parses the docstrings."""
    app.connect("autodoc-process-docstring", _escape_shape_names, priority=100)
    app.connect("autodoc-process-docstring", _unlink_sklearn_refs, priority=100)


# -- Markdown (the design notes) ---------------------------------------------
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

# -- Gallery -----------------------------------------------------------------
# Each example must run in seconds on two cores: they all run in CI. The
# examples' data are small, so one BLAS/OpenMP thread loses little, while
# several threads on a busy two-core machine made the GridSearchCV example
# ten times slower (OpenMP threads waiting for each other).
threadpool_limits(1)
sphinx_gallery_conf = {
    "examples_dirs": str(Path(__file__).parent.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "_sorting.GalleryOrder",
    "doc_module": ("skdvae",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"skdvae": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "show_memory": False,
}

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skdvae {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "header_links_before_dropdown": 7,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path = []
html_show_sourcelink = False
