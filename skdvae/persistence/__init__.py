"""Safe persistence of skdvae's estimators.

:func:`save` writes a fitted :class:`~skdvae.DiffusionMap` or
:class:`~skdvae.DiffusionVAE` to one file: a zip archive of a JSON manifest,
numpy arrays and safetensors weights. :func:`load` reads it back without
executing anything from the file (no pickle), rebuilding only classes from a
fixed list, and refuses files from another skdvae version unless asked.
Read more in ``docs/persistence.md``.

Pickle (and joblib) still work and keep every detail of the object, but
loading a pickle runs whatever code the file contains: unpickle only files
from sources you trust.
"""

from skdvae.persistence._api import FORMAT_VERSION, load, save
from skdvae.persistence._errors import (
    ModelFileError,
    UnsupportedTypeError,
    VersionMismatchError,
    VersionMismatchWarning,
)

__all__ = [
    "FORMAT_VERSION",
    "ModelFileError",
    "UnsupportedTypeError",
    "VersionMismatchError",
    "VersionMismatchWarning",
    "load",
    "save",
]
