"""``JITModelWrapper``: ray-zerocopy 0.2.0's wrapper, same API, on this runtime (weights once per machine)."""

from __future__ import annotations

import copy
import functools
import os
import sys
from typing import Any, Generic, Literal, Optional, Set, TypeVar, Union

import numpy as np

from . import _ray
from ._load import load
from ._native import Module

T = TypeVar("T")

#: task mode: attribute -> (model reference, allowed methods); actor mode: attribute -> reference.
TaskModelInfo = dict[str, tuple[Any, Optional[Set[str]]]]
ActorModelInfo = dict[str, Any]
ModelInfo = Union[TaskModelInfo, ActorModelInfo]

_SOURCE_TYPES = (str, os.PathLike, bytes, bytearray, memoryview, np.ndarray)


def _is_model(obj: Any) -> bool:
    if isinstance(obj, Module):
        return True
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.jit.ScriptModule)


def _is_standalone(obj: Any) -> bool:
    return _is_model(obj) or isinstance(obj, _SOURCE_TYPES)


class _JITModuleContainer:
    """Makes a standalone model look like a pipeline with one model, ``model``."""

    def __init__(self, model: Any):
        self.model = model

    def get_model(self) -> Any:
        return self.model


class _RemoteModelShim:
    """Stands for a model in task mode: each allowed method call is one task."""

    def __init__(self, model_ref: Any, allowed_methods: Set[str]):
        self._model_ref = model_ref
        self._allowed_methods = allowed_methods

    def __getstate__(self) -> dict[str, Any]:
        return {"_model_ref": self._model_ref, "_allowed_methods": self._allowed_methods}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._model_ref = state["_model_ref"]
        self._allowed_methods = state["_allowed_methods"]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        allowed = object.__getattribute__(self, "_allowed_methods")
        if name in allowed:
            model_ref = object.__getattribute__(self, "_model_ref")

            def _proxy(*args: Any, **kwargs: Any) -> Any:
                return _ray.call(model_ref, args, kwargs, name)

            return _proxy
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if "__call__" in self._allowed_methods:
            return _ray.call(self._model_ref, args, kwargs, "__call__")
        raise TypeError(f"'{type(self).__name__}' object is not callable")


