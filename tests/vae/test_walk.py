"""The Metropolis-Hastings latent walk, on hand-made modules with known answers."""

import numpy as np
import pytest
import torch
from torch import nn

from skdvae.vae._walk import LatentSupport, latent_walk


class _Transition(nn.Module):
    """Identity decoder and a constant step: the walk's state is its output."""

    def __init__(self, chol, n_detail=0):
        super().__init__()
        self.covariance_factor = nn.Parameter(torch.as_tensor(chol))
        self.n_detail = n_detail

    def covariance(self, x):
        return self.covariance_factor.expand(x.shape[0], *self.covariance_factor.shape)

    def generate(self, z, eps_u=None):
        return z if eps_u is None else z + 0.0 * eps_u.sum(1, keepdim=True)


def _walk(z0, n_steps, chol, reference, weights, bandwidth, seed=0, **kwargs):
    support = LatentSupport(reference, weights, bandwidth)
    transition = _Transition(torch.as_tensor(chol, dtype=torch.float64)).double()
    generator = torch.Generator().manual_seed(seed)
    z0 = torch.as_tensor(z0, dtype=torch.float64)
    return latent_walk(z0, n_steps, transition, support, generator, **kwargs)


class _DetailTransition(_Transition):
    """Emits the state and its detail draw side by side: ``[z, eps_u]``."""

    def generate(self, z, eps_u=None):
        return z if eps_u is None else torch.cat([z, eps_u], 1)


def test_detail_temperature_scales_only_the_detail_noise():
    reference = np.random.default_rng(0).normal(size=(50, 2))
    support = LatentSupport(reference, np.full(50, 1 / 50), 1.0)
    transition = _DetailTransition(torch.eye(2, dtype=torch.float64), n_detail=3)
    z0 = torch.as_tensor(reference[:10])
    paths = {
        t: latent_walk(z0, 4, transition, support, torch.Generator().manual_seed(0), t)[
            0
        ].numpy()
        for t in (0.0, 1.0, 2.5)
    }
    # The same walk whatever the temperature; its detail draws scaled by it.
    for t in (0.0, 2.5):
        np.testing.assert_array_equal(paths[t][..., :2], paths[1.0][..., :2])
        np.testing.assert_allclose(paths[t][..., 2:], t * paths[1.0][..., 2:])
    assert np.abs(paths[1.0][..., 2:]).min() > 0


def test_walk_never_leaves_the_support():
    # Two clusters 10 apart, steps as large as the gap: a walker may jump from
    # one cluster to the other, but every visited point stays within the
    # bandwidth of a reference point, so none lies in the gap.
    rng = np.random.default_rng(0)
    reference = np.concatenate(
        [rng.normal(0, 0.3, (100, 2)), rng.normal(10, 0.3, (100, 2))]
    )
    weights = np.full(200, 1 / 200)
    paths, acceptance = _walk(
        reference[::5], 200, 5.0 * np.eye(2), reference, weights, 0.5
    )
    visited = paths.reshape(-1, 2).numpy()
    nearest = np.min(np.linalg.norm(visited[:, None] - reference[None], axis=2), axis=1)
    assert nearest.max() <= 0.5
    assert 0 < acceptance < 1


def test_walk_keeps_its_target_invariant():
    # Reference points on [0, 1] weighted towards 1: walkers started from the
    # weights keep the target's mean after many steps (an unconstrained walk
    # would spread out and drift).
    reference = np.linspace(0, 1, 201)[:, None]
    weights = reference[:, 0] / reference[:, 0].sum()
    h = 0.05
    grid = np.linspace(-h, 1 + h, 20001)
    kernel = (
        np.clip(1 - ((grid[:, None] - reference[None, :, 0]) / h) ** 2, 0, None) ** 2
    )
    density = kernel @ weights
    target_mean = (grid * density).sum() / density.sum()
    start = np.random.default_rng(1).choice(201, size=20000, p=weights)
    paths, acceptance = _walk(reference[start], 60, [[0.1]], reference, weights, h)
    assert abs(paths[:, -1, 0].mean().item() - target_mean) < 0.01
    assert (
        abs(
            paths[:, -1, 0].std().item()
            - np.sqrt(((grid - target_mean) ** 2 * density).sum() / density.sum())
        )
        < 0.01
    )
    assert acceptance > 0.3


