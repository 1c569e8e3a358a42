"""Estimator factories for every method the benchmark compares.

Each peer is built with its own defaults: only ``n_components`` (the same for
every method of a comparison) and ``random_state`` (where the estimator takes
one) are set, plus the few settings a profile names explicitly (the landmark
count of the 200,000-point run, the training budget of the two VAEs, which is
shared between them). Nothing here tunes a peer down.

Heavy imports (torch, umap, pydiffmap, datafold, skdvae itself) happen inside
the factories, so this module also imports in the separate datafold
environment, which holds neither torch nor skdvae.
"""

import importlib
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

__all__ = [
    "DATAFOLD_PYTHON_ENV",
    "PEERS",
    "DatafoldDiffusionMaps",
    "Peer",
    "PyDiffMap",
    "ScanpyDiffmap",
    "make_estimator",
    "peer_python",
    "peer_status",
]

#: Environment variable naming the interpreter of the datafold environment.
DATAFOLD_PYTHON_ENV = "SKDVAE_BENCH_DATAFOLD_PYTHON"
_DATAFOLD_DEFAULT = Path.home() / ".cache/skdvae-benchmarks/datafold/bin/python"


@dataclass(frozen=True)
class Peer:
    """A method in the comparison.

    Parameters
    ----------
    name : str
        Display name and registry key.
    module : str
        Module whose import decides availability.
    build : callable
        ``build(n_components, random_state, params) -> estimator``.
    numba : bool
        True if the method JIT-compiles with numba (a warm-up fit in the child
        process keeps compilation out of the timings).
    separate_env : bool
        True if the method runs in its own Python environment.
    distribution : str or None
        Distribution name giving the version (default: ``module``).
    uses_ann : callable or None
        ``uses_ann(n_samples, n_features, params) -> bool``: whether a fit
        runs pynndescent (whose compilation the warm-up then covers).
    """

    name: str
    module: str
    build: object
    numba: bool = False
    separate_env: bool = False
    distribution: str | None = None
    uses_ann: object = None


def _diffusion_map(n_components, random_state, params):
    from skdvae import DiffusionMap

    return DiffusionMap(n_components=n_components, random_state=random_state, **params)


def _diffusion_map_uses_ann(n_samples, n_features, params):
    """DiffusionMap's ``neighbors="auto"`` rule (see its documentation)."""
    from skdvae.diffusion_map._checks import EXACT_MAX_FEATURES, EXACT_MAX_SAMPLES
    from skdvae.diffusion_map._landmarks import resolve_n_landmarks

    mode = params.get("neighbors", "auto")
    if mode != "auto":
        return mode == "approximate"
    landmarks = resolve_n_landmarks(params.get("n_landmarks", "auto"), n_samples)
    n_fit = landmarks or n_samples
    return n_fit > EXACT_MAX_SAMPLES and n_features > EXACT_MAX_FEATURES


def _umap_uses_ann(n_samples, n_features, params):
    """umap-learn uses NN-descent above 4096 points."""
    return n_samples > 4096


def _diffusion_vae(n_components, random_state, params):
    from skdvae import DiffusionVAE

    return DiffusionVAE(n_components=n_components, random_state=random_state, **params)


#: DiffusionVAE parameters that define network sizes and training budget,
#: which the Gaussian VAE copies.
_SHARED_VAE_PARAMS = (
    "hidden_layer_sizes",
    "output_bounds",
    "batch_size",
    "learning_rate_init",
    "max_iter",
    "tol",
    "n_iter_no_change",
)
#: Training stages of DiffusionVAE, each of up to ``max_iter`` epochs.
_VAE_STAGES = 2


