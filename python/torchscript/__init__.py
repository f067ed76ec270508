"""Run TorchScript archives (``torch.jit.save``) without libtorch: weights mapped, never copied.

``torchscript.load(source)`` gives a :class:`Module`; :class:`JITModelWrapper` is ray-zerocopy's
wrapper (same API) on this runtime, holding each model's weights once per machine.
"""

from ._native import Error, Method, Module, __version__
from ._load import load
from ._wrapper import JITModelWrapper

__all__ = ["Error", "JITModelWrapper", "Method", "Module", "__version__", "load"]
