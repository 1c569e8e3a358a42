"""Data-space neighbours of DiffusionVAE's training points.

The prior of the transition (:func:`skdvae.vae._prior.prior_cholesky`) and the
step scale of stage 1 use the ``k`` nearest training points of each training,
validation and scored point. On the regression route the diffusion map has
already found them: its neighbour search is reused when it indexed the same
training points with the same ``k`` and the Euclidean metric, so no second
kNN graph is built (an exact one costs a pass over all training points per
point: quadratic in their number). Otherwise DiffusionVAE indexes the points
itself, exactly or approximately by :class:`skdvae.DiffusionMap`'s
``neighbors="auto"`` rule.
"""

from skdvae.diffusion_map._checks import resolve_backend
from skdvae.diffusion_map._neighbors import NeighborSearch

__all__ = ["training_neighbors"]

_REUSABLE_BACKENDS = ("exact", "approximate")


def _reusable(search, n_samples, n_neighbors):
    return (
        isinstance(search, NeighborSearch)
        and search.backend in _REUSABLE_BACKENDS
        and search.metric == "euclidean"
        and not search.metric_params
        and search.n_neighbors == n_neighbors
        and search.n_samples_fit_ == n_samples
    )


def training_neighbors(X, n_neighbors, diffusion_map=None, random_state=0):
    """The neighbour search of the training points ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training points, in the model's units.
    n_neighbors : int
        Neighbours per point, the point itself included.
    diffusion_map : skdvae.DiffusionMap or None, default=None
        A diffusion map fitted on exactly these points (not on landmarks, not
        on earlier data), whose search is reused when it fits the rule above.
    random_state : int, default=0
        Seed of an approximate search of DiffusionVAE's own.

    Returns
    -------
    search : skdvae.diffusion_map._neighbors.NeighborSearch
        Fitted: ``indices_`` holds each training point's neighbours (itself
        included) and :meth:`~NeighborSearch.nearest` finds those of new
        points.
    """
    search = getattr(diffusion_map, "_search", None)
    if _reusable(search, X.shape[0], n_neighbors):
        return search
    backend, _ = resolve_backend("auto", False, X.shape)
    search = NeighborSearch(n_neighbors, backend, "euclidean", None, None, random_state)
    search.fit(X, reverse=False)
    return search
