"""Whether DiffusionVAE's detail prior is narrower than the training data's detail.

Sampling at ``detail_temperature`` above 1 raises the recall of Fashion-MNIST
samples (``python -m benchmarks.bench_generation --part fashion``). If that
were because the learned prior ``p(u | z) = N(m_p, s_p^2)`` were too narrow,
the detail posteriors ``q(u | x_i, z_i) = N(m_q, s_q^2)`` of the training
images would spread wider than the prior at their own embeddings ``z_i``:

    tau^2 = mean over images i and detail coordinates of
            ((m_q - m_p)^2 + s_q^2) / s_p^2

would exceed 1 (it is 1 when the prior matches the aggregate posterior in
every coordinate, the optimum of the ELBO's KL term for Gaussian priors).
``tau`` is the temperature that would match them. Printed per model: tau^2,
its per-coordinate range and the share of it from the posterior means.

Run ``python -m benchmarks.bench_detail_calibration [--seeds 0 1]
[--n-train 5000 20000] [--models DIR]``; ``--models`` reuses (and stores) the
fitted Fashion-MNIST models of ``bench_generation --part fashion``. Frey faces
(the benchmark's split, ``n_components=3``) are fitted each run.
"""

import argparse
import warnings

import torch

from benchmarks.bench_generation import _fashion, _fitted, _frey
from skdvae import DiffusionVAE
from skdvae.utils._torch import tensor64, torch_threads


@torch.no_grad()
def calibration(model, X):
    """``tau^2`` overall and per coordinate, and the share of the means."""
    detail = model.net_.module_.cpu().double().detail
    # Models fitted before the internal standardisation have no data_mean_.
    Xm = model._to_model(X) if hasattr(model, "data_mean_") else X
    z = tensor64(model.embedding_)
    with torch_threads():
        mean_q, log_var_q = detail.posterior(tensor64(Xm), z)
        mean_p, log_var_p = detail.prior(z)
    spread = (mean_q - mean_p).square() / log_var_p.exp()
    ratio = (spread + (log_var_q - log_var_p).exp()).numpy()
    per_coordinate = ratio.mean(axis=0)
    return ratio.mean(), per_coordinate, spread.numpy().mean() / ratio.mean()


def main(argv=None):
    """Command line."""
    prog = "python -m benchmarks.bench_detail_calibration"
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--n-train", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--models", help="folder of fitted estimators to reuse")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    print("data | n | seed | tau^2 | per coordinate min-max | share of the means")
    cases = [("frey_faces", _frey()[0])]
    cases += [("fashion_mnist", _fashion(n)[0]) for n in args.n_train]
    for name, X in cases:
        for seed in args.seeds:
            if name == "frey_faces":
                model = DiffusionVAE(3, random_state=seed).fit(X)
            else:
                model = _fitted("default", seed, X, args.models)[0]
            tau2, per, share = calibration(model, X)
            print(
                f"{name} | {len(X)} | {seed} | {tau2:.3f} | "
                f"{per.min():.2f}-{per.max():.2f} | {share:.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
