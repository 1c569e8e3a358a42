"""Decoding: JSON nodes back to values, strictly.

:class:`Decoder` accepts only the tags it knows, checks every field, and
resolves class and function names through the allow-list alone: a file
cannot make it import or call anything else. Any departure from the format
raises :class:`ModelFileError` naming where in the file it is.
"""

import numpy as np

from skdvae.persistence._errors import ModelFileError
from skdvae.persistence._nodes import (
    DTYPE,
    SPARSE_BY_NAME,
    SPECIAL_FLOATS,
    fields,
)

__all__ = ["Decoder"]


class Decoder:
    """Decode JSON nodes written by :class:`Encoder`.

    Parameters
    ----------
    codecs : dict of str to codec
        Codecs of the non-plain types, by tag.
    references : dict of str to object
        The classes and functions a file may name.
    arrays, tensors : dict
        The file's arrays and tensors, by key.
    """

    def __init__(self, codecs, references, arrays, tensors):
        self.codecs = codecs
        self.references = references
        self.arrays = arrays
        self.tensors = tensors
        self.used = set()
        self._plain = {
            tag: getattr(self, f"_decode_{tag}")
            for tag in (
                "float",
                "tuple",
                "dict",
                "ndarray",
                "scalar",
                "scalar_array",
                "str_array",
                "dtype",
                "sparse",
                "tensor",
                "reference",
            )
        }

    def decode(self, node, path):
        """The value of ``node``; ``path`` names it in error messages."""
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is list:
            return [self.decode(v, f"{path}[{i}]") for i, v in enumerate(node)]
        if type(node) is not dict or type(node.get("__type__")) is not str:
            raise ModelFileError(f"{path}: malformed entry {str(node)[:80]!r}.")
        tag = node["__type__"]
        if tag in self._plain:
            return self._plain[tag](node, path)
        if tag in self.codecs:
            return self.codecs[tag].decode(self, node, path)
        raise ModelFileError(f"{path}: unknown entry type {tag!r}.")

    def decode_attributes(self, node, path, owner=None):
        """Named values of a JSON object from :meth:`Encoder.encode_attributes`.

        Names must be identifiers, not dunder names, and, if ``owner`` (a
        class) is given, must not shadow one of its attributes or methods.
        """
        if type(node) is not dict:
            raise ModelFileError(f"{path}: expected named values, found {node!r}.")
        for name in node:
            if (
                not name.isidentifier()
                or name.startswith("__")
                or (owner is not None and hasattr(owner, name))
            ):
                raise ModelFileError(
                    f"{path}: the attribute name {name!r} is not allowed; the "
                    "file was altered. Refusing to load it."
                )
        return {name: self.decode(v, f"{path}.{name}") for name, v in node.items()}

    def reference(self, name, path):
        """The allowed class or function called ``name``."""
        if type(name) is not str or name not in self.references:
            raise ModelFileError(
                f"{path}: the file names {name!r}, which is not one of the "
                "classes and functions skdvae's safe format rebuilds; the file "
                "was altered or written by other software. Refusing to load it."
            )
        return self.references[name]

    def array(self, ref, path):
        """The stored array ``ref``."""
        if type(ref) is not str or ref not in self.arrays:
            raise ModelFileError(f"{path}: the file holds no array {ref!r}.")
        self.used.add(ref)
        return self.arrays[ref]

    def _decode_float(self, node, path):
        (value,) = fields(node, ["value"], path)
        if value not in SPECIAL_FLOATS:
            raise ModelFileError(f"{path}: {value!r} is not a special float.")
        return SPECIAL_FLOATS[value]

    def _decode_tuple(self, node, path):
        (items,) = fields(node, ["items"], path)
        return tuple(self.decode(_list(items, path), path))

    def _decode_dict(self, node, path):
        (items,) = fields(node, ["items"], path)
        out = {}
        for item in _list(items, path):
            if type(item) is not list or len(item) != 2:
                raise ModelFileError(f"{path}: malformed dict item {item!r}.")
            key = self.decode(item[0], path)
            value = self.decode(item[1], f"{path}[{key!r}]")
            try:
                out[key] = value
            except TypeError as exc:  # an unhashable key
                raise ModelFileError(f"{path}: a dict key {key!r}: {exc}") from exc
        return out

    def _decode_ndarray(self, node, path):
        (ref,) = fields(node, ["ref"], path)
        return self.array(ref, path)

    def _decode_scalar(self, node, path):
        text, value = fields(node, ["dtype", "value"], path)
        dtype = self._decode_dtype({"__type__": "dtype", "str": text}, path)
        value = self.decode(value, path)
        if dtype.kind == "c" or type(value) not in (bool, int, float):
            raise ModelFileError(f"{path}: malformed {dtype} scalar {value!r}.")
        try:
            return dtype.type(value)
        except (OverflowError, ValueError, TypeError) as exc:
            raise ModelFileError(f"{path}: malformed {dtype} scalar: {exc}") from exc

    def _decode_scalar_array(self, node, path):
        (ref,) = fields(node, ["ref"], path)
        value = self.array(ref, path)
        if value.ndim != 0:
            raise ModelFileError(f"{path}: a scalar is stored as shape {value.shape}.")
        return value[()]

    def _decode_str_array(self, node, path):
        shape, items = fields(node, ["shape", "items"], path)
        if not all(type(v) is str for v in _list(items, path)):
            raise ModelFileError(f"{path}: a string array holds non-strings.")
        try:
            return np.array(items, dtype=object).reshape(shape)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: malformed string array: {exc}") from exc

    def _decode_dtype(self, node, path):
        (text,) = fields(node, ["str"], path)
        if type(text) is not str or not DTYPE.fullmatch(text):
            raise ModelFileError(f"{path}: {text!r} is not a numeric dtype.")
        return np.dtype(text)

    def _decode_sparse(self, node, path):
        names = ["class", "shape", "data", "indices", "indptr"]
        name, shape, *refs = fields(node, names, path)
        if name not in SPARSE_BY_NAME:
            raise ModelFileError(f"{path}: unknown sparse class {name!r}.")
        data, indices, indptr = (self.array(ref, path) for ref in refs)
        try:
            matrix = SPARSE_BY_NAME[name]((data, indices, indptr), shape=tuple(shape))
            # The constructor may narrow the index dtype; keep the saved one.
            matrix.indices, matrix.indptr = indices, indptr
            matrix.check_format(full_check=True)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: malformed sparse matrix: {exc}") from exc
        return matrix

    def _decode_tensor(self, node, path):
        (ref,) = fields(node, ["ref"], path)
        if type(ref) is not str or ref not in self.tensors:
            raise ModelFileError(f"{path}: the file holds no tensor {ref!r}.")
        self.used.add(ref)
        return self.tensors[ref]

    def _decode_reference(self, node, path):
        (name,) = fields(node, ["name"], path)
        return self.reference(name, path)

    def check_all_used(self):
        """Raise if the file holds arrays or tensors the manifest never uses."""
        unused = sorted((set(self.arrays) | set(self.tensors)) - self.used)
        if unused:
            raise ModelFileError(
                f"The file holds arrays or tensors that its manifest does not "
                f"reference ({unused[:5]}); it was altered. Refusing to load it."
            )


def _list(items, path):
    if type(items) is not list:
        raise ModelFileError(f"{path}: expected a list, found {type(items).__name__}.")
    return items
