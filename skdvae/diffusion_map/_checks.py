"""Input checks and the resolution of DiffusionMap's "auto" choices."""

import warnings

from scipy import sparse

from skdvae.diffusion_map._landmarks import resolve_n_landmarks
from skdvae.exceptions import SmallDataWarning, _user_stacklevel

__all__ = [
    "check_distinct",
    "check_sizes",
    "n_eigenpairs",
    "resolve_backend",
    "resolve_block_solver",
    "resolve_n_neighbors",
    "resolve_solver",
]

# "auto" eigensolver: dense up to DENSE_MAX_SAMPLES fitted points, shift-invert
# ARPACK up to ARPACK_MAX_SAMPLES, AMG-preconditioned LOBPCG beyond (its cost
# grows about linearly, while the sparse LU of shift-invert fills in, badly so
# on high-dimensional data whose kNN graph is expander-like). Measured with
# `python -m benchmarks.bench_eigensolvers [--data fashion_mnist] <sizes>`
# (default settings: 11 eigenpairs), ARPACK / AMG fit seconds:
#   Swiss roll     10k 0.31 / 0.69, 20k 0.64 / 1.54, 100k 7.00 / 6.72
#   Fashion-MNIST  10k 2.64 / 2.15, 20k 12.0 / 7.28, 60k 102.8 / 6.69
#                  (peak memory at 60k: 4.0 GB / 1.4 GB)
# Above 10,000 points AMG costs at most 2.4x ARPACK on the roll (under a
# second more) and saves up to 15x on images, so it is the safer default.
DENSE_MAX_SAMPLES = 1000
ARPACK_MAX_SAMPLES = 10_000
# Exact neighbours for up to this many points, or up to this many features.
EXACT_MAX_SAMPLES = 20_000
EXACT_MAX_FEATURES = 20
# eigen_solver="dense" holds the n x n operator and its n x n eigenvectors in
# float64 (6.4 GB at 20,000 points, plus LAPACK's workspace); above this many
# fitted points it fails fast instead of exhausting memory.
DENSE_LIMIT = 20_000


def check_sizes(X, precomputed, neighbors, n_landmarks, n_components, eigen_solver):
    """Raise a ValueError, worded as scikit-learn does, for impossible settings.

    Also for data whose rows are all identical (:func:`check_distinct`).

    Parameters
    ----------
    X : ndarray or sparse matrix
        Validated training input.
    precomputed : bool
        Whether ``X`` holds distances.
    neighbors : str or estimator
        The ``neighbors`` parameter.
    n_landmarks : int, "auto" or None
        Number of landmarks (``"auto"``: :func:`resolve_n_landmarks`).
    n_components : int or "auto"
        Coordinates to compute (at least 1 for ``"auto"``).
    eigen_solver : str
        The ``eigen_solver`` parameter: ``"dense"`` is refused above
        ``DENSE_LIMIT`` fitted points, before any work is done.

    Returns
    -------
    n_fit : int
        Points the spectrum is computed on.
    """
    if precomputed:
        if X.shape[0] != X.shape[1]:
            raise ValueError(
                "With metric='precomputed' X must be a square distance "
                f"matrix; got shape {X.shape}."
            )
        if (X.data if sparse.issparse(X) else X).min() < 0:
            raise ValueError(
                "Negative values in data passed to precomputed distance matrix."
            )
        if not (isinstance(neighbors, str) and neighbors in ("auto", "exact")):
            raise ValueError(
                "metric='precomputed' reads neighbours from X; use neighbors='auto'."
            )
    else:
        check_distinct(X)
    n_samples = X.shape[0]
    n_landmarks = resolve_n_landmarks(n_landmarks, n_samples)
    if n_landmarks is not None and n_landmarks > n_samples:
        raise ValueError(
            f"n_landmarks={n_landmarks} must be at most n_samples={n_samples}."
        )
    n_fit = n_samples if n_landmarks is None else n_landmarks
    if eigen_solver == "dense" and n_fit > DENSE_LIMIT:
        gigabytes = 2 * 8 * n_fit**2 / 1e9
        raise ValueError(
            f"eigen_solver='dense' would hold two dense {n_fit} x {n_fit} "
            f"matrices ({gigabytes:.0f} GB); it is limited to {DENSE_LIMIT} "
            "fitted points. Use eigen_solver='auto' (sparse solvers) or "
            "n_landmarks."
        )
    # The trivial eigenvector, n_components more, and one spare: an iterative
    # solver needs fewer eigenpairs than rows.
    n_min = 3 if n_components == "auto" else n_components + 2
    if n_min > n_fit:
        raise ValueError(
            f"n_components={n_components!r} needs at least {n_min} fitted "
            f"samples, got {n_fit}; reduce n_components or pass more data."
        )
    return n_fit


