"""Order of the examples in the gallery: from first steps to the generative side."""

ORDER = (
    "plot_swiss_roll.py",
    "plot_out_of_sample.py",
    "plot_disconnected.py",
    "plot_grid_search.py",
    "plot_loop_sampling.py",
    "plot_uncertainty_scores.py",
    "plot_frey_walks.py",
    "plot_save_load.py",
)


class GalleryOrder:
    """Sort key of sphinx-gallery: the files in ``ORDER`` first, then the rest.

    Parameters
    ----------
    src_dir : str
        The gallery's source folder (required by sphinx-gallery, unused).
    """

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        """Return the key of ``filename``: its place in ``ORDER``, then its name."""
        position = ORDER.index(filename) if filename in ORDER else len(ORDER)
        return position, filename

    def __repr__(self):
        return f"{type(self).__name__}()"
