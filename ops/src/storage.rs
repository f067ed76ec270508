//! Tensor storage: bytes mapped read-only from an archive, or owned and writable, behind a lock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::derived::DerivedWeights;
use crate::dtype::Element;
use crate::error::{OpError, Result};

/// The bytes of a whole archive (or any read-only buffer) that storages map into.
pub type SharedBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// Counts the weight bytes that had to be copied out of a mapping (a write into a parameter,
/// or a record that was not aligned for its element type). Shared by all storages of one archive.
#[derive(Debug, Default)]
pub struct CopyStats {
    copied_bytes: AtomicU64,
}

impl CopyStats {
    pub fn copied_bytes(&self) -> u64 {
        self.copied_bytes.load(Ordering::Relaxed)
    }

    fn record_copy(&self, bytes: usize) {
        self.copied_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

/// A byte range of a shared read-only buffer.
#[derive(Clone)]
pub struct MappedRegion {
    source: SharedBytes,
    start: usize,
    len: usize,
    stats: Arc<CopyStats>,
    /// The archive's derived weight forms (absent for buffers that are not an archive's).
    derived: Option<Arc<DerivedWeights>>,
}

impl std::fmt::Debug for MappedRegion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedRegion")
            .field("start", &self.start)
            .field("len", &self.len)
            .finish()
    }
}

impl MappedRegion {
    /// A region `start..start+len` of `source`; fails if it is not inside the buffer.
    pub fn new(
        source: SharedBytes,
        start: usize,
        len: usize,
        stats: Arc<CopyStats>,
    ) -> Result<Self> {
        let total = (*source).as_ref().len();
        match start.checked_add(len) {
            Some(end) if end <= total => Ok(MappedRegion {
                source,
                start,
                len,
                stats,
                derived: None,
            }),
            _ => Err(OpError::Storage(format!(
                "mapped region {start}+{len} is outside the {total}-byte buffer"
            ))),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        // `new` checked that the range lies inside the source.
        (*self.source)
            .as_ref()
            .get(self.start..self.start.saturating_add(self.len))
            .unwrap_or_default()
    }

    /// The region, with derived forms of its weights kept in `derived` (see [`crate::derived`]).
    pub fn with_derived(mut self, derived: Arc<DerivedWeights>) -> Self {
        self.derived = Some(derived);
        self
    }

    /// The derived weight forms of the archive the region belongs to, if it has any.
    pub fn derived(&self) -> Option<&DerivedWeights> {
        self.derived.as_deref()
    }

    /// Where the region starts in its buffer.
    pub fn start(&self) -> usize {
        self.start
    }

    /// The whole buffer the region lies in: holding it keeps the region's bytes alive.
    pub fn source(&self) -> &SharedBytes {
        &self.source
    }
}

/// A typed vector seen as bytes: lets a kernel's output `Vec<T>` become a storage without a copy.
trait ByteBuffer: Send + Sync + std::fmt::Debug {
    fn bytes(&self) -> &[u8];
    fn bytes_mut(&mut self) -> &mut [u8];
    fn clone_buffer(&self) -> Box<dyn ByteBuffer>;
    /// Hands the buffer to [`crate::buffer_pool`] (which keeps it or frees it).
    fn recycle(self: Box<Self>);
}

impl<T: bytemuck::Pod + Send + Sync + std::fmt::Debug + 'static> ByteBuffer for Vec<T> {
    fn bytes(&self) -> &[u8] {
        bytemuck::cast_slice(self)
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        bytemuck::cast_slice_mut(self)
    }

    fn clone_buffer(&self) -> Box<dyn ByteBuffer> {
        Box::new(self.clone())
    }

    fn recycle(self: Box<Self>) {
        crate::buffer_pool::give(*self);
    }
}

/// Owned bytes: a typed vector (aligned for its element type), or 8-byte aligned words.
#[derive(Debug)]
struct OwnedBytes {
    buffer: Box<dyn ByteBuffer>,
    len: usize,
}

impl Clone for OwnedBytes {
    fn clone(&self) -> Self {
        OwnedBytes {
            buffer: self.buffer.clone_buffer(),
            len: self.len,
        }
    }
}

impl Drop for OwnedBytes {
    fn drop(&mut self) {
        if self.len >= crate::buffer_pool::MIN_POOLED_BYTES {
            let buffer = std::mem::replace(&mut self.buffer, Box::new(Vec::<u64>::new()));
            buffer.recycle();
        }
    }
}

