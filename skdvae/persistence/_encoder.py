"""Encoding: values to JSON nodes, with arrays and tensors set aside.

:class:`Encoder` turns a value into a JSON node (see :mod:`._nodes`). Arrays,
exotic numpy scalars and tensors are stored apart (``Encoder.arrays``,
``Encoder.tensors``) and referenced by key; the same array object is stored
once and comes back as one object, as with pickle. Objects that are not
plain values go to the codec registered for their exact type; anything else
is refused with :class:`UnsupportedTypeError`, naming where it sits and what
to do instead.
"""

import math

import numpy as np
import torch
from sklearn.base import BaseEstimator

from skdvae.persistence._errors import UnsupportedTypeError
from skdvae.persistence._nodes import (
    ARRAY_KINDS,
    DTYPE,
    SPARSE_BY_TYPE,
    qualified_name,
)

__all__ = ["Encoder"]

_PICKLE_HINT = (
    "or save the estimator with pickle or joblib instead (and load such files "
    "only from sources you trust)."
)
_PLAIN_HINT = (
    "The safe format stores numbers, strings, None, lists, tuples and dicts of "
    "those, numpy arrays, scipy CSR/CSC matrices and skdvae's own fitted "
    f"objects. Replace the value by one of those, {_PICKLE_HINT}"
)
_RANDOM_STATE_HINT = (
    "Pass an int (or None) as random_state and refit (an int gives the same "
    f"model every time), {_PICKLE_HINT}"
)
_HINTS = {
    "numpy.random.mtrand.RandomState": _RANDOM_STATE_HINT,
    "numpy.random._generator.Generator": _RANDOM_STATE_HINT,
    "pynndescent.pynndescent_.NNDescent": (
        "It is the approximate neighbour index (pynndescent) of a DiffusionMap, "
        "which cannot be rebuilt bit for bit. Fit with neighbors='exact' to "
        f"save the model in the safe format, {_PICKLE_HINT}"
    ),
}
_ESTIMATOR_HINT = (
    "It is an estimator object; the safe format stores skdvae's own estimators "
    "only. Use one of the parameter's string options (for example "
    f"neighbors='exact'), {_PICKLE_HINT}"
)


class Encoder:
    """Encode values into JSON nodes, collecting arrays and tensors.

    Parameters
    ----------
    codecs : dict of type to codec
        Codecs of the non-plain types, by exact type.
    references : dict of str to object
        Classes and functions that may be stored by name.
    """

    def __init__(self, codecs, references):
        self.codecs = codecs
        self.references = {id(obj): name for name, obj in references.items()}
        self.arrays = {}
        self.tensors = {}
        self._memo = {}  # id -> (node, value): the value is kept alive

    def encode(self, value, path):
        """JSON node of ``value``; ``path`` names it in error messages."""
        kind = type(value)
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if math.isfinite(value) else self._special_float(value)
        if kind is list:
            return [self.encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if kind is tuple:
            items = [self.encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
            return {"__type__": "tuple", "items": items}
        if kind is dict:
            return self._dict(value, path)
        if id(value) in self.references:
            return {"__type__": "reference", "name": self.references[id(value)]}
        if kind in self.codecs:
            return self.codecs[kind].encode(self, value, path)
        return self._data(value, path)

    def encode_attributes(self, mapping, path):
        """JSON object of named values (parameters, attributes), by name."""
        for name in mapping:
            if type(name) is not str or not name.isidentifier():
                raise UnsupportedTypeError(f"Cannot save {path}: the name {name!r}.")
        return {name: self.encode(v, f"{path}.{name}") for name, v in mapping.items()}

    @staticmethod
    def _special_float(value):
        return {"__type__": "float", "value": str(value)}

    def _dict(self, value, path):
        items = []
        for key, item in value.items():
            if type(key) not in (str, int, bool, float, tuple) and key is not None:
                self.refuse(key, f"{path} (a key)")
            items.append(
                [self.encode(key, path), self.encode(item, f"{path}[{key!r}]")]
            )
        return {"__type__": "dict", "items": items}

    def _data(self, value, path):
        kind = type(value)
        if kind is np.ndarray:
            return self._array(value, path)
        if isinstance(value, np.generic):
            return self._scalar(value, path)
        if isinstance(value, np.dtype) and DTYPE.fullmatch(value.str):
            return {"__type__": "dtype", "str": value.str}
        if kind in SPARSE_BY_TYPE:
            return self._sparse(value, path)
        if kind in (torch.Tensor, torch.nn.Parameter):
            return {"__type__": "tensor", "ref": self._store_tensor(value)}
        return self.refuse(value, path)

    def _scalar(self, value, path):
        """Real numpy scalars in the manifest, others as 0-d arrays."""
        if value.dtype.kind in "biuf" and value.dtype.itemsize <= 8:
            item = self.encode(value.item(), path)
            return {"__type__": "scalar", "dtype": value.dtype.str, "value": item}
        return {"__type__": "scalar_array", "ref": self._store_array(value, path)}

    def _array(self, value, path):
        if value.dtype.kind == "O":
            if not all(type(v) is str for v in value.flat):
                self.refuse(value, path, "An object array holds non-string items.")
            items = [str(v) for v in value.flat]
            return {"__type__": "str_array", "shape": list(value.shape), "items": items}
        return {"__type__": "ndarray", "ref": self._store_array(value, path)}

    def _sparse(self, value, path):
        parts = {
            name: self._store_array(getattr(value, name), path)
            for name in ("data", "indices", "indptr")
        }
        return {
            "__type__": "sparse",
            "class": SPARSE_BY_TYPE[type(value)],
            "shape": list(value.shape),
            **parts,
        }

    def _store_array(self, value, path):
        if id(value) in self._memo:
            return self._memo[id(value)][0]
        if np.asarray(value).dtype.kind not in ARRAY_KINDS:
            self.refuse(value, path)
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.asarray(value)
        self._memo[id(value)] = (key, value)
        return key

    def _store_tensor(self, value):
        if id(value) in self._memo:
            return self._memo[id(value)][0]
        key = f"t{len(self.tensors)}"
        # An independent contiguous CPU copy: safetensors refuses shared storage.
        self.tensors[key] = value.detach().cpu().contiguous().clone()
        self._memo[id(value)] = (key, value)
        return key

    @staticmethod
    def refuse(value, path, hint=None):
        """Raise :class:`UnsupportedTypeError` for ``value`` at ``path``."""
        if hint is None:
            hint = _HINTS.get(qualified_name(type(value)), _PLAIN_HINT)
            if isinstance(value, BaseEstimator):
                hint = _ESTIMATOR_HINT
        raise UnsupportedTypeError(
            f"Cannot save {path}: it holds a {qualified_name(type(value))}, "
            f"which the safe format does not store. {hint}"
        )
