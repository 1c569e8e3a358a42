"""
Uncertainty and off-manifold scores
===================================

A fitted :class:`~skdvae.DiffusionVAE` says how far a point is from what it
has learned. :meth:`~skdvae.DiffusionVAE.score_samples` is the one-step
evidence lower bound (ELBO) of each point: points off the learned manifold
score low, because the round trip through the encoder and decoder moves them
far compared with the learned noise level.
:meth:`~skdvae.DiffusionVAE.transform_covariance` is the covariance of one
random-walk step from a point, the uncertainty of its embedding.

:class:`~skdvae.DiffusionMap` has no likelihood; its
:meth:`~skdvae.DiffusionMap.score` is the negative mean round-trip error, and
the same error point by point, ``||x - inverse_transform(transform(x))||``,
is an off-manifold score too.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Ellipse

from skdvae import DiffusionMap, DiffusionVAE
from skdvae.datasets import distance_to_manifold, make_loop

X, s = make_loop(600, random_state=0)
vae = DiffusionVAE(
    n_components=2, hidden_layer_sizes=(32, 32), max_iter=40, random_state=0
)
vae.fit(X)
dm = DiffusionMap(n_components=2, random_state=0).fit(X)

# %%
# Test points: new points on the loop, moved off it by random offsets of
# increasing length.
rng = np.random.default_rng(0)
X_test, _ = make_loop(400, random_state=1)
offset = rng.standard_normal(X_test.shape)
offset *= rng.uniform(0, 0.4, size=(len(X_test), 1)) / np.linalg.norm(
    offset, axis=1, keepdims=True
)
X_test = X_test + offset
distance = distance_to_manifold("loop", X_test)

elbo = vae.score_samples(X_test)
round_trip = np.linalg.norm(X_test - dm.inverse_transform(dm.transform(X_test)), axis=1)

near, far = distance < 0.05, distance > 0.2
print(
    f"DiffusionVAE.score_samples: median {np.median(elbo[near]):.1f} within "
    f"0.05 of the loop, {np.median(elbo[far]):.1f} beyond 0.2"
)
print(
    f"DiffusionMap round-trip error: median {np.median(round_trip[near]):.3f} "
    f"within 0.05, {np.median(round_trip[far]):.3f} beyond 0.2"
)
print(
    f"DiffusionVAE.score on the training data: {vae.score(X):.1f}, "
    f"DiffusionMap.score: {dm.score(X):.5f}"
)

# %%
# Left and middle: both scores against the true distance of each test point
# to the loop. Right: the step covariances, drawn as ellipses of two standard
# deviations around the latent points of every 30th training point. They
# follow the embedded curve, so a step of the walk moves along the loop, not
# across it.
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
axes[0].scatter(distance, elbo, s=5)
axes[0].set_xlabel("distance to the loop (true)")
axes[0].set_ylabel("DiffusionVAE.score_samples")
axes[0].set_yscale("symlog")
axes[0].set_title("one-step ELBO falls off the manifold")
axes[1].scatter(distance, round_trip, s=5, c="C1")
axes[1].set_xlabel("distance to the loop (true)")
axes[1].set_ylabel("DiffusionMap round-trip error")
axes[1].set_title("so does the round trip of DiffusionMap")

Z = vae.transform(X)
C = vae.transform_covariance(X)
ax = axes[2]
ax.scatter(*Z.T, c=s, s=4, cmap="twilight")
for z, c in zip(Z[::30], C[::30]):
    values, vectors = np.linalg.eigh(c)
    angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))
    width, height = 4 * np.sqrt(values[::-1])
    ax.add_patch(Ellipse(z, width, height, angle=angle, fill=False, color="C3"))
ax.set_aspect("equal")
ax.set_xlabel("latent coordinate 1")
ax.set_ylabel("latent coordinate 2")
ax.set_title("transform_covariance: one walk step")
plt.show()
