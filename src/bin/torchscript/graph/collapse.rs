//! Folding repeated blocks (ResNet stages, transformer layers, unrolled loops) into one box with a count.

use std::collections::HashMap;

use super::{op_counts, Drawing, Node, NodeKind, MAX_NODES};

/// Longest repeating pattern looked for, in calls (e.g. `Linear, ReLU` is 2).
const MAX_PERIOD: usize = 4;

/// What happened, in order, inside one inlined method call.
#[derive(Debug, Clone)]
pub enum Event {
    /// An operator box (its id and operator name).
    Node(usize, String),
    /// A nested call (index of its frame).
    Frame(usize),
}

/// One inlined call of a module's method.
#[derive(Debug, Clone)]
pub struct Frame {
    pub path: String,
    pub class: String,
    pub events: Vec<Event>,
    /// 0 for the root call; a frame's children come after it in the list.
    pub depth: usize,
}

/// The drawing with repeated calls folded, and deeper calls folded until it has at most
/// [`MAX_NODES`] boxes.
pub fn collapse(drawing: Drawing, frames: &[Frame]) -> Drawing {
    let signatures = signatures(frames);
    let deepest = frames.iter().map(|f| f.depth).max().unwrap_or(0);
    for limit in (0..=deepest).rev() {
        let folder = Folder::new(&drawing, frames, &signatures, limit);
        let folded = folder.run();
        if folded.nodes.len() <= MAX_NODES {
            return folded;
        }
        if limit == 0 {
            return truncate(folded);
        }
    }
    truncate(drawing)
}

/// One number per distinct frame content (class and, in order, its ops and nested calls).
fn signatures(frames: &[Frame]) -> Vec<usize> {
    let mut interned: HashMap<String, usize> = HashMap::new();
    let mut sigs = vec![0; frames.len()];
    // Children come after their parent: visit in reverse so theirs are known first.
    for (i, frame) in frames.iter().enumerate().rev() {
        let mut key = frame.class.clone();
        for e in &frame.events {
            match e {
                Event::Node(_, name) => {
                    key.push('|');
                    key.push_str(name);
                }
                Event::Frame(c) => {
                    key.push_str(&format!("|#{}", sigs.get(*c).copied().unwrap_or(0)))
                }
            }
        }
        let next = interned.len();
        let id = *interned.entry(key).or_insert(next);
        if let Some(s) = sigs.get_mut(i) {
            *s = id;
        }
    }
    sigs
}

struct Folder<'a> {
    drawing: &'a Drawing,
    frames: &'a [Frame],
    signatures: &'a [usize],
    /// Calls deeper than this are folded into one box each.
    limit: usize,
    owner: Vec<Option<usize>>,
    blocks: Vec<Vec<String>>,
}

impl<'a> Folder<'a> {
    fn new(
        drawing: &'a Drawing,
        frames: &'a [Frame],
        signatures: &'a [usize],
        limit: usize,
    ) -> Self {
        Folder {
            drawing,
            frames,
            signatures,
            limit,
            owner: vec![None; drawing.nodes.len()],
            blocks: Vec::new(),
        }
    }

    fn run(mut self) -> Drawing {
        if !self.frames.is_empty() {
            self.walk(0);
        }
        rebuild(self.drawing, &self.owner, self.blocks)
    }

    fn walk(&mut self, frame: usize) {
        let Some(events) = self.frames.get(frame).map(|f| &f.events) else {
            return;
        };
        let keys: Vec<_> = events
            .iter()
            .map(|e| unit_key(self.signatures, e))
            .collect();
        let mut i = 0;
        while i < events.len() {
            if let Some((period, count)) = best_repeat(&keys, i) {
                let run = &events[i..i + period * count];
                self.fold(run, period, count);
                i += period * count;
                continue;
            }
            if let Some(Event::Frame(c)) = events.get(i) {
                let deep = self.frames.get(*c).is_some_and(|f| f.depth > self.limit);
                if deep {
                    self.fold(std::slice::from_ref(&events[i]), 1, 1);
                } else {
                    self.walk(*c);
                }
            }
            i += 1;
        }
    }