impl OwnedBytes {
    fn zeroed(len: usize) -> Self {
        OwnedBytes {
            buffer: Box::new(vec![0u64; len.div_ceil(8)]),
            len,
        }
    }

    fn copy_of(bytes: &[u8]) -> Self {
        let mut owned = OwnedBytes::zeroed(bytes.len());
        owned.bytes_mut().copy_from_slice(bytes);
        owned
    }

    fn from_vec<T: Element>(values: Vec<T>) -> Self {
        let len = std::mem::size_of_val(values.as_slice());
        OwnedBytes {
            buffer: Box::new(values),
            len,
        }
    }

    fn bytes(&self) -> &[u8] {
        let all = self.buffer.bytes();
        all.get(..self.len).unwrap_or(all)
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        let len = self.len;
        let all = self.buffer.bytes_mut();
        let n = len.min(all.len());
        all.get_mut(..n).unwrap_or_default()
    }
}

/// The largest multiple of `T`'s size that is at most `len` bytes.
fn whole_elements<T>(len: usize) -> usize {
    len.saturating_sub(len.checked_rem(std::mem::size_of::<T>()).unwrap_or(0))
}

/// Where a storage's bytes live.
#[derive(Debug)]
pub enum StorageData {
    Owned(OwnedBytesHandle),
    Mapped(MappedRegion),
}

/// Opaque owned buffer (8-byte aligned).
#[derive(Debug)]
pub struct OwnedBytesHandle(OwnedBytes);

impl StorageData {
    pub fn bytes(&self) -> &[u8] {
        match self {
            StorageData::Owned(o) => o.0.bytes(),
            StorageData::Mapped(m) => m.bytes(),
        }
    }

    /// The bytes viewed as elements of `T`.
    pub fn typed<T: Element>(&self) -> Result<&[T]> {
        let bytes = self.bytes();
        let whole = whole_elements::<T>(bytes.len());
        bytemuck::try_cast_slice(bytes.get(..whole).unwrap_or_default())
            .map_err(|e| OpError::Storage(format!("cannot view storage as {}: {e}", T::DTYPE)))
    }

    pub fn is_mapped(&self) -> bool {
        matches!(self, StorageData::Mapped(_))
    }
}

/// The shared bytes behind one or more tensors (views share a storage).
#[derive(Debug)]
pub struct Storage {
    data: RwLock<StorageData>,
    nbytes: usize,
}

/// Read access to a storage's bytes.
pub type StorageRead<'a> = RwLockReadGuard<'a, StorageData>;

/// Write access to a storage's bytes (always owned).
#[allow(missing_debug_implementations)]
pub struct StorageWrite<'a> {
    guard: RwLockWriteGuard<'a, StorageData>,
}

impl StorageWrite<'_> {
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        match &mut *self.guard {
            StorageData::Owned(o) => o.0.bytes_mut(),
            // `Storage::write` replaced any mapping by an owned copy before handing out this guard.
            StorageData::Mapped(_) => &mut [],
        }
    }

    pub fn typed_mut<T: Element>(&mut self) -> Result<&mut [T]> {
        let bytes = self.bytes_mut();
        let whole = whole_elements::<T>(bytes.len());
        bytemuck::try_cast_slice_mut(bytes.get_mut(..whole).unwrap_or_default())
            .map_err(|e| OpError::Storage(format!("cannot view storage as {}: {e}", T::DTYPE)))
    }
}

impl Storage {
    /// A zero-filled owned storage of `nbytes`.
    pub fn zeroed(nbytes: usize) -> Arc<Storage> {
        Arc::new(Storage {
            data: RwLock::new(StorageData::Owned(OwnedBytesHandle(OwnedBytes::zeroed(
                nbytes,
            )))),
            nbytes,
        })
    }

    /// A zero-filled owned storage of `nbytes`, accounted against the call's limits (see
    /// [`crate::alloc`]) and allocated fallibly: a size from model code never aborts.
    pub fn try_zeroed(op: &str, nbytes: usize) -> Result<Arc<Storage>> {
        crate::alloc::check_tensor_bytes(op, nbytes)?;
        let words: Vec<u64> = crate::alloc::try_filled(op, 0u64, nbytes.div_ceil(8))?;
        crate::alloc::reserve_bytes(op, nbytes)?;
        Ok(Arc::new(Storage {
            data: RwLock::new(StorageData::Owned(OwnedBytesHandle(OwnedBytes {
                buffer: Box::new(words),
                len: nbytes,
            }))),
            nbytes,
        }))
    }

