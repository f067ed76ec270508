//! `torchscript inspect`: a readable (or JSON) summary of an archive.
