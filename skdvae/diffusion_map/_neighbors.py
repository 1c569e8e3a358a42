"""Nearest-neighbour back ends behind one small interface.

`NeighborSearch` answers the two questions a diffusion map asks:

* ``fit(X)``: the ``k`` nearest neighbours of every training point, the point
  itself included (column 0, distance 0);
* ``candidates(X)``: for new points, a sparse row of training points that
  contains every ``y`` with ``d(x, y) < max(r_k(x), r_k(y))``, which is the row
  of the symmetrised kNN graph that the point would have had in training.

With exact search (scikit-learn trees or brute force, or dense precomputed
distances) the candidate rows are exact, so the Nystrom extension of a training
point reproduces its fitted coordinates. A candidate is in the new point's own
ball (``d < r_k(x)``: among its k nearest) or is a *reverse* neighbour, a
training point whose ball holds the new point (``d < r_k(y)``). Exact search
finds them by one of two routes:

* the wide query: on data where it pays (low-dimensional manifolds), the
  ``2 k`` nearest are listed; when they reach past the largest ball that can
  hold the new point (``reach_`` of its nearest training point), they hold
  every candidate;
* the radius groups, for the other points: the training points grouped by
  radius within a factor 2 (`radius_buckets`), each group queried at its
  largest radius, so that the query finds every ball of the group that holds
  the point and returns only points with ``d < 2 r_k(y)``.

With approximate search (pynndescent) or a user-supplied
``KNeighborsTransformer`` the reverse neighbours are searched among the ``2 k``
nearest, which is approximate.
"""

import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.neighbors import NearestNeighbors

__all__ = ["NeighborSearch", "radius_buckets"]

