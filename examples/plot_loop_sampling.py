"""
Sampling a loop: new points keep the topology
=============================================

A variational autoencoder with a Gaussian prior maps a ball onto the data.
On a loop that cannot work: the ball has no hole, so some samples fall
inside the loop, off the data. :class:`~skdvae.DiffusionVAE` uses the data's
own diffusion geometry instead: new points come from a random walk on the
learned manifold, so they stay on the curve and the loop stays a loop.

The network is tiny and trained for 40 epochs so that the example runs in
seconds; the defaults train longer and fit the curve more closely.
"""

import matplotlib.pyplot as plt
import numpy as np

from skdvae import DiffusionVAE
from skdvae.datasets import distance_to_manifold, make_loop

X, s = make_loop(600, random_state=0)
vae = DiffusionVAE(
    n_components=2, hidden_layer_sizes=(32, 32), max_iter=40, random_state=0
)
Z = vae.fit_transform(X)
X_new = vae.sample(1000, random_state=1)

# %%
# For comparison, decode draws from a Gaussian fitted to the latent
# coordinates: what this decoder produces when its inputs come from a fixed
# Gaussian prior, as in a standard VAE.
rng = np.random.default_rng(0)
Z_gauss = rng.multivariate_normal(Z.mean(axis=0), np.cov(Z.T), size=1000)
X_gauss = vae.inverse_transform(Z_gauss)

# %%
# Distance of each point to the true curve, relative to the loop's diameter.
diameter = np.ptp(X, axis=0).max()
for name, points in [("random-walk samples", X_new), ("Gaussian draws", X_gauss)]:
    d = distance_to_manifold("loop", points) / diameter
    print(
        f"{name:>20}: median distance {np.median(d):.3f}, "
        f"{np.mean(d > 0.05):.0%} farther than 5 % of the diameter"
    )

# %%
# The persistent homology of the samples counts their connected pieces and
# loops (Betti numbers b0, b1). It needs ripser (``pip install ".[metrics]"``).
try:
    from skdvae.metrics import betti_numbers

    for name, points in [("random-walk samples", X_new), ("Gaussian draws", X_gauss)]:
        b0, b1 = betti_numbers(points, max_dim=1, random_state=0)
        print(f"{name:>20}: {b0} piece(s), {b1} loop(s)")
except ImportError as error:
    print(f"Betti numbers skipped: {error}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
axes[0].scatter(Z[:, 0], Z[:, 1], c=s, s=5, cmap="twilight")
axes[0].scatter(*Z_gauss[:300].T, s=3, c="0.6", label="Gaussian draws")
axes[0].set_title("latent space")
axes[0].set_xlabel("latent coordinate 1")
axes[0].set_ylabel("latent coordinate 2")
axes[0].legend(loc="lower right", fontsize="small")
# The loop (cos s, sin 2s, sin 3s) seen from above: its first two coordinates.
for ax, points, title in [
    (axes[1], X_new, "DiffusionVAE.sample"),
    (axes[2], X_gauss, "decoded Gaussian draws"),
]:
    ax.plot(*X[np.argsort(s), :2].T, c="0.8", lw=3, label="true loop")
    ax.scatter(points[:, 0], points[:, 1], s=3, c="C3", label="generated")
    ax.set_title(title)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_aspect("equal")
    ax.legend(loc="lower right", fontsize="small")
plt.show()

# %%
# The walk's samples trace the curve; the Gaussian draws fill the hole of the
# latent ring and are decoded to points between the strands of the loop.
