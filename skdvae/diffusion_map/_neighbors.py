"""Nearest-neighbour back ends behind one small interface.

`NeighborSearch` answers the two questions a diffusion map asks:

* ``fit(X)``: the ``k`` nearest neighbours of every training point, the point
  itself included (column 0, distance 0);
* ``candidates(X)``: for new points, a sparse row of training points that
  contains every ``y`` with ``d(x, y) < max(r_k(x), r_k(y))``, which is the row
  of the symmetrised kNN graph that the point would have had in training.

With exact search (scikit-learn trees or brute force, or dense precomputed
distances) the candidate rows are exact, so the Nystrom extension of a training
point reproduces its fitted coordinates. With approximate search (pynndescent)
or a user-supplied ``KNeighborsTransformer`` the reverse neighbours are searched
among the ``2 k`` nearest, which is approximate.
"""

import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import NearestNeighbors

__all__ = ["NeighborSearch"]

# Points whose neighbourhood radius exceeds this quantile are checked by brute
# force in `candidates`; the tree query uses the quantile as its radius.
_RADIUS_QUANTILE = 0.99


def _rows_to_csr(indices, distances, n_cols):
    """Pack equal-length neighbour rows into a CSR matrix, keeping zeros."""
    n_rows, k = indices.shape
    indptr = np.arange(0, n_rows * k + 1, k)
    return sparse.csr_matrix(
        (distances.ravel(), indices.ravel(), indptr), shape=(n_rows, n_cols)
    )


def _ragged_to_csr(indices_list, distances_list, n_cols):
    """Pack ragged neighbour rows into a CSR matrix, keeping zeros."""
    lengths = np.fromiter((len(r) for r in indices_list), dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    if indptr[-1] == 0:
        data, cols = np.zeros(0), np.zeros(0, dtype=np.int64)
    else:
        data = np.concatenate(distances_list).astype(np.float64)
        cols = np.concatenate(indices_list).astype(np.int64)
    return sparse.csr_matrix((data, cols, indptr), shape=(len(indices_list), n_cols))


def _k_smallest_per_row(graph, k, include_self=True):
    """The ``k`` smallest stored entries of each row of a sparse distance graph.

    With ``include_self`` the rows are training rows and row ``i`` gets the
    point ``i`` itself at distance 0 if the graph does not store it.
    """
    graph = sparse.csr_matrix(graph)
    n = graph.shape[0]
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k))
    for i in range(n):
        start, stop = graph.indptr[i], graph.indptr[i + 1]
        cols, vals = graph.indices[start:stop], graph.data[start:stop]
        if include_self and i not in cols:
            cols, vals = np.append(cols, i), np.append(vals, 0.0)
        if cols.size < k:
            raise ValueError(
                f"The distance graph stores {cols.size} neighbours for row {i}, "
                f"fewer than the {k} needed. Store more neighbours per sample."
            )
        order = np.lexsort((cols, vals))[:k]
        indices[i], distances[i] = cols[order], vals[order]
    return indices, distances