def _gaussian_vae(n_components, random_state, params):
    """Gaussian VAE with the sizes and budget of the DiffusionVAE given ``params``.

    ``DiffusionVAE`` trains two stages (encoder, then covariance and decoder)
    of up to ``max_iter`` epochs each; the Gaussian VAE trains its single
    stage for up to ``2 * max_iter`` epochs, the same total. Batch size and
    stopping rule are resolved by DiffusionVAE's own code at fit time
    (:class:`benchmarks.gaussian_vae.GaussianVAE`).
    """
    from benchmarks.gaussian_vae import GaussianVAE

    reference = _diffusion_vae(n_components, random_state, params).get_params()
    shared = {k: reference[k] for k in _SHARED_VAE_PARAMS}
    shared["max_iter"] = _VAE_STAGES * shared["max_iter"]
    return GaussianVAE(n_components=n_components, random_state=random_state, **shared)


def _isomap(n_components, random_state, params):
    from sklearn.manifold import Isomap

    return Isomap(n_components=n_components, **params)


def _spectral_embedding(n_components, random_state, params):
    from sklearn.manifold import SpectralEmbedding

    return SpectralEmbedding(
        n_components=n_components, random_state=random_state, **params
    )


def _umap(n_components, random_state, params):
    """UMAP, unsupervised also where a Pipeline passes labels (``umap_peer``)."""
    from benchmarks.umap_peer import UnsupervisedUMAP

    return UnsupervisedUMAP(
        n_components=n_components, random_state=random_state, **params
    )


def _umap_parallel(n_components, random_state, params):
    """UMAP without a seed: umap-learn then runs its parallel (faster) code path."""
    from benchmarks.umap_peer import UnsupervisedUMAP

    return UnsupervisedUMAP(n_components=n_components, **params)


class PyDiffMap(TransformerMixin, BaseEstimator):
    """pyDiffMap's ``DiffusionMap.from_sklearn`` with its defaults.

    Parameters
    ----------
    n_components : int, default=2
        Passed as ``n_evecs``.
    """

    def __init__(self, n_components=2):
        self.n_components = n_components

    def fit(self, X, y=None):
        """Fit pyDiffMap on ``X`` and store the training embedding."""
        from pydiffmap.diffusion_map import DiffusionMap

        self.dmap_ = DiffusionMap.from_sklearn(n_evecs=self.n_components)
        self.embedding_ = np.real(self.dmap_.fit_transform(np.asarray(X)))
        return self

    def fit_transform(self, X, y=None):
        """Fit and return the training embedding."""
        return self.fit(X).embedding_

    def transform(self, X):
        """Nystrom extension of pyDiffMap."""
        return np.real(self.dmap_.transform(np.asarray(X)))


class DatafoldDiffusionMaps(TransformerMixin, BaseEstimator):
    """datafold's diffusion maps as its tutorials use them.

    ``PCManifold.optimize_parameters`` chooses the Gaussian bandwidth and the
    sparse cut-off (the constructor default, ``epsilon=1.0``, ignores the
    scale of the data), ``DiffusionMaps`` computes ``max(10, n_components + 1)``
    eigenpairs and ``LocalRegressionSelection`` keeps ``n_components``
    non-harmonic eigenvectors, the same strategy as skdvae's default.

    Parameters
    ----------
    n_components : int, default=2
        Coordinates kept.
    random_state : int or None, default=None
        Seeds the parameter optimisation and the selection subsample.
    """

    def __init__(self, n_components=2, random_state=None):
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X, y=None):
        """Fit datafold's diffusion maps on ``X``."""
        from datafold import dynfold, pcfold

        pcm = pcfold.PCManifold(np.asarray(X))
        pcm.optimize_parameters(random_state=self.random_state)
        kernel = pcfold.GaussianKernel(
            epsilon=pcm.kernel.epsilon, distance=dict(cut_off=pcm.cut_off)
        )
        self.dmap_ = dynfold.DiffusionMaps(
            kernel=kernel, n_eigenpairs=max(10, self.n_components + 1)
        ).fit(pcm)
        self.selection_ = dynfold.LocalRegressionSelection(
            intrinsic_dim=self.n_components,
            n_subsample=min(500, pcm.shape[0]),
            random_state=self.random_state,
        ).fit(self.dmap_.eigenvectors_)
        self.embedding_ = np.asarray(
            self.selection_.transform(self.dmap_.eigenvectors_)
        )
        return self

    def fit_transform(self, X, y=None):
        """Fit and return the training embedding."""
        return self.fit(X).embedding_

    def transform(self, X):
        """Nystrom extension of datafold, restricted to the selected vectors."""
        return np.asarray(
            self.selection_.transform(self.dmap_.transform(np.asarray(X)))
        )


