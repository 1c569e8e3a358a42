"""What holds DiffusionVAE's Fashion-MNIST recall back: prior or trade-off? (issue 9).

Run ``python -m benchmarks.bench_detail_prior [--part prior|tradeoff|all]
[--seeds 0] [--n-train 5000|20000] [--models DIR]``, with the split, the
fitted models (``--models`` reuses the pickles of ``bench_generation --part
fashion``) and the columns of ``bench_generation --part fashion``; or
``--part frey`` for the trade-off on Frey faces.

``prior``: the default DiffusionVAE (``n_components=8``, 8 detail coordinates)
decodes training embeddings ``z = e_i`` drawn from the walk's stationary
distribution, with the detail coordinates ``u`` from

- the learned conditional prior ``p(u | z)`` (diagonal Gaussian, trained
  jointly with the decoder: what ``sample`` uses),
- a mixture of ``K`` diagonal Gaussians ``p(u | z)`` fitted after training, by
  maximum likelihood on draws of the training images' detail posteriors (an
  ex-post density estimate of the aggregate posterior; K = 1 and 8),
- the posterior of a nearest neighbour of ``e_i`` among the other training
  embeddings (the first, or one of the ten nearest at random), and
- the posterior of image ``i`` itself (the decoder's ceiling).

It also prints the mean log-density of held-out images' detail draws
(``u ~ q(u | x, transform(x))``) under each parametric prior: a prior closer
to the aggregate posterior scores higher there.

``tradeoff``: precision and recall of samples as the sampling temperature
varies: DiffusionVAE's ``detail_temperature`` against a Gaussian-prior VAE at
latent 16 (``gauss16``) whose prior draws are scaled by the temperature. The
recall target compares one point of each curve; the curves show whether one
model's trade-off dominates the other's.

``frey``: the same trade-off on Frey faces (the split of ``bench_generation
--part detail``): DiffusionVAE at ``n_components=3`` (8 detail coordinates)
against the Gaussian VAE at latent 11, each fitted per seed.

``synthetic``: what a detail temperature of 1.25 does where the full profile
checks the manifold (its generative cases: loop, circle, sphere, torus, two
circles, 5 x 5 Gaussian grid): mean distance of 2,000 samples to the true
manifold, Gromov-Wasserstein distance to a fresh sample (the seeds and
samples of the full profile), Betti numbers, and
the two circles' and the grid's own scores, at temperatures 1 and 1.25 of one
fitted default model per case and seed.
"""

import argparse
import warnings

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors
from torch import nn

from benchmarks.bench_generation import (
    FASHION_TEST,
    _at_embeddings,
    _fashion,
    _fashion_row,
    _fitted,
    _frey,
    print_means,
)
from benchmarks.data import load_dataset
from benchmarks.generative import sample_scores
from benchmarks.peers import make_estimator
from benchmarks.profiles import PROFILES
from benchmarks.walks import nearest_distance
from skdvae import DiffusionVAE
from skdvae.utils._torch import inference_copy, tensor64

MIXTURE_SIZES = (1, 8)
DVAE_TEMPERATURES = (0.5, 0.75, 1.0, 1.25, 1.5)
GAUSS_TEMPERATURES = (0.5, 0.7, 0.85, 1.0, 1.2)
_LOG_2PI = float(np.log(2 * np.pi))


def _log_density(u, mean, log_var):
    """Log-density of ``u`` under ``N(mean, diag e^log_var)``, per row.

    Broadcasts over the leading axes.
    """
    d2 = (u - mean).square() * torch.exp(-log_var)
    return -0.5 * (d2 + log_var + _LOG_2PI).sum(-1)


