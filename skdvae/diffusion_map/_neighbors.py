"""Nearest-neighbour back ends behind one small interface.

`NeighborSearch` answers the two questions a diffusion map asks:

* ``fit(X)``: the ``k`` nearest neighbours of every training point, the point
  itself included (column 0, distance 0);
* ``candidates(X)``: for new points, a sparse row of training points that
  contains every ``y`` with ``d(x, y) < max(r_k(x), r_k(y))``, which is the row
  of the symmetrised kNN graph that the point would have had in training.

With exact search (scikit-learn trees or brute force, or dense precomputed
distances) the candidate rows are exact, so the Nystrom extension of a training
point reproduces its fitted coordinates. Exact search splits the rule in two
disjoint parts: the training points inside the new point's own ball
(``d < r_k(x)``, its k nearest) and the new point's *reverse* neighbours, the
training points whose ball holds it (``r_k(x) <= d < r_k(y)``). The reverse
neighbours come from radius queries on the training points grouped by radius
(`radius_buckets`): within a group whose radii lie within a factor 2, a query
at the group's largest radius finds every ball that holds the point and
returns only points with ``d < 2 r_k(y)``. With approximate search
(pynndescent) or a user-supplied ``KNeighborsTransformer`` the reverse
neighbours are searched among the ``2 k`` nearest, which is approximate.
"""

import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.neighbors import NearestNeighbors

__all__ = ["NeighborSearch", "radius_buckets"]

# Largest ratio of two neighbourhood radii within one group of `radius_buckets`.
_BUCKET_RATIO = 2.0


def radius_buckets(radius, ratio=_BUCKET_RATIO):
    """Group points by neighbourhood radius, each group within a factor ``ratio``.

    Parameters
    ----------
    radius : ndarray of shape (n_samples,)
        Non-negative neighbourhood radii.
    ratio : float, default=2.0
        Largest ratio of two radii in one group.

    Returns
    -------
    groups : list of ndarray
        Indices of the points in each group, smallest radii first; the points
        of radius 0 (``n_neighbors`` exact duplicates) form a group of their
        own. Every point is in exactly one group.
    """
    positive = radius > 0
    label = np.full(radius.shape, -1, dtype=np.int64)
    if positive.any():
        relative = radius[positive] / radius[positive].min()
        label[positive] = np.floor(np.log(relative) / np.log(ratio))
    return [np.flatnonzero(label == b) for b in np.unique(label)]


def _rows_to_csr(indices, distances, n_cols):
    """Pack equal-length neighbour rows into a CSR matrix, keeping zeros."""
    n_rows, k = indices.shape
    indptr = np.arange(0, n_rows * k + 1, k)
    return sparse.csr_matrix(
        (distances.ravel(), indices.ravel(), indptr), shape=(n_rows, n_cols)
    )


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
            self._index_radius_groups(X)
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
        # Build the search graph (and compile its query) now, not in the
        # first transform.
        self.index_.prepare()
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

    def _index_radius_groups(self, X):
        """Index the training points of each radius group (reverse queries)."""
        self.groups_ = radius_buckets(self.radius_)
        self.group_reach_ = [float(self.radius_[g].max()) for g in self.groups_]
        # The kNN index's algorithm (tree or brute force), so that distances
        # are computed the same way as the radii they are compared with.
        algorithm = self.index_._fit_method
        self.group_index_ = [
            NearestNeighbors(
                algorithm=algorithm,
                metric=self.metric,
                metric_params=self.metric_params,
                n_jobs=self.n_jobs,
            ).fit(X[g])
            for g in self.groups_
        ]

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
            return self._exact_candidates(X)
        if self.backend == "precomputed":
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
        """Own ball from the kNN query, reverse neighbours group by group."""
        knn_dist, knn_ind = self.index_.kneighbors(X)
        knn_dist = knn_dist.astype(np.float64)
        radius = knn_dist[:, -1]
        own = knn_dist < radius[:, None]
        rows, cols, dist = [np.nonzero(own)[0]], [knn_ind[own]], [knn_dist[own]]
        for members, reach, index in zip(
            self.groups_, self.group_reach_, self.group_index_
        ):
            # A point whose own ball reaches as far as the group's largest
            # ball holds every reverse neighbour of the group already.
            need = np.flatnonzero((radius < reach) | (radius == 0))
            if need.size == 0:
                continue
            found_dist, found = index.radius_neighbors(
                X[need], radius=reach, sort_results=False
            )
            sizes = np.fromiter(map(len, found), dtype=np.int64, count=need.size)
            row = np.repeat(need, sizes)
            col = members[np.concatenate(found)]
            d = np.concatenate(found_dist).astype(np.float64)
            # Inside the training point's ball (a new point with n_neighbors
            # exact duplicates links to all of them) ...
            keep = (d < self.radius_[col]) | ((d == 0) & (radius[row] == 0))
            row, col, d = row[keep], col[keep], d[keep]
            # ... and not in the own ball, whose members the kNN query decided
            # (the radius query may round the same distance differently).
            keep = ~((knn_ind[row] == col[:, None]) & own[row]).any(axis=1)
            rows.append(row[keep])
            cols.append(col[keep])
            dist.append(d[keep])
        graph = sparse.csr_matrix(
            (np.concatenate(dist), (np.concatenate(rows), np.concatenate(cols))),
            shape=(X.shape[0], self.n_samples_fit_),
        )
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
