//! Loading every fixture as a `Module`: weights mapped (zero bytes copied), and every parameter,
//! buffer and constant equal to what PyTorch recorded in `tensors.json`.

use std::collections::BTreeMap;
use std::path::Path;

use torchscript::Module;
use torchscript_ops::Tensor;

/// The contiguous little-endian bytes of a tensor's elements.
fn contiguous_bytes(t: &Tensor) -> Vec<u8> {
    let c = t.contiguous().expect("contiguous copy");
    let size = c.dtype().size();
    let start = c.storage_offset() * size;
    let bytes = c.storage().read().bytes()[start..start + c.numel() * size].to_vec();
    bytes
}

#[test]
fn every_fixture_loads_mapped_and_matches_pytorch_tensors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cases");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("models/cases exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    cases.sort();
    let mut checked_tensors = 0;
    let mut problems = Vec::new();
    for case in cases.iter().filter(|c| c.join("tensors.json").exists()) {
        let module = match Module::load(case.join("model.pt")) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("{}: {e}", case.display()));
                continue;
            }
        };
        if module.copied_weight_bytes() != 0 {
            problems.push(format!(
                "{}: {} weight bytes copied at load",
                case.display(),
                module.copied_weight_bytes()
            ));
        }
        let ours: BTreeMap<String, Tensor> = module
            .named_tensors()
            .expect("every class reads")
            .into_iter()
            .collect();
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(case.join("tensors.json")).expect("tensors.json"),
        )
        .expect("json");
        for record in expected.as_array().into_iter().flatten() {
            let name = record["name"].as_str().unwrap_or_default();
            let Some(t) = ours.get(name) else {
                problems.push(format!(
                    "{}: tensor `{name}` not found (have {:?})",
                    case.display(),
                    ours.keys().collect::<Vec<_>>()
                ));
                continue;
            };
            let shape: Vec<usize> = record["shape"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_u64().map(|v| v as usize))
                .collect();
            let stride: Vec<usize> = record["stride"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_u64().map(|v| v as usize))
                .collect();
            let ctx = |what: &str| format!("{}: `{name}`: {what}", case.display());
            if record["dtype"].as_str() != Some(t.dtype().name()) {
                problems.push(ctx(&format!(
                    "dtype {} vs {:?}",
                    t.dtype(),
                    record["dtype"]
                )));
            }
            if t.shape() != shape.as_slice() {
                problems.push(ctx(&format!("shape {:?} vs {shape:?}", t.shape())));
            }
            if !shape.contains(&0)
                && t.strides() != stride.as_slice()
                && shape.iter().product::<usize>() > 1
            {
                problems.push(ctx(&format!("strides {:?} vs {stride:?}", t.strides())));
            }
            if record["crc32"].as_u64() != Some(u64::from(crc32fast::hash(&contiguous_bytes(t)))) {
                problems.push(ctx("values differ (crc32)"));
            }
            checked_tensors += 1;
        }
    }
    assert!(
        checked_tensors > 200,
        "only {checked_tensors} tensors checked"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn instances_share_the_mapped_weights() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cases/mlp_traced/model.pt");
    let module = Module::load(model).expect("load");
    let a = module.instance();
    let b = module.instance();
    let weight = |i: &torchscript::Instance| match i.root().get_attr("fc1").and_then(|m| match m {
        torchscript::Value::Object(o) => o.get_attr("weight"),
        _ => None,
    }) {
        Some(torchscript::Value::Tensor(t)) => t,
        other => panic!("fc1.weight missing: {other:?}"),
    };
    let (wa, wb) = (weight(&a), weight(&b));
    assert!(wa.storage().is_mapped() && wb.storage().is_mapped());
    assert!(
        !wa.shares_storage(&wb),
        "each instance has its own copy-on-write storage handle"
    );
    assert_eq!(
        wa.storage().read().bytes().as_ptr(),
        wb.storage().read().bytes().as_ptr(),
        "over the same mapped bytes"
    );
    assert_eq!(module.copied_weight_bytes(), 0);
    assert_eq!(
        module.instance_shared_tensors(),
        0,
        "every tensor got a private storage"
    );
}
