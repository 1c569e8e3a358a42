"""Property-based tests: DiffusionMap is invariant to what should not matter."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.stats import special_ortho_group

from skdvae import DiffusionMap

SETTINGS = settings(max_examples=10, deadline=None, derandomize=True)


def _noisy_circle(seed, n=200):
    rng = np.random.RandomState(seed)
    theta = rng.uniform(0, 2 * np.pi, n)
    X = np.c_[np.cos(theta), np.sin(theta), 0.3 * np.cos(3 * theta)]
    return X + rng.normal(scale=0.01, size=X.shape)


def _embed(X):
    dm = DiffusionMap(n_components=3, component_selection="first", random_state=0)
    return dm.fit_transform(X)


def _assert_same_up_to_sign(A, B, rtol=1e-6):
    scale = np.abs(A).max()
    for a, b in zip(A.T, B.T):
        assert min(np.abs(a - b).max(), np.abs(a + b).max()) < rtol * scale


@SETTINGS
@given(seed=st.integers(0, 1000), shift=st.floats(-100, 100))
def test_translation_invariance(seed, shift):
    X = _noisy_circle(seed)
    _assert_same_up_to_sign(_embed(X), _embed(X + shift))


@SETTINGS
@given(seed=st.integers(0, 1000))
def test_rotation_invariance(seed):
    X = _noisy_circle(seed)
    R = special_ortho_group.rvs(3, random_state=seed)
    _assert_same_up_to_sign(_embed(X), _embed(X @ R.T))


@SETTINGS
@given(seed=st.integers(0, 1000), scale=st.floats(1e-3, 1e3))
def test_scale_invariance_of_automatic_bandwidth(seed, scale):
    X = _noisy_circle(seed)
    _assert_same_up_to_sign(_embed(X), _embed(X * scale))


@SETTINGS
@given(seed=st.integers(0, 1000))
def test_sparse_input_matches_dense(seed):
    X = _noisy_circle(seed)
    X[np.abs(X) < 0.2] = 0.0
    # Sparse distances are computed by expanding |x|^2 + |y|^2 - 2 x.y, which
    # loses a few more digits than the dense path.
    _assert_same_up_to_sign(_embed(X), _embed(sparse.csr_matrix(X)), rtol=1e-4)


@SETTINGS
@given(n_copies=st.integers(2, 4))
def test_duplicated_points_keep_equal_coordinates(n_copies):
    """Exact duplicates get identical coordinates, even n_neighbors of them."""
    X = np.repeat(_noisy_circle(0, n=60), n_copies, axis=0)
    dm = DiffusionMap(n_neighbors=8 * n_copies, random_state=0)
    Z = dm.fit_transform(X)
    groups = Z.reshape(60, n_copies, -1)
    np.testing.assert_allclose(groups, groups[:, :1, :].repeat(n_copies, 1), atol=1e-10)


def test_points_with_too_many_duplicates_form_their_own_component():
    X = np.vstack([_noisy_circle(0), np.zeros((20, 3))])
    with pytest.warns(UserWarning, match="connected components"):
        dm = DiffusionMap(n_neighbors=10, random_state=0).fit(X)
    assert dm.n_connected_components_ == 2
