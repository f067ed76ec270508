//! `inspect --graph`: the model drawn as a graph, built from the parsed code files.
//!
//! Straight-line (traced) code becomes the dataflow of its ops between inputs and outputs
//! ([`dataflow`]); code with loops or branches becomes the module tree with each method's ops,
//! its loops and branches in boxes of their own ([`tree`]). Repeated blocks are folded into one
//! box with a count ([`collapse`]), and the drawing is written as Graphviz DOT or as SVG laid out
//! in pure Rust ([`render`]).

mod collapse;
mod dataflow;
mod render;
mod source;
mod tree;

use torchscript::Archive;

use crate::failure::Failure;

/// At most this many boxes are drawn; deeper blocks are folded until the drawing fits.
pub const MAX_NODES: usize = 120;

/// What a box stands for (its colour and shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Input,
    Output,
    /// One operator call (parameters it reads listed in its label).
    Op,
    /// Several calls folded into one box (a repeated block, or a module folded to fit).
    Block,
    /// A module of the module tree.
    Module,
    /// A `for` / `while` loop.
    Loop,
    /// An `if` / `else`.
    Branch,
}

/// One box.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// Lines of text; the first is the title.
    pub lines: Vec<String>,
    /// The module cluster this node belongs to (DOT draws it as a `subgraph cluster`).
    pub cluster: Option<String>,
}

/// A drawing: boxes and arrows between them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drawing {
    pub title: String,
    pub nodes: Vec<Node>,
    /// (from, to, label)
    pub edges: Vec<(usize, usize, String)>,
}

impl Drawing {
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    fn add(&mut self, kind: NodeKind, lines: Vec<String>) -> usize {
        self.nodes.push(Node {
            kind,
            lines,
            cluster: None,
        });
        self.nodes.len() - 1
    }

    fn connect(&mut self, from: usize, to: usize, label: impl Into<String>) {
        let label = label.into();
        if from != to && !self.edges.iter().any(|e| e.0 == from && e.1 == to) {
            self.edges.push((from, to, label));
        }
    }

    pub fn to_dot(&self) -> String {
        render::dot(self)
    }

    pub fn to_svg(&self) -> String {
        render::svg(self)
    }
}

/// Draws `method` of the archive's root module.
pub fn draw(archive: &Archive, method: &str) -> Result<Drawing, Failure> {
    let code = source::Code::load(archive)?;
    match dataflow::build(&code, method)? {
        Some(drawing) => Ok(drawing),
        None => tree::build(&code, method),
    }
}

/// `___torch_mangle_12.BasicBlock` and `BasicBlock` are the same class to a reader.
pub fn short_class(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified)
}

/// `[64, 3, 7, 7]` → `64×3×7×7`.
pub fn dims(shape: &[usize]) -> String {
    if shape.is_empty() {
        return "scalar".to_string();
    }
    shape
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("×")
}

/// `relu, relu, conv2d` → `relu ×2, conv2d`, at most `max` names and then `+N more`.
pub fn op_counts<'a>(names: impl IntoIterator<Item = &'a str>, max: usize) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for name in names {
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => counts.push((name, 1)),
        }
    }
    let mut parts: Vec<String> = counts
        .iter()
        .take(max)
        .map(|(n, c)| {
            if *c > 1 {
                format!("{n} ×{c}")
            } else {
                n.to_string()
            }
        })
        .collect();
    if counts.len() > max {
        parts.push(format!("+{} more", counts.len() - max));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_ops_in_first_seen_order() {
        assert_eq!(op_counts(["relu", "conv", "relu"], 5), "relu ×2, conv");
        assert_eq!(op_counts(["a", "b", "c"], 2), "a, b, +1 more");
        assert_eq!(dims(&[64, 3, 7, 7]), "64×3×7×7");
    }
}
