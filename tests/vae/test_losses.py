import math

import pytest
import torch
from torch.distributions import MultivariateNormal, Normal, kl_divergence

from skdvae.vae._latent_search import LatentSearch, nearest_reference
from skdvae.vae._losses import (
    ScaledMSELoss,
    TransitionLoss,
    gaussian_kl,
    gaussian_nll,
    realised_step,
    spectral_loss,
    transition_loss,
)


def _random_chol(n, d, gen, dtype=torch.float64):
    a = torch.randn(n, d, d, generator=gen, dtype=dtype)
    cov = a @ a.transpose(-1, -2) + 0.1 * torch.eye(d, dtype=dtype)
    return torch.linalg.cholesky(cov)


@pytest.mark.parametrize("dim", [1, 2, 4])
def test_kl_matches_torch_distributions(dim):
    g = torch.Generator().manual_seed(dim)
    cq, cp = _random_chol(8, dim, g), _random_chol(8, dim, g)
    mq = torch.randn(8, dim, generator=g, dtype=torch.float64)
    mp = torch.randn(8, dim, generator=g, dtype=torch.float64)
    expected = kl_divergence(
        MultivariateNormal(mq, scale_tril=cq), MultivariateNormal(mp, scale_tril=cp)
    )
    torch.testing.assert_close(gaussian_kl(cq, cp, mq, mp), expected)
    same_mean = kl_divergence(
        MultivariateNormal(mq, scale_tril=cq), MultivariateNormal(mq, scale_tril=cp)
    )
    torch.testing.assert_close(gaussian_kl(cq, cp), same_mean)


def test_kl_zero_for_equal_gaussians_and_positive_otherwise():
    g = torch.Generator().manual_seed(0)
    c = _random_chol(5, 3, g)
    torch.testing.assert_close(gaussian_kl(c, c), torch.zeros(5, dtype=torch.float64))
    assert torch.all(gaussian_kl(1.5 * c, c) > 0)
    assert torch.all(gaussian_kl(c, 1.5 * c) > 0)


def test_kl_is_differentiable():
    g = torch.Generator().manual_seed(1)
    c = _random_chol(3, 2, g).requires_grad_(True)
    gaussian_kl(c, torch.eye(2, dtype=torch.float64).expand(3, 2, 2)).sum().backward()
    assert torch.isfinite(c.grad).all()


def test_gaussian_nll_matches_normal_log_prob():
    g = torch.Generator().manual_seed(2)
    x = torch.randn(6, 4, generator=g, dtype=torch.float64)
    mean = torch.randn(6, 4, generator=g, dtype=torch.float64)
    log_var, scale = torch.tensor(-0.7, dtype=torch.float64), 3.0
    std = scale * math.exp(0.5 * log_var.item())
    expected = -Normal(mean, std).log_prob(x).sum(-1)
    torch.testing.assert_close(gaussian_nll(x, mean, log_var, scale), expected)


@pytest.mark.parametrize("chunk_size", [3, 7, 1000])
def test_nearest_reference_matches_brute_force(chunk_size):
    g = torch.Generator().manual_seed(3)
    query, ref = torch.randn(9, 2, generator=g), torch.randn(40, 2, generator=g)
    idx = nearest_reference(query, ref, n_nearest=4, chunk_size=chunk_size)
    expected = torch.cdist(query, ref).argsort(1)[:, :4]
    torch.testing.assert_close(idx, expected)


def test_realised_step_same_with_and_without_search():
    g = torch.Generator().manual_seed(6)
    E, X = torch.randn(200, 3, generator=g), torch.randn(200, 5, generator=g)
    z = torch.randn(16, 3, generator=g)
    plain = realised_step(z, E, X)
    torch.testing.assert_close(plain, X[torch.cdist(z, E).argmin(1)])
    searched = realised_step(z, E, X, LatentSearch(E.double().numpy(), 1))
    torch.testing.assert_close(plain, searched)
    # The criterion hands its search to the lookup.
    calls = []

    def spy(z):
        calls.append(len(z))
        return nearest_reference(z, E)

    crit = TransitionLoss().set_reference(E, X, spy)
    torch.testing.assert_close(crit.realised_step(z), plain)
    assert calls == [16]


def test_spectral_loss_value():
    y = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    nbrs = torch.tensor([[[1.0, 0.0], [0.0, 2.0]], [[1.0, 0.0], [0.0, 0.0]]])
    w = torch.tensor([[1.0, 0.5], [2.0, 1.0]])
    d = torch.tensor([1.5, 3.0])
    # (1*1 + 0.5*4 + 2*0 + 1*1) / 4.5
    torch.testing.assert_close(spectral_loss(y, nbrs, w, d), torch.tensor(4.0 / 4.5))


def test_transition_loss_parts_and_criterion():
    g = torch.Generator().manual_seed(4)
    target = torch.randn(5, 3, generator=g)
    chol = _random_chol(5, 2, g, torch.float32)
    prior = _random_chol(5, 2, g, torch.float32)
    x_hat = torch.randn(5, 3, generator=g)
    log_var = torch.tensor(0.3)
    loss, recon, kl = transition_loss(chol, x_hat, target, log_var, prior, 2.0, 0.5)
    torch.testing.assert_close(recon, gaussian_nll(target, x_hat, log_var, 2.0))
    torch.testing.assert_close(kl, gaussian_kl(chol, prior))
    torch.testing.assert_close(loss, recon + 0.5 * kl)
    detail = torch.rand(5, generator=g)
    with_detail, _, _ = transition_loss(
        chol, x_hat, target, log_var, prior, 2.0, 0.5, detail, 0.25
    )
    torch.testing.assert_close(with_detail, loss + 0.25 * detail)
    crit = TransitionLoss(2.0, 0.5, detail_weight=0.25)
    torch.testing.assert_close(
        crit(chol, x_hat, target, log_var, prior, detail), with_detail.mean()
    )


def test_transition_loss_reference_can_be_cleared():
    search = object()
    crit = TransitionLoss().set_reference(torch.ones(3, 2), torch.ones(3, 4), search)
    assert crit.reference_data.shape == (3, 4) and crit.search is search
    crit.set_reference(None, None)
    assert crit.reference_data.numel() == 0 and crit.search is None


def test_scaled_mse():
    crit = ScaledMSELoss(2.0)
    value = crit(torch.tensor([2.0, 0.0]), torch.tensor([0.0, 0.0]))
    torch.testing.assert_close(value, torch.tensor(0.5))
