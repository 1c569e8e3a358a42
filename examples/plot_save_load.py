"""
Save and load a model without pickle
====================================

:func:`skdvae.save` writes a fitted :class:`~skdvae.DiffusionMap` or
:class:`~skdvae.DiffusionVAE` to one file, a zip archive of a JSON manifest,
numpy arrays and safetensors weights, and :func:`skdvae.load` reads it back
without executing anything from the file. The loaded model gives the same
results, bit for bit. Types the format cannot rebuild safely are refused when
saving, with a message that says what to do. See ``docs/persistence.md``.
"""

import json
import tempfile
import warnings
import zipfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import skdvae
from skdvae.datasets import make_loop
from skdvae.persistence import UnsupportedTypeError

X, angle = make_loop(300, random_state=0)
vae = skdvae.DiffusionVAE(
    hidden_layer_sizes=(32,), n_neighbors=15, max_iter=15, random_state=0
).fit(X)

folder = tempfile.TemporaryDirectory()
path = Path(folder.name) / "loop.skdvae"
skdvae.save(vae, path)
loaded = skdvae.load(path)

# %%
# The same model
# --------------
# Embeddings, reconstructions, samples drawn with the same seed and scores
# are identical to the last bit.
Z = vae.transform(X)
checks = {
    "transform": np.array_equal(loaded.transform(X), Z),
    "inverse_transform": np.array_equal(
        loaded.inverse_transform(Z), vae.inverse_transform(Z)
    ),
    "sample": np.array_equal(
        loaded.sample(500, random_state=1), vae.sample(500, random_state=1)
    ),
    "score": loaded.score(X) == vae.score(X),
}
for name, same in checks.items():
    print(f"{name:>17}: identical = {same}")

samples = loaded.sample(500, random_state=1)
fig, axes = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
axes[0].scatter(X[:, 0], X[:, 1], s=4, c="0.6", label="training data")
axes[0].scatter(samples[:, 0], samples[:, 1], s=4, label="samples")
axes[0].set_title("Samples of the loaded model (first two features)")
axes[0].legend(loc="lower left", fontsize=8)
axes[1].scatter(*loaded.transform(X).T, s=4, c=angle, cmap="twilight")
axes[1].set_title("Diffusion coordinates from the loaded model")
plt.show()

# %%
# What is in the file
# -------------------
# Three members; the manifest is plain JSON that names the skdvae version, the
# estimator's class, its parameters and the layout of its fitted state.
with zipfile.ZipFile(path) as archive:
    print(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
print("saved by skdvae", manifest["skdvae_version"])
print("class:", manifest["estimator"]["class"])
print("fitted attributes:", ", ".join(sorted(manifest["estimator"]["state"])))

# %%
# What is refused
# ---------------
# A ``RandomState`` instance as ``random_state`` is a live object, not data,
# so the safe format refuses it and says what to do instead. Nothing is
# written.
dm = skdvae.DiffusionMap(n_neighbors=15, random_state=np.random.RandomState(0))
dm.fit(X)
try:
    skdvae.save(dm, Path(folder.name) / "refused.skdvae")
except UnsupportedTypeError as exc:
    print(f"UnsupportedTypeError: {exc}")

# %%
# A file written by another skdvae version is refused by :func:`skdvae.load`
# with both versions named, unless ``allow_version_mismatch=True`` is passed
# (then it loads with a warning). Pickle still works, but loading a pickle
# runs whatever code the file holds: unpickle only files from sources you
# trust.
with warnings.catch_warnings():
    warnings.simplefilter("error")  # a file of this version loads silently
    skdvae.load(path)
folder.cleanup()
