"""
Random walks through the Frey faces
===================================

The Frey faces are 1,965 frames of a video of one face, 28 x 20 pixels each.
A :class:`~skdvae.DiffusionVAE` with three diffusion coordinates learns where
on the "manifold of expressions" an image lies, and its detail coordinates
what the image looks like there. :meth:`~skdvae.DiffusionVAE.walk` then runs
the learned random walk from a few real faces: each step moves to a nearby
expression, and the walk never leaves the data.

The file ``frey_rawface.mat`` is not shipped with skdvae:
:func:`skdvae.datasets.load_frey_faces` reads it from
``../shared/data/frey_rawface.mat`` beside the checkout
(:func:`~skdvae.datasets.default_frey_faces_path`) or from a path you pass.
Without it this example says so and walks through scikit-learn's 8 x 8
digits instead.

The networks are small and trained for 20 epochs so that the example runs in
seconds; the defaults give sharper images.
"""

import matplotlib.pyplot as plt

from skdvae import DiffusionVAE
from skdvae.datasets import default_frey_faces_path, load_digits, load_frey_faces

try:
    X = load_frey_faces()
    shape, name = (28, 20), "Frey faces"
except FileNotFoundError:
    print(f"Frey faces not found at {default_frey_faces_path()}: using digits.")
    X, _ = load_digits()
    shape, name = (8, 8), "digits"
print(f"{name}: {X.shape[0]} images of {shape[0]} x {shape[1]} pixels")

vae = DiffusionVAE(
    n_components=3,
    hidden_layer_sizes=(32, 32),
    decoder_hidden_layer_sizes=(128, 128),
    n_detail_components=4,
    max_iter=20,
    random_state=0,
)
vae.fit(X)

# %%
# Four walks of eight steps, each from a real image (column 0). Row ``i`` is
# walk ``i``; every later column is one more step.
n_steps = 8
paths, acceptance = vae.walk(
    X[[0, 500, 1000, 1500]], n_steps=n_steps, random_state=0, return_acceptance=True
)
print(f"fraction of accepted steps: {acceptance:.2f}")

fig, axes = plt.subplots(
    len(paths), n_steps + 1, figsize=(n_steps + 1, 1.35 * len(paths))
)
for i, path in enumerate(paths):
    for j, image in enumerate(path):
        axes[i, j].imshow(image.reshape(shape), cmap="gray", vmin=0, vmax=1)
        axes[i, j].set_xticks([])
        axes[i, j].set_yticks([])
    axes[i, 0].set_ylabel(f"walk {i + 1}")
for j in range(n_steps + 1):
    axes[0, j].set_title("start" if j == 0 else f"step {j}", fontsize="small")
fig.suptitle(f"DiffusionVAE.walk on the {name}")
plt.show()

# %%
# New images from scratch: :meth:`~skdvae.DiffusionVAE.sample` starts walkers
# from the walk's stationary distribution over the training embeddings.
samples = vae.sample(16, random_state=0)
fig, axes = plt.subplots(2, 8, figsize=(8, 2.7))
for ax, image in zip(axes.ravel(), samples):
    ax.imshow(image.reshape(shape), cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("DiffusionVAE.sample")
plt.show()
