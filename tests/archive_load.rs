//! Loads the test archives and checks every tensor against what PyTorch recorded.
//!
//! Name, dtype, shape, strides, offset and crc32 of the values, for the committed archives
//! and for `models/cases/*` when present.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use torchscript::{
    load_archive_pickles, named_tensors, Archive, Error, PickleErrorKind, PickleValue,
};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn open(name: &str) -> Archive {
    Archive::open(data_dir().join(name)).unwrap()
}

/// Checks one archive against its tensors.json; returns how many tensors were compared.
fn check_against_expectations(model: &Path, expectations: &Path) -> Result<usize, String> {
    let archive = Archive::open(model).map_err(|e| e.to_string())?;
    let loaded = load_archive_pickles(&archive).map_err(|e| format!("{e}"))?;
    let found: HashMap<String, _> = named_tensors(&loaded.data, &loaded.constants)
        .into_iter()
        .map(|n| (n.name, n.tensor))
        .collect();
    let text = std::fs::read_to_string(expectations).map_err(|e| e.to_string())?;
    let json: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let records = json.as_array().ok_or("tensors.json is not a list")?;
    let mut group_to_key: HashMap<u64, String> = HashMap::new();
    for record in records {
        let name = record["name"].as_str().ok_or("record without name")?;
        let tensor = found
            .get(name)
            .ok_or_else(|| format!("{}: tensor {name} not found", model.display()))?;
        let ctx = |what: &str| format!("{}: {name}: {what}", model.display());
        if record["dtype"].as_str() != Some(tensor.storage.dtype.torch_name()) {
            return Err(ctx(&format!(
                "dtype {} vs {}",
                record["dtype"], tensor.storage.dtype
            )));
        }
        let as_usizes = |v: &Value| -> Vec<usize> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_u64())
                        .map(|x| x as usize)
                        .collect()
                })
                .unwrap_or_default()
        };
        if as_usizes(&record["shape"]) != tensor.size {
            return Err(ctx(&format!(
                "shape {} vs {:?}",
                record["shape"], tensor.size
            )));
        }
        if as_usizes(&record["stride"]) != tensor.stride {
            return Err(ctx(&format!(
                "stride {} vs {:?}",
                record["stride"], tensor.stride
            )));
        }
        if record["storage_offset"].as_u64() != Some(tensor.storage_offset as u64) {
            return Err(ctx("storage offset"));
        }
        let bytes = tensor
            .contiguous_bytes(archive.as_slice())
            .ok_or_else(|| ctx("view outside the archive"))?;
        if record["crc32"].as_u64() != Some(u64::from(crc32fast::hash(&bytes))) {
            return Err(ctx("crc32 of values differs"));
        }
        if let Some(group) = record["storage_group"].as_u64() {
            let key = tensor.storage.record_name.clone();
            let previous = group_to_key.entry(group).or_insert_with(|| key.clone());
            if *previous != key {
                return Err(ctx("storage sharing differs from PyTorch's"));
            }
        }
    }
    Ok(records.len())
}

#[test]
fn committed_archives_match_pytorch() {
    let mut checked = 0;
    for name in ["tiny_mlp", "attrs", "views", "dtypes", "frozen", "lstm"] {
        let dir = data_dir();
        let n = check_against_expectations(
            &dir.join(format!("{name}.pt")),
            &dir.join(format!("{name}.tensors.json")),
        )
        .unwrap();
        assert!(n > 0, "{name}: no tensors compared");
        checked += n;
    }
    assert!(checked >= 30);
}

