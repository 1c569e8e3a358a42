"""Selection of non-redundant diffusion coordinates.

On an elongated manifold several leading eigenvectors are harmonics of the
same direction: on a Swiss roll the first ones all follow the roll. Dsilva et
al. (2018) detect such harmonics by local linear regression: an eigenvector
that is a smooth function of the coordinates already chosen adds no new
direction, so its normalised leave-one-out residual (its *novelty*) is small.

Finite samples add a second difficulty. When a new direction has nearly the
same eigenvalue as a harmonic or a product of modes (on a Swiss roll about four
times as long as it is wide, the first height mode lies between the 4th roll
harmonic and the product of the height mode with the 1st), the computed
eigenvectors are mixtures and no single one is a clean coordinate. So instead
of picking one eigenvector, each new coordinate is the unit combination ``c`` of
the remaining candidates that maximises novelty per unit of roughness,

``max_c  ||(I - H) Psi c||^2 / sum_j c_j^2 (1 - lambda_j)``,

with ``H`` the leave-one-out local-linear smoother on the chosen coordinates: a
small generalised symmetric eigenproblem. Harmonics have no novelty; products
and high frequencies are rougher; the smoothest new direction wins, and mixed
eigenvectors are unmixed.
"""

import numpy as np
from scipy import linalg

__all__ = ["choose_coordinates", "select_components"]

# The local-linear regressions are O(n^2): they run on a subsample this large.
SELECTION_MAX_SAMPLES = 1000
# ... and need points around each point. On fewer, the choice is decided by
# rounding (the hypothesis tests found an 8-point piece whose coordinates
# changed when the data were multiplied by 3), so such sets keep the leading
# eigenvectors.
LLR_MIN_SAMPLES = 25

# Eigenvalues below this are zero to rounding (a block of exact duplicates has
# a rank-one kernel: every non-trivial eigenvalue is 0, returned as about
# 1e-17). Their eigenvectors are an arbitrary basis of a null space, carry no
# geometry and cannot be Nystrom-extended (the extension divides by the
# eigenvalue), so they are never chosen as coordinates.
NULL_EIGENVALUE = 1e-9


def _llr_smoother(features):
    """Leave-one-out local-linear-regression smoother matrix ``H``.

    ``(H y)_i`` is the Gaussian-weighted linear fit of ``y`` on ``features``
    around point ``i``, leaving ``i`` out, evaluated at ``i``. The bandwidth is
    the median pairwise distance over 3, as in Dsilva et al.
    """
    n, p = features.shape[0], features.shape[1] + 1
    sq = np.sum((features[:, None, :] - features[None, :, :]) ** 2, axis=-1)
    bandwidth_sq = max(np.median(sq) / 9.0, np.finfo(np.float64).tiny)
    with np.errstate(over="ignore"):  # a vanishing bandwidth gives weights 0
        weights = np.exp(-sq / bandwidth_sq)
    np.fill_diagonal(weights, 0.0)
    design = np.hstack([np.ones((n, 1)), features])
    outer = (design[:, :, None] * design[:, None, :]).reshape(n, p * p)
    gram = (weights @ outer).reshape(n, p, p) + 1e-10 * np.eye(p)
    # Row i of H is w_ij * (G_i^-1 a_i) . a_j.
    solved = np.linalg.solve(gram, design[..., None])[..., 0]
    return weights * (solved @ design.T)


