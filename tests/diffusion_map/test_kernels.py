"""Bandwidth rules and the kernel-graph builder."""

import numpy as np
import pytest
from scipy import sparse

from skdvae import DiffusionMap
from skdvae.datasets import make_circle, make_sphere
from skdvae.diffusion_map import _graph as graph_module
from skdvae.diffusion_map._graph import build_kernel_graph
from skdvae.diffusion_map._kernels import adaptive_neighbor, bgh_bandwidth


@pytest.mark.parametrize("adaptive", [True, False])
def test_bgh_intrinsic_dimension_of_a_circle(adaptive):
    X, _ = make_circle(2000, random_state=0)
    dm = DiffusionMap(epsilon="bgh", adaptive_bandwidth=adaptive, random_state=0)
    assert 0.75 < dm.fit(X).intrinsic_dim_ < 1.25


def test_bgh_intrinsic_dimension_of_a_sphere():
    # kNN truncation biases the estimate low at few neighbours (1.48 at the
    # default 15 on this sphere); with 60 it is close to 2.
    X, _ = make_sphere(3000, random_state=0)
    dm = DiffusionMap(epsilon="bgh", n_neighbors=60, random_state=0).fit(X)
    assert 1.7 < dm.intrinsic_dim_ < 2.3


def test_bgh_counts_each_point_once():
    # Self pairs: one per point, whatever the shape of the pair array.
    rng = np.random.default_rng(0)
    sq = rng.uniform(0.1, 1.0, size=(100, 9))
    assert bgh_bandwidth(sq, 100) == bgh_bandwidth(sq.ravel(), 100)
    assert bgh_bandwidth(sq, 100) != bgh_bandwidth(sq, 900)


def test_build_kernel_graph_is_the_diffusion_maps_kernel():
    X, _ = make_circle(300, random_state=0)
    dm = DiffusionMap(n_neighbors=12, random_state=0).fit(X)
    indices, distances = dm._search.fit(X)
    kernel = build_kernel_graph(
        indices, distances, dm.epsilon_, adaptive_neighbor(12, True)
    )
    q = np.asarray(kernel.K.sum(axis=1)).ravel()
    np.testing.assert_allclose(q, dm._degree, rtol=1e-12)
    assert kernel.epsilon == dm.epsilon_


def test_adaptive_neighbor_rule():
    assert adaptive_neighbor(15, True) == 7
    assert adaptive_neighbor(5, True) == 4
    assert adaptive_neighbor(15, False) is None


def test_far_new_points_keep_their_markov_row():
    # A row multiplied by a constant has the same Markov row. Adding c to
    # every squared distance and squared radius of a row multiplies its
    # tapered Gaussians by e^(-c / epsilon); at c = 800 epsilon they would all
    # underflow to 0 (an empty row), and the row shift keeps them.
    rng = np.random.RandomState(0)
    epsilon, n_fit = 2.0, 6
    d = np.sort(rng.uniform(0.5, 2.0, n_fit))
    radius = np.array([2.5])
    radius_fit = rng.uniform(0.5, 1.0, n_fit)
    degree = rng.uniform(1.0, 3.0, n_fit)

    def row(offset):
        graph = sparse.csr_matrix(
            (np.sqrt(d**2 + offset), np.arange(n_fit), [0, n_fit]), shape=(1, n_fit)
        )
        K = graph_module.kernel_rows(
            graph, np.sqrt(radius**2 + offset), radius_fit, epsilon
        )
        return graph_module.markov_rows(K, degree, 0.5).toarray()

    near = row(0.0)
    assert np.all(near > 0)
    np.testing.assert_allclose(row(800 * epsilon), near, rtol=1e-9)
    np.testing.assert_allclose(row(5000 * epsilon), near, rtol=1e-9)


def test_rows_within_range_are_not_shifted():
    sq_dist = np.array([1.0, 4.0, 2.0, 1300.0, 1400.0])
    shift = graph_module.row_shifts(sq_dist, np.full(5, 2.0), np.array([0, 3, 5]))
    np.testing.assert_array_equal(shift, [0.0, 0.0, 0.0, 650.0, 650.0])
    # Empty rows (every candidate at the truncation radius) anywhere.
    indptr = np.array([0, 0, 3, 3, 5, 5])
    shift = graph_module.row_shifts(sq_dist, np.full(5, 2.0), indptr)
    np.testing.assert_array_equal(shift, [0.0, 0.0, 0.0, 650.0, 650.0])
