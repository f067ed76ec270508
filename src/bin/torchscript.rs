//! The `torchscript` command line: inspect, run and bench TorchScript archives.

fn main() {}