def select_components(psi, eigenvalues, n_components, max_samples, random_state):
    """Mixing matrix of the ``n_components`` least redundant directions.

    Parameters
    ----------
    psi : ndarray of shape (n_samples, n_candidates)
        Candidate eigenvectors ordered by decreasing eigenvalue.
    eigenvalues : ndarray of shape (n_candidates,)
        Their eigenvalues (below 1).
    n_components : int
        Number of coordinates to keep.
    max_samples : int
        The regressions are ``O(n^2)``; at most this many rows, drawn with
        ``random_state``, are used.
    random_state : numpy.random.RandomState
        Draws the subsample.

    Returns
    -------
    mixing : ndarray of shape (n_candidates, n_components)
        Unit columns; coordinate ``j`` is ``psi @ mixing[:, j]``. Column 0 is
        the first eigenvector.
    novelty : ndarray of shape (n_components,)
        Normalised leave-one-out residual of each coordinate given the ones
        before it (1 for the first).

    References
    ----------
    C. J. Dsilva, R. Talmon, R. R. Coifman and I. G. Kevrekidis, "Parsimonious
    representation of nonlinear dynamical systems through manifold learning: a
    chemotaxis case study", Appl. Comput. Harmon. Anal. 44 (2018) 759-773.
    """
    if psi.shape[0] > max_samples:
        rows = np.sort(random_state.choice(psi.shape[0], max_samples, replace=False))
        psi = psi[rows]
    # Floor the roughness: on a disconnected graph several eigenvalues are 1.
    generator = 1.0 - eigenvalues
    roughness = np.diag(np.maximum(generator, 1e-12 * max(generator.max(), 1e-12)))
    pool = np.eye(psi.shape[1])
    mixing, novelty = [pool[:, 0]], [1.0]
    pool = pool[:, 1:]
    for _ in range(1, n_components):
        H = _llr_smoother(psi @ np.column_stack(mixing))
        block = psi @ pool
        unexplained = block - H @ block
        gain = unexplained.T @ unexplained
        values, vectors = linalg.eigh(gain, pool.T @ roughness @ pool)
        c = vectors[:, np.argmax(values)]
        c /= np.linalg.norm(c)
        mixing.append(pool @ c)
        novelty.append(np.linalg.norm(unexplained @ c) / np.linalg.norm(block @ c))
        # The rest of the pool: its orthogonal complement of c.
        pool = pool @ linalg.null_space(c[None, :])
    return np.column_stack(mixing), np.asarray(novelty)


def choose_coordinates(psi, eigenvalues, n_components, selection, random_state):
    """Mixing matrix of the diffusion coordinates to keep.

    Only eigenvectors with positive eigenvalues are candidates: ``lambda ** t``
    must be defined for every ``t >= 0`` and the Nystrom extension divides by
    ``lambda``.

    Parameters
    ----------
    psi : ndarray of shape (n_samples, n_candidates)
        Non-trivial eigenvectors, by decreasing eigenvalue.
    eigenvalues : ndarray of shape (n_candidates,)
        Their eigenvalues.
    n_components : int
        Number of coordinates.
    selection : {"llr", "first"}
        Least redundant directions (:func:`select_components`) or the leading
        eigenvectors; below ``LLR_MIN_SAMPLES`` points always the leading
        ones.
    random_state : numpy.random.RandomState
        Draws the subsample of :func:`select_components`.

    Returns
    -------
    mixing : ndarray of shape (n_candidates, n_components)
        Unit columns, zero on the rows of eigenvalues at or below
        ``NULL_EIGENVALUE`` (zero to rounding, or negative).
    novelty : ndarray of shape (n_components,) or None
        See :func:`select_components`; None for the leading eigenvectors.
    """
    positive = np.flatnonzero(eigenvalues > NULL_EIGENVALUE)
    if positive.size < n_components:
        raise ValueError(
            f"Only {positive.size} non-trivial eigenvalues exceed {NULL_EIGENVALUE:g} "
            f"({eigenvalues}), fewer than n_components={n_components}; the "
            "kernel is too narrow. Increase epsilon or reduce n_components."
        )
    mixing = np.zeros((len(eigenvalues), n_components))
    if selection == "first" or psi.shape[0] < LLR_MIN_SAMPLES:
        mixing[positive[:n_components], np.arange(n_components)] = 1.0
        return mixing, None
    mixing[positive], novelty = select_components(
        psi[:, positive],
        eigenvalues[positive],
        n_components,
        SELECTION_MAX_SAMPLES,
        random_state,
    )
    return mixing, novelty
