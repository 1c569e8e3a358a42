"""Input checks and the resolution of DiffusionMap's "auto" choices."""

from scipy import sparse

__all__ = ["check_sizes", "resolve_backend", "resolve_block_solver", "resolve_solver"]

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


def check_sizes(X, precomputed, neighbors, n_landmarks, n_neighbors, n_eig):
    """Raise a ValueError, worded as scikit-learn does, for impossible settings.

    Parameters
    ----------
    X : ndarray or sparse matrix
        Validated training input.
    precomputed : bool
        Whether ``X`` holds distances.
    neighbors : str or estimator
        The ``neighbors`` parameter.
    n_landmarks : int or None
        Number of landmarks.
    n_neighbors : int
        Neighbours per point.
    n_eig : int
        Eigenpairs to compute, the trivial one included.
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
    n_samples = X.shape[0]
    if n_landmarks is not None and n_landmarks > n_samples:
        raise ValueError(
            f"n_landmarks={n_landmarks} must be at most n_samples={n_samples}."
        )
    n_fit = n_samples if n_landmarks is None else n_landmarks
    if n_neighbors > n_fit:
        raise ValueError(
            "Expected n_neighbors <= n_samples_fit, but n_neighbors = "
            f"{n_neighbors}, n_samples_fit = {n_fit}, n_samples = {n_samples}"
        )
    if n_eig >= n_fit:
        raise ValueError(
            f"{n_eig - 1} non-trivial eigenvectors are needed (n_components plus "
            f"candidates) but only {n_fit} points are fitted; the spectrum has "
            "n_samples - 1 non-trivial eigenvectors."
        )


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
