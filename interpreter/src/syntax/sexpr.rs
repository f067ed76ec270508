//! A compact S-expression rendering of the AST without spans, for snapshot tests and debugging.
