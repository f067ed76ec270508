"""Run TorchScript archives (``torch.jit.save``) without libtorch: weights mapped, never copied.

``torchscript.load(source)`` gives a :class:`Module`; :class:`JITModelWrapper` is ray-zerocopy's
wrapper (same API) on this runtime, holding each model's weights once per machine.
"""

from ._native import ActorPool, Error, Method, Module, PendingCall, TaskPool, __version__
from ._load import load
from ._wrapper import JITModelWrapper

__all__ = [
    "ActorPool",
    "Error",
    "JITModelWrapper",
    "Method",
    "Module",
    "PendingCall",
    "TaskPool",
    "__version__",
    "load",
]
