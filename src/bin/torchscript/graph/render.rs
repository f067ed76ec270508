//! Writing a drawing as Graphviz DOT, or as SVG laid out in pure Rust by `layout-rs`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::{Drawing, NodeKind};

/// Fill colour (RGB) of each kind of box.
fn fill(kind: NodeKind) -> u32 {
    match kind {
        NodeKind::Input => 0xd5f0d5,
        NodeKind::Output => 0xf6d5d5,
        NodeKind::Op => 0xdde7fb,
        NodeKind::Block => 0xfff0c0,
        NodeKind::Module => 0xf2f2f2,
        NodeKind::Loop => 0xe8dcf5,
        NodeKind::Branch => 0xfde3cc,
    }
}

fn dot_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\l"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Graphviz DOT: boxes of a module (tree view) are grouped in a `cluster`.
pub fn dot(drawing: &Drawing) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", dot_string(&drawing.title));
    let _ = writeln!(
        out,
        "  graph [rankdir=TB, fontname=\"Helvetica\", label={}, labelloc=t];",
        dot_string(&drawing.title)
    );
    let _ = writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];"
    );
    let _ = writeln!(out, "  edge [color=\"#555555\", fontsize=9];");
    let mut clusters: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut loose = Vec::new();
    for (i, node) in drawing.nodes.iter().enumerate() {
        match &node.cluster {
            Some(c) => clusters.entry(c.as_str()).or_default().push(i),
            None => loose.push(i),
        }
    }
    let node_line = |i: usize, indent: &str, out: &mut String| {
        if let Some(node) = drawing.nodes.get(i) {
            let mut label = node.lines.join("\n");
            label.push('\n');
            let _ = writeln!(
                out,
                "{indent}n{i} [label={}, fillcolor=\"#{:06x}\"];",
                dot_string(&label),
                fill(node.kind)
            );
        }
    };
    for i in loose {
        node_line(i, "  ", &mut out);
    }
    for (n, (name, members)) in clusters.iter().enumerate() {
        if members.len() < 2 {
            for &i in members {
                node_line(i, "  ", &mut out);
            }
            continue;
        }
        let _ = writeln!(out, "  subgraph cluster_{n} {{");
        let _ = writeln!(
            out,
            "    label={}; style=dashed; color=\"#999999\";",
            dot_string(name)
        );
        for &i in members {
            node_line(i, "    ", &mut out);
        }
        let _ = writeln!(out, "  }}");
    }
    for (from, to, label) in &drawing.edges {
        if label.is_empty() {
            let _ = writeln!(out, "  n{from} -> n{to};");
        } else {
            let _ = writeln!(out, "  n{from} -> n{to} [label={}];", dot_string(label));
        }
    }
    out.push_str("}\n");
    out
}

/// SVG, laid out top to bottom by `layout-rs`.
pub fn svg(drawing: &Drawing) -> String {
    if drawing.nodes.is_empty() {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"></svg>\n".to_string();
    }
    let orientation = Orientation::TopToBottom;
    let mut graph = VisualGraph::new(orientation);
    let font = 13;
    let handles: Vec<_> = drawing
        .nodes
        .iter()
        .map(|node| {
            let text = if node.lines.iter().all(|l| l.trim().is_empty()) {
                "?".to_string()
            } else {
                node.lines.join("\n")
            };
            let shape = ShapeKind::new_box(&text);
            let line_width = if node.kind == NodeKind::Block { 2 } else { 1 };
            let look = StyleAttr::new(
                Color::new(0x555555ff),
                line_width,
                Some(Color::new((fill(node.kind) << 8) | 0xff)),
                6,
                font,
            );
            let size = get_shape_size(orientation, &shape, font, false);
            graph.add_node(Element::create(shape, look, orientation, size))
        })
        .collect();
    let edge_look = StyleAttr::new(Color::new(0x666666ff), 1, None, 0, 11);
    for (from, to, label) in &drawing.edges {
        if let (Some(&a), Some(&b)) = (handles.get(*from), handles.get(*to)) {
            let arrow = Arrow::new(
                LineEndKind::None,
                LineEndKind::Arrow,
                LineStyleKind::Normal,
                label,
                &edge_look,
                &None,
                &None,
            );
            graph.add_edge(arrow, a, b);
        }
    }
    let mut writer = SVGWriter::new();
    graph.do_it(false, false, false, &mut writer);
    tidy_svg(&writer.finalize())
}

/// `layout-rs` sizes the canvas from label lengths, which leaves a wide empty margin: fit the
/// canvas to the boxes, and use a sans-serif font.
fn tidy_svg(svg: &str) -> String {
    let (mut right, mut bottom) = (0.0f64, 0.0f64);
    for tag in svg.split("<rect ").skip(1) {
        let tag = format!(" {}", tag.split('>').next().unwrap_or(""));
        let get = |name: &str| -> Option<f64> {
            let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
            let rest = tag.get(start..)?;
            rest.get(..rest.find('"')?)?.parse().ok()
        };
        if let (Some(x), Some(y), Some(w), Some(h)) =
            (get("x"), get("y"), get("width"), get("height"))
        {
            right = right.max(x + w);
            bottom = bottom.max(y + h);
        }
    }
    let svg = svg.replace(
        "font-family: Times, serif;",
        "font-family: Helvetica, Arial, sans-serif;",
    );
    let (Some(start), true) = (svg.find("<svg "), right > 0.0) else {
        return svg;
    };
    let Some(end) = svg
        .get(start..)
        .and_then(|s| s.find('>'))
        .map(|e| start + e)
    else {
        return svg;
    };
    let (w, h) = ((right + 30.0).ceil(), (bottom + 30.0).ceil());
    format!(
        "{}<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\">{}",
        svg.get(..start).unwrap_or(""),
        svg.get(end + 1..).unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_escapes_labels_and_groups_clusters() {
        let mut d = Drawing {
            title: "Net \"forward\"".into(),
            ..Drawing::default()
        };
        let a = d.add(
            NodeKind::Module,
            vec!["root".into(), "forward: relu".into()],
        );
        let b = d.add(NodeKind::Loop, vec!["for i in range(3)".into()]);
        d.nodes[a].cluster = Some("root".into());
        d.nodes[b].cluster = Some("root".into());
        d.connect(a, b, "forward");
        let text = dot(&d);
        assert!(text.starts_with("digraph \"Net \\\"forward\\\"\" {"));
        assert!(text.contains("subgraph cluster_0"));
        assert!(text.contains("n0 -> n1 [label=\"forward\"];"));
    }
}
