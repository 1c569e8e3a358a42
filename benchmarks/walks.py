"""Walk stability: whether long ``DiffusionVAE`` walks stay on the data (issue 9).

On the loop and the torus (generative section) and on Frey faces (real
section), ``n_walkers`` walkers start from held-out points and take
``n_steps`` steps of ``DiffusionVAE.walk`` (Metropolis-Hastings in latent
space), in the child process that fitted the model (the ``long_walk`` step of
:mod:`benchmarks.measure`). Scores of the trajectories:

- ``walk_distance_1``, ``walk_distance_T``: mean distance to the data after
  one step and after the last one (synthetic sets: to the true manifold,
  :func:`skdvae.datasets.distance_to_manifold`; images: to the nearest
  training image), and ``walk_distance_ratio``, the second over the first
  (target: at most 2 after 100 steps). A non-finite point counts as
  infinitely far.
- ``walk_outside``: fraction of visited points (steps 1 to T, all walkers)
  with a feature outside the training data's per-feature range widened by
  :data:`RANGE_MARGIN` of its span on each side (target 0: the walk never
  leaves the data). ``walk_outside_strict`` uses the range itself, which a
  sample a hair off a curve at its extreme already leaves. The same two
  fractions of the start points (held-out data), ``walk_outside_start`` and
  ``walk_outside_strict_start``, show what real data score.
- ``walk_acceptance``: fraction of accepted proposals.
- ``walk_bins`` (loop only): how many of :data:`N_BINS` equal bins of the
  curve parameter the pooled visited points reach, each point taking the
  true parameter of its nearest training point (target: all 20, the walk
  mixes).
"""

import numpy as np

__all__ = [
    "N_BINS",
    "RANGE_MARGIN",
    "WALK_KEYS",
    "add_walk_scores",
    "bins_visited",
    "nearest_distance",
    "outside_range",
    "walk_config",
    "walk_scores",
]

#: Widening of the data's per-feature range, as a fraction of its span.
RANGE_MARGIN = 0.1
#: Equal bins of the loop's curve parameter that a mixing walk must visit.
N_BINS = 20
#: The numbers of a walk-stability measurement (averaged over seeds).
WALK_KEYS = (
    "walk_distance_1",
    "walk_distance_T",
    "walk_distance_ratio",
    "walk_outside",
    "walk_outside_strict",
    "walk_outside_start",
    "walk_outside_strict_start",
    "walk_acceptance",
    "walk_bins",
    "walk_n_steps",
    "walk_n_walkers",
)


def walk_config(profile, dataset):
    """The profile's walk-stability settings if it walks on ``dataset``, else None.

    Returns
    -------
    config : dict or None
        ``n_walkers`` and ``n_steps``.
    """
    cfg = getattr(profile, "walks", None) or {}
    return cfg if dataset in cfg.get("datasets", ()) else None


def nearest_distance(X, reference):
    """Euclidean distance of each row of ``X`` to its nearest row of ``reference``."""
    from sklearn.metrics import pairwise_distances_argmin_min

    return pairwise_distances_argmin_min(X, reference)[1]


def _distances(distance, X):
    """``distance(X)`` on the finite rows; infinity for the others."""
    out = np.full(len(X), np.inf)
    ok = np.isfinite(X).all(axis=1)
    if ok.any():
        out[ok] = distance(X[ok])
    return out


def outside_range(points, low, high, margin=0.0):
    """Fraction of ``points`` with a feature outside ``[low, high]``.

    Parameters
    ----------
    points : ndarray of shape (n_points, n_features)
        Visited points (non-finite rows count as outside).
    low, high : ndarray of shape (n_features,)
        Per-feature range of the data.
    margin : float, default=0.0
        Widening of the range on each side, as a fraction of its span.

    Returns
    -------
    fraction : float
    """
    span = high - low
    lo, hi = low - margin * span, high + margin * span
    with np.errstate(invalid="ignore"):
        bad = (points < lo).any(axis=1) | (points > hi).any(axis=1)
    bad |= ~np.isfinite(points).all(axis=1)
    return float(bad.mean()) if len(points) else 0.0