class NeighborSearch:
    """k-nearest-neighbour search with exact reverse-neighbour queries.

    Parameters
    ----------
    n_neighbors : int
        Neighbours per point, the point itself included.
    backend : {"exact", "approximate", "precomputed"} or estimator
        ``"exact"`` uses :class:`sklearn.neighbors.NearestNeighbors`,
        ``"approximate"`` uses :class:`pynndescent.NNDescent`, ``"precomputed"``
        reads distances from ``X``; an estimator is a scikit-learn
        ``KNeighborsTransformer``-like object returning a sparse distance graph.
    metric : str
        Distance metric (ignored for ``"precomputed"`` and estimators).
    metric_params : dict or None
        Extra keyword arguments of the metric.
    n_jobs : int or None
        Parallel jobs for the search.
    random_state : int
        Seed of the approximate search.
    """

    def __init__(
        self, n_neighbors, backend, metric, metric_params, n_jobs, random_state
    ):
        self.n_neighbors = n_neighbors
        self.backend = backend
        self.metric = metric
        self.metric_params = metric_params
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- training graph ---------------------------------------------------
    def fit(self, X):
        """Index ``X`` and return each point's ``k`` nearest neighbours.

        Returns
        -------
        indices : ndarray of shape (n_samples, n_neighbors)
        distances : ndarray of shape (n_samples, n_neighbors)
            Sorted ascending; column 0 is the point itself.
        """
        k = self.n_neighbors
        self.n_samples_fit_ = X.shape[0]
        if self.backend == "precomputed":
            if sparse.issparse(X):
                indices, distances = _k_smallest_per_row(X, k)
            else:
                indices = np.argsort(X, axis=1, kind="stable")[:, :k]
                distances = np.take_along_axis(X, indices, axis=1)
        elif self.backend == "exact":
            self.index_ = NearestNeighbors(
                n_neighbors=k,
                metric=self.metric,
                metric_params=self.metric_params,
                n_jobs=self.n_jobs,
            ).fit(X)
            distances, indices = self.index_.kneighbors(X)
        elif self.backend == "approximate":
            indices, distances = self._fit_pynndescent(X)
        else:
            self.index_ = clone(self.backend)
            graph = self.index_.fit_transform(X)
            indices, distances = _k_smallest_per_row(graph, k)
        self.radius_ = np.asarray(distances[:, -1], dtype=np.float64)
        if self.backend == "exact":
            self._prepare_radius_split(X)
        return indices, np.asarray(distances, dtype=np.float64)

    def _fit_pynndescent(self, X):
        from pynndescent import NNDescent

        self.index_ = NNDescent(
            X,
            n_neighbors=self.n_neighbors,
            metric=self.metric,
            metric_kwds=self.metric_params,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            compressed=False,
        )
        indices, distances = self.index_.neighbor_graph
        # NN-descent may miss the point itself; put it in column 0.
        indices, distances = indices.astype(np.int64), distances.astype(np.float64)
        own = np.arange(X.shape[0])
        missing = ~(indices == own[:, None]).any(axis=1)
        indices[missing, -1], distances[missing, -1] = own[missing], 0.0
        order = np.lexsort((indices, distances), axis=1)
        return (
            np.take_along_axis(indices, order, axis=1),
            np.take_along_axis(distances, order, axis=1),
        )

    def _prepare_radius_split(self, X):
        """Split training points into a tree-queried bulk and a brute-forced tail."""
        self.tree_radius_ = float(np.quantile(self.radius_, _RADIUS_QUANTILE))
        wide = np.flatnonzero(self.radius_ > self.tree_radius_)
        self.wide_points_ = wide
        self.X_wide_ = X[wide]

    # -- queries ------------------------------------------------------------
    def candidates(self, X):
        """Training points that share an edge with each new point.

        Parameters
        ----------
        X : array-like
            New points (or, for ``"precomputed"``, their distances to the
            training points, shape ``(n_queries, n_samples_fit)``).

        Returns
        -------
        graph : sparse matrix of shape (n_queries, n_samples_fit)
            Distances to candidate neighbours, explicit zeros kept.
        knn_dist : ndarray of shape (n_queries, n_neighbors)
            Sorted distances from each new point to its k nearest training
            points; the last column is its neighbourhood radius ``r_k(x)``.
        """
        if self.backend == "exact":
            graph, knn_dist = self._exact_candidates(X)
        elif self.backend == "precomputed":
            graph, knn_dist = self._precomputed_candidates(X)
        else:
            graph, knn_dist = self._widened_candidates(X)
        return self._keep_edges(graph, knn_dist[:, -1]), knn_dist

    def _keep_edges(self, graph, radius):
        """Keep the pairs with ``d(x, y) < max(r_k(x), r_k(y))``."""
        graph = sparse.csr_matrix(graph)
        rows = np.repeat(np.arange(graph.shape[0]), np.diff(graph.indptr))
        bound = np.maximum(radius[rows], self.radius_[graph.indices])
        keep = (graph.data < bound) | ((bound == 0) & (graph.data == 0))
        counts = np.bincount(rows[keep], minlength=graph.shape[0])
        indptr = np.concatenate([[0], np.cumsum(counts)])
        return sparse.csr_matrix(
            (graph.data[keep], graph.indices[keep], indptr), shape=graph.shape
        )

    def _exact_candidates(self, X):
        knn_dist, _ = self.index_.kneighbors(X)
        knn_dist = knn_dist.astype(np.float64)
        radius = knn_dist[:, -1]
        query_radius = np.maximum(radius, self.tree_radius_)
        ind_list, dist_list = [], []
        for start in range(0, X.shape[0], 2048):
            stop = min(start + 2048, X.shape[0])
            dist, ind = self.index_.radius_neighbors(
                X[start:stop], radius=float(query_radius[start:stop].max())
            )
            ind_list.extend(ind)
            dist_list.extend(dist)
        graph = _ragged_to_csr(ind_list, dist_list, self.n_samples_fit_)
        if self.wide_points_.size:
            wide = pairwise_distances(
                X, self.X_wide_, metric=self.metric, **(self.metric_params or {})
            )
            tail = sparse.csr_matrix(
                (
                    wide.ravel(),
                    np.tile(self.wide_points_, X.shape[0]),
                    np.arange(0, wide.size + 1, wide.shape[1]),
                ),
                shape=graph.shape,
            )
            graph = _merge_rows(graph, tail)
        return graph, knn_dist

    def _precomputed_candidates(self, X):
        if sparse.issparse(X):
            graph = sparse.csr_matrix(X)
            _, dist = _k_smallest_per_row(graph, self.n_neighbors, include_self=False)
            return graph, dist
        X = np.asarray(X, dtype=np.float64)
        knn_dist = np.sort(
            np.partition(X, self.n_neighbors - 1, axis=1)[:, : self.n_neighbors], axis=1
        )
        cols = np.tile(np.arange(X.shape[1]), X.shape[0])
        graph = sparse.csr_matrix(
            (X.ravel(), cols, np.arange(0, X.size + 1, X.shape[1])), shape=X.shape
        )
        return graph, knn_dist

    def _widened_candidates(self, X):
        k_wide = min(2 * self.n_neighbors, self.n_samples_fit_)
        if self.backend == "approximate":
            indices, distances = self.index_.query(X, k=k_wide)
        else:
            graph = self.index_.transform(X)
            indices, distances = _k_smallest_per_row(graph, k_wide, include_self=False)
        knn_dist = np.asarray(distances[:, : self.n_neighbors], dtype=np.float64)
        return _rows_to_csr(indices, distances, self.n_samples_fit_), knn_dist


def _merge_rows(a, b):
    """Union of the stored entries of two CSR matrices (b wins on overlaps)."""
    a, b = a.tocoo(), b.tocoo()
    rows = np.concatenate([a.row, b.row])
    cols = np.concatenate([a.col, b.col])
    data = np.concatenate([a.data, b.data])
    key = rows.astype(np.int64) * a.shape[1] + cols
    _, first = np.unique(key[::-1], return_index=True)
    pick = len(key) - 1 - first
    return sparse.csr_matrix((data[pick], (rows[pick], cols[pick])), shape=a.shape)
