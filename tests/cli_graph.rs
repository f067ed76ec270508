//! `torchscript inspect --graph`: well-formed SVG naming the model's ops, bounded for deep models.

use std::path::{Path, PathBuf};
use std::process::Command;

fn model(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/cases")
        .join(name)
        .join("model.pt")
}

/// Draws `case` into a temporary file with extension `ext` and returns the file's text.
fn draw(case: &str, ext: &str) -> String {
    draw_method(case, ext, "forward")
}

fn draw_method(case: &str, ext: &str, method: &str) -> String {
    let target =
        std::env::temp_dir().join(format!("cli_graph_{case}_{}.{ext}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_torchscript"))
        .args([
            "inspect",
            model(case).to_str().unwrap(),
            "--graph",
            target.to_str().unwrap(),
            "--method",
            method,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&target).unwrap();
    std::fs::remove_file(&target).ok();
    text
}

/// The parsed SVG's text lines and its number of boxes.
fn svg_texts_and_boxes(svg: &str) -> (Vec<String>, usize) {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "tspan" || n.tag_name().name() == "text")
        .filter_map(|n| n.text())
        .map(str::to_string)
        .collect();
    let boxes = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "rect")
        .count();
    (texts, boxes)
}

#[test]
fn traced_resnet_block_draws_its_ops() {
    let (texts, boxes) = svg_texts_and_boxes(&draw("resnet_basic_traced", "svg"));
    let all = texts.join("\n");
    // The operators the traced code calls (see the archive's code/ files).
    for op in ["_convolution", "batch_norm", "relu_", "add_", "linear"] {
        assert!(all.contains(op), "{op} missing from\n{all}");
    }
    assert!(texts.iter().any(|t| t == "output"), "{all}");
    assert!(boxes > 5);
}

#[test]
fn a_hundred_layers_fold_into_one_bounded_box() {
    let svg = draw("deep_mlp_100_traced", "svg");
    let (texts, boxes) = svg_texts_and_boxes(&svg);
    let all = texts.join("\n");
    assert!(all.contains("Linear → ReLU ×100"), "{all}");
    assert!(all.contains("linear") && all.contains("relu"), "{all}");
    assert!(boxes <= 10, "{boxes} boxes");
    assert!(svg.len() < 20_000, "{} bytes", svg.len());
}

#[test]
fn scripted_control_flow_draws_the_module_tree_with_loops() {
    let (texts, _) = svg_texts_and_boxes(&draw_method("gpt_generate_scripted", "svg", "generate"));
    let all = texts.join("\n");
    assert!(all.contains("for ") || all.contains("while "), "{all}");
    assert!(all.contains("forward:"), "{all}");
}

#[test]
fn dot_output_is_a_digraph() {
    let dot = draw("mlp_traced", "dot");
    assert!(dot.starts_with("digraph "), "{dot}");
    assert!(dot.contains("linear") && dot.contains("->"), "{dot}");
    assert!(dot.trim_end().ends_with('}'));
}
