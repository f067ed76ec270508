"""``torchscript.load``: a path, bytes-like memory (borrowed, not copied) or a torch ScriptModule."""

from __future__ import annotations

import io
import os
import sys
from typing import Any

import numpy as np

from . import _native
from ._native import Module


def _as_uint8(array: np.ndarray) -> np.ndarray:
    if array.dtype == np.uint8 and array.ndim == 1:
        return array
    if not array.flags.c_contiguous:
        raise ValueError("an archive in memory must be contiguous")
    return array.reshape(-1).view(np.uint8)


def load(source: Any) -> Module:
    """Loads a TorchScript archive.

    ``source`` is a path (the file is mapped read-only), bytes-like memory (``bytes``,
    ``bytearray``, ``memoryview``, a numpy ``uint8`` array: borrowed without copying and kept
    alive by the module; do not modify it afterwards), a ``torch.jit.ScriptModule`` (saved to
    memory; needs torch), a binary file object, or a ``Module`` (returned as is).
    """
    if isinstance(source, Module):
        return source
    if isinstance(source, (str, os.PathLike)):
        return _native.load_path(os.fspath(source))
    if isinstance(source, np.ndarray):
        return _native.load_buffer(_as_uint8(source))
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        if not view.c_contiguous:
            raise ValueError("an archive in memory must be contiguous")
        if view.format != "B" or view.ndim != 1:
            view = view.cast("B")
        return _native.load_buffer(np.frombuffer(view, dtype=np.uint8))
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(source, torch.jit.ScriptModule):
        buffer = io.BytesIO()
        torch.jit.save(source, buffer)
        return load(buffer.getbuffer())
    if hasattr(source, "read"):
        return load(source.read())
    raise TypeError(
        f"cannot load a TorchScript model from a {type(source).__name__}: expected a path, "
        "bytes-like memory, a numpy uint8 array or a torch.jit.ScriptModule"
    )
