import torch
from torch import nn

from skdvae.vae._walk import random_walk, walk_step


class _Identity(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * self.scale


class _ConstantChol(nn.Module):
    def __init__(self, chol):
        super().__init__()
        self.chol = nn.Parameter(chol)

    def forward(self, x):
        return self.chol.expand(x.shape[0], *self.chol.shape)


def _modules(chol):
    dim = chol.shape[0]
    return _Identity(dim), _ConstantChol(chol), _Identity(dim)


def test_walk_step_moves_by_the_covariance():
    chol = torch.tensor([[0.5, 0.0], [0.3, 0.1]], dtype=torch.float64)
    enc, cov, dec = (m.double() for m in _modules(chol))
    x = torch.zeros(20000, 2, dtype=torch.float64)
    x_next, z = walk_step(x, enc, cov, dec, torch.Generator().manual_seed(0))
    torch.testing.assert_close(x_next, z)
    empirical = x_next.T @ x_next / len(x_next)
    torch.testing.assert_close(empirical, chol @ chol.T, atol=0.01, rtol=0)


def test_zero_covariance_walk_is_the_round_trip():
    enc, cov, dec = _modules(torch.zeros(2, 2))
    x = torch.randn(5, 2, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        x_next, _ = walk_step(x, enc, cov, dec, torch.Generator().manual_seed(0))
    torch.testing.assert_close(x_next, x)


def test_random_walk_trajectories_and_seeding():
    modules = _modules(0.1 * torch.eye(3))
    x0 = torch.randn(7, 3, generator=torch.Generator().manual_seed(2))

    def run(seed, **kwargs):
        return random_walk(
            x0, 4, *modules, torch.Generator().manual_seed(seed), **kwargs
        )

    paths = run(0)
    assert paths.shape == (7, 5, 3)
    torch.testing.assert_close(paths[:, 0], x0)
    torch.testing.assert_close(run(0), paths, rtol=0, atol=0)
    torch.testing.assert_close(run(0, return_trajectory=False), paths[:, -1])
    assert not torch.equal(run(1), paths)
    # Increments are independent Gaussian steps of standard deviation 0.1.
    steps = paths.diff(dim=1)
    assert 0.05 < steps.std().item() < 0.15


def test_random_walk_zero_steps_returns_start():
    modules = _modules(torch.eye(2))
    x0 = torch.ones(3, 2)
    out = random_walk(x0, 0, *modules, torch.Generator(), return_trajectory=False)
    torch.testing.assert_close(out, x0)


def test_random_walk_chunks_cover_all_walkers():
    modules = _modules(0.1 * torch.eye(2))
    x0 = torch.zeros(10, 2)
    out = random_walk(x0, 2, *modules, torch.Generator().manual_seed(0), batch_size=3)
    assert out.shape == (10, 3, 2)
    assert torch.unique(out[:, -1], dim=0).shape[0] == 10