# Largest ratio of two neighbourhood radii within one group of `radius_buckets`.
_BUCKET_RATIO = 2.0
# Training points that estimate whether the wide kNN query of `transform` pays.
_PROBES = 1000


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
    def fit(self, X, reverse=True):
        """Index ``X`` and return each point's ``k`` nearest neighbours.

        Parameters
        ----------
        X : array-like
            Training points (distances among them for ``"precomputed"``).
        reverse : bool, default=True
            Prepare the exact reverse-neighbour queries of :meth:`candidates`
            (exact back end only); without them only :meth:`nearest` answers.

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
        self.indices_ = np.asarray(indices, dtype=np.int64)
        if self.backend == "exact" and reverse:
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
        self.reach_ = self._reach(X) if self._wide_query_pays(X) else None

    def _wide_query_pays(self, X):
        """Whether most new points will find all their candidates listed.

        :meth:`_exact_candidates` then asks for the ``2 k`` nearest instead of
        ``k`` and runs the radius queries only for the others. Estimated on
        up to ``_PROBES`` training points: most are covered on a 2-D manifold,
        few on data of higher intrinsic dimension, where the ``2 k``-th
        neighbour lies little beyond the ``k``-th. Brute force is excluded: it
        costs a pass over the training points per query anyway.
        """
        n = self.n_samples_fit_
        if self.index_._fit_method == "brute" or 2 * self.n_neighbors > n:
            return False
        probes = np.unique(np.linspace(0, n - 1, min(n, _PROBES)).astype(np.int64))
        dist, _ = self.index_.kneighbors(X[probes], n_neighbors=2 * self.n_neighbors)
        return np.mean(dist[:, -1] > self._reach(X, probes)) >= 0.5

    def _reach(self, X, rows=None):
        """Largest ball coming within half its own radius of training points.

        ``reach_[z] = max {r_k(y) : d(z, y) < r_k(y) + r_k(z) / 2}``, at least
        ``r_k(z)``, for the training points ``rows`` (default: all). For a new
        point ``x`` whose nearest training point ``z`` is within ``r_k(z) /
        2``, every training point ``y`` whose ball holds ``x`` has ``d(z, y) <
        r_k(y) + r_k(z) / 2``, hence ``r_k(y) <= reach_[z]`` and ``d(x, y) <
        reach_[z]``.
        """
        rows = np.arange(self.n_samples_fit_) if rows is None else rows
        reach = self.radius_[rows]
        for group in self.groups_:
            own = np.flatnonzero(np.isin(rows, group))
            for members, group_reach, index in zip(
                self.groups_, self.group_reach_, self.group_index_
            ):
                if own.size == 0 or group_reach <= reach[own].min():
                    continue  # such balls cannot raise the reach of `own`
                half = self.radius_[rows[own]] / 2
                found_dist, found = index.radius_neighbors(
                    X[rows[own]], radius=group_reach + half.max(), sort_results=False
                )
                sizes = np.fromiter(map(len, found), dtype=np.int64, count=own.size)
                row = np.repeat(np.arange(own.size), sizes)
                col = members[np.concatenate(found)]
                near = np.concatenate(found_dist) < self.radius_[col] + half[row]
                np.maximum.at(reach, own[row[near]], self.radius_[col[near]])
        return reach

    # -- queries ------------------------------------------------------------
    def nearest(self, X):
        """Indices of the ``k`` nearest training points of each new point.

        Exact or approximate as the back end is; ``"precomputed"`` reads them
        from the rows of distances ``X``.

        Returns
        -------
        indices : ndarray of shape (n_queries, n_neighbors)
            Nearest first.
        """
        k = self.n_neighbors
        if self.backend == "exact":
            return self.index_.kneighbors(X, return_distance=False)
        if self.backend == "approximate":
            return self.index_.query(X, k=k)[0].astype(np.int64)
        if self.backend == "precomputed" and not sparse.issparse(X):
            return np.argsort(X, axis=1, kind="stable")[:, :k]
        graph = X if self.backend == "precomputed" else self.index_.transform(X)
        return _k_smallest_per_row(graph, k, include_self=False)[0]

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
        """Candidate rows from one kNN query, radius queries where needed.

        The query asks for the ``2 k`` nearest. For a new point whose nearest
        training point ``z`` is within ``r_k(z) / 2`` and whose ``2 k``-th
        neighbour lies beyond ``reach_[z]`` (:meth:`_reach`), every candidate
        is among them; the others get their reverse neighbours from the
        radius groups (:meth:`_reverse_by_groups`).
        """
        k, wide = self.n_neighbors, self.n_neighbors
        if self.reach_ is not None:
            wide = min(2 * k, self.n_samples_fit_)
        dist, ind = self.index_.kneighbors(X, n_neighbors=wide)
        dist = dist.astype(np.float64)
        knn_dist, radius = dist[:, :k], dist[:, k - 1]
        covered = self._covered(dist, ind)
        # Listed pairs: the own ball of every point (its first k), and for the
        # covered points every listed training point whose ball holds them.
        keep = dist < np.where(covered[:, None], self.radius_[ind], 0.0)
        keep |= dist < radius[:, None]
        keep |= covered[:, None] & (dist == 0) & (radius[:, None] == 0)
        rows, cols, data = [np.nonzero(keep)[0]], [ind[keep]], [dist[keep]]
        rest = np.flatnonzero(~covered)
        if rest.size:
            own = knn_dist[rest] < radius[rest, None]
            reverse = self._reverse_by_groups(X[rest], radius[rest], ind[rest, :k], own)
            for row, col, d in reverse:
                rows.append(rest[row])
                cols.append(col)
                data.append(d)
        graph = sparse.csr_matrix(
            (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
            shape=(X.shape[0], self.n_samples_fit_),
        )
        return graph, knn_dist

    def _covered(self, dist, ind):
        """New points whose listed neighbours hold all their candidates.

        Those whose nearest training point ``z`` is within ``r_k(z) / 2`` and
        whose last listed neighbour lies beyond ``reach_[z]``: every training
        point within ``reach_[z]`` is listed (:meth:`_reach`).
        """
        if self.reach_ is None:
            return np.zeros(dist.shape[0], dtype=bool)
        nearest = ind[:, 0]
        near = dist[:, 0] <= self.radius_[nearest] / 2
        return near & (dist[:, -1] > self.reach_[nearest])

    def _reverse_by_groups(self, X, radius, knn_ind, own):
        """Training points whose ball holds a new point, outside its own ball.

        Yields ``(row, col, distance)`` per radius group. A group is skipped
        for a point whose own ball reaches as far as the group's largest
        ball: its own ball already holds every reverse neighbour there.
        """
        for members, reach, index in zip(
            self.groups_, self.group_reach_, self.group_index_
        ):
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
            yield row[keep], col[keep], d[keep]

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
