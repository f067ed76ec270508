//! Hostile inputs (truncation, corruption, forbidden globals, exhaustion) give typed errors.
//!
//! Every case must give a typed error, never a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use torchscript::pickle::{unpickle, ArchiveStorages, PickleError};
use torchscript::{
    load_archive_pickles, named_tensors, Archive, ArchiveError, Error, PickleErrorKind,
    StoredRecord,
};

// ---- helpers: pickle bytes ----

/// Writes pickle opcodes by hand.
#[derive(Default, Clone)]
struct Pickle(Vec<u8>);

impl Pickle {
    fn new() -> Self {
        Pickle(vec![0x80, 2])
    }
    fn op(mut self, op: u8) -> Self {
        self.0.push(op);
        self
    }
    fn raw(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }
    fn global(self, module: &str, name: &str) -> Self {
        self.op(b'c').raw(format!("{module}\n{name}\n").as_bytes())
    }
    fn str(self, s: &str) -> Self {
        self.op(b'X')
            .raw(&(s.len() as u32).to_le_bytes())
            .raw(s.as_bytes())
    }
    fn int(self, v: u8) -> Self {
        self.op(b'K').raw(&[v])
    }
    fn ints(mut self, values: &[u8]) -> Self {
        self = self.op(b'(');
        for &v in values {
            self = self.int(v);
        }
        self.op(b't')
    }
    fn stop(self) -> Vec<u8> {
        self.op(b'.').0
    }
    /// `_rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), offset, size, stride,
    /// False, OrderedDict())`
    fn tensor(self, key: &str, numel: u8, offset: u8, size: &[u8], stride: &[u8]) -> Self {
        self.global("torch._utils", "_rebuild_tensor_v2")
            .op(b'(')
            .op(b'(')
            .str("storage")
            .global("torch", "FloatStorage")
            .str(key)
            .str("cpu")
            .int(numel)
            .op(b't')
            .op(b'Q')
            .int(offset)
            .ints(size)
            .ints(stride)
            .op(0x89)
            .global("collections", "OrderedDict")
            .op(b')')
            .op(b'R')
            .op(b't')
            .op(b'R')
    }
}

fn kind(result: Result<torchscript::PickleValue, PickleError>) -> PickleErrorKind {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.kind,
    }
}

fn run(bytes: &[u8]) -> PickleErrorKind {
    kind(unpickle(bytes, "data.pkl", None))
}

// ---- helpers: zip bytes ----

/// A minimal zip writer with stored entries at 64-byte aligned offsets.
fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let name = format!("archive/{name}");
        // pad so the data starts 64-byte aligned, like PyTorch (padding in the extra field)
        let header_end = out.len() + 30 + name.len() + 4;
        let pad = (64 - header_end % 64) % 64;
        let offset = out.len() as u32;
        let crc = crc32fast::hash(data);
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&((pad + 4) as u16).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&0xFEDCu16.to_le_bytes());
        out.extend_from_slice(&(pad as u16).to_le_bytes());
        out.extend(std::iter::repeat_n(0u8, pad));
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

fn model_zip(data_pkl: &[u8], storage: &[u8]) -> Vec<u8> {
    zip(&[
        ("data.pkl", data_pkl),
        ("data/0", storage),
        ("version", b"3\n"),
        ("byteorder", b"little"),
    ])
}

fn load(bytes: Vec<u8>) -> Result<torchscript::LoadedPickles, Error> {
    let archive = Archive::from_bytes(bytes)?;
    load_archive_pickles(&archive)
}

