"""The neighbour search: exact candidate rows, the radius groups and the reach."""

import numpy as np
import pytest
from scipy import sparse
from scipy.spatial.distance import cdist
from sklearn.datasets import make_swiss_roll

from skdvae import DiffusionMap
from skdvae.diffusion_map._neighbors import NeighborSearch, radius_buckets

K = 8


def _blobs(n, seed):
    """3-D clusters of very different spreads, far outliers, exact duplicates.

    The neighbourhood radii span several factors of two (several radius
    groups) and the outliers' balls reach into the clusters, so many
    candidates are reverse neighbours from other groups. In three dimensions
    the wide kNN query rarely lists every candidate: the radius groups run.
    """
    rng = np.random.default_rng(seed)
    parts = [
        rng.normal(0.0, 0.05, (n, 3)),
        rng.normal(1.0, 0.5, (n, 3)),
        rng.uniform(-4.0, 4.0, (5, 3)),
    ]
    X = np.concatenate(parts)
    X[: K + 2] = X[0]  # more than n_neighbors copies: radius 0
    return X


def _sheet(n, seed):
    """A plane in 3-D sampled unevenly, with outliers and exact duplicates.

    On a 2-D sheet most new points find all their candidates among their
    ``2 k`` nearest (the covered route); the outliers do not.
    """
    rng = np.random.default_rng(seed)
    uv = rng.uniform(0.0, 1.0, (n, 2)) ** [1.0, 2.0]  # denser towards v = 0
    X = np.c_[uv, 0.1 * uv[:, 0]]
    X = np.concatenate([X, rng.uniform(-1.0, 2.0, (5, 3))])
    X[: K + 2] = X[0]
    return X


def _rule_rows(D, radius_new, radius_fit):
    """Pairs with ``d < max(r_k(x), r_k(y))``, or exact duplicates of radius 0."""
    bound = np.maximum(radius_new[:, None], radius_fit[None, :])
    return (D < bound) | ((D == 0) & (radius_new[:, None] == 0))


def _check_rows(search, X, new, scipy_name):
    graph, knn_dist = search.candidates(new)
    D = cdist(new, X, metric=scipy_name)
    radius_new = np.sort(D, axis=1)[:, K - 1]
    np.testing.assert_allclose(knn_dist[:, -1], radius_new, rtol=1e-12, atol=1e-12)
    expected = _rule_rows(D, knn_dist[:, -1], search.radius_)
    rows = np.repeat(np.arange(graph.shape[0]), np.diff(graph.indptr))
    got = np.zeros(D.shape, dtype=bool)
    got[rows, graph.indices] = True  # explicit zeros (duplicates) included
    # Away from ties at the radius (zero kernel weight), the rows are exact.
    margin = np.abs(D - np.maximum(knn_dist[:, -1:], search.radius_[None, :]))
    clear = margin > 1e-9 * (1 + D)
    np.testing.assert_array_equal(got[clear], expected[clear])
    np.testing.assert_allclose(graph.data, D[rows, graph.indices], atol=1e-12)
    assert len(set(zip(rows, graph.indices))) == graph.nnz  # no pair twice


@pytest.mark.parametrize(
    ("metric", "scipy_name"),
    [("euclidean", "euclidean"), ("manhattan", "cityblock"), ("cosine", "cosine")],
)
def test_candidates_from_the_radius_groups_follow_the_union_rule(metric, scipy_name):
    X = _blobs(150, 0)
    new = np.concatenate([_blobs(40, 1), X[:3], X[-2:] + 1e-3])
    search = NeighborSearch(K, "exact", metric, None, None, 0)
    search.fit(X)
    assert len(search.groups_) >= 3  # several radius groups
    assert search.reach_ is None  # only the radius groups
    _check_rows(search, X, new, scipy_name)


@pytest.mark.parametrize(
    ("metric", "scipy_name"), [("euclidean", "euclidean"), ("manhattan", "cityblock")]
)
def test_candidates_from_the_wide_query_follow_the_union_rule(metric, scipy_name):
    X = _sheet(2000, 0)
    new = np.concatenate([_sheet(300, 1), X[:3], X[-2:] + 1e-3])
    search = NeighborSearch(K, "exact", metric, None, None, 0)
    search.fit(X)
    assert search.reach_ is not None
    dist, ind = search.index_.kneighbors(new, n_neighbors=2 * K)
    covered = search._covered(dist, ind)
    assert 0.5 < covered.mean() < 1  # both routes are taken
    _check_rows(search, X, new, scipy_name)