def test_walk_mixes_along_the_support():
    reference = np.linspace(0, 1, 101)[:, None]
    weights = np.full(101, 1 / 101)
    paths, _ = _walk(np.zeros((50, 1)), 400, [[0.05]], reference, weights, 0.05)
    # Walkers started at one end reach the other half.
    assert (paths[:, -1, 0] > 0.5).float().mean() > 0.2


def test_start_off_the_support_moves_to_the_nearest_embedding():
    reference = np.array([[0.0, 0.0], [1.0, 0.0]])
    paths, _ = _walk([[3.0, 0.0]], 0, 0.1 * np.eye(2), reference, np.ones(2) / 2, 0.2)
    torch.testing.assert_close(
        paths[0, 0], torch.tensor([1.0, 0.0], dtype=torch.float64)
    )


def test_walk_is_seeded_and_chunked_consistently():
    reference = np.random.default_rng(2).normal(size=(300, 3))
    weights = np.full(300, 1 / 300)
    z0 = reference[:7]
    a, acc_a = _walk(z0, 5, 0.3 * np.eye(3), reference, weights, 1.0, seed=0)
    b, _ = _walk(z0, 5, 0.3 * np.eye(3), reference, weights, 1.0, seed=0)
    c, _ = _walk(z0, 5, 0.3 * np.eye(3), reference, weights, 1.0, seed=1)
    assert a.shape == (7, 6, 3)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not torch.equal(a, c)
    chunked, _ = _walk(z0, 5, 0.3 * np.eye(3), reference, weights, 1.0, batch_size=3)
    assert (
        chunked.shape == a.shape and torch.unique(chunked[:, -1], dim=0).shape[0] == 7
    )
    zero, acc = _walk(z0, 0, 0.3 * np.eye(3), reference, weights, 1.0)
    torch.testing.assert_close(zero[:, 0], torch.as_tensor(z0))
    assert np.isnan(acc) and 0 < acc_a < 1


@pytest.mark.parametrize("n_samples", [200, 6000])
def test_tree_and_brute_force_densities_agree(n_samples):
    # Above the k-d tree threshold the density sums over the nearest 32
    # embeddings only; with a bandwidth covering fewer, both are equal.
    rng = np.random.default_rng(3)
    reference = rng.uniform(size=(n_samples, 2))
    weights = rng.uniform(size=n_samples)
    weights /= weights.sum()
    h = 0.3 * np.sqrt(32 / n_samples)
    support = LatentSupport(reference, weights, h)
    assert (support.search is not None) == (n_samples >= 5000)
    z = torch.as_tensor(rng.uniform(size=(50, 2)))
    d2 = ((z.numpy()[:, None] - reference[None]) ** 2).sum(-1) / h**2
    expected = np.log(np.clip(1 - d2, 0, None) ** 2 @ weights)
    np.testing.assert_allclose(support.log_density(z).numpy(), expected, rtol=1e-10)


def test_draw_samples_the_biweight_kernel_around_each_centre():
    support = LatentSupport(np.array([[0.0], [10.0]]), np.array([0.5, 0.5]), 1.0)
    generator = torch.Generator().manual_seed(0)
    index = torch.tensor([0] * 20000 + [1] * 10)
    z = support.draw(index, generator).numpy()[:, 0]
    assert np.all(np.abs(z[:20000]) < 1.0) and np.all(np.abs(z[20000:] - 10) < 1.0)
    # The 1-D biweight kernel (1 - x^2)^2 on [-1, 1] has variance 1 / 7.
    assert abs(z[:20000].var() - 1 / 7) < 0.01
    assert torch.isfinite(support.log_density(torch.as_tensor(z[:, None]))).all()