fn test_file(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

/// Loads, names every tensor and reads its values: the full path a hostile file goes through.
fn exercise(bytes: Vec<u8>) -> bool {
    let Ok(archive) = Archive::from_bytes(bytes) else {
        return false;
    };
    let Ok(loaded) = load_archive_pickles(&archive) else {
        return false;
    };
    for named in named_tensors(&loaded.data, &loaded.constants) {
        let _ = named.tensor.contiguous_bytes(archive.as_slice());
    }
    for code in archive.code_files() {
        let _ = archive.read_text(code);
    }
    true
}

// ---- the hand-made archive loads ----

#[test]
fn hand_made_archive_loads() {
    let pkl = Pickle::new().tensor("0", 4, 0, &[2, 2], &[2, 1]).stop();
    let loaded = load(model_zip(&pkl, &[0u8; 16])).unwrap();
    assert!(matches!(loaded.data, torchscript::PickleValue::Tensor(_)));
}

// ---- zip structure ----

#[test]
fn every_prefix_of_an_archive_is_an_error() {
    let bytes = test_file("tiny_mlp.pt");
    for len in 0..bytes.len() {
        let prefix = bytes[..len].to_vec();
        let ok = catch_unwind(|| exercise(prefix)).expect("panicked");
        assert!(!ok, "prefix of {len} bytes loaded");
    }
    assert!(exercise(bytes));
}

#[test]
fn garbage_is_not_a_zip() {
    let mut state = 0x1234_5678u32;
    for len in [0usize, 1, 21, 22, 100, 5000] {
        let garbage: Vec<u8> = (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as u8
            })
            .collect();
        assert!(matches!(
            Archive::from_bytes(garbage),
            Err(ArchiveError::NotAZip { .. })
        ));
    }
    // an end record pointing at nonsense
    let mut eocd = vec![0u8; 10];
    eocd.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    eocd.extend_from_slice(&[0, 0, 0, 0, 5, 0, 5, 0, 0xFF, 0xFF, 0, 0, 3, 0, 0, 0, 0, 0]);
    assert!(matches!(
        Archive::from_bytes(eocd),
        Err(ArchiveError::Truncated { .. })
    ));
}

#[test]
fn record_offset_past_the_end_is_truncated() {
    let mut bytes = model_zip(&Pickle::new().op(b'N').stop(), &[0; 16]);
    // point the first central entry's local header offset far past the end
    let cd = bytes
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .unwrap();
    bytes[cd + 42..cd + 46].copy_from_slice(&0x7FFF_0000u32.to_le_bytes());
    assert!(matches!(
        Archive::from_bytes(bytes.clone()),
        Err(ArchiveError::Truncated { .. })
    ));
    // a size past the end
    bytes[cd + 42..cd + 46].copy_from_slice(&0u32.to_le_bytes());
    bytes[cd + 20..cd + 28].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F]);
    assert!(matches!(
        Archive::from_bytes(bytes),
        Err(ArchiveError::Truncated { .. })
    ));
}

#[test]
fn format_checks() {
    let pkl = Pickle::new().op(b'N').stop();
    let big = zip(&[("data.pkl", &pkl), ("version", b"3"), ("byteorder", b"big")]);
    assert!(matches!(
        Archive::from_bytes(big),
        Err(ArchiveError::BigEndian)
    ));
    let v11 = zip(&[("data.pkl", &pkl), ("version", b"11\n")]);
    assert!(matches!(
        Archive::from_bytes(v11),
        Err(ArchiveError::UnsupportedVersion { found: 11 })
    ));
    let v_text = zip(&[("data.pkl", &pkl), ("version", b"three")]);
    assert!(matches!(
        Archive::from_bytes(v_text),
        Err(ArchiveError::InvalidVersion { .. })
    ));
    let data_version = zip(&[("data.pkl", &pkl), (".data/version", b"10\n")]);
    assert_eq!(Archive::from_bytes(data_version).unwrap().version(), 10);
    let no_data = zip(&[("version", b"3")]);
    assert!(matches!(
        load(no_data),
        Err(Error::Archive(ArchiveError::MissingRecord { .. }))
    ));
    let duplicate = zip(&[("version", b"3"), ("version", b"3")]);
    assert!(matches!(
        Archive::from_bytes(duplicate),
        Err(ArchiveError::DuplicateRecord { .. })
    ));
}

// ---- tensors against their storages ----

