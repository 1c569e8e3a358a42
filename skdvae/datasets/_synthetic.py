"""Synthetic manifolds with ground truth: generators, registry, distances.

The generators ``make_<name>(n_samples, noise=0.0, random_state=None)`` return
``(X, params)``, with ``params`` the true intrinsic parameters of each sample.
:data:`SYNTHETIC` registers each one with its true Betti numbers and the
distance of any point to its noise-free manifold. Public names are
re-exported by :mod:`skdvae.datasets`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy.spatial import cKDTree
from sklearn.utils import check_array, check_random_state

__all__ = [
    "GRID_SPACING",
    "GRID_STD",
    "SYNTHETIC",
    "TORUS_RADII",
    "TWO_CIRCLES_CENTERS",
    "ManifoldDataset",
    "betti_numbers",
    "distance_to_manifold",
    "gaussian_grid_centers",
    "make_circle",
    "make_dataset",
    "make_gaussian_grid",
    "make_loop",
    "make_s_curve",
    "make_sphere",
    "make_swiss_roll",
    "make_torus",
    "make_two_circles",
]

#: Distance between neighbouring mode centres of :func:`make_gaussian_grid`.
GRID_SPACING = 2.0
#: Standard deviation of each Gaussian mode of :func:`make_gaussian_grid`.
GRID_STD = 0.05
#: Major and minor radii ``(R, r)`` of :func:`make_torus`.
TORUS_RADII = (2.0, 1.0)
#: Centres (on the x axis) and radius of the two circles of
#: :func:`make_two_circles`; the gap between the circles is 4.
TWO_CIRCLES_CENTERS = (-3.0, 3.0)

_SWISS_ROLL_T = (1.5 * np.pi, 4.5 * np.pi)
_SWISS_ROLL_HEIGHT = 21.0
_S_CURVE_T = (-1.5 * np.pi, 1.5 * np.pi)
_S_CURVE_HEIGHT = 2.0


# --------------------------------------------------------------------------
# Synthetic generators
# --------------------------------------------------------------------------
_GENERATOR_PARAMETERS = """Parameters
    ----------
    n_samples : int
        Number of points.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added to ``X``.
    random_state : int, RandomState instance or None, default=None
        Seed or generator, passed to :func:`sklearn.utils.check_random_state`."""


def _generator(func):
    """Insert the shared Parameters section (as ``scipy._lib.doccer`` does)."""
    func.__doc__ = func.__doc__.replace("%(parameters)s", _GENERATOR_PARAMETERS)
    return func


def _start(n_samples, noise, random_state):
    """Validate the shared arguments; return them with the random generator."""
    if not isinstance(n_samples, Integral) or isinstance(n_samples, bool):
        raise TypeError(f"n_samples must be an int, got {type(n_samples).__name__}.")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}.")
    if not isinstance(noise, Real) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite float >= 0, got {noise!r}.")
    return int(n_samples), float(noise), check_random_state(random_state)


def _add_noise(X, noise, rng):
    return X + noise * rng.standard_normal(X.shape) if noise > 0 else X


def _loop_curve(s):
    return np.column_stack([np.cos(s), np.sin(2 * s), np.sin(3 * s)])


@_generator
def make_loop(n_samples, noise=0.0, random_state=None):
    """Sample the closed space curve ``(cos s, sin 2s, sin 3s)``, s uniform.

    The curve is a loop in R^3 without self-intersections (Betti numbers
    (1, 1)); its density is uniform in ``s``, not in arc length.

    %(parameters)s

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        The points.
    s : ndarray of shape (n_samples,)
        The true angle of each point, in ``[0, 2 pi)``.
    """
    n_samples, noise, rng = _start(n_samples, noise, random_state)
    s = rng.uniform(0.0, 2 * np.pi, n_samples)
    return _add_noise(_loop_curve(s), noise, rng), s


@_generator
def make_circle(n_samples, noise=0.0, random_state=None):
    """Sample the unit circle in R^2 uniformly.

    %(parameters)s

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points ``(cos s, sin s)``.
    s : ndarray of shape (n_samples,)
        The true angle of each point, in ``[0, 2 pi)``.
    """
    n_samples, noise, rng = _start(n_samples, noise, random_state)
    s = rng.uniform(0.0, 2 * np.pi, n_samples)
    return _add_noise(np.column_stack([np.cos(s), np.sin(s)]), noise, rng), s


@_generator
def make_sphere(n_samples, noise=0.0, random_state=None):
    """Sample the unit sphere S^2 in R^3 uniformly.

    %(parameters)s

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        The points ``(sin theta cos phi, sin theta sin phi, cos theta)``.
    params : ndarray of shape (n_samples, 2)
        Polar angle ``theta`` in ``[0, pi]`` and azimuth ``phi`` in
        ``[0, 2 pi)``.
    """
    n_samples, noise, rng = _start(n_samples, noise, random_state)
    # Uniform on the sphere: cos(theta) is uniform on [-1, 1] (Archimedes).
    theta = np.arccos(rng.uniform(-1.0, 1.0, n_samples))
    phi = rng.uniform(0.0, 2 * np.pi, n_samples)
    sin = np.sin(theta)
    X = np.column_stack([sin * np.cos(phi), sin * np.sin(phi), np.cos(theta)])
    return _add_noise(X, noise, rng), np.column_stack([theta, phi])


@_generator
def make_torus(n_samples, noise=0.0, random_state=None):
    """Sample the torus with radii ``R = 2``, ``r = 1`` uniformly in area.

    The area element is ``r (R + r cos theta) dtheta dphi``: ``phi`` is
    uniform and ``theta`` is drawn by rejection, accepted with probability
    ``(R + r cos theta) / (R + r)``.

    %(parameters)s

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        The points ``((R + r cos theta) cos phi, (R + r cos theta) sin phi,
        r sin theta)``.
    params : ndarray of shape (n_samples, 2)
        Tube angle ``theta`` and ring angle ``phi``, both in ``[0, 2 pi)``.
    """
    n_samples, noise, rng = _start(n_samples, noise, random_state)
    R, r = TORUS_RADII
    accepted, n_accepted = [], 0
    while n_accepted < n_samples:  # acceptance rate R / (R + r) = 2/3
        theta = rng.uniform(0.0, 2 * np.pi, 2 * n_samples)
        keep = rng.uniform(0.0, 1.0, 2 * n_samples) < (R + r * np.cos(theta)) / (R + r)
        accepted.append(theta[keep])
        n_accepted += int(keep.sum())
    theta = np.concatenate(accepted)[:n_samples]
    phi = rng.uniform(0.0, 2 * np.pi, n_samples)
    ring = R + r * np.cos(theta)
    X = np.column_stack([ring * np.cos(phi), ring * np.sin(phi), r * np.sin(theta)])
    return _add_noise(X, noise, rng), np.column_stack([theta, phi])


def _swiss_roll_curve(t):
    return np.column_stack([t * np.cos(t), t * np.sin(t)])


def _s_curve_curve(t):
    return np.column_stack([np.sin(t), np.sign(t) * (np.cos(t) - 1)])


def _rolled_sheet(curve, t_range, height, n_samples, noise, random_state):
    """Sample ``(curve(t)[0], h, curve(t)[1])``, t and h uniform."""
    n_samples, noise, rng = _start(n_samples, noise, random_state)
    t = rng.uniform(*t_range, n_samples)
    h = rng.uniform(0.0, height, n_samples)
    xz = curve(t)
    X = np.column_stack([xz[:, 0], h, xz[:, 1]])
    return _add_noise(X, noise, rng), np.column_stack([t, h])


@_generator
def make_swiss_roll(n_samples, noise=0.0, random_state=None):
    """Sample the Swiss roll of :func:`sklearn.datasets.make_swiss_roll`.

    The roll is ``(t cos t, h, t sin t)`` with ``t`` uniform on
    ``[1.5 pi, 4.5 pi]`` and the height ``h`` uniform on ``[0, 21]``.

    %(parameters)s

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        The points.
    params : ndarray of shape (n_samples, 2)
        The roll parameter ``t`` and the height ``h``.
    """
    args = (_SWISS_ROLL_T, _SWISS_ROLL_HEIGHT, n_samples, noise, random_state)
    return _rolled_sheet(_swiss_roll_curve, *args)


@_generator
def make_s_curve(n_samples, noise=0.0, random_state=None):
    """Sample the S-curve of :func:`sklearn.datasets.make_s_curve`.

    The surface is ``(sin t, h, sign(t) (cos t - 1))`` with ``t`` uniform on
    ``[-1.5 pi, 1.5 pi]`` and the height ``h`` uniform on ``[0, 2]``.

    %(parameters)s

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        The points.
    params : ndarray of shape (n_samples, 2)
        The curve parameter ``t`` (an arc length) and the height ``h``.
    """
    args = (_S_CURVE_T, _S_CURVE_HEIGHT, n_samples, noise, random_state)
    return _rolled_sheet(_s_curve_curve, *args)


@_generator
def make_two_circles(n_samples, noise=0.0, random_state=None):
    """Sample two unit circles in R^2 centred at ``(-3, 0)`` and ``(3, 0)``.

    The circles are 4 apart at their closest points, so they stay clearly
    separated for noise up to about 0.5. The first ``n_samples // 2`` points
    (before shuffling) lie on the left circle.

    %(parameters)s

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points.
    labels : ndarray of shape (n_samples,)
        The component: 0 for the left circle, 1 for the right one. The angle
        of a noise-free point is ``arctan2(X[:, 1], X[:, 0] - centre)``.

    Examples
    --------
    >>> from skdvae.datasets import make_two_circles
    >>> X, labels = make_two_circles(6, random_state=0)
    >>> labels.tolist()
    [1, 0, 0, 1, 0, 1]
    """
    n_samples, noise, rng = _start(n_samples, noise, random_state)
    labels = rng.permutation(np.arange(n_samples) >= n_samples // 2).astype(np.int64)
    s = rng.uniform(0.0, 2 * np.pi, n_samples)
    X = np.column_stack([np.cos(s) + np.take(TWO_CIRCLES_CENTERS, labels), np.sin(s)])
    return _add_noise(X, noise, rng), labels


def gaussian_grid_centers(spacing=GRID_SPACING):
    """Return the 25 mode centres of :func:`make_gaussian_grid`.

    Parameters
    ----------
    spacing : float, default=GRID_SPACING
        Distance between neighbouring centres.

    Returns
    -------
    centers : ndarray of shape (25, 2)
        Centre ``5 * i + j`` is ``spacing * (i - 2, j - 2)``.

    Examples
    --------
    >>> from skdvae.datasets import gaussian_grid_centers
    >>> gaussian_grid_centers()[[0, 7, 24]]
    array([[-4., -4.],
           [-2.,  0.],
           [ 4.,  4.]])
    """
    ticks = spacing * (np.arange(5) - 2.0)
    return np.stack(np.meshgrid(ticks, ticks, indexing="ij"), axis=-1).reshape(-1, 2)


@_generator
def make_gaussian_grid(n_samples, noise=0.0, random_state=None):
    """Sample a 5 x 5 grid of isotropic Gaussians in R^2, modes equally likely.

    The centres are ``GRID_SPACING * (i - 2, j - 2)``, ``i, j = 0..4``
    (spacing 2, spanning ``[-4, 4]^2``) and each mode has standard deviation
    ``GRID_STD = 0.05`` per coordinate, as in the VEEGAN benchmark
    (Srivastava et al., 2017): neighbouring modes are 40 std apart. ``noise``
    adds to the modes' own spread.

    %(parameters)s

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points.
    modes : ndarray of shape (n_samples,)
        The mode of each point (a row of :func:`gaussian_grid_centers`).
    """
    n_samples, noise, rng = _start(n_samples, noise, random_state)
    modes = rng.randint(0, 25, n_samples).astype(np.int64)
    X = gaussian_grid_centers()[modes] + GRID_STD * rng.standard_normal((n_samples, 2))
    return _add_noise(X, noise, rng), modes


# --------------------------------------------------------------------------
# Distances to the true manifolds
# --------------------------------------------------------------------------
def _golden_section(fun, lo, hi, n_iter=60):
    """Minimise ``fun`` on each interval ``[lo, hi]`` (vectorised)."""
    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    a, b = lo.copy(), hi.copy()
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = fun(c), fun(d)
    for _ in range(n_iter):
        # Keep [a, d] when f(c) < f(d), else [c, b]; one new evaluation each.
        left = fc < fd
        a, b = np.where(left, a, c), np.where(left, d, b)
        c, d = (
            np.where(left, b - ratio * (b - a), d),
            np.where(left, c, a + ratio * (b - a)),
        )
        f_new = fun(np.where(left, c, d))
        fc, fd = np.where(left, f_new, fd), np.where(left, fc, f_new)
    return np.minimum(fc, fd)


def _distance_to_curve(P, curve, t_range, periodic, n_grid=4096, n_candidates=4):
    """Distance from each row of ``P`` to the parametrised curve ``curve``.

    The ``n_candidates`` nearest points of a dense parameter grid are each
    refined by golden-section search over the two neighbouring grid cells;
    the smallest squared distance wins. The refinement is exact to machine
    precision whenever the nearest point lies in a refined cell.
    """
    lo, hi = t_range
    t_grid = np.linspace(lo, hi, n_grid, endpoint=not periodic)
    step = (hi - lo) / (n_grid if periodic else n_grid - 1)
    _, idx = cKDTree(curve(t_grid)).query(P, k=n_candidates)
    t0 = t_grid[idx].ravel()
    a, b = t0 - step, t0 + step
    if not periodic:
        a, b = np.maximum(a, lo), np.minimum(b, hi)
    P_rep = np.repeat(P, n_candidates, axis=0)

    def sq_dist(t):
        return ((P_rep - curve(t)) ** 2).sum(axis=1)

    best = _golden_section(sq_dist, a, b).reshape(-1, n_candidates).min(axis=1)
    return np.sqrt(best)


def _distance_to_interval(y, lo, hi):
    return np.maximum(np.maximum(lo - y, y - hi), 0.0)


def _dist_loop(X):
    return _distance_to_curve(X, _loop_curve, (0.0, 2 * np.pi), periodic=True)


def _dist_unit_sphere(X):  # circle in R^2, sphere in R^3
    return np.abs(np.linalg.norm(X, axis=1) - 1.0)


def _dist_torus(X):
    R, r = TORUS_RADII
    ring = np.hypot(X[:, 0], X[:, 1])
    return np.abs(np.hypot(ring - R, X[:, 2]) - r)


def _dist_rolled_sheet(X, curve, t_range, height):
    # The surface is (curve in the xz plane) x (interval in y): the squared
    # distance to a product set is the sum of the squared distances.
    d_curve = _distance_to_curve(X[:, [0, 2]], curve, t_range, periodic=False)
    return np.hypot(d_curve, _distance_to_interval(X[:, 1], 0.0, height))


def _dist_swiss_roll(X):
    return _dist_rolled_sheet(X, _swiss_roll_curve, _SWISS_ROLL_T, _SWISS_ROLL_HEIGHT)


def _dist_s_curve(X):
    return _dist_rolled_sheet(X, _s_curve_curve, _S_CURVE_T, _S_CURVE_HEIGHT)


def _dist_two_circles(X):
    return np.minimum(*(_dist_unit_sphere(X - [c, 0]) for c in TWO_CIRCLES_CENTERS))


def _dist_gaussian_grid(X):
    return cKDTree(gaussian_grid_centers()).query(X)[0]


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ManifoldDataset:
    """A synthetic dataset with its ground truth.

    Parameters
    ----------
    name : str
        Registry key.
    generate : callable
        ``generate(n_samples, noise=0.0, random_state=None) -> (X, params)``.
    betti : tuple of int
        True Betti numbers ``(b0, b1, ...)`` of the noise-free manifold.
    distance : callable
        ``distance(X) -> ndarray of shape (n_samples,)``, the Euclidean
        distance of each row of ``X`` to the noise-free manifold.
    n_features : int
        Dimension of the ambient space.
    intrinsic_dim : int
        Dimension of the manifold (0 for the Gaussian grid's mode centres).
    """

    name: str
    generate: Callable
    betti: tuple
    distance: Callable
    n_features: int
    intrinsic_dim: int


SYNTHETIC = {
    name: ManifoldDataset(name, *spec)
    for name, spec in {
        "loop": (make_loop, (1, 1), _dist_loop, 3, 1),
        "circle": (make_circle, (1, 1), _dist_unit_sphere, 2, 1),
        "sphere": (make_sphere, (1, 0, 1), _dist_unit_sphere, 3, 2),
        "torus": (make_torus, (1, 2, 1), _dist_torus, 3, 2),
        "swiss_roll": (make_swiss_roll, (1, 0), _dist_swiss_roll, 3, 2),
        "s_curve": (make_s_curve, (1, 0), _dist_s_curve, 3, 2),
        "two_circles": (make_two_circles, (2, 2), _dist_two_circles, 2, 1),
        "gaussian_grid": (make_gaussian_grid, (25, 0), _dist_gaussian_grid, 2, 0),
    }.items()
}
"""Registry of the synthetic datasets, keyed by name."""


def _get_dataset(name):
    try:
        return SYNTHETIC[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown dataset {name!r}; expected one of {sorted(SYNTHETIC)}."
        ) from None


def make_dataset(name, n_samples, noise=0.0, random_state=None):
    """Generate the registered synthetic dataset ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`SYNTHETIC`.
    n_samples, noise, random_state
        As for the generators, e.g. :func:`make_torus`.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The points.
    params : ndarray
        The true intrinsic parameters (see the generator's documentation).
    """
    return _get_dataset(name).generate(n_samples, noise, random_state)


def betti_numbers(name):
    """Return the true Betti numbers of the synthetic dataset ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`SYNTHETIC`.

    Returns
    -------
    betti : tuple of int
        ``(b0, b1, ...)``; higher Betti numbers are zero.
    """
    return _get_dataset(name).betti


def distance_to_manifold(name, X):
    """Euclidean distance of each point of ``X`` to the true manifold ``name``.

    Distances are analytic for the circle, sphere, torus, two circles and the
    Gaussian grid (distance to the nearest mode centre). For the loop, Swiss
    roll and S-curve the nearest point on the generating curve is found on a
    grid of 4096 parameter values and refined by golden-section search, which
    is accurate to far better than 1e-6 relative; the Swiss roll and S-curve
    are bounded sheets, so points beyond their edges are measured to the edge.

    Parameters
    ----------
    name : str
        A key of :data:`SYNTHETIC`.
    X : array-like of shape (n_samples, n_features)
        Points in the ambient space of the dataset.

    Returns
    -------
    distances : ndarray of shape (n_samples,)
        Non-negative distances.

    Examples
    --------
    >>> import numpy as np
    >>> from skdvae.datasets import distance_to_manifold
    >>> distance_to_manifold("sphere", np.array([[0.0, 0.0, 2.0], [0.5, 0, 0]]))
    array([1. , 0.5])
    """
    dataset = _get_dataset(name)
    X = check_array(X, dtype=np.float64)
    if X.shape[1] != dataset.n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but the {name!r} dataset lives in "
            f"R^{dataset.n_features}."
        )
    return dataset.distance(X)