def check_distinct(X):
    """Raise a ValueError if all rows of the data matrix ``X`` are identical.

    Their distances are all zero, so there is no kernel and no geometry (with
    ``epsilon="median"`` the bandwidth would be zero; with a fixed one every
    coordinate would be constant).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated training data.
    """
    spread = X.max(axis=0) - X.min(axis=0)
    if not (spread.toarray() if sparse.issparse(spread) else spread).any():
        raise ValueError(
            f"All {X.shape[0]} samples are identical; a diffusion map needs at "
            "least two distinct samples."
        )


def n_eigenpairs(component_selection, n_candidates, n_components, n_fit):
    """Eigenpairs to compute for ``n_components``, the trivial one included.

    Parameters
    ----------
    component_selection : {"llr", "first"}
        Coordinate selection.
    n_candidates : int or None
        Candidates examined by ``"llr"``; None means ``max(10, 2 *
        n_components)``, capped at what ``n_fit`` points allow.
    n_components : int
        Coordinates to select (``check_sizes`` ensures
        ``n_components + 2 <= n_fit``).
    n_fit : int
        Points the spectrum is computed on.

    Returns
    -------
    n_eig : int
    """
    if component_selection == "first":
        return n_components + 1
    if n_candidates is None:
        return min(max(10, 2 * n_components), n_fit - 2) + 1
    if n_candidates < n_components:
        raise ValueError(
            f"n_candidates={n_candidates} must be at least n_components={n_components}."
        )
    if n_candidates + 2 > n_fit:
        raise ValueError(
            f"n_candidates={n_candidates} needs at least {n_candidates + 2} "
            f"fitted samples, got {n_fit}."
        )
    return n_candidates + 1


def resolve_n_neighbors(n_neighbors, n_fit, name="n_neighbors"):
    """``n_neighbors``, or ``n_fit`` with a warning when the data hold fewer.

    Parameters
    ----------
    n_neighbors : int
        Requested neighbours per point, the point itself included.
    n_fit : int
        Points the neighbour graph is built on.
    name : str, default="n_neighbors"
        Parameter name for the warning.

    Returns
    -------
    n_neighbors_ : int
        ``min(n_neighbors, n_fit)``; with ``n_fit`` every pair of fitted points
        is a neighbour pair.
    """
    if n_neighbors <= n_fit:
        return n_neighbors
    warnings.warn(
        f"{name}={n_neighbors} is more than the {n_fit} fitted samples; "
        f"using {name}={n_fit} (every pair of samples are neighbours). Pass "
        f"{name} <= {n_fit} to silence this warning.",
        SmallDataWarning,
        stacklevel=_user_stacklevel(),
    )
    return n_fit


def resolve_backend(neighbors, precomputed, shape):
    """The neighbour back end to run, and the name recorded in ``neighbors_``."""
    if precomputed:
        return "precomputed", "precomputed"
    if not isinstance(neighbors, str):
        return neighbors, "estimator"
    if neighbors == "auto":
        n_samples, n_features = shape
        small = n_samples <= EXACT_MAX_SAMPLES or n_features <= EXACT_MAX_FEATURES
        neighbors = "exact" if small else "approximate"
    return neighbors, neighbors


def resolve_solver(eigen_solver, n_fit):
    """The eigensolver to run for ``n_fit`` points."""
    if eigen_solver != "auto":
        return eigen_solver
    if n_fit <= DENSE_MAX_SAMPLES:
        return "dense"
    return "arpack" if n_fit <= ARPACK_MAX_SAMPLES else "amg"


def resolve_block_solver(eigen_solver, n_block, n_eig):
    """The eigensolver for one component of ``n_block`` points.

    As :func:`resolve_solver`, except that a component with fewer than five
    points per wanted eigenpair, too small for an iterative solver, is solved
    densely.
    """
    if n_block < 5 * n_eig:
        return "dense"
    return resolve_solver(eigen_solver, n_block)