    /// One box for `run`: `count` repetitions of `period` calls.
    fn fold(&mut self, run: &[Event], period: usize, count: usize) {
        let block = self.blocks.len();
        let mut nodes = Vec::new();
        for e in run {
            self.members(e, &mut nodes);
        }
        for &n in &nodes {
            if let Some(o) = self.owner.get_mut(n) {
                *o = Some(block);
            }
        }
        let names: Vec<&str> = run
            .iter()
            .take(period)
            .map(|e| match e {
                Event::Node(_, name) => name.as_str(),
                Event::Frame(c) => self.frames.get(*c).map_or("?", |f| f.class.as_str()),
            })
            .collect();
        let mut title = names.join(" → ");
        if count > 1 {
            title = format!("{title} ×{count}");
        }
        let mut lines = vec![title];
        let paths: Vec<&str> = run
            .iter()
            .filter_map(|e| match e {
                Event::Frame(c) => self.frames.get(*c).map(|f| f.path.as_str()),
                Event::Node(..) => None,
            })
            .collect();
        match (paths.first(), paths.last()) {
            (Some(first), Some(last)) if paths.len() == 2 => lines.push(format!("{first}, {last}")),
            (Some(first), Some(last)) if first != last => lines.push(format!("{first} … {last}")),
            (Some(first), _) if !first.is_empty() => lines.push(first.to_string()),
            _ => {}
        }
        let mut one = Vec::new();
        for e in run.iter().take(period) {
            self.members(e, &mut one);
        }
        let ops: Vec<&str> = one
            .iter()
            .filter_map(|&n| self.drawing.nodes.get(n))
            .filter_map(|n| n.lines.first().map(String::as_str))
            .collect();
        let prefix = if count > 1 { "each: " } else { "ops: " };
        lines.push(format!("{prefix}{}", op_counts(ops, 5)));
        self.blocks.push(lines);
    }

    /// The boxes an event stands for (all of a call's, recursively).
    fn members(&self, e: &Event, out: &mut Vec<usize>) {
        match e {
            Event::Node(id, _) => out.push(*id),
            Event::Frame(c) => {
                if let Some(f) = self.frames.get(*c) {
                    for inner in &f.events {
                        self.members(inner, out);
                    }
                }
            }
        }
    }
}

/// What must be equal for two calls to count as a repetition: the operator name of a box,
/// the content signature of a nested call.
fn unit_key<'e>(signatures: &[usize], e: &'e Event) -> (bool, usize, &'e str) {
    match e {
        Event::Node(_, name) => (false, 0, name.as_str()),
        Event::Frame(c) => (true, signatures.get(*c).copied().unwrap_or(0), ""),
    }
}

/// The longest run starting at `i` of a pattern of 1..=MAX_PERIOD units repeated: at least
/// twice for calls of modules, three times for bare operators.
fn best_repeat(keys: &[(bool, usize, &str)], i: usize) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for period in 1..=MAX_PERIOD {
        let Some(pattern) = keys.get(i..i + period) else {
            break;
        };
        let mut count = 1;
        while keys.get(i + count * period..i + (count + 1) * period) == Some(pattern) {
            count += 1;
        }
        let has_call = pattern.iter().any(|k| k.0);
        let enough = if has_call { count >= 2 } else { count >= 3 };
        if enough && best.is_none_or(|(p, c)| period * count > p * c) {
            best = Some((period, count));
        }
    }
    best
}