#[test]
fn tensor_views_must_fit_their_storage() {
    let cases: [(u8, u8, &[u8], &[u8]); 4] = [
        (4, 0, &[5], &[1]),       // more elements than the storage
        (4, 2, &[2, 2], &[2, 1]), // offset pushes the view out
        (4, 0, &[2, 2], &[3, 1]), // strides reach element 4
        (4, 0, &[2], &[1, 1]),    // rank mismatch
    ];
    for (numel, offset, size, stride) in cases {
        let pkl = Pickle::new()
            .tensor("0", numel, offset, size, stride)
            .stop();
        let err = load(model_zip(&pkl, &[0; 16])).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Pickle(PickleError {
                    kind: PickleErrorKind::InvalidTensor { .. },
                    ..
                })
            ),
            "{err}"
        );
    }
    // storage declares more elements than its record holds
    let pkl = Pickle::new().tensor("0", 5, 0, &[5], &[1]).stop();
    let err = load(model_zip(&pkl, &[0; 16])).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Pickle(PickleError {
                kind: PickleErrorKind::BadStorage { .. },
                ..
            })
        ),
        "{err}"
    );
    // storage key with no record, and path tricks
    for key in ["7", "../data.pkl", ""] {
        let pkl = Pickle::new().tensor(key, 4, 0, &[4], &[1]).stop();
        let err = load(model_zip(&pkl, &[0; 16])).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Pickle(PickleError {
                    kind: PickleErrorKind::BadStorage { .. },
                    ..
                })
            ),
            "{err}"
        );
    }
    // without a resolver, persistent ids are refused
    let pkl = Pickle::new().tensor("0", 4, 0, &[4], &[1]).stop();
    assert!(matches!(run(&pkl), PickleErrorKind::BadPersistentId { .. }));
}

#[test]
fn compressed_storage_is_refused() {
    let archive = Archive::from_bytes(test_file("tiny_mlp.pt")).unwrap();
    let resolver = ArchiveStorages::new(&archive, "code");
    let pkl = Pickle::new()
        .tensor("__torch__.py", 1, 0, &[1], &[1])
        .stop();
    let err = unpickle(&pkl, "data.pkl", Some(&resolver)).unwrap_err();
    assert!(err.to_string().contains("compressed"), "{err}");
}

// ---- globals ----

#[test]
fn forbidden_globals_are_refused() {
    for (module, name) in [
        ("os", "system"),
        ("posix", "system"),
        ("builtins", "eval"),
        ("subprocess", "Popen"),
        ("torch", "load"),
        ("torch.jit._pickle", "nope"),
        ("__torch__", "a b"),
        ("__torch__x", "Module"),
    ] {
        let via_global = Pickle::new()
            .global(module, name)
            .str("echo hi")
            .op(0x85)
            .op(b'R')
            .stop();
        let via_stack = Pickle::new()
            .str(module)
            .str(name)
            .op(0x93)
            .str("echo hi")
            .op(0x85)
            .op(b'R')
            .stop();
        for bytes in [via_global, via_stack] {
            let err = unpickle(&bytes, "data.pkl", None).unwrap_err();
            assert!(
                matches!(&err.kind, PickleErrorKind::ForbiddenGlobal { module: m, name: n } if m == module && n == name),
                "{module}.{name}: {err}"
            );
            assert_eq!(err.record, "data.pkl");
            assert!(err.offset > 0);
        }
    }
    let quantized = Pickle::new()
        .global("torch", "per_channel_affine_float_qparams")
        .stop();
    assert_eq!(run(&quantized), PickleErrorKind::QuantizedTensor);
    let complex = Pickle::new().global("torch", "ComplexFloatStorage").stop();
    assert!(
        matches!(run(&complex), PickleErrorKind::UnsupportedStorage { name } if name == "ComplexFloatStorage")
    );
    // an allowed global misused
    let newobj_fn = Pickle::new()
        .global("torch._utils", "_rebuild_tensor_v2")
        .op(b')')
        .op(0x81)
        .stop();
    assert!(matches!(run(&newobj_fn), PickleErrorKind::BadCall { .. }));
}

// ---- resource exhaustion ----

#[test]
fn deep_nesting_is_limited() {
    let marks = Pickle::new().raw(&vec![b'('; 1_000_000]).stop();
    assert!(matches!(run(&marks), PickleErrorKind::LimitExceeded { .. }));
    let mut lists = Pickle::new().raw(&vec![b']'; 1_000_000]);
    lists = lists.raw(&vec![b'a'; 999_999]);
    assert!(matches!(
        run(&lists.stop()),
        PickleErrorKind::LimitExceeded { .. }
    ));
    let tuples = Pickle::new().op(b'N').raw(&vec![0x85; 1_000_000]).stop();
    assert!(matches!(
        run(&tuples),
        PickleErrorKind::LimitExceeded { .. }
    ));
    let dicts = Pickle::new()
        .op(b'N')
        .raw(&[b'}', b'N', 0x86].repeat(200_000))
        .stop();
    let _ = catch_unwind(|| unpickle(&dicts, "data.pkl", None)).expect("panicked");
}

