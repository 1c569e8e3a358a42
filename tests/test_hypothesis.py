"""Property-based tests (hypothesis) of both estimators on generated data.

For any finite data that fit: no NaN or inf out; ``transform`` of the
training data is the fitted embedding; samples are finite and of the data's
width; the embedding does not depend on the order, position, orientation or
units of the data. Embeddings are compared through their pairwise distances,
which do not change under the sign flips and rotations within degenerate
eigenspaces that make diffusion coordinates unique only up to an orthogonal
map. DiffusionVAE's networks depend on the order of the rows (minibatches) and
on the orientation of the features (their input weights), so for it the
invariance to those is tested on its diffusion map, and to translation and
units on the whole model.
"""

import warnings

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import pdist
from scipy.stats import ortho_group

from skdvae import DiffusionMap, DiffusionVAE


@st.composite
def datasets(draw, min_samples=20, max_samples=60, general_position=False):
    """Finite data; in general position, tied distances are broken.

    A kNN graph is defined up to ties: with equal distances (duplicates,
    lattices, which hypothesis likes to generate) the neighbours chosen depend
    on the order of the rows, so invariance holds for data in general
    position only. A seeded relative jitter of 1e-6 breaks the ties.
    """
    n = draw(st.integers(min_samples, max_samples))
    d = draw(st.integers(2, 5))
    elements = st.floats(-100, 100, allow_nan=False, width=64)
    # fill=nothing: every entry drawn on its own (no repeated fill value).
    X = draw(arrays(np.float64, (n, d), elements=elements, fill=st.nothing()))
    # Data with many repeated rows are rejected by the median bandwidth (a
    # tested error); property tests are about data that fit.
    assume(len(np.unique(X, axis=0)) > 0.75 * n)
    if general_position:
        jitter = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
        X = X + 1e-6 * (np.abs(X).max() + 1) * jitter.standard_normal(X.shape)
    return X


def _fit(est, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X)


def _same_geometry(A, B):
    """Equal pairwise distances, relative to the embedding's size."""
    a, b = pdist(A), pdist(B)
    np.testing.assert_allclose(a, b, atol=1e-6 * max(a.max(), 1e-300))


# Derandomised, without a stored database: every run (and CI) tests the same
# examples. To explore, set derandomize=False and run with --hypothesis-seed=N
# and a larger max_examples (seed 13 found the component of exact duplicates
# now tested in tests/diffusion_map/test_components.py).
COMMON = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FAST = settings(max_examples=25, **COMMON)


@FAST
@given(X=datasets())
def test_diffusion_map_outputs_finite_and_consistent(X):
    dm = _fit(DiffusionMap(random_state=0), X)
    Z = dm.embedding_
    assert np.isfinite(Z).all()
    np.testing.assert_allclose(dm.transform(X), Z, atol=1e-8 * np.abs(Z).max())
    assert np.isfinite(dm.inverse_transform(Z)).all()
    new = dm.sample(7, random_state=0)
    assert new.shape == (7, X.shape[1]) and np.isfinite(new).all()


@FAST
@given(
    X=datasets(general_position=True),
    seed=st.integers(0, 2**31 - 1),
    shift=st.floats(-1e3, 1e3),
    scale=st.floats(1e-3, 1e3),
)
def test_diffusion_map_invariant_to_order_position_orientation_units(
    X, seed, shift, scale
):
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(X))
    Q = ortho_group.rvs(X.shape[1], random_state=rng)
    base = _fit(DiffusionMap(random_state=0), X).embedding_
    moved = _fit(DiffusionMap(random_state=0), (X[order] @ Q + shift) * scale)
    _same_geometry(moved.embedding_, base[order])


VAE = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
SLOW = settings(max_examples=5, **COMMON)


@SLOW
@given(X=datasets(min_samples=40, max_samples=60))
def test_diffusion_vae_outputs_finite_and_consistent(X):
    vae = _fit(DiffusionVAE(**VAE), X)
    np.testing.assert_array_equal(vae.transform(X), vae.embedding_)
    assert np.isfinite(vae.embedding_).all()
    assert np.isfinite(vae.inverse_transform(vae.embedding_)).all()
    assert np.isfinite(vae.score_samples(X)).all()
    new = vae.sample(7, random_state=0)
    assert new.shape == (7, X.shape[1]) and np.isfinite(new).all()


@SLOW
@given(
    X=datasets(min_samples=40, max_samples=60, general_position=True),
    seed=st.integers(0, 2**31 - 1),
    shift=st.floats(-1e3, 1e3),
    scale=st.floats(1e-3, 1e3),
)
def test_diffusion_vae_invariances(X, seed, shift, scale):
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(X))
    Q = ortho_group.rvs(X.shape[1], random_state=rng)
    base = _fit(DiffusionVAE(**VAE), X)
    moved = _fit(DiffusionVAE(**VAE), X * scale + shift)
    np.testing.assert_allclose(
        moved.transform(X * scale + shift), base.embedding_, rtol=1e-6, atol=1e-8
    )
    np.testing.assert_allclose(
        (moved.sample(5, random_state=1) - shift) / scale,
        base.sample(5, random_state=1),
        rtol=1e-6,
        atol=1e-6 * np.abs(X).max(),
    )
    turned = _fit(DiffusionVAE(**VAE), X[order] @ Q)
    reference = base.diffusion_map_.embedding_[order]
    _same_geometry(turned.diffusion_map_.embedding_, reference)
