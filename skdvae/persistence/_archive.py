"""The model file: one zip archive of a JSON manifest, arrays and tensors.

Members:

- ``manifest.json``: versions, the estimator's class, parameters and the
  layout of its fitted state, in which arrays and tensors appear as
  references (``{"__type__": "ndarray", "ref": "a3"}``);
- ``arrays.npz``: the numpy arrays, read with ``allow_pickle=False``;
- ``tensors.safetensors``: the torch tensors (network weights, optimiser
  moments), in the safetensors format, which holds raw data only.

Nothing in the file is code: reading it never unpickles anything.
"""

import json
import os
import secrets
import zipfile

import numpy as np
from numpy.lib.npyio import NpzFile
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from skdvae.persistence._errors import ModelFileError

__all__ = ["read_archive", "write_archive"]

MANIFEST = "manifest.json"
ARRAYS = "arrays.npz"
TENSORS = "tensors.safetensors"


def write_archive(path, manifest, arrays, tensors):
    """Write the model file at ``path``, atomically.

    The archive is written to a temporary file next to ``path`` and renamed
    over it only when complete, so an interrupted save never leaves a
    truncated model file behind.

    Parameters
    ----------
    path : str or os.PathLike
        Destination.
    manifest : dict
        JSON-serialisable manifest (no NaN or infinity: they are encoded).
    arrays : dict of str to ndarray
        Arrays referenced by the manifest.
    tensors : dict of str to Tensor
        Contiguous CPU tensors referenced by the manifest.
    """
    path = os.fspath(path)
    text = json.dumps(manifest, indent=1, allow_nan=False)
    tmp = f"{path}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "xb") as f, zipfile.ZipFile(f, "w") as archive:
            archive.writestr(MANIFEST, text, compress_type=zipfile.ZIP_DEFLATED)
            with archive.open(ARRAYS, "w", force_zip64=True) as member:
                np.savez(member, **arrays)
            archive.writestr(TENSORS, save_tensors(tensors))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _reject_constant(name):
    raise ModelFileError(f"The manifest holds the non-standard JSON value {name}.")


def read_archive(path):
    """Read the model file at ``path``.

    Returns
    -------
    manifest : dict
    arrays : dict of str to ndarray
    tensors : dict of str to Tensor

    Raises
    ------
    ModelFileError
        If the file is not a zip archive with exactly the three members, the
        manifest is not JSON, an array would need unpickling, or the tensor
        file is malformed.
    """
    path = os.fspath(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(archive.namelist())
            if names != sorted([MANIFEST, ARRAYS, TENSORS]):
                raise ModelFileError(
                    f"{path!r} is not an skdvae model file: expected the members "
                    f"{[ARRAYS, MANIFEST, TENSORS]}, found {names}."
                )
            manifest = json.loads(
                archive.read(MANIFEST), parse_constant=_reject_constant
            )
            with archive.open(ARRAYS) as member:
                arrays = _read_arrays(member)
            tensors = load_tensors(archive.read(TENSORS))
    except zipfile.BadZipFile as exc:
        raise ModelFileError(
            f"{path!r} is not an skdvae model file (not a zip archive): {exc}"
        ) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(
            f"The manifest of {path!r} is not valid JSON: {exc}"
        ) from exc
    except SafetensorError as exc:
        raise ModelFileError(f"The tensors of {path!r} are malformed: {exc}") from exc
    if not isinstance(manifest, dict):
        raise ModelFileError(f"The manifest of {path!r} is not a JSON object.")
    return manifest, arrays, tensors


def _read_arrays(file):
    """All arrays of an npz archive, refusing any that would need pickle."""
    try:
        npz = np.load(file, allow_pickle=False)
        if not isinstance(npz, NpzFile):
            raise ModelFileError(f"{ARRAYS} of the model file is not an npz archive.")
        with npz:
            return {name: npz[name] for name in npz.files}
    except ModelFileError:
        raise
    except ValueError as exc:  # object arrays: "Object arrays cannot be loaded..."
        raise ModelFileError(
            f"The arrays of the model file are refused: {exc}"
        ) from exc
    except (OSError, zipfile.BadZipFile) as exc:
        raise ModelFileError(
            f"The arrays of the model file are malformed: {exc}"
        ) from exc