#[test]
fn huge_declared_sizes_are_truncation_errors() {
    let unicode = Pickle::new()
        .op(b'X')
        .raw(&(1u32 << 31).to_le_bytes())
        .raw(b"abc")
        .stop();
    assert!(matches!(run(&unicode), PickleErrorKind::Truncated { .. }));
    let unicode8 = Pickle::new().op(0x8d).raw(&u64::MAX.to_le_bytes()).stop();
    assert!(matches!(run(&unicode8), PickleErrorKind::Truncated { .. }));
    let bytes8 = Pickle::new()
        .op(0x8e)
        .raw(&(u64::MAX / 2).to_le_bytes())
        .stop();
    assert!(matches!(run(&bytes8), PickleErrorKind::Truncated { .. }));
    let long4 = Pickle::new().op(0x8b).raw(&u32::MAX.to_le_bytes()).stop();
    assert!(matches!(
        run(&long4),
        PickleErrorKind::IntegerTooLarge { .. }
    ));
    let long1 = Pickle::new().op(0x8a).raw(&[9]).raw(&[0; 9]).stop();
    assert!(matches!(
        run(&long1),
        PickleErrorKind::IntegerTooLarge { .. }
    ));
}

#[test]
fn copying_from_the_memo_is_budgeted() {
    // a list of 1000 items, then doubled repeatedly through the memo: "billion laughs"
    let mut p = Pickle::new()
        .op(b']')
        .op(b'(')
        .raw(&[b'N'].repeat(1000))
        .op(b'e');
    p = p.op(b'q').raw(&[0]);
    for i in 0..40u8 {
        p = p
            .op(b']')
            .op(b'(')
            .op(b'h')
            .raw(&[i])
            .op(b'h')
            .raw(&[i])
            .op(b'e');
        p = p.op(b'q').raw(&[i + 1]);
    }
    assert!(matches!(
        run(&p.stop()),
        PickleErrorKind::LimitExceeded { .. }
    ));
}

#[test]
fn memo_and_stack_misuse_are_errors() {
    assert_eq!(
        run(&Pickle::new().op(b'h').raw(&[5]).stop()),
        PickleErrorKind::MissingMemo { index: 5 }
    );
    assert!(matches!(
        run(&Pickle::new().op(b'j').raw(&u32::MAX.to_le_bytes()).stop()),
        PickleErrorKind::MissingMemo { .. }
    ));
    assert!(matches!(
        run(&Pickle::new().stop()),
        PickleErrorKind::BadStop { depth: 0 }
    ));
    assert!(matches!(
        run(&Pickle::new().op(b'N').op(b'N').stop()),
        PickleErrorKind::BadStop { depth: 2 }
    ));
    assert!(matches!(
        run(&Pickle::new().op(b'N').0),
        PickleErrorKind::Truncated { .. }
    ));
    assert!(matches!(
        run(&[0x80, 9, b'N', b'.']),
        PickleErrorKind::UnsupportedProtocol { .. }
    ));
    // items below a MARK are out of reach
    let hidden = Pickle::new().op(b']').op(b'(').op(b'a').stop();
    assert!(matches!(
        run(&hidden),
        PickleErrorKind::StackUnderflow { .. }
    ));
}

/// Every opcode on an empty stack (and followed by zeros) is an error, never a panic.
#[test]
fn stack_underflow_on_every_opcode() {
    let needs_items = b"0RbQ\x93astuea\x85\x86\x87\x81\x90\x91ld1e";
    for &op in needs_items {
        let bytes = Pickle::new().op(op).raw(&[0; 16]).stop();
        let kind = run(&bytes);
        assert!(
            matches!(
                kind,
                PickleErrorKind::StackUnderflow { .. } | PickleErrorKind::MissingMark { .. }
            ),
            "opcode {op:#04x}: {kind:?}"
        );
    }
    for op in 0..=255u8 {
        for tail in [&[][..], &[0; 16][..], &[0xFF; 16][..]] {
            let bytes = Pickle::new().op(op).raw(tail).stop();
            let result = catch_unwind(|| unpickle(&bytes, "data.pkl", None)).expect("panicked");
            if op != b'N' && op != b'.' && tail.is_empty() {
                // only a handful of opcodes make a valid one-value pickle on their own
                let _ = result;
            }
        }
    }
}

