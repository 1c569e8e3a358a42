"""Leading eigenpairs of the diffusion walk, of the whole graph or per piece.

:class:`SpectrumSolver` holds the eigensolver settings of a
:class:`skdvae.DiffusionMap` and computes the leading eigenpairs of the
symmetric conjugate ``S`` of its Markov matrix: of the whole matrix when the
graph is one piece (the classic path), or of each diagonal block when it has
several (:func:`~skdvae.diffusion_map._components.component_spectra`).
"""

import copy
from functools import partial
from typing import NamedTuple

import numpy as np

from skdvae.diffusion_map._checks import resolve_block_solver, resolve_solver
from skdvae.diffusion_map._components import ComponentSpectrum, component_spectra
from skdvae.diffusion_map._dimension import AUTO_EIGENVECTORS, estimate_n_components
from skdvae.diffusion_map._eigensolvers import solve_auto, top_eigenpairs
from skdvae.utils._progress import step

__all__ = ["SpectrumSolver"]


class SpectrumSolver(NamedTuple):
    """Eigensolver settings of a diffusion map.

    Attributes
    ----------
    eigen_solver : {"auto", "arpack", "lobpcg", "amg", "dense"}
        As :class:`skdvae.DiffusionMap`'s parameter.
    tol : float
        Eigensolver tolerance.
    max_iter : int or None
        Iteration cap of the iterative solvers.
    verbose : int
        If positive, the solve of a whole graph is reported with its duration.
    """

    eigen_solver: str
    tol: float
    max_iter: int | None
    verbose: int

    @classmethod
    def of(cls, estimator):
        """The settings of a :class:`skdvae.DiffusionMap`."""
        return cls(
            estimator.eigen_solver,
            estimator.eigen_tol,
            estimator.eigen_max_iter,
            estimator.verbose,
        )

    def pairs(self, S, n_eig, random_state, block=False):
        """Leading eigenpairs of ``S`` and the name of the solver that ran.

        Parameters
        ----------
        S : scipy.sparse.csr_matrix of shape (n, n)
            Symmetric conjugate of a Markov matrix, or one diagonal block.
        n_eig : int
            Eigenpairs wanted, the trivial one included.
        random_state : numpy.random.RandomState
            Seeds the start vectors.
        block : bool, default=False
            ``S`` is one component's block: small blocks are solved densely
            (:func:`~skdvae.diffusion_map._checks.resolve_block_solver`) and
            the solve is not reported.

        Returns
        -------
        values : ndarray of shape (n_eig,)
        vectors : ndarray of shape (n, n_eig)
        solver : str
        """
        solver = resolve_solver(self.eigen_solver, S.shape[0])
        if block:
            solver = resolve_block_solver(self.eigen_solver, S.shape[0], n_eig)
        solve = solve_auto if self.eigen_solver == "auto" else top_eigenpairs
        what = f"{n_eig} eigenpairs of {S.shape[0]} points ({solver})"
        with step(self.verbose and not block, "DiffusionMap", what):
            values, vectors, *used = solve(
                S, n_eig, solver, self.tol, self.max_iter, random_state
            )
        return values, vectors, used[0] if used else solver

    def spectra(self, S, stationary, labels, n_eig, random_state):
        """Each piece's eigenpairs (:func:`component_spectra`).

        Parameters
        ----------
        S : scipy.sparse.csr_matrix of shape (n, n)
            Symmetric conjugate with no entry between pieces.
        stationary : ndarray of shape (n,)
            Stationary distribution of the walk.
        labels : ndarray of shape (n,)
            Piece of each point, numbered from 0.
        n_eig : int
            Eigenpairs per piece, the trivial one included.
        random_state : numpy.random.RandomState

        Returns
        -------
        spectra : list of ComponentSpectrum
        """
        solve = partial(self.pairs, random_state=random_state, block=True)
        return component_spectra(S, stationary, labels, n_eig, solve)

    def leading(self, S, stationary, labels, n_eig, random_state):
        """Eigenpairs of the whole graph if it is one piece, else per piece.

        Parameters
        ----------
        S, stationary, labels, n_eig, random_state
            As :meth:`spectra`.

        Returns
        -------
        spectra : list of ComponentSpectrum
            One entry per piece. For one piece, the classic path: one solve
            of ``S``, eigenvalues and right eigenvectors
            ``psi = v / sqrt(pi)`` as they come (the trivial pair first).
        """
        if labels.max() > 0:
            return self.spectra(S, stationary, labels, n_eig, random_state)
        values, vectors, solver = self.pairs(S, n_eig, random_state)
        psi = vectors / np.sqrt(stationary)[:, None]
        return [ComponentSpectrum(np.arange(S.shape[0]), values, psi, solver)]

    def auto_n_components(self, S, stationary, labels, X, random_state):
        """The estimate of ``n_components="auto"``.

        :func:`~skdvae.diffusion_map._dimension.estimate_n_components` on
        each piece's ``AUTO_EIGENVECTORS + 1`` leading eigenpairs, capped at
        ``n - 2`` (as many as the fitted points allow).

        Parameters
        ----------
        S, stationary, labels
            As :meth:`spectra`.
        X : {ndarray, sparse matrix} of shape (n, n_features)
            The fitted points.
        random_state : numpy.random.RandomState
            Copied, not drawn from: the fit then continues exactly as with
            the estimate passed as an integer.

        Returns
        -------
        n_components : int
        """
        random_state = copy.deepcopy(random_state)
        n_eig = AUTO_EIGENVECTORS + 1
        spectra = self.spectra(S, stationary, labels, n_eig, random_state)
        n_components = estimate_n_components(X, spectra, random_state)
        return min(n_components, S.shape[0] - 2)
