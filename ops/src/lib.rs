//! PyTorch tensor semantics and `aten::` operators on mapped or owned CPU storage.
