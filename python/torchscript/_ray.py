"""Where a wrapped model's archive lives (Ray object, shared path, this process) and how workers get it.

With Ray running, archive bytes are put into the object store once; ``ray.get`` of a uint8
array gives a read-only view of the node's shared memory, which ``load`` maps without copying.
Each worker process keeps the modules it loaded in a small cache, so a task costs Ray's own
overhead plus the call.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import OrderedDict
from typing import Any, Callable

from ._load import load
from ._native import Module

#: Modules kept loaded per process (each holds its archive's shared buffer).
CACHE_SIZE = 16

_cache: OrderedDict[tuple[str, str], Module] = OrderedDict()
_cache_lock = threading.Lock()
_remote_call = None


class ArchivePath:
    """A model archive on a file system every worker sees; pickles as its path."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (ArchivePath, (self.path,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArchivePath) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"ArchivePath({self.path!r})"


class LocalModel:
    """A model held by this process (Ray was not running when the wrapper was made). It
    pickles as its module does: as its path, or as its archive bytes."""

    __slots__ = ("module",)

    def __init__(self, module: Module) -> None:
        self.module = module

    def __reduce__(self) -> tuple[Any, tuple[Module]]:
        return (LocalModel, (self.module,))

    def __repr__(self) -> str:
        return f"LocalModel({self.module!r})"


def ray_active() -> bool:
    """True when Ray is imported and initialized (never imports ray itself)."""
    ray = sys.modules.get("ray")
    if ray is None:
        return False
    try:
        return bool(ray.is_initialized())
    except Exception:  # noqa: BLE001 - a broken ray install means no ray
        return False


def make_ref(source: Any, module: Module) -> Any:
    """The reference a wrapper keeps for a model: its path, a Ray object holding its archive
    (when Ray is running), or the module itself."""
    if isinstance(source, (str, os.PathLike)):
        return ArchivePath(os.fspath(source))
    if module.path is not None:
        return ArchivePath(module.path)
    if ray_active():
        import ray  # noqa: PLC0415

        return ray.put(module.archive_bytes())
    return LocalModel(module)


def _cached(key: tuple[str, str], loader: Callable[[], Module]) -> Module:
    with _cache_lock:
        module = _cache.get(key)
        if module is not None:
            _cache.move_to_end(key)
            return module
    module = loader()
    with _cache_lock:
        module = _cache.setdefault(key, module)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return module


def resolve(ref: Any) -> Module:
    """The module a reference stands for, loaded once per process."""
    if isinstance(ref, LocalModel):
        return ref.module
    if isinstance(ref, Module):
        return ref
    if isinstance(ref, ArchivePath):
        return _cached(("path", ref.path), lambda: load(ref.path))
    import ray  # noqa: PLC0415

    if isinstance(ref, ray.ObjectRef):
        return _cached(("ray", ref.hex()), lambda: load(ray.get(ref)))
    raise TypeError(f"not a model reference: {ref!r}")


def _call_model(boxed_ref: list[Any], args: Any, kwargs: Any, method_name: str) -> Any:
    """Body of the Ray task: the ref comes boxed in a list so Ray does not resolve it (the
    module cache is keyed by the object's id)."""
    module = resolve(boxed_ref[0])
    kwargs = kwargs or {}
    if method_name == "__call__":
        return module(*args, **kwargs)
    return getattr(module, method_name)(*args, **kwargs)


def call(ref: Any, args: Any, kwargs: Any, method_name: str) -> Any:
    """Runs one call as a Ray task, or in this process when the model is local."""
    global _remote_call
    if isinstance(ref, (LocalModel, Module)) or not ray_active():
        return _call_model([ref], args, kwargs, method_name)
    import ray  # noqa: PLC0415

    if _remote_call is None:
        _remote_call = ray.remote(_call_model)
    return ray.get(_remote_call.remote([ref], args, kwargs, method_name))
