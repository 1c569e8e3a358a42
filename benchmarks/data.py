"""Datasets of the benchmark, with their ground truth, from :mod:`skdvae.datasets`.

Synthetic sets carry *true coordinates*: intrinsic coordinates in which
Euclidean distance is (close to) geodesic distance on the manifold, so the
Spearman correlation of pairwise distances measures how well an embedding
preserves the geometry. Periodic parameters enter through their cosine and
sine; the Swiss roll parameter ``t`` is replaced by the arc length of its
spiral; the sphere's true coordinates are its points on the unit sphere.
"""

from dataclasses import dataclass

import numpy as np

__all__ = [
    "DataUnavailable",
    "Dataset",
    "display_name",
    "load_dataset",
    "split",
    "true_coordinates",
]

_REAL = ("digits", "frey_faces", "fashion_mnist")
_NAMES = {
    "swiss_roll": "Swiss roll",
    "s_curve": "S-curve",
    "two_circles": "two circles",
    "gaussian_grid": "Gaussian grid",
    "frey_faces": "Frey faces",
    "fashion_mnist": "Fashion-MNIST",
}
#: What the colour of a dataset's points shows in the figures, and whether
#: it is a category (a legend) or a number (a colour bar).
_COLORS = {
    "swiss_roll": ("roll parameter t", False),
    "s_curve": ("curve parameter t", False),
    "loop": ("curve angle s", False),
    "circle": ("angle", False),
    "sphere": ("polar angle", False),
    "torus": ("tube angle", False),
    "two_circles": ("circle", True),
    "gaussian_grid": ("mode", True),
    "digits": ("digit", True),
    "frey_faces": ("frame number", False),
    "fashion_mnist": ("class", True),
}


def display_name(name):
    """Plain name of dataset ``name`` for the report, e.g. ``Swiss roll``."""
    return _NAMES.get(name, name)


class DataUnavailable(RuntimeError):
    """Optional real data are not installed; the message says where they come from."""


@dataclass
class Dataset:
    """Data and whatever ground truth exists.

    Attributes
    ----------
    name : str
        Dataset key (``swiss_roll``, ``digits``, ...).
    X : ndarray of shape (n_samples, n_features)
        The points.
    truth : ndarray or None
        True intrinsic coordinates (synthetic sets, where meaningful).
    color : ndarray of shape (n_samples,)
        A value to colour figures by (a parameter or the class label).
    labels : ndarray or None
        Class labels (real data).
    image_shape : tuple or None
        Shape of one image (real image data).
    """

    name: str
    X: np.ndarray
    truth: np.ndarray | None
    color: np.ndarray
    labels: np.ndarray | None = None
    image_shape: tuple | None = None

    @property
    def color_label(self):
        """What :attr:`color` shows, e.g. ``"roll parameter t"``."""
        return _COLORS.get(self.name, ("value", False))[0]

    @property
    def categorical(self):
        """True if :attr:`color` is a category (class, mode, circle)."""
        return _COLORS.get(self.name, ("value", False))[1]

    @property
    def synthetic(self):
        """True for the generated datasets with a known manifold."""
        return self.name not in _REAL

    def subset(self, index):
        """Return the rows ``index`` as a new :class:`Dataset`."""

        def take(a):
            return None if a is None else a[index]

        return Dataset(
            self.name,
            self.X[index],
            take(self.truth),
            self.color[index],
            take(self.labels),
            self.image_shape,
        )


def _swiss_roll_arc_length(t):
    """Arc length of the spiral ``(t cos t, t sin t)`` from 0 to ``t``."""
    return 0.5 * (t * np.sqrt(1.0 + t**2) + np.arcsinh(t))


def true_coordinates(name, X, params):
    """Intrinsic coordinates of a synthetic dataset (None if not meaningful).

    Parameters
    ----------
    name : str
        Synthetic dataset name.
    X : ndarray of shape (n_samples, n_features)
        The noise-free points.
    params : ndarray
        The parameters returned by the generator.

    Returns
    -------
    truth : ndarray of shape (n_samples, n_truth) or None
        Coordinates whose Euclidean distances track geodesic distances; None
        for the datasets made of separate pieces (two circles, Gaussian grid).
    """
    params = np.asarray(params, dtype=float)
    if name == "swiss_roll":
        return np.column_stack([_swiss_roll_arc_length(params[:, 0]), params[:, 1]])
    if name == "s_curve":  # unit-speed curve: t is already the arc length
        return params
    if name in ("loop", "circle"):
        return np.column_stack([np.cos(params), np.sin(params)])
    if name == "sphere":
        return X / np.linalg.norm(X, axis=1, keepdims=True)
    if name == "torus":
        from skdvae.datasets import TORUS_RADII

        big, small = TORUS_RADII
        tube, ring = params[:, 0], params[:, 1]
        return np.column_stack(
            [
                small * np.cos(tube),
                small * np.sin(tube),
                big * np.cos(ring),
                big * np.sin(ring),
            ]
        )
    return None


def _synthetic(name, n_samples, random_state):
    from skdvae.datasets import make_dataset

    X, params = make_dataset(name, n_samples, random_state=random_state)
    params = np.asarray(params)
    color = params if params.ndim == 1 else params[:, 0]
    return Dataset(name, X, true_coordinates(name, X, params), color.astype(float))


def _real(name):
    from skdvae import datasets

    if name == "digits":
        X, y = datasets.load_digits()
        return Dataset(name, X, None, y.astype(float), y, (8, 8))
    try:
        if name == "frey_faces":
            X = datasets.load_frey_faces()
            return Dataset(
                name, X, None, np.arange(len(X), dtype=float), None, (28, 20)
            )
        X, y = datasets.load_fashion_mnist(kind="all", dtype=np.float32)
        return Dataset(name, X.astype(np.float64), None, y.astype(float), y, (28, 28))
    except FileNotFoundError as exc:
        raise DataUnavailable(str(exc)) from exc


def load_dataset(name, n_samples=None, random_state=0):
    """Load or generate dataset ``name``.

    Parameters
    ----------
    name : str
        Synthetic name, or ``digits``, ``frey_faces``, ``fashion_mnist``.
    n_samples : int or None, default=None
        Points to generate (synthetic) or a seeded subset size (real; None
        keeps all).
    random_state : int, default=0
        Seed of the generator or of the subset.

    Returns
    -------
    dataset : Dataset

    Raises
    ------
    DataUnavailable
        If optional real data are not installed.
    """
    if name not in _REAL:
        return _synthetic(name, n_samples, random_state)
    data = _real(name)
    if n_samples is not None and n_samples < len(data.X):
        rng = np.random.default_rng(random_state)
        data = data.subset(np.sort(rng.choice(len(data.X), n_samples, replace=False)))
    return data


def split(data, n_test, random_state=0):
    """Seeded split into training and held-out parts.

    Parameters
    ----------
    data : Dataset
        The dataset.
    n_test : int
        Held-out points.
    random_state : int, default=0
        Seed of the permutation.

    Returns
    -------
    train, test : Dataset
    """
    order = np.random.default_rng(random_state).permutation(len(data.X))
    return data.subset(np.sort(order[n_test:])), data.subset(np.sort(order[:n_test]))
