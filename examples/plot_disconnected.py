"""
Separate pieces and ``n_components="auto"``
===========================================

When the data fall into separate pieces, the kernel graph of a diffusion map
has several connected components. :class:`~skdvae.DiffusionMap` says so with
an informational :class:`~skdvae.exceptions.DisconnectedGraphWarning`, then
gives each piece its own diffusion coordinates in the shared dimensions and
moves the pieces apart, so no coordinate is spent on telling them apart.
``n_components="auto"`` estimates how many coordinates the pieces need.
"""

import warnings

import matplotlib.pyplot as plt

from skdvae import DiffusionMap
from skdvae.datasets import make_two_circles
from skdvae.exceptions import DisconnectedGraphWarning

X, circle = make_two_circles(1000, noise=0.02, random_state=0)

dm = DiffusionMap(n_components="auto", random_state=0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", DisconnectedGraphWarning)
    Z = dm.fit_transform(X)
for w in caught:
    print(f"{w.category.__name__}: {w.message}")

print("connected components:", dm.n_connected_components_)
print("n_components estimated by 'auto':", dm.n_components_)

# %%
# Each circle is embedded as a circle: two coordinates are enough, because the
# separation costs none. ``component_labels_`` tells which piece each point is
# on, and new points are embedded within the piece that holds most of their
# kernel weight.
X_new = dm.sample(1000, random_state=0)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
axes[0].scatter(*X.T, c=circle, s=4, cmap="coolwarm")
axes[0].set_title("data, coloured by circle")
axes[1].scatter(*Z.T, c=dm.component_labels_, s=4, cmap="coolwarm")
axes[1].set_title("diffusion coordinates, by component")
axes[1].set_xlabel("diffusion coordinate 1")
axes[1].set_ylabel("diffusion coordinate 2")
axes[2].scatter(*X.T, s=4, c="0.8", label="data")
axes[2].scatter(*X_new.T, s=3, c="C2", label="DiffusionMap.sample")
axes[2].set_title("samples stay on the circles")
axes[2].legend(loc="center", fontsize="small")
for ax in (axes[0], axes[2]):
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_aspect("equal")
plt.show()

# %%
# To silence the warning once you know the data are in pieces, filter it
# like any other Python warning:
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DisconnectedGraphWarning)
    DiffusionMap(n_components=2, random_state=0).fit(X)