/// Runs over the fixture zoo when it exists (it is made by another part of the project);
/// `TORCHSCRIPT_CASES_DIR` points it elsewhere.
#[test]
fn fixture_zoo_matches_pytorch_when_present() {
    let cases = std::env::var_os("TORCHSCRIPT_CASES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cases"));
    let Ok(entries) = std::fs::read_dir(&cases) else {
        eprintln!("no {}: skipped", cases.display());
        return;
    };
    let mut failures = Vec::new();
    let mut passed = 0;
    for entry in entries.flatten() {
        let dir = entry.path();
        let (model, expectations) = (dir.join("model.pt"), dir.join("tensors.json"));
        if !model.exists() || !expectations.exists() {
            continue;
        }
        match check_against_expectations(&model, &expectations) {
            Ok(_) => passed += 1,
            // dtypes this runtime does not hold are refused with a clear error, not a failure
            Err(e) if e.contains("unsupported storage type") || e.contains("quantized") => {
                eprintln!("{}: skipped: {e}", dir.display());
            }
            Err(e) => failures.push(e),
        }
    }
    eprintln!("fixture zoo: {passed} cases passed");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn archive_metadata_is_read() {
    let archive = open("tiny_mlp.pt");
    assert_eq!(archive.top_folder(), "tiny_mlp");
    assert!((1..=10).contains(&archive.version()));
    assert!(archive.has_record("data.pkl"));
    assert!(archive.has_record("constants.pkl"));
    assert!(!archive.has_record("tiny_mlp/data.pkl"));
    let code = archive.code_files();
    assert!(code.contains(&"code/__torch__.py"));
    assert!(code.iter().all(|c| c.ends_with(".py")));
    let text = archive.read_text("code/__torch__.py").unwrap();
    assert!(text.contains("class TinyMlp"));
    // storages are stored, 64-byte aligned, and inside the file
    for info in archive
        .records()
        .iter()
        .filter(|r| r.name.starts_with("data/"))
    {
        let range = archive.stored_record(&info.name).unwrap();
        assert_eq!(range.offset % 64, 0, "{} not aligned", info.name);
        assert!(range.slice(archive.as_slice()).is_some());
    }
    assert!(matches!(
        archive.stored_record("code/__torch__.py"),
        Err(torchscript::ArchiveError::CompressedTensorRecord { .. })
    ));
    assert!(matches!(
        archive.read_record("nope"),
        Err(torchscript::ArchiveError::MissingRecord { .. })
    ));
}

#[test]
fn from_bytes_equals_open() {
    let bytes = std::fs::read(data_dir().join("views.pt")).unwrap();
    let shared: Arc<[u8]> = Arc::from(bytes.clone());
    assert!(Archive::from_bytes(shared).is_ok());
    let from_memory = Archive::from_bytes(bytes).unwrap();
    let mapped = open("views.pt");
    let a = load_archive_pickles(&from_memory).unwrap();
    let b = load_archive_pickles(&mapped).unwrap();
    assert_eq!(a.data, b.data);
}

fn root_object(value: &PickleValue) -> &torchscript::PickledObject {
    match value {
        PickleValue::Object(o) => o,
        other => panic!("root is {}", other.kind_name()),
    }
}

#[test]
fn module_tree_has_qualified_class_names() {
    let archive = open("tiny_mlp.pt");
    let loaded = load_archive_pickles(&archive).unwrap();
    let root = root_object(&loaded.data);
    assert_eq!(root.class_name, "__torch__.TinyMlp");
    let fc1 = root_object(root.attribute("fc1").unwrap());
    assert_eq!(fc1.class_name, "__torch__.torch.nn.modules.linear.Linear");
    let fc2 = root_object(root.attribute("fc2").unwrap());
    assert_eq!(
        fc2.class_name,
        "__torch__.torch.nn.modules.linear.___torch_mangle_0.Linear"
    );
    assert_eq!(root.attribute("training"), Some(&PickleValue::Bool(true)));
    let PickleValue::Tensor(weight) = fc1.attribute("weight").unwrap() else {
        panic!("weight is not a tensor")
    };
    assert!(weight.requires_grad);
    assert_eq!(weight.size, vec![8, 4]);
    assert!(loaded.constants.is_empty());
}

