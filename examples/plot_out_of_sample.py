"""
New points in, embeddings out: ``transform`` and ``inverse_transform``
======================================================================

Unlike :class:`sklearn.manifold.SpectralEmbedding`, a fitted
:class:`~skdvae.DiffusionMap` embeds points it has not seen
(:meth:`~skdvae.DiffusionMap.transform`, the Nystrom extension) and maps
diffusion coordinates back to data space
(:meth:`~skdvae.DiffusionMap.inverse_transform`, a local linear pre-image).
:class:`~skdvae.DiffusionVAE` has the same two methods (its encoder and
decoder networks). Both work inside a :class:`~sklearn.pipeline.Pipeline`,
whose ``inverse_transform`` undoes every step, so pre-images come back in the
units of the raw data.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdvae import DiffusionMap
from skdvae.datasets import distance_to_manifold, make_s_curve

X, params = make_s_curve(2000, random_state=0)
X_train, X_test, t_train, t_test = train_test_split(
    X, params[:, 0], test_size=0.25, random_state=0
)
model = make_pipeline(StandardScaler(), DiffusionMap(n_components=2, random_state=0))
Z_train = model.fit_transform(X_train)

# %%
# Embed the held-out points and map them back. The round trip
# ``inverse_transform(transform(x))`` returns a point near ``x`` on the
# surface; its error on held-out points is what
# :meth:`~skdvae.DiffusionMap.score` reports (with a minus sign).
Z_test = model.transform(X_test)
X_back = model.inverse_transform(Z_test)
error = np.linalg.norm(X_back - X_test, axis=1)
print(
    f"held-out round trip: median error {np.median(error):.3f} "
    f"(the surface spans {np.ptp(X, axis=0).max():.1f})"
)
print(
    f"distance of the pre-images to the true surface: median "
    f"{np.median(distance_to_manifold('s_curve', X_back)):.3f}"
)

# %%
# A straight line in diffusion coordinates, mapped back, is a path on the
# surface: the pre-image follows the manifold rather than cutting across it.
corner_a, corner_b = np.percentile(Z_train, [5, 95], axis=0)
line = np.linspace(corner_a, corner_b, 40)
path = model.inverse_transform(line)

fig = plt.figure(figsize=(11, 4), layout="constrained")
ax = fig.add_subplot(1, 2, 1)
ax.scatter(*Z_train.T, c=t_train, s=4, cmap="viridis", label="training points")
ax.scatter(*Z_test.T, c="k", s=4, marker="x", label="held-out points")
ax.plot(*line.T, c="C3", lw=2, label="a straight line")
ax.set_xlabel("diffusion coordinate 1")
ax.set_ylabel("diffusion coordinate 2")
ax.legend(loc="upper right", fontsize="small")
ax.set_title("transform")
ax = fig.add_subplot(1, 2, 2, projection="3d")
points = ax.scatter(*X_train.T, c=t_train, s=3, cmap="viridis", alpha=0.4)
ax.plot(*path.T, c="C3", lw=2)
ax.view_init(elev=12, azim=-65)
ax.set_title("inverse_transform of the line")
fig.colorbar(points, ax=fig.axes, label="position along the S (true)", shrink=0.8)
plt.show()
