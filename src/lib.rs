//! Run TorchScript archives written by `torch.jit.save`, weights mapped zero-copy.