class JITModelWrapper(Generic[T]):
    """A serializable wrapper of a TorchScript model, or of a pipeline (any object whose
    attributes are models), for Ray tasks and actors. Same API as ray-zerocopy 0.2.0's.

    Models may be ``torch.jit.ScriptModule`` objects, ``torchscript.Module`` objects, paths or
    archive bytes. With Ray initialized, each model's archive goes into the object store once
    and every worker maps that shared buffer (one copy of the weights per node); a model given
    by path is referenced by its path. Without Ray, task mode runs calls in this process and
    actor mode gives a private instance.
    """

    _skeleton: T
    _model_info: ModelInfo
    _is_standalone_module: bool
    _mode: Literal["task", "actor"]

    def __init__(
        self,
        skeleton: T,
        model_info: ModelInfo,
        is_standalone_module: bool = False,
        mode: Literal["task", "actor"] = "actor",
    ):
        self._skeleton = skeleton
        self._is_standalone_module = is_standalone_module
        self._mode = mode
        self._model_info = model_info

    @property
    def model_refs(self) -> dict[str, Any]:
        """Each model's reference: a ``ray.ObjectRef`` of its archive bytes when Ray was
        running, else its path (``ArchivePath``) or the module held locally."""
        if self._mode == "task":
            return {name: ref for name, (ref, _) in self._model_info.items()}  # type: ignore[misc]
        return dict(self._model_info)

    def _configure_wrapper(self, pipeline: Any) -> None:
        if pipeline.__class__.__doc__:
            self.__doc__ = (
                f"{self.__class__.__doc__}\n\n"
                f"Wrapped class documentation:\n{pipeline.__class__.__doc__}"
            )
        if hasattr(pipeline, "__annotations__"):
            self.__annotations__ = pipeline.__annotations__

    def _preserve_call_signature(self, pipeline: Any) -> None:
        original_call = getattr(pipeline.__class__, "__call__", None)
        if original_call is not None:
            try:
                functools.update_wrapper(self.__call__, original_call)  # type: ignore[attr-defined]
            except (AttributeError, TypeError):
                pass

    @classmethod
    def from_model(
        cls,
        model_or_pipeline: T,
        mode: Literal["task", "actor"] = "actor",
        model_attr_names: Optional[list] = None,
        method_names: Optional[tuple] = None,
    ) -> "JITModelWrapper[T]":
        """Wraps a model or a pipeline (not loaded yet: call ``load()``, in the actor for
        actor mode). ``method_names`` (task mode) lists the methods reachable through the
        task shims, default ``("__call__", "forward")``; ``model_attr_names`` (actor mode)
        names the pipeline's model attributes (default: every public model attribute)."""
        if mode not in ["task", "actor"]:
            raise ValueError(f"Invalid mode: {mode}")
        is_standalone = _is_standalone(model_or_pipeline)
        pipeline: Any = (
            _JITModuleContainer(model_or_pipeline) if is_standalone else model_or_pipeline
        )
        if method_names is None and mode == "task":
            method_names = ("__call__", "forward")

        def is_model_attr(name: str) -> bool:
            return (is_standalone and name == "model") or _is_model(getattr(pipeline, name))

        skeleton = copy.copy(pipeline)
        if mode == "task":
            names = [n for n in dir(pipeline) if is_model_attr(n)]
            task_info: TaskModelInfo = {}
            for name in names:
                source = getattr(pipeline, name)
                module = load(source)
                allowed = {
                    m for m in (method_names or ()) if m == "__call__" or m in module.methods()
                }
                allowed.add("__call__")
                task_info[name] = (_ray.make_ref(source, module), allowed)
                setattr(skeleton, name, None)
            wrapper = cls(skeleton, task_info, is_standalone, mode="task")
        else:
            if model_attr_names is None:
                model_attr_names = [
                    n for n in dir(pipeline) if not n.startswith("_") and is_model_attr(n)
                ]
            actor_info: ActorModelInfo = {}
            for name in model_attr_names:
                source = getattr(pipeline, name)
                if not (_is_model(source) or isinstance(source, _SOURCE_TYPES)):
                    continue
                actor_info[name] = _ray.make_ref(source, load(source))
                setattr(skeleton, name, None)
            wrapper = cls(skeleton, actor_info, is_standalone, mode="actor")
        wrapper._configure_wrapper(skeleton)
        return wrapper

    @classmethod
    def for_tasks(cls, model_or_pipeline: T, method_names: Optional[tuple] = None) -> Any:
        """``from_model(mode="task")`` then ``load()``: a callable model (or the pipeline)
        whose every model call is a Ray task."""
        wrapper = cls.from_model(model_or_pipeline, mode="task", method_names=method_names)
        return wrapper.load()

    def load(self) -> Any:
        """Actor mode: the model (an instance over shared weights) or the pipeline with its
        models loaded. Task mode: the model or pipeline with each model replaced by a shim
        whose calls run as tasks."""
        result = copy.copy(self._skeleton)
        if self._mode == "task":
            for name, (ref, allowed) in self._model_info.items():  # type: ignore[misc]
                if allowed is not None:
                    setattr(result, name, _RemoteModelShim(ref, allowed))
        else:
            for name, ref in self.model_refs.items():
                setattr(result, name, _ray.resolve(ref).instance())
        if self._is_standalone_module:
            return result.get_model()  # type: ignore[attr-defined]
        return result

    def __getstate__(self) -> dict[str, Any]:
        return {
            "_skeleton": self._skeleton,
            "_model_info": self._model_info,
            "_is_standalone_module": self._is_standalone_module,
            "_mode": self._mode,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._skeleton = state["_skeleton"]
        self._is_standalone_module = state.get("_is_standalone_module", False)
        self._mode = state.get("_mode", "actor")
        self._model_info = state["_model_info"]

    @classmethod
    def deserialize(
        cls,
        skeleton: T,
        model_info: ModelInfo,
        is_standalone_module: bool = False,
        mode: Literal["task", "actor"] = "actor",
    ) -> "JITModelWrapper[T]":
        return cls(skeleton, model_info, is_standalone_module, mode)

    def serialize(self) -> dict[str, Any]:
        return {
            "skeleton": self._skeleton,
            "model_info": self._model_info,
            "is_standalone_module": self._is_standalone_module,
            "mode": self._mode,
        }
