//! Python-owned memory (numpy arrays over bytes, bytearrays, Ray's shared memory) seen from Rust without copying.
#![allow(unsafe_code)]

use numpy::npyffi::_PyArray_GET_ITEM_DATA;
use numpy::{PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;

/// A read-only byte range of memory owned by a Python object, kept alive by holding that object.
pub struct PyOwnedBytes {
    /// The object that owns the memory (a numpy array; its base keeps any buffer export open).
    _owner: Py<PyAny>,
    ptr: *const u8,
    len: usize,
}

// SAFETY: the bytes are only read, never written through this type; the owner is kept alive (and
// so the memory valid and, for a bytearray, not resized: numpy holds a buffer export) for as long
// as this value lives. `Py<PyAny>` itself is Send + Sync.
unsafe impl Send for PyOwnedBytes {}
// SAFETY: see above: shared access only reads.
unsafe impl Sync for PyOwnedBytes {}

impl std::fmt::Debug for PyOwnedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyOwnedBytes")
            .field("len", &self.len)
            .finish()
    }
}

impl AsRef<[u8]> for PyOwnedBytes {
    fn as_ref(&self) -> &[u8] {
        if self.len == 0 || self.ptr.is_null() {
            return &[];
        }
        // SAFETY: `ptr..ptr+len` lies inside the owner's buffer (checked by `from_array`), and
        // the owner is alive while `self` is.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl PyOwnedBytes {
    /// The `len` bytes starting at the data pointer of `array`. The caller computes `len` from
    /// the array's shape and non-negative strides, so the range lies inside the array's buffer.
    pub fn from_array(array: &Bound<'_, PyUntypedArray>, len: usize) -> PyOwnedBytes {
        // SAFETY: `array` is a live numpy array; reading its data pointer field is what numpy's
        // PyArray_DATA macro does.
        let ptr = unsafe { (*_PyArray_GET_ITEM_DATA(array.as_array_ptr())).data as *const u8 };
        PyOwnedBytes {
            _owner: array.clone().into_any().unbind(),
            ptr,
            len,
        }
    }
}