class ScanpyDiffmap(TransformerMixin, BaseEstimator):
    """scanpy's ``tl.diffmap`` on its default graph (``pp.neighbors``).

    scanpy stores the stationary eigenvector in column 0 of ``X_diffmap``;
    ``n_components + 1`` eigenvectors are computed and that column is dropped.
    scanpy embeds only the cells it was given (no ``transform``).

    scanpy 1.11.5 (the newest release) calls ``getnnz`` on the ``csr_array``
    of its approximate neighbour graph, a method that scipy 1.15 removed from
    sparse arrays; :func:`_restore_getnnz` puts the stored-entry count back
    for that call, so scanpy runs its own code unchanged on scipy 1.17.

    Parameters
    ----------
    n_components : int, default=2
        Diffusion components kept.
    random_state : int, default=0
        Seed of the neighbour search and of the eigensolver.
    """

    def __init__(self, n_components=2, random_state=0):
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X, y=None):
        """Build scanpy's neighbour graph of ``X`` and its diffusion map."""
        import anndata
        import scanpy as sc

        _restore_getnnz()
        adata = anndata.AnnData(np.asarray(X))
        sc.pp.neighbors(adata, use_rep="X", random_state=self.random_state)
        sc.tl.diffmap(
            adata, n_comps=self.n_components + 1, random_state=self.random_state
        )
        self.embedding_ = np.asarray(adata.obsm["X_diffmap"][:, 1:])
        return self

    def fit_transform(self, X, y=None):
        """Fit and return the training embedding."""
        return self.fit(X).embedding_


def _restore_getnnz():
    """Give scipy's ``csr_array`` the ``getnnz`` scanpy still calls, if missing.

    ``getnnz(axis=1)`` of a CSR array is the number of stored entries per row,
    ``np.diff(indptr)``; ``getnnz()`` is ``nnz``.
    """
    from scipy import sparse

    if hasattr(sparse.csr_array, "getnnz"):
        return

    def getnnz(self, axis=None):
        if axis is None:
            return self.nnz
        if axis in (1, -1):
            return np.diff(self.indptr)
        return np.bincount(self.indices, minlength=self.shape[1])

    sparse.csr_array.getnnz = getnnz


def _scanpy(n_components, random_state, params):
    return ScanpyDiffmap(n_components=n_components, random_state=random_state or 0)


class PhateEmbedding(TransformerMixin, BaseEstimator):
    """PHATE with its defaults, as a pipeline step.

    ``phate.PHATE.fit_transform`` takes no ``y``, which ``Pipeline`` passes to
    its last step; this step accepts and ignores it.

    Parameters
    ----------
    n_components : int, default=2
    random_state : int or None, default=None
    params : dict or None, default=None
        Further arguments of ``phate.PHATE``.
    """

    def __init__(self, n_components=2, random_state=None, params=None):
        self.n_components = n_components
        self.random_state = random_state
        self.params = params

    def fit(self, X, y=None):
        """Fit PHATE on ``X``."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        """Fit PHATE and return its embedding of ``X``."""
        import phate

        self.phate_ = phate.PHATE(
            n_components=self.n_components,
            random_state=self.random_state,
            verbose=0,
            **(self.params or {}),
        )
        return self.phate_.fit_transform(X)

    def transform(self, X):
        """PHATE's embedding of new points."""
        return self.phate_.transform(X)