def bins_visited(points, X_train, params, n_bins=N_BINS, period=2 * np.pi):
    """Bins of a periodic curve parameter reached by ``points``.

    Each finite point takes the parameter of its nearest training point.

    Parameters
    ----------
    points : ndarray of shape (n_points, n_features)
        Visited points.
    X_train : ndarray of shape (n_train, n_features)
        Training points.
    params : ndarray of shape (n_train,)
        Their true curve parameter, in ``[0, period)``.
    n_bins : int, default=N_BINS
        Equal bins of ``[0, period)``.
    period : float, default=2 pi
        Period of the parameter.

    Returns
    -------
    n_visited : int
    """
    from scipy.spatial import cKDTree

    points = points[np.isfinite(points).all(axis=1)]
    if not len(points):
        return 0
    nearest = cKDTree(X_train).query(points)[1]
    bins = np.floor(np.asarray(params)[nearest] / period * n_bins).astype(int)
    return int(np.unique(np.clip(bins, 0, n_bins - 1)).size)


def walk_scores(paths, distance, X_train, acceptance=None, params=None):
    """Walk-stability scores of trajectories (see the module docstring).

    Parameters
    ----------
    paths : ndarray of shape (n_walkers, n_steps + 1, n_features)
        Trajectories; column 0 holds the start points.
    distance : callable
        ``distance(X) -> ndarray of shape (n,)``, distance to the data.
    X_train : ndarray of shape (n_train, n_features)
        Training data (its range, and the nearest points for ``params``).
    acceptance : float or None, default=None
        Acceptance rate reported by the walk.
    params : ndarray of shape (n_train,) or None, default=None
        True periodic curve parameter of the training points (the loop):
        adds ``walk_bins``.

    Returns
    -------
    scores : dict
        The :data:`WALK_KEYS` that apply (empty if there is no step).
    """
    paths = np.asarray(paths, dtype=np.float64)
    n_walkers, n_frames, n_features = paths.shape
    if n_frames < 2:
        return {}
    first = float(_distances(distance, paths[:, 1]).mean())
    last = float(_distances(distance, paths[:, -1]).mean())
    if not np.isfinite(last):
        ratio = float("inf")
    else:
        ratio = last / first if first > 0 else None
    visited = paths[:, 1:].reshape(-1, n_features)
    low, high = X_train.min(axis=0), X_train.max(axis=0)
    scores = {
        "walk_n_walkers": int(n_walkers),
        "walk_n_steps": int(n_frames - 1),
        "walk_distance_1": first,
        "walk_distance_T": last,
        "walk_distance_ratio": ratio,
        "walk_outside": outside_range(visited, low, high, RANGE_MARGIN),
        "walk_outside_strict": outside_range(visited, low, high),
        "walk_outside_start": outside_range(paths[:, 0], low, high, RANGE_MARGIN),
        "walk_outside_strict_start": outside_range(paths[:, 0], low, high),
        "walk_acceptance": acceptance,
    }
    if params is not None:
        scores["walk_bins"] = bins_visited(visited, X_train, params)
    return scores


def add_walk_scores(row, result, distance, X_train, params=None):
    """Add the walk-stability scores of ``result`` (a measurement) to ``row``.

    Nothing is added when the measurement holds no ``long_walks``; a failing
    score is recorded as ``walk_error`` instead of stopping the section.
    """
    paths = result.arrays.get("long_walks")
    if paths is None:
        return row
    acceptance = result.info.get("walk_acceptance")
    try:
        row.update(walk_scores(paths, distance, X_train, acceptance, params))
    except Exception as exc:  # a failing metric must not stop the section
        row["walk_error"] = f"{type(exc).__name__}: {exc}"
    return row
