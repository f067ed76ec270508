"""Glue for optional packages: torch tensors in and out, bfloat16 arrays (ml_dtypes), unpickling modules."""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np


def is_torch_tensor(obj: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.Tensor)


def torch_to_numpy(t: Any) -> tuple[np.ndarray, bool]:
    """A numpy view of a CPU tensor's memory (int16 for bfloat16, flagged True)."""
    torch = sys.modules["torch"]
    t = t.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy(), True
    return t.numpy(), False


def numpy_to_torch(array: np.ndarray, bfloat16: bool) -> Any:
    """A torch tensor over the array's memory. Read-only arrays (weights mapped from the
    archive) are copied first: torch cannot mark a tensor read-only."""
    torch = sys.modules["torch"]
    if not array.flags.writeable:
        array = array.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.from_numpy(array)
    return t.view(torch.bfloat16) if bfloat16 else t


def _ml_dtypes_bfloat16() -> Any:
    try:
        import ml_dtypes  # noqa: PLC0415
    except ImportError:
        return None
    return ml_dtypes.bfloat16


def bfloat16_array(bits: np.ndarray) -> np.ndarray:
    """bfloat16 results: an ``ml_dtypes.bfloat16`` view when ml_dtypes is installed (no copy),
    else float32 (exact widening)."""
    bf16 = _ml_dtypes_bfloat16()
    if bf16 is not None:
        return bits.view(bf16)
    wide = bits.view(np.uint16).astype(np.uint32) << np.uint32(16)
    return wide.view(np.float32)


def rebuild_module(source: Any, instance: bool) -> Any:
    """Unpickles a Module: ``source`` is its path or its archive bytes."""
    from ._load import load  # noqa: PLC0415

    module = load(source)
    return module.instance() if instance else module