class MixturePrior(nn.Module):
    """``p(u | z)``: a mixture of ``K`` diagonal Gaussians from an MLP of ``z``."""

    def __init__(self, n_components, n_detail, n_mixture, width=256):
        super().__init__()
        self.K, self.U = n_mixture, n_detail
        self.body = nn.Sequential(
            nn.Linear(n_components, width),
            nn.SiLU(),
            nn.Linear(width, width),
            nn.SiLU(),
            nn.Linear(width, n_mixture * (1 + 2 * n_detail)),
        )

    def forward(self, z):
        """Log-weights (B, K), means and log-variances (B, K, U)."""
        h = self.body(z)
        rest = h[:, self.K :].reshape(len(z), self.K, 2 * self.U)
        log_var = rest[..., self.U :].clamp(-12.0, 6.0)
        return torch.log_softmax(h[:, : self.K], -1), rest[..., : self.U], log_var

    def log_prob(self, z, u):
        """``log p(u | z)`` per row."""
        log_w, mean, log_var = self(z)
        return torch.logsumexp(log_w + _log_density(u[:, None], mean, log_var), -1)

    def draw(self, z, generator):
        """One draw of ``u ~ p(u | z)`` per row."""
        log_w, mean, log_var = self(z)
        k = torch.multinomial(log_w.exp(), 1, generator=generator)[:, 0]
        rows = torch.arange(len(z))
        return _draw_posterior(mean[rows, k], log_var[rows, k], generator)


def _draw_posterior(mean, log_var, generator):
    """One draw of ``N(mean, diag e^log_var)`` per row."""
    eps = torch.randn(mean.shape, generator=generator, dtype=mean.dtype)
    return mean + torch.exp(0.5 * log_var) * eps