#[test]
fn typed_containers_and_plain_attributes() {
    let archive = open("attrs.pt");
    let loaded = load_archive_pickles(&archive).unwrap();
    let root = root_object(&loaded.data);
    let attr = |n: &str| root.attribute(n).unwrap().clone();
    let s = |t: &str| PickleValue::Str(Arc::from(t));
    assert_eq!(
        attr("names"),
        PickleValue::TypedList {
            type_tag: Arc::from("List[str]"),
            items: vec![s("a"), s("bc")]
        }
    );
    assert_eq!(
        attr("table"),
        PickleValue::TypedDict {
            type_tag: Arc::from("Dict[str, int]"),
            items: vec![
                (s("x"), PickleValue::Int(1)),
                (s("y"), PickleValue::Int(-2))
            ]
        }
    );
    assert_eq!(attr("maybe"), PickleValue::None);
    assert_eq!(
        attr("scales"),
        PickleValue::TypedList {
            type_tag: Arc::from("List[float]"),
            items: vec![PickleValue::Float(0.5), PickleValue::Float(1.5)]
        }
    );
    assert_eq!(
        attr("flags"),
        PickleValue::TypedList {
            type_tag: Arc::from("List[bool]"),
            items: vec![PickleValue::Bool(true), PickleValue::Bool(false)]
        }
    );
    let PickleValue::TypedDict { type_tag, items } = attr("nested") else {
        panic!("nested")
    };
    assert_eq!(&*type_tag, "Dict[str, List[int]]");
    assert!(
        matches!(&items[0].1, PickleValue::TypedList { type_tag, .. } if &**type_tag == "List[int]")
    );
    assert_eq!(attr("count"), PickleValue::Int(7));
    assert_eq!(attr("ratio"), PickleValue::Float(0.25));
    assert_eq!(attr("label"), s("hello"));
    assert_eq!(
        attr("pair"),
        PickleValue::Tuple(vec![PickleValue::Int(1), s("two")])
    );
    assert!(
        matches!(attr("tensors"), PickleValue::TypedList { type_tag, items } if &*type_tag == "List[Tensor]" && items.len() == 2)
    );
}

#[test]
fn views_share_one_storage() {
    let archive = open("views.pt");
    let loaded = load_archive_pickles(&archive).unwrap();
    let tensors: HashMap<String, _> = named_tensors(&loaded.data, &loaded.constants)
        .into_iter()
        .map(|n| (n.name, n.tensor.clone()))
        .collect();
    let base = &tensors["base"];
    for view in ["transposed", "row", "col"] {
        assert!(Arc::ptr_eq(&base.storage, &tensors[view].storage), "{view}");
    }
    assert_eq!(tensors["transposed"].stride, vec![1, 4]);
    assert_eq!(tensors["col"].storage_offset, 2);
    assert_eq!(tensors["empty"].numel(), 0);
    assert_eq!(tensors["scalar"].size, Vec::<usize>::new());
}

#[test]
fn lstm_flat_weights_share_one_storage() {
    let archive = open("lstm.pt");
    let loaded = load_archive_pickles(&archive).unwrap();
    let named = named_tensors(&loaded.data, &loaded.constants);
    let weights: Vec<_> = named
        .iter()
        .filter(|n| n.name.starts_with("lstm.weight") || n.name.starts_with("lstm.bias"))
        .collect();
    assert_eq!(weights.len(), 4);
    for w in &weights {
        assert!(Arc::ptr_eq(&w.tensor.storage, &weights[0].tensor.storage));
    }
    let offsets: Vec<usize> = weights.iter().map(|w| w.tensor.storage_offset).collect();
    assert_eq!(offsets, vec![0, 48, 112, 128]);
}

#[test]
fn frozen_weights_live_in_constants() {
    let archive = open("frozen.pt");
    let loaded = load_archive_pickles(&archive).unwrap();
    assert_eq!(loaded.constants.len(), 2);
    let PickleValue::Tensor(c0) = &loaded.constants[0] else {
        panic!("c0 is not a tensor")
    };
    assert_eq!(c0.storage.record_name, "constants/0");
    assert_eq!(c0.size, vec![2, 3]);
}

#[test]
fn every_supported_dtype_loads() {
    let archive = open("dtypes.pt");
    let loaded = load_archive_pickles(&archive).unwrap();
    let dtypes: Vec<&str> = named_tensors(&loaded.data, &loaded.constants)
        .iter()
        .map(|n| n.tensor.storage.dtype.torch_name())
        .collect();
    for d in [
        "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool", "float64",
    ] {
        assert!(dtypes.contains(&d), "{d} missing from {dtypes:?}");
    }
}

