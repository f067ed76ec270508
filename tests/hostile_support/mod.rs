//! Builders of hostile archives for the hostile_* tests: zips from parts, a golden model with
//! its code replaced, deflate bombs.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use torchscript::{Archive, Error, Limits, Module, Tensor, Value};

/// One zip entry: name (under `archive/`), content, and whether to deflate it.
pub struct Entry {
    pub name: String,
    pub data: Vec<u8>,
    pub deflate: bool,
}

pub fn stored(name: &str, data: &[u8]) -> Entry {
    Entry {
        name: name.to_string(),
        data: data.to_vec(),
        deflate: false,
    }
}

pub fn deflated(name: &str, data: &[u8]) -> Entry {
    Entry {
        name: name.to_string(),
        data: data.to_vec(),
        deflate: true,
    }
}

pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A zip of `entries` (stored data 64-byte aligned like PyTorch's), with `crc_override`
/// replacing the CRC the directory declares for the named entry.
pub fn zip_with(entries: &[Entry], crc_override: Option<(&str, u32)>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let name = format!("archive/{}", entry.name);
        let (method, body) = if entry.deflate {
            (8u16, deflate(&entry.data))
        } else {
            (0u16, entry.data.clone())
        };
        let header_end = out.len() + 30 + name.len() + 4;
        let pad = (64 - header_end % 64) % 64;
        let offset = out.len() as u32;
        let crc = match crc_override {
            Some((n, c)) if n == entry.name => c,
            _ => crc32fast::hash(&entry.data),
        };
        let local = |out: &mut Vec<u8>| {
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0]);
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0, 0, 0, 0]);
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend_from_slice(&(entry.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&((pad + 4) as u16).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&0xFEDCu16.to_le_bytes());
            out.extend_from_slice(&(pad as u16).to_le_bytes());
            out.extend(std::iter::repeat_n(0u8, pad));
        };
        local(&mut out);
        out.extend_from_slice(&body);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&[20, 0, 20, 0, 0, 0]);
        central.extend_from_slice(&method.to_le_bytes());
        central.extend_from_slice(&[0, 0, 0, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&(body.len() as u32).to_le_bytes());
        central.extend_from_slice(&(entry.data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    finish(out, central, entries.len())
}

/// A zip of `entries` whose directory also lists `aliases` more names for the data of the
/// entry named `shared`: every alias points at that one local header and compressed stream
/// (the "many entries sharing one stream" bomb).
pub fn zip_with_aliases(entries: &[Entry], shared: &str, aliases: &[String]) -> Vec<u8> {
    let plain = zip(entries);
    let count = entries.len();
    // The directory starts where the end record says it does.
    let end = plain.len() - 22;
    let cd_offset = u32::from_le_bytes(plain[end + 16..end + 20].try_into().unwrap()) as usize;
    let (out, central) = plain[..end].split_at(cd_offset);
    let mut central = central.to_vec();
    let shared_name = format!("archive/{shared}");
    let mut at = 0;
    let record = loop {
        let name_len = u16::from_le_bytes([central[at + 28], central[at + 29]]) as usize;
        let extra = u16::from_le_bytes([central[at + 30], central[at + 31]]) as usize;
        let comment = u16::from_le_bytes([central[at + 32], central[at + 33]]) as usize;
        let len = 46 + name_len + extra + comment;
        if &central[at + 46..at + 46 + name_len] == shared_name.as_bytes() {
            break central[at..at + 46].to_vec();
        }
        at += len;
    };
    for alias in aliases {
        let name = format!("archive/{alias}");
        central.extend_from_slice(&record[..28]);
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&record[42..46]);
        central.extend_from_slice(name.as_bytes());
    }
    finish(out.to_vec(), central, count + aliases.len())
}

/// Appends the central directory and its end record.
pub fn finish(mut out: Vec<u8>, central: Vec<u8>, count: usize) -> Vec<u8> {
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(count as u16).to_le_bytes());
    out.extend_from_slice(&(count as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

pub fn zip(entries: &[Entry]) -> Vec<u8> {
    zip_with(entries, None)
}

pub fn case_path(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/cases")
        .join(case)
        .join("model.pt")
}

/// Every record of a golden case, in order, as entries (code deflated like PyTorch's).
pub fn case_entries(case: &str) -> Vec<Entry> {
    let archive = Archive::open(case_path(case)).unwrap();
    archive
        .records()
        .iter()
        .map(|r| Entry {
            name: r.name.clone(),
            data: archive.read_record(&r.name).unwrap().into_owned(),
            deflate: r.compressed,
        })
        .collect()
}

/// The `control_flow_scripted` golden model with `forward(self, x: Tensor, n: int)` replaced by
/// `body` (indented two spaces inside the method). `extra` is appended to the code file.
pub fn model_with_forward(body: &str, extra: &str) -> Vec<u8> {
    let mut entries = case_entries("control_flow_scripted");
    let body: String = body.lines().map(|l| format!("    {l}\n")).collect();
    let code = format!(
        "class ControlFlow(Module):\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n  _is_full_backward_hook : NoneType\n  maybe : Optional[Tensor]\n  names : List[str]\n  lin : __torch__.torch.nn.modules.linear.Linear\n  def forward(self: __torch__.ControlFlow,\n    x: Tensor,\n    n: int) -> Any:\n{body}{extra}"
    );
    for e in &mut entries {
        if e.name == "code/__torch__.py" {
            e.data = code.clone().into_bytes();
        }
    }
    entries.retain(|e| !e.name.ends_with(".debug_pkl"));
    zip(&entries)
}

/// Small limits for tests that must fail fast on a few-GiB machine.
pub fn test_limits() -> Limits {
    Limits {
        max_tensor_bytes: 256 << 20,
        max_call_bytes: 1 << 30,
        max_container_len: 1 << 20,
        ..Limits::default()
    }
}

/// Loads `bytes` under `limits` and runs `forward(x, n)` with a 3x6 tensor.
pub fn run_forward(bytes: Vec<u8>, limits: Limits, n: i64) -> Result<Value, Error> {
    let module = Module::from_archive_with_limits(Archive::from_bytes(bytes)?, limits)?;
    let x = Tensor::from_vec((0..18).map(|i| i as f32 * 0.1).collect(), &[3, 6]).unwrap();
    module.run_method("forward", vec![Value::Tensor(x), Value::Int(n)])
}

/// The error of `run_forward`, as the CLI would print it; panics if the call succeeded.
pub fn forward_error(body: &str, n: i64) -> String {
    match run_forward(model_with_forward(body, ""), test_limits(), n) {
        Ok(v) => panic!("expected an error from\n{body}\ngot {v:?}"),
        Err(e) => e.to_string(),
    }
}