def _phate(n_components, random_state, params):
    return PhateEmbedding(n_components, random_state, params)


def _pydiffmap(n_components, random_state, params):
    return PyDiffMap(n_components=n_components, **params)


def _datafold(n_components, random_state, params):
    return DatafoldDiffusionMaps(
        n_components=n_components, random_state=random_state, **params
    )


PEERS = {
    p.name: p
    for p in [
        Peer(
            "DiffusionMap",
            "skdvae",
            _diffusion_map,
            numba=True,
            uses_ann=_diffusion_map_uses_ann,
        ),
        Peer("DiffusionVAE", "skdvae", _diffusion_vae),
        Peer("GaussianVAE", "torch", _gaussian_vae),
        Peer("Isomap", "sklearn", _isomap, distribution="scikit-learn"),
        Peer(
            "SpectralEmbedding",
            "sklearn",
            _spectral_embedding,
            distribution="scikit-learn",
        ),
        Peer(
            "UMAP",
            "umap",
            _umap,
            numba=True,
            distribution="umap-learn",
            uses_ann=_umap_uses_ann,
        ),
        Peer(
            "UMAP (unseeded, parallel)",
            "umap",
            _umap_parallel,
            numba=True,
            distribution="umap-learn",
            uses_ann=_umap_uses_ann,
        ),
        Peer("pydiffmap", "pydiffmap", _pydiffmap),
        Peer("datafold", "datafold", _datafold, separate_env=True),
        Peer("scanpy", "scanpy", _scanpy, numba=True, uses_ann=_umap_uses_ann),
        Peer("PHATE", "phate", _phate, numba=True),
    ]
}
"""Registry of the compared methods, keyed by display name."""


def make_estimator(name, n_components, random_state=0, params=None):
    """Build the estimator of peer ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`PEERS`.
    n_components : int
        Embedding (latent) dimension.
    random_state : int or None, default=0
        Seed, for the estimators that take one.
    params : dict or None, default=None
        Extra constructor arguments named by the profile.

    Returns
    -------
    estimator : object
        An unfitted estimator.
    """
    return PEERS[name].build(n_components, random_state, dict(params or {}))


def peer_python(name):
    """Return the interpreter that runs peer ``name`` (None: this one)."""
    if not PEERS[name].separate_env:
        return None
    return os.environ.get(DATAFOLD_PYTHON_ENV, str(_DATAFOLD_DEFAULT))


def peer_status(name):
    """Whether peer ``name`` can run here.

    Returns
    -------
    ok : bool
        True if its package imports (in its own environment if separate).
    detail : str
        The package version, or why the peer is unavailable.
    """
    peer = PEERS[name]
    if peer.separate_env:
        return _separate_env_status(peer)
    if name in ("DiffusionVAE", "GaussianVAE"):  # the baseline reuses its glue
        try:
            from skdvae import DiffusionVAE  # noqa: F401
        except ImportError as exc:
            return False, f"skdvae.DiffusionVAE not importable ({exc})"
    try:
        importlib.import_module(peer.module)
    except ImportError as exc:
        return False, f"{peer.module} not installed ({exc})"
    dist = peer.distribution or peer.module
    try:
        version = metadata.version(dist)
    except metadata.PackageNotFoundError:
        version = "?"
    return True, f"{dist} {version}"


def _separate_env_status(peer):
    import subprocess

    python = peer_python(peer.name)
    if not Path(python).is_file():
        return False, (
            f"no separate environment at {python} (set {DATAFOLD_PYTHON_ENV}; "
            f"{peer.module} pins scikit-learn 1.2 and cannot share this one)"
        )
    code = f"import {peer.module}, sklearn; print({peer.module}.__version__)"
    proc = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, timeout=120
    )
    if proc.returncode:
        return False, f"{peer.module} fails to import in {python}"
    return True, f"{peer.module} {proc.stdout.strip()} (separate env {python})"
