//! Reads `.npz` files written by numpy and round-trips them through the writer.
//!
//! Covers savez, savez_compressed, Fortran order, big-endian, 0-d and empty arrays.

use std::path::PathBuf;

use torchscript::npz::{npz_bytes, read_npz, read_npz_bytes, write_npz};
use torchscript::{NpyArray, NpyDType, NpzError};

fn npz_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/npz")
        .join(name)
}

fn values_f64(array: &NpyArray) -> Vec<f64> {
    let size = array.dtype.size();
    array
        .data
        .chunks_exact(size)
        .map(|c| match array.dtype {
            NpyDType::F32 => f64::from(f32::from_le_bytes(c.try_into().unwrap())),
            NpyDType::F64 => f64::from_le_bytes(c.try_into().unwrap()),
            NpyDType::I16 => f64::from(i16::from_le_bytes(c.try_into().unwrap())),
            NpyDType::I32 => f64::from(i32::from_le_bytes(c.try_into().unwrap())),
            NpyDType::I64 => i64::from_le_bytes(c.try_into().unwrap()) as f64,
            NpyDType::Bool | NpyDType::U8 => f64::from(c[0]),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn reads_numpy_savez() {
    let arrays = read_npz(npz_path("numpy_savez.npz")).unwrap();
    let names: Vec<&str> = arrays.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "arg6", "arg7"]
    );
    let expect = |i: usize, dtype: NpyDType, shape: &[usize], values: &[f64]| {
        let (name, array) = &arrays[i];
        assert_eq!(array.dtype, dtype, "{name}");
        assert_eq!(array.shape, shape, "{name}");
        assert_eq!(values_f64(array), values, "{name}");
    };
    let ramp = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
    expect(0, NpyDType::F32, &[2, 3], &ramp);
    expect(1, NpyDType::I64, &[], &[3.0]);
    expect(2, NpyDType::Bool, &[2], &[1.0, 0.0]);
    expect(3, NpyDType::I16, &[2, 3], &ramp);
    expect(4, NpyDType::F64, &[2, 3], &ramp); // written in Fortran order
    expect(5, NpyDType::I32, &[4], &[0.0, 1.0, 2.0, 3.0]); // written big-endian
    expect(6, NpyDType::F16, &[0, 2], &[]);
    expect(7, NpyDType::U8, &[2], &[1.0, 255.0]);
}

#[test]
fn reads_numpy_savez_compressed() {
    let arrays = read_npz(npz_path("numpy_compressed.npz")).unwrap();
    assert_eq!(arrays[0].0, "out0");
    assert_eq!(
        values_f64(&arrays[0].1),
        (0..10).map(f64::from).collect::<Vec<_>>()
    );
    assert_eq!(arrays[1].1.shape, Vec::<usize>::new());
    assert_eq!(values_f64(&arrays[1].1), [2.5]);
}

#[test]
fn object_arrays_are_refused_not_unpickled() {
    assert!(matches!(
        read_npz(npz_path("numpy_object.npz")),
        Err(NpzError::UnsupportedDtype { .. })
    ));
}

#[test]
fn round_trips_through_a_file() {
    let arrays = read_npz(npz_path("numpy_savez.npz")).unwrap();
    let dir = std::env::temp_dir().join(format!("torchscript-npz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("round_trip.npz");
    write_npz(&path, &arrays).unwrap();
    assert_eq!(read_npz(&path).unwrap(), arrays);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn inconsistent_arrays_are_not_written() {
    let bad = NpyArray {
        dtype: NpyDType::F32,
        shape: vec![2],
        data: vec![0; 7],
    };
    assert!(matches!(
        npz_bytes(&[("x".to_string(), bad)]),
        Err(NpzError::InconsistentArray { .. })
    ));
}

#[test]
fn truncated_npz_is_an_error() {
    let bytes = std::fs::read(npz_path("numpy_compressed.npz")).unwrap();
    for len in 0..bytes.len() {
        assert!(read_npz_bytes(&bytes[..len]).is_err(), "prefix {len}");
    }
}

/// Writes a file numpy can read when `TORCHSCRIPT_WRITE_NPZ` names a path (manual check).
#[test]
fn writes_for_numpy_when_asked() {
    let Some(path) = std::env::var_os("TORCHSCRIPT_WRITE_NPZ") else {
        return;
    };
    let arrays = read_npz(npz_path("numpy_savez.npz")).unwrap();
    write_npz(path, &arrays).unwrap();
}