def fit_mixture(z, mean_q, log_var_q, n_mixture, seed, max_epochs=300):
    """Maximum likelihood on fresh posterior draws; stops on a 10 % split.

    Training stops when the validation log-likelihood has not risen by 1e-3
    for 15 epochs; the best epoch's weights are kept.
    """
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    prior = MixturePrior(z.shape[1], mean_q.shape[1], n_mixture).double()
    optimizer = torch.optim.Adam(prior.parameters(), lr=1e-3)
    order = torch.randperm(len(z), generator=generator)
    val, train = order[: len(z) // 10], order[len(z) // 10 :]
    u_val = _draw_posterior(mean_q[val], log_var_q[val], generator)
    best, state, stale = -np.inf, None, 0
    for _ in range(max_epochs):
        for batch in train[torch.randperm(len(train), generator=generator)].split(256):
            u = _draw_posterior(mean_q[batch], log_var_q[batch], generator)
            loss = -prior.log_prob(z[batch], u).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            score = prior.log_prob(z[val], u_val).mean().item()
        if score > best + 1e-3:
            best, stale = score, 0
            state = {k: v.clone() for k, v in prior.state_dict().items()}
        else:
            stale += 1
            if stale >= 15:
                break
    prior.load_state_dict(state)
    return prior.eval()


def _standardise(z, E):
    return (z - E.mean(0)) / E.std()


@torch.no_grad()
def prior_arms(model, X, T, n, seed):
    """Decodings of training embeddings by detail source; held-out log-densities."""
    transition = inference_copy(model.net_.module_)
    detail = transition.detail
    E = torch.as_tensor(model.embedding_, dtype=torch.float64)
    mean_q, log_var_q = detail.posterior(tensor64(model._to_model(X)), E)
    z_test = torch.as_tensor(model.transform(T), dtype=torch.float64)
    generator = torch.Generator().manual_seed(seed)
    u_test = _draw_posterior(
        *detail.posterior(tensor64(model._to_model(T)), z_test), generator
    )
    index = np.random.RandomState(seed).choice(
        len(X), n, p=model.stationary_distribution_
    )
    z = E[index]

    def decode(u):
        return model._to_data(transition.decoder(z, u).numpy())

    mean_p, log_var_p = detail.prior(z_test)
    learned = _log_density(u_test, mean_p, log_var_p)
    print(f"held-out log p(u | z) | {seed} | learned prior {learned.mean():.2f}")
    arms = {"learned prior p(u | z)": _at_embeddings(model, X, n, seed, False)}
    for K in MIXTURE_SIZES:
        with torch.enable_grad():
            mixture = fit_mixture(_standardise(E, E), mean_q, log_var_q, K, seed)
        score = mixture.log_prob(_standardise(z_test, E), u_test).mean()
        print(f"held-out log p(u | z) | {seed} | mixture K={K} {score:.2f}")
        u = mixture.draw(_standardise(z, E), generator)
        arms[f"mixture prior, K={K}, fitted after training"] = decode(u)
    neighbours = NearestNeighbors(n_neighbors=11).fit(model.embedding_)
    near = neighbours.kneighbors(model.embedding_[index])[1][:, 1:]
    pick = np.random.RandomState(seed + 1).randint(0, 10, n)
    for name, j in (("1st", near[:, 0]), ("one of 10", near[np.arange(n), pick])):
        u = _draw_posterior(mean_q[j], log_var_q[j], generator)
        arms[f"posterior of a neighbour ({name} nearest)"] = decode(u)
    arms["posterior of the image itself (ceiling)"] = _at_embeddings(
        model, X, n, seed, True
    )
    return arms


def tradeoff_arms(dvae, gauss, n, seed):
    """Samples of both models at each sampling temperature."""
    arms = {}
    for t in DVAE_TEMPERATURES:
        samples = dvae.sample(n, random_state=seed, detail_temperature=t)
        arms[f"DiffusionVAE, detail_temperature={t:g}"] = samples
    latent = gauss.n_components
    for t in GAUSS_TEMPERATURES:
        Z = t * np.random.RandomState(seed).standard_normal((n, latent))
        name = f"Gaussian VAE (latent {latent}), prior draws x{t:g}"
        arms[name] = gauss.inverse_transform(Z)
    return arms


def frey(seeds):
    """The trade-off on Frey faces, both models fitted per seed."""
    X, T = _frey()
    data = X, T, float(np.median(nearest_distance(T, X)))
    print(f"Frey faces, {len(X)} training, {len(T)} held-out images")
    print("arm | seed | precision | recall | novelty | GW | fit s")
    rows = {}
    for seed in seeds:
        dvae = DiffusionVAE(3, random_state=seed).fit(X)
        gauss = make_estimator("GaussianVAE", 11, seed).fit(X)
        for name, samples in tradeoff_arms(dvae, gauss, len(T), seed).items():
            _fashion_row(rows, name, seed, samples, data)
    print_means(rows, seeds)


def synthetic(seeds, temperatures=(1.0, 1.25)):
    """Manifold scores of the full profile's generative cases by temperature."""
    full = PROFILES["full"]
    n_gen = full.n_generated
    print("case | seed | temperature | distance | GW | Betti | other")
    for case in full.generative:
        for seed in seeds:
            X = load_dataset(case.dataset, case.n_samples, seed).X
            reference = load_dataset(case.dataset, n_gen, seed + 2000).X
            model = DiffusionVAE(case.n_components, random_state=seed).fit(X)
            for t in temperatures:
                samples = model.sample(n_gen, random_state=seed, detail_temperature=t)
                s = sample_scores(
                    case.dataset, samples, reference, full.metric_max_samples, seed
                )
                other = {
                    k: s[k]
                    for k in ("modes_hit", "off_circles", "minor_circle_share")
                    if k in s
                }
                print(
                    f"{case.dataset} (D = {case.n_components}) | {seed} | {t:g} | "
                    f"{s['manifold_distance_mean']:.4f} | "
                    f"{s['gromov_wasserstein']:.4f} | {s['betti_match']} | {other}",
                    flush=True,
                )


def main(argv=None):
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_detail_prior")
    parts = ("prior", "tradeoff", "all", "frey", "synthetic")
    parser.add_argument("--part", choices=parts, default="all")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--n-train", type=int, choices=FASHION_TEST, default=5000)
    parser.add_argument("--models", help="folder of fitted estimators to reuse")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.part in ("frey", "synthetic"):
        return {"frey": frey, "synthetic": synthetic}[args.part](args.seeds)
    data = _fashion(args.n_train)
    X, T, _ = data
    print(f"Fashion-MNIST, {len(X)} training, {len(T)} held-out images")
    print("arm | seed | precision | recall | novelty | GW | fit s")
    rows = {}
    for seed in args.seeds:
        dvae = _fitted("default", seed, X, args.models)[0]
        arms = {}
        if args.part in ("prior", "all"):
            arms.update(prior_arms(dvae, X, T, len(T), seed))
        if args.part in ("tradeoff", "all"):
            gauss = _fitted("gauss16", seed, X, args.models)[0]
            arms.update(tradeoff_arms(dvae, gauss, len(T), seed))
        for name, samples in arms.items():
            _fashion_row(rows, name, seed, samples, data)
    print_means(rows, args.seeds)


if __name__ == "__main__":
    main()
