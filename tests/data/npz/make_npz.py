"""Makes the numpy-written .npz files the npz reader is tested against (needs numpy)."""
import numpy as np

np.savez(
    "numpy_savez.npz",
    arg0=np.arange(6, dtype=np.float32).reshape(2, 3),
    arg1=np.array(3, dtype=np.int64),
    arg2=np.array([True, False]),
    arg3=np.arange(6, dtype=np.int16).reshape(2, 3).T.copy(order="F").T,  # C view of F data
    arg4=np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)),
    arg5=np.arange(4, dtype=">i4"),
    arg6=np.zeros((0, 2), dtype=np.float16),
    arg7=np.array([1, 255], dtype=np.uint8),
)
np.savez_compressed("numpy_compressed.npz", out0=np.arange(10, dtype=np.int32), out1=np.array(2.5))
np.savez("numpy_object.npz", arg0=np.array([{"a": 1}], dtype=object))
