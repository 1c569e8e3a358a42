"""The ex-post mixture prior of ``benchmarks.bench_detail_prior``."""

import numpy as np
import torch

from benchmarks.bench_detail_prior import fit_mixture


def _bimodal(n, seed):
    """``u | z`` is +z or -z with equal odds, plus noise of scale 0.05."""
    rng = np.random.RandomState(seed)
    z = rng.uniform(0.5, 1.5, (n, 1))
    u = np.where(rng.rand(n, 1) < 0.5, z, -z) + 0.05 * rng.randn(n, 1)
    return torch.as_tensor(z), torch.as_tensor(u)


def test_mixture_learns_a_bimodal_conditional():
    z, u = _bimodal(1000, 0)
    log_var = torch.full_like(u, np.log(1e-6))
    z_test, u_test = _bimodal(500, 1)
    scores = {}
    for K in (1, 2):
        prior = fit_mixture(z, u, log_var, K, seed=0, max_epochs=25)
        with torch.no_grad():
            scores[K] = prior.log_prob(z_test, u_test).mean().item()
            draws = prior.draw(z_test, torch.Generator().manual_seed(0))
    # Two modes at +-z, 0.05 wide: about 0.6 nats per point for the right
    # mixture; a single Gaussian must cover both (about -1 nats).
    assert scores[2] > 0.3
    assert scores[2] > scores[1] + 1.0
    near = torch.minimum((draws - z_test).abs(), (draws + z_test).abs())
    assert float((near < 0.2).float().mean()) > 0.95
    assert 0.4 < float((draws > 0).float().mean()) < 0.6
