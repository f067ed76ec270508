//! Modules loaded from borrowed bytes (`Module::from_shared`): same outputs as the mapped
//! file, no weight bytes copied when aligned, unaligned records copied once and counted.

mod runtime_support;

use std::sync::Arc;

use runtime_support::*;
use torchscript::Module;

/// A buffer whose archive starts one byte into the allocation, so every record is misaligned.
struct ShiftedByOne(Vec<u8>);

impl AsRef<[u8]> for ShiftedByOne {
    fn as_ref(&self) -> &[u8] {
        self.0.get(1..).unwrap_or(&[])
    }
}

#[test]
fn borrowed_bytes_give_the_file_outputs_without_copying() {
    let dir = case_dir("resnet_basic_scripted");
    let from_file = Module::load(dir.join("model.pt")).unwrap();
    let bytes: Arc<Vec<u8>> = Arc::new(std::fs::read(dir.join("model.pt")).unwrap());
    let borrowed = Module::from_shared(bytes.clone()).unwrap();
    let inputs = case_inputs(&from_file, &dir, "forward");
    let a = arrays(&from_file.forward(inputs.clone()).unwrap());
    let b = arrays(&borrowed.forward(inputs).unwrap());
    assert_bit_equal(&a, &b);
    assert_close_f32(&b, &expected_outputs(&dir.join("outputs.npz")));
    assert_eq!(borrowed.copied_weight_bytes(), 0);
    assert!(borrowed.mapped_weight_bytes() > 0);
    // The tensors view the caller's buffer itself.
    let base = bytes.as_ptr() as usize;
    for (name, t) in borrowed.named_tensors().expect("every class reads") {
        let guard = t.storage().read();
        let p = guard.bytes().as_ptr() as usize;
        assert!(
            p >= base && p < base + bytes.len(),
            "{name} is not a view of the borrowed buffer"
        );
    }
    // The module keeps the buffer alive on its own.
    drop(bytes);
    drop(from_file);
    let again = borrowed
        .forward(case_inputs(&borrowed, &dir, "forward"))
        .unwrap();
    assert_bit_equal(&a, &arrays(&again));
}

#[test]
fn misaligned_borrowed_records_are_copied_once_and_counted() {
    let dir = case_dir("mlp_scripted");
    let mut raw = vec![0u8];
    raw.extend(std::fs::read(dir.join("model.pt")).unwrap());
    let module = Module::from_shared(Arc::new(ShiftedByOne(raw))).unwrap();
    let copied = module.copied_weight_bytes();
    assert!(copied > 0 && copied <= module.mapped_weight_bytes());
    let inputs = case_inputs(&module, &dir, "forward");
    let out = arrays(&module.forward(inputs.clone()).unwrap());
    assert_close_f32(&out, &expected_outputs(&dir.join("outputs.npz")));
    module.forward(inputs).unwrap();
    assert_eq!(
        module.copied_weight_bytes(),
        copied,
        "copied again on a later call"
    );
}

#[test]
fn borrowed_garbage_is_an_error_not_a_panic() {
    let bytes: Arc<Vec<u8>> = Arc::new(b"PK\x03\x04 definitely not an archive".to_vec());
    assert!(Module::from_shared(bytes).is_err());
}