#[test]
fn errors_convert_to_the_top_level_error() {
    let err: Error = Archive::open(data_dir().join("does-not-exist.pt"))
        .unwrap_err()
        .into();
    assert!(err.to_string().contains("does-not-exist.pt"));
    let kind = PickleErrorKind::QuantizedTensor;
    assert!(kind
        .to_string()
        .starts_with("quantized tensors of this quantization scheme"));
}

#[test]
fn devices_enums_classes_and_setstate() {
    let archive = open("objects.pt");
    assert_eq!(archive.extra_files(), ["extra/meta.json"]);
    assert_eq!(
        archive.read_text("extra/meta.json").unwrap(),
        r#"{"made_by": "make_special.py"}"#
    );
    let loaded = load_archive_pickles(&archive).unwrap();
    let root = root_object(&loaded.data);
    assert_eq!(
        root.attribute("dev"),
        Some(&PickleValue::Device(Arc::from("cpu")))
    );
    // dtypes are pickled as their ScalarType number (6 = float32)
    assert_eq!(root.attribute("dt"), Some(&PickleValue::Int(6)));
    assert_eq!(
        root.attribute("color"),
        Some(&PickleValue::Enum {
            class_name: Arc::from("__torch__.Color"),
            value: Box::new(PickleValue::Int(2)),
        })
    );
    let point = root_object(root.attribute("p").unwrap());
    assert_eq!(point.class_name, "__torch__.Point");
    assert_eq!(point.attribute("x"), Some(&PickleValue::Int(3)));
    // a module with __getstate__/__setstate__ gets its state tuple, not a dict
    let inner = root_object(root.attribute("inner").unwrap());
    assert_eq!(
        inner.state,
        PickleValue::Tuple(vec![PickleValue::Int(2), PickleValue::Bool(true)])
    );
}

#[test]
fn complex_tensors_are_refused_clearly() {
    let err = load_archive_pickles(&open("complex.pt")).unwrap_err();
    assert!(
        matches!(&err, Error::Pickle(p) if matches!(&p.kind, PickleErrorKind::UnsupportedStorage { name } if name == "ComplexFloatStorage")),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "data.pkl at byte 86: unsupported storage type torch.ComplexFloatStorage"
    );
}

#[test]
fn quantized_tensors_load_with_their_quantizer() {
    // quantized.pt: `q = torch.quantize_per_tensor(..., scale=0.1, zero_point=0, quint8)`
    // of 2 elements (torch: int_repr [10, 10], dequantized [1.0, 1.0]).
    let archive = open("quantized.pt");
    let loaded = load_archive_pickles(&archive).unwrap();
    let root = root_object(&loaded.data);
    let Some(PickleValue::Tensor(q)) = root.attribute("q") else {
        panic!("no tensor q in {root:?}");
    };
    assert_eq!(q.storage.dtype, torchscript::pickle::StorageDType::QUInt8);
    assert_eq!(q.size, vec![2]);
    assert_eq!(
        q.quantizer,
        Some(torchscript::pickle::QuantizerRecord::PerTensor {
            scale: 0.1,
            zero_point: 0
        })
    );
    assert_eq!(
        q.contiguous_bytes(archive.as_slice()).unwrap(),
        vec![10u8, 10]
    );
}

#[test]
fn loaded_values_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Archive>();
    assert_send_sync::<PickleValue>();
    assert_send_sync::<torchscript::LoadedPickles>();
    assert_send_sync::<Error>();
}

#[test]
fn contiguous_views_are_borrowed_without_copying() {
    let archive = open("views.pt");
    let loaded = load_archive_pickles(&archive).unwrap();
    let bytes = archive.as_slice();
    for named in named_tensors(&loaded.data, &loaded.constants) {
        let t = named.tensor;
        let copied = t.contiguous_bytes(bytes).unwrap();
        match named.name.as_str() {
            "transposed" | "col" => {
                assert!(!t.is_contiguous(), "{}", named.name);
                assert!(t.contiguous_slice(bytes).is_none());
            }
            _ => {
                let borrowed = t.contiguous_slice(bytes).unwrap();
                assert_eq!(borrowed, &copied[..], "{}", named.name);
                // the borrowed slice points into the archive's bytes
                let range = bytes.as_ptr_range();
                assert!(borrowed.is_empty() || range.contains(&borrowed.as_ptr()));
            }
        }
    }
}