/// Nodes not owned by a block stay; each block becomes one node where its first member was.
fn rebuild(drawing: &Drawing, owner: &[Option<usize>], blocks: Vec<Vec<String>>) -> Drawing {
    let mut out = Drawing {
        title: drawing.title.clone(),
        ..Drawing::default()
    };
    let mut new_index = vec![0; drawing.nodes.len()];
    let mut block_index: Vec<Option<usize>> = vec![None; blocks.len()];
    let mut blocks: Vec<Option<Vec<String>>> = blocks.into_iter().map(Some).collect();
    for (i, node) in drawing.nodes.iter().enumerate() {
        let index = match owner.get(i).copied().flatten() {
            Some(b) => match block_index.get(b).copied().flatten() {
                Some(existing) => existing,
                None => {
                    let lines = blocks.get_mut(b).and_then(Option::take).unwrap_or_default();
                    out.nodes.push(Node {
                        kind: NodeKind::Block,
                        lines,
                        cluster: None,
                    });
                    let at = out.nodes.len() - 1;
                    if let Some(slot) = block_index.get_mut(b) {
                        *slot = Some(at);
                    }
                    at
                }
            },
            None => {
                out.nodes.push(node.clone());
                out.nodes.len() - 1
            }
        };
        if let Some(slot) = new_index.get_mut(i) {
            *slot = index;
        }
    }
    for (from, to, label) in &drawing.edges {
        if let (Some(&a), Some(&b)) = (new_index.get(*from), new_index.get(*to)) {
            out.connect(a, b, label.clone());
        }
    }
    out
}

/// Keeps the first boxes (and every input and output) and folds the rest into one.
fn truncate(drawing: Drawing) -> Drawing {
    let keep = MAX_NODES.saturating_sub(
        1 + drawing
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Output)
            .count(),
    );
    let mut owner = vec![None; drawing.nodes.len()];
    let mut folded = 0;
    for (i, node) in drawing.nodes.iter().enumerate() {
        if i >= keep && !matches!(node.kind, NodeKind::Input | NodeKind::Output) {
            owner[i] = Some(0);
            folded += 1;
        }
    }
    if folded == 0 {
        return drawing;
    }
    rebuild(
        &drawing,
        &owner,
        vec![vec![
            format!("… {folded} more boxes"),
            "(drawing truncated)".to_string(),
        ]],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(d: &mut Drawing, name: &str) -> usize {
        d.add(NodeKind::Op, vec![name.to_string()])
    }

    #[test]
    fn folds_a_repeated_pair_of_calls_into_one_box() {
        let mut d = Drawing::default();
        let input = d.add(NodeKind::Input, vec!["x".into()]);
        let mut frames = vec![Frame {
            path: String::new(),
            class: "Net".into(),
            events: vec![],
            depth: 0,
        }];
        let mut prev = input;
        for i in 0..50 {
            for (class, name) in [("Linear", "linear"), ("ReLU", "relu")] {
                let id = op(&mut d, name);
                d.connect(prev, id, "");
                prev = id;
                frames.push(Frame {
                    path: format!("layers.{i}"),
                    class: class.into(),
                    events: vec![Event::Node(id, name.into())],
                    depth: 1,
                });
                let f = frames.len() - 1;
                frames[0].events.push(Event::Frame(f));
            }
        }
        let out = d.add(NodeKind::Output, vec!["output".into()]);
        d.connect(prev, out, "");
        let folded = collapse(d, &frames);
        assert_eq!(folded.nodes.len(), 3);
        assert_eq!(folded.nodes[1].lines[0], "Linear → ReLU ×50");
        assert_eq!(folded.nodes[1].lines[2], "each: linear, relu");
        assert_eq!(folded.edges.len(), 2);
    }

    #[test]
    fn truncation_bounds_a_flat_graph() {
        let mut d = Drawing::default();
        let mut prev = d.add(NodeKind::Input, vec!["x".into()]);
        for i in 0..(MAX_NODES * 3) {
            let id = op(&mut d, &format!("op{i}"));
            d.connect(prev, id, "");
            prev = id;
        }
        let frames = vec![Frame {
            path: String::new(),
            class: "Net".into(),
            events: vec![],
            depth: 0,
        }];
        assert!(collapse(d, &frames).nodes.len() <= MAX_NODES);
    }
}