@pytest.mark.parametrize("make", [_blobs, _sheet])
def test_reach_is_the_largest_ball_within_half_a_radius(make):
    X = make(150, 3)
    search = NeighborSearch(K, "exact", "euclidean", None, None, 0)
    search.fit(X)
    D, r = cdist(X, X), search.radius_
    bound = r[None, :] + r[:, None] / 2
    expected = np.max(np.where(D < bound, r[None, :], 0.0), axis=1)
    got = search._reach(X)
    clear = np.all((np.abs(D - bound) > 1e-9) | (D == 0), axis=1)
    assert clear.mean() > 0.9
    np.testing.assert_allclose(got[clear], expected[clear], rtol=1e-12)
    assert np.all(got >= r)


def test_new_point_with_many_duplicates_links_to_all_of_them():
    for X in (_blobs(100, 0), _sheet(300, 0)):
        search = NeighborSearch(K, "exact", "euclidean", None, None, 0)
        search.fit(X)
        graph, knn_dist = search.candidates(X[:1])
        assert knn_dist[0, -1] == 0
        assert set(graph.indices) == set(range(K + 2))
        assert np.all(graph.data == 0)


def test_training_rows_are_rows_of_the_union_graph():
    # For a training point the candidate row is its row of the union of the
    # kNN graphs, less the pairs on the radius (zero kernel weight).
    for X in (_blobs(120, 2)[K + 2 :], _sheet(400, 2)[K + 2 :]):
        search = NeighborSearch(K, "exact", "euclidean", None, None, 0)
        indices, _ = search.fit(X)
        graph, _ = search.candidates(X)
        adjacency = np.zeros((len(X), len(X)), dtype=bool)
        adjacency[np.repeat(np.arange(len(X)), K), indices.ravel()] = True
        adjacency |= adjacency.T
        got = np.zeros_like(adjacency)
        rows = np.repeat(np.arange(len(X)), np.diff(graph.indptr))
        got[rows, graph.indices] = True
        assert np.all(got <= adjacency)
        bound = np.maximum(search.radius_[:, None], search.radius_[None, :])
        clear = np.abs(cdist(X, X) - bound) > 1e-9
        np.testing.assert_array_equal(got[clear], adjacency[clear])


def test_radius_buckets_partition_by_factor_two():
    radius = np.array([0.0, 0.0, 1.0, 1.5, 1.99, 2.0, 3.9, 8.5, 100.0])
    groups = radius_buckets(radius)
    members = np.sort(np.concatenate(groups))
    np.testing.assert_array_equal(members, np.arange(radius.size))
    np.testing.assert_array_equal(groups[0], [0, 1])
    for group in groups[1:]:
        assert radius[group].max() < 2 * radius[group].min()
    assert [radius[g].min() for g in groups] == sorted(radius[g].min() for g in groups)


@pytest.fixture(scope="module")
def swiss_roll_small():
    X, _ = make_swiss_roll(2500, noise=0.3, random_state=0)
    return X[:2000], X[2000:]


def test_transform_unchanged_by_the_search(swiss_roll_small):
    # Candidate rows from a brute-force evaluation of the rule give the same
    # Nystrom extension.
    X, X_new = swiss_roll_small
    dm = DiffusionMap(random_state=0).fit(X)
    assert dm._search.reach_ is not None  # the wide query on the roll
    Z = dm.transform(X_new)
    D = cdist(X_new, X)
    knn = np.sort(D, axis=1)[:, : dm.n_neighbors_]
    keep = _rule_rows(D, knn[:, -1], dm._search.radius_)

    def brute(Q):
        return sparse.csr_matrix(np.where(keep, D, 0.0)), knn

    dm._search.candidates = brute
    np.testing.assert_allclose(dm.transform(X_new), Z, rtol=0, atol=1e-12)


@pytest.mark.parametrize("backend", ["exact", "precomputed"])
def test_nearest_lists_the_k_nearest_training_points(backend):
    rng = np.random.RandomState(0)
    X, new = rng.normal(size=(200, 3)), rng.normal(size=(30, 3))
    train, query = (
        (cdist(X, X), cdist(new, X)) if backend == "precomputed" else (X, new)
    )
    search = NeighborSearch(8, backend, "euclidean", None, None, 0)
    indices, _ = search.fit(train, reverse=False)
    np.testing.assert_array_equal(search.indices_, indices)
    expected = np.argsort(cdist(new, X), axis=1, kind="stable")[:, :8]
    np.testing.assert_array_equal(search.nearest(query), expected)
    if backend == "precomputed":
        np.testing.assert_array_equal(
            search.nearest(sparse.csr_matrix(query)), expected
        )