    /// An owned storage that takes `values` over without copying them.
    pub fn from_vec<T: Element>(values: Vec<T>) -> Arc<Storage> {
        let owned = OwnedBytes::from_vec(values);
        let nbytes = owned.len;
        Arc::new(Storage {
            data: RwLock::new(StorageData::Owned(OwnedBytesHandle(owned))),
            nbytes,
        })
    }

    /// An owned storage holding `values`.
    pub fn from_elements<T: Element>(values: &[T]) -> Arc<Storage> {
        let bytes: &[u8] = bytemuck::cast_slice(values);
        Arc::new(Storage {
            data: RwLock::new(StorageData::Owned(OwnedBytesHandle(OwnedBytes::copy_of(
                bytes,
            )))),
            nbytes: bytes.len(),
        })
    }

    /// A storage that maps `region` without copying. If the region is not aligned to
    /// `align` bytes (the element size), it is copied once and the copy is counted.
    pub fn mapped(region: MappedRegion, align: usize) -> Arc<Storage> {
        let nbytes = region.len;
        let aligned = (region.bytes().as_ptr() as usize)
            .checked_rem(align.max(1))
            .unwrap_or(0)
            == 0;
        let data = if aligned {
            StorageData::Mapped(region)
        } else {
            region.stats.record_copy(nbytes);
            StorageData::Owned(OwnedBytesHandle(OwnedBytes::copy_of(region.bytes())))
        };
        Arc::new(Storage {
            data: RwLock::new(data),
            nbytes,
        })
    }

    pub fn nbytes(&self) -> usize {
        self.nbytes
    }

    pub fn is_mapped(&self) -> bool {
        self.data.read().is_mapped()
    }

    pub fn read(&self) -> StorageRead<'_> {
        self.data.read()
    }

    /// Write access. A mapped storage is first replaced by an owned copy (copy on write): the
    /// mapping is read-only, and a model must never write into the archive's weights.
    pub fn write(&self) -> StorageWrite<'_> {
        let mut guard = self.data.write();
        if let StorageData::Mapped(region) = &*guard {
            region.stats.record_copy(region.len);
            let owned = OwnedBytes::copy_of(region.bytes());
            *guard = StorageData::Owned(OwnedBytesHandle(owned));
        }
        StorageWrite { guard }
    }

    /// A new storage with its own lock over the same mapped bytes (or a copy of owned bytes):
    /// what gives each worker instance private copy-on-write weights.
    pub fn fork(&self) -> Arc<Storage> {
        let data = match &*self.data.read() {
            StorageData::Mapped(region) => StorageData::Mapped(region.clone()),
            StorageData::Owned(o) => StorageData::Owned(OwnedBytesHandle(o.0.clone())),
        };
        Arc::new(Storage {
            data: RwLock::new(data),
            nbytes: self.nbytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_storage_copies_on_write_and_counts() {
        let bytes: SharedBytes = Arc::new(vec![0u8; 64]);
        let stats = Arc::new(CopyStats::default());
        let region = MappedRegion::new(bytes.clone(), 0, 16, stats.clone()).unwrap();
        let storage = Storage::mapped(region, 1);
        assert!(storage.is_mapped());
        assert_eq!(stats.copied_bytes(), 0);
        storage.write().bytes_mut()[0] = 7;
        assert!(!storage.is_mapped());
        assert_eq!(stats.copied_bytes(), 16);
        assert_eq!(
            (*bytes).as_ref()[0],
            0,
            "the mapped source is never written"
        );
        assert_eq!(storage.read().bytes()[0], 7);
    }

    #[test]
    fn region_outside_buffer_is_an_error() {
        let bytes: SharedBytes = Arc::new(vec![0u8; 8]);
        let stats = Arc::new(CopyStats::default());
        assert!(MappedRegion::new(bytes.clone(), 4, 8, stats.clone()).is_err());
        assert!(MappedRegion::new(bytes, usize::MAX, 2, stats).is_err());
    }
}
