"""Seeded, deterministic eigensolvers for the diffusion operator.

All solvers return the ``n_eig`` largest eigenpairs of the symmetric conjugate
``S`` of the Markov matrix (:mod:`skdvae.diffusion_map._graph`), in descending
order, with a fixed sign convention (the entry of largest magnitude of each
eigenvector is positive). Random start vectors come from the given
``RandomState`` so a fixed ``random_state`` gives the same spectrum on every
run.
"""

import warnings

import numpy as np
from scipy import linalg, sparse
from scipy.sparse.linalg import ArpackNoConvergence, eigsh, lobpcg
from sklearn.exceptions import ConvergenceWarning

__all__ = ["SOLVERS", "nystrom", "sign_flip", "solve_auto", "top_eigenpairs"]

SOLVERS = ("dense", "arpack", "lobpcg", "amg")


def sign_flip(vectors):
    """Make the largest-magnitude entry of every column positive.

    Parameters
    ----------
    vectors : ndarray of shape (n_samples, n_vectors)

    Returns
    -------
    vectors : ndarray of shape (n_samples, n_vectors)
        The same vectors, some negated.
    """
    rows = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[rows, np.arange(vectors.shape[1])])
    signs[signs == 0] = 1.0
    return vectors * signs


def _dense(S, n_eig):
    S = S.toarray() if sparse.issparse(S) else S
    # The full decomposition: LAPACK's index-subset driver can return fewer
    # eigenpairs than asked for when eigenvalues are exactly repeated.
    values, vectors = linalg.eigh(S)
    return values[-n_eig:], vectors[:, -n_eig:]


def _arpack(S, n_eig, tol, max_iter, rng):
    # Shift-invert about a point just above the top eigenvalue 1: the
    # eigenvalues near 1, which cluster as the kernel gets local, become the
    # best separated ones, so Lanczos converges in few iterations.
    v0 = rng.uniform(-1.0, 1.0, S.shape[0])
    values, vectors = eigsh(
        S.tocsc(),
        k=n_eig,
        sigma=1.0 + 1e-3,
        which="LM",
        v0=v0,
        tol=tol,
        maxiter=max_iter,
    )
    return values, vectors


def _lobpcg(S, n_eig, tol, max_iter, rng, preconditioner=None):
    n = S.shape[0]
    X0 = rng.standard_normal((n, n_eig))
    X0[:, 0] = 1.0  # close to the top eigenvector of every Markov operator
    L = (sparse.identity(n, format="csr") - S).tocsr()
    values, vectors = lobpcg(
        L,
        X0,
        M=preconditioner,
        tol=tol if tol > 0 else 1e-8,
        maxiter=max_iter or 2000,
        largest=False,
    )
    return 1.0 - values, vectors


def _amg(S, n_eig, tol, max_iter, rng):
    from pyamg import smoothed_aggregation_solver

    n = S.shape[0]
    L = (sparse.identity(n, format="csr") - S).tocsr()
    # A small diagonal shift makes the singular Laplacian definite for the
    # multigrid hierarchy (as scikit-learn's spectral embedding does).
    ml = smoothed_aggregation_solver(L + 1e-5 * sparse.identity(n, format="csr"))
    return _lobpcg(S, n_eig, tol, max_iter, rng, preconditioner=ml.aspreconditioner())


def top_eigenpairs(S, n_eig, solver, tol, max_iter, random_state):
    """Largest eigenpairs of a symmetric sparse matrix, deterministically.

    Parameters
    ----------
    S : scipy.sparse.csr_matrix of shape (n, n)
        Symmetric matrix with spectrum in [-1, 1] and top eigenvalue 1.
    n_eig : int
        Number of eigenpairs wanted (``n_eig < n``).
    solver : {"dense", "arpack", "lobpcg", "amg"}
        Eigensolver.
    tol : float
        Convergence tolerance (0 means machine precision for ARPACK).
    max_iter : int or None
        Iteration cap of the iterative solvers.
    random_state : numpy.random.RandomState
        Source of the start vectors.

    Returns
    -------
    eigenvalues : ndarray of shape (n_eig,)
        Descending.
    eigenvectors : ndarray of shape (n, n_eig)
        Orthonormal columns, sign-normalised by :func:`sign_flip`.
    """
    if solver == "dense":
        values, vectors = _dense(S, n_eig)
    elif solver == "arpack":
        values, vectors = _arpack(S, n_eig, tol, max_iter, random_state)
    elif solver == "lobpcg":
        values, vectors = _lobpcg(S, n_eig, tol, max_iter, random_state)
    elif solver == "amg":
        values, vectors = _amg(S, n_eig, tol, max_iter, random_state)
    else:
        raise ValueError(f"Unknown eigen_solver {solver!r}; expected one of {SOLVERS}.")
    order = np.argsort(values)[::-1][:n_eig]
    return values[order], sign_flip(vectors[:, order])


def solve_auto(S, n_eig, solver, tol, max_iter, random_state):
    """:func:`top_eigenpairs` for ``eigen_solver="auto"``, with one fallback.

    Shift-invert ARPACK can fail to converge when the top eigenvalue is
    repeated many times (a graph of many components). Then a
    ``ConvergenceWarning`` is issued and AMG-preconditioned LOBPCG, a block
    method that handles clusters, is run instead.

    Returns
    -------
    eigenvalues, eigenvectors : ndarray
        As :func:`top_eigenpairs`.
    solver : str
        The solver whose result is returned.
    """
    try:
        return (*top_eigenpairs(S, n_eig, solver, tol, max_iter, random_state), solver)
    except ArpackNoConvergence:
        if solver != "arpack":
            raise
    warnings.warn(
        "ARPACK did not converge; eigen_solver='auto' uses AMG-preconditioned "
        "LOBPCG instead (recorded in eigen_solver_).",
        ConvergenceWarning,
        stacklevel=3,
    )
    return (*top_eigenpairs(S, n_eig, "amg", tol, max_iter, random_state), "amg")


def nystrom(P_rows, psi_fit, eigenvalues):
    """Nystrom extension of eigenfunctions to new points.

    ``psi_j(x) = (1 / lambda_j) sum_i p(x, x_i) psi_j(x_i)``; applied to the
    Markov rows of the fitted points themselves it returns ``psi_fit``.

    Parameters
    ----------
    P_rows : scipy.sparse matrix of shape (n_queries, n_fit)
        Markov transition rows of the new points onto the fitted points.
    psi_fit : ndarray of shape (n_fit, n_components)
        Right eigenvectors of the Markov matrix at the fitted points.
    eigenvalues : ndarray of shape (n_components,)
        Their eigenvalues (non-zero).

    Returns
    -------
    psi : ndarray of shape (n_queries, n_components)
    """
    return np.asarray(P_rows @ psi_fit) / eigenvalues