// ---- fuzzing ----

fn mutations(bytes: &[u8], step: usize) -> impl Iterator<Item = Vec<u8>> + '_ {
    (0..bytes.len()).step_by(step).flat_map(move |position| {
        [0x00u8, 0xFF, 0x80, 0x7F].into_iter().map(move |value| {
            let mut mutated = bytes.to_vec();
            mutated[position] = value;
            mutated
        })
    })
}

#[test]
fn mutated_archives_never_panic() {
    for name in ["frozen.pt", "views.pt"] {
        let bytes = test_file(name);
        for mutated in mutations(&bytes, 1) {
            catch_unwind(|| exercise(mutated)).expect("panicked");
        }
    }
}

#[test]
fn mutated_pickles_never_panic() {
    let archive = Archive::from_bytes(test_file("attrs.pt")).unwrap();
    let pkl = archive.read_record("data.pkl").unwrap().into_owned();
    for mutated in mutations(&pkl, 1) {
        catch_unwind(AssertUnwindSafe(|| {
            let resolver = ArchiveStorages::new(&archive, "data");
            let _ = unpickle(&mutated, "data.pkl", Some(&resolver));
        }))
        .expect("panicked");
    }
    for len in 0..pkl.len() {
        let resolver = ArchiveStorages::new(&archive, "data");
        assert!(unpickle(&pkl[..len], "data.pkl", Some(&resolver)).is_err());
    }
    let _ = StoredRecord { offset: 0, len: 0 };
}

#[test]
fn memoizing_a_big_list_many_times_is_budgeted() {
    // one list of 100k items, stored into 10k memo slots: a billion node copies if unbounded
    let mut p = Pickle::new()
        .op(b']')
        .op(b'(')
        .raw(&[b'N'].repeat(100_000))
        .op(b'e');
    for i in 0..10_000u32 {
        p = p.op(b'r').raw(&i.to_le_bytes());
    }
    assert!(matches!(
        run(&p.stop()),
        PickleErrorKind::LimitExceeded { .. }
    ));
    let mut dup = Pickle::new()
        .op(b']')
        .op(b'(')
        .raw(&[b'N'].repeat(100_000))
        .op(b'e');
    dup = dup.raw(&[b'2'; 10_000]);
    assert!(matches!(
        run(&dup.stop()),
        PickleErrorKind::LimitExceeded { .. }
    ));
}

/// A small deterministic generator for the random mutations below.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Random multi-byte mutations of every committed archive and npz file; more iterations with
/// `TORCHSCRIPT_FUZZ_ITERATIONS`.
#[test]
fn random_mutations_never_panic() {
    let iterations: usize = std::env::var("TORCHSCRIPT_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("npz")).unwrap())
        .flatten()
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("pt" | "npz")))
        .collect();
    files.sort();
    let mut rng = Lcg(0x5eed);
    for path in files {
        let original = std::fs::read(&path).unwrap();
        for _ in 0..iterations {
            let mut bytes = original.clone();
            for _ in 0..=rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            if rng.below(8) == 0 {
                bytes.truncate(rng.below(bytes.len()));
            }
            let result = catch_unwind(|| {
                let npz = torchscript::npz::read_npz_bytes(&bytes).is_ok();
                exercise(bytes.clone()) || npz
            });
            assert!(result.is_ok(), "panic on a mutation of {}", path.display());
        }
    }
}

#[test]
fn every_prefix_of_every_test_archive_is_an_error() {
    for name in ["attrs.pt", "views.pt", "frozen.pt", "objects.pt"] {
        let bytes = test_file(name);
        for len in (0..bytes.len()).step_by(7) {
            let prefix = bytes[..len].to_vec();
            assert!(
                !catch_unwind(|| exercise(prefix)).expect("panicked"),
                "{name} {len}"
            );
        }
    }
}
