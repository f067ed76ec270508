//! Weight forms derived for speed: made once per loaded archive on first use, shared by every
//! worker of it, counted, and off unless the user turns them on.
//!
//! The one form so far is a float32 `[out, in]` weight (nn.Linear's layout) rearranged into
//! column panels: the transpose `[in, out]` cut into strips of [`PANEL_WIDTH`] columns, each
//! stored row-major and contiguous. A product of few rows by the weight as stored costs gemm
//! one scalar gather per weight element on every call; by a panel it reads 256-byte rows that
//! follow one another. `x @ W.T` on one thread (gemm crate, best of 15 runs of 20): `[8 x 768]
//! @ [768 x 768]` 360 -> 204 us, `[16 x 768] @ [768 x 768]` 391 -> 245 us, `[32 x 768] @ [768 x
//! 3072]` 2.79 -> 2.34 ms, `[64 x 3072] @ [3072 x 768]` 5.48 -> 4.12 ms, `[128 x 256] @ [256 x
//! 1024]` 1.07 -> 0.93 ms; from 256 rows on gemm's own packing pays for itself and the panels
//! gain nothing (1.56 ms both for `[256 x 256] @ [256 x 1024]`), so such products read the
//! weight as stored. A derived form costs memory private to the process (the mapped weights
//! are shared through the page cache), so it is off by default: a machine running many
//! processes of one model keeps one copy of the weights unless it asks for more.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;

/// The view of a mapped record a derived form was made from: the record's start in the
/// archive, the view's element offset into the record and its `rows x cols` shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DerivedKey {
    pub record_start: usize,
    pub offset: usize,
    pub rows: usize,
    pub cols: usize,
}

/// The derived forms of one archive's weights (shared by its module, the module's instances
/// and every worker running them).
#[derive(Debug, Default)]
pub struct DerivedWeights {
    enabled: AtomicBool,
    forms: RwLock<HashMap<DerivedKey, Arc<Vec<f32>>>>,
    bytes: AtomicU64,
}

impl DerivedWeights {
    /// Turns derived forms on or off. Turning them off drops every form made so far (calls
    /// under way keep theirs until they finish).
    pub fn set_enabled(&self, enabled: bool) {
        let mut forms = self.forms.write();
        self.enabled.store(enabled, Ordering::Relaxed);
        if !enabled {
            forms.clear();
            self.bytes.store(0, Ordering::Relaxed);
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Bytes held by the forms made so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Forms made so far.
    pub fn count(&self) -> usize {
        self.forms.read().len()
    }

    /// The column panels of the transpose of the row-major `[key.rows, key.cols]` matrix at
    /// `key.offset` of `record`, made on the first request: panel `p` holds columns
    /// `p * PANEL_WIDTH ..` (at most [`PANEL_WIDTH`] of them, `w`) of the `[cols, rows]`
    /// transpose, row-major `[cols, w]`, from element `p * PANEL_WIDTH * cols`. `None` when
    /// derived forms are off, or the matrix does not lie inside `record`, or memory for the form
    /// could not be had: the caller then uses the weight as stored.
    pub fn column_panels(&self, key: DerivedKey, record: &[f32]) -> Option<Arc<Vec<f32>>> {
        if !self.enabled() {
            return None;
        }
        if let Some(form) = self.forms.read().get(&key) {
            return Some(form.clone());
        }
        // made outside the lock: two workers may both make it, the first one stored is kept
        let made = Arc::new(column_panels(record, key)?);
        let mut forms = self.forms.write();
        if !self.enabled() {
            return None;
        }
        let form = forms.entry(key).or_insert_with(|| {
            let bytes = made.len().saturating_mul(std::mem::size_of::<f32>()) as u64;
            self.bytes.fetch_add(bytes, Ordering::Relaxed);
            made
        });
        Some(form.clone())
    }
}

/// Columns of one panel of a derived form: rows of 256 bytes, which gemm reads one after the
/// other (wider panels lost up to a fifth on products of 32 and 64 rows).
pub const PANEL_WIDTH: usize = 64;

/// The column panels (see [`DerivedWeights::column_panels`]) of the transpose of the
/// `[rows, cols]` matrix at `key.offset` of `record`.
fn column_panels(record: &[f32], key: DerivedKey) -> Option<Vec<f32>> {
    let DerivedKey {
        offset, rows, cols, ..
    } = key;
    let len = rows.checked_mul(cols)?;
    let source = record.get(offset..offset.checked_add(len)?)?;
    let mut out = Vec::new();
    out.try_reserve_exact(len).ok()?;
    out.resize(len, 0.0f32);
    // every index below is under `len` (checked above), so the products cannot overflow
    for (p, panel) in out.chunks_mut(PANEL_WIDTH.saturating_mul(cols)).enumerate() {
        let first = p.saturating_mul(PANEL_WIDTH);
        let width = PANEL_WIDTH.min(rows.saturating_sub(first));
        // row `first + j` of the matrix becomes column `j` of the panel
        for (j, row) in source
            .chunks_exact(cols)
            .skip(first)
            .take(width)
            .enumerate()
        {
            for (d, &v) in row.iter().enumerate() {
                *panel.get_mut(d.saturating_mul(width).saturating_add(j))? = v;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(rows: usize, cols: usize, offset: usize) -> DerivedKey {
        DerivedKey {
            record_start: 0,
            offset,
            rows,
            cols,
        }
    }

    #[test]
    fn forms_are_made_only_when_enabled_and_once() {
        let derived = DerivedWeights::default();
        let record: Vec<f32> = (0..7 * 45).map(|i| i as f32).collect();
        assert!(derived.column_panels(key(7, 45, 0), &record).is_none());
        derived.set_enabled(true);
        let first = derived.column_panels(key(7, 45, 0), &record).unwrap();
        let again = derived.column_panels(key(7, 45, 0), &record).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "a form is made once");
        assert_eq!((derived.count(), derived.bytes()), (1, 7 * 45 * 4));
        // one panel narrower than PANEL_WIDTH: the plain transpose
        for r in 0..7 {
            for c in 0..45 {
                assert_eq!(first[c * 7 + r], record[r * 45 + c]);
            }
        }
        derived.set_enabled(false);
        assert_eq!((derived.count(), derived.bytes()), (0, 0));
        assert!(derived.column_panels(key(7, 45, 0), &record).is_none());
    }

    #[test]
    fn rows_past_one_panel_go_to_the_next_panel() {
        let derived = DerivedWeights::default();
        derived.set_enabled(true);
        let (rows, cols) = (PANEL_WIDTH * 2 + 5, 3);
        let record: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
        let form = derived.column_panels(key(rows, cols, 0), &record).unwrap();
        for r in 0..rows {
            let (p, j) = (r / PANEL_WIDTH, r % PANEL_WIDTH);
            let width = PANEL_WIDTH.min(rows - p * PANEL_WIDTH);
            for d in 0..cols {
                assert_eq!(
                    form[p * PANEL_WIDTH * cols + d * width + j],
                    record[r * cols + d]
                );
            }
        }
    }

    #[test]
    fn a_view_with_an_offset_is_transposed_from_its_offset() {
        let derived = DerivedWeights::default();
        derived.set_enabled(true);
        let record: Vec<f32> = (0..40).map(|i| i as f32).collect();
        let form = derived.column_panels(key(3, 4, 10), &record).unwrap();
        assert_eq!(
            *form,
            vec![10., 14., 18., 11., 15., 19., 12., 16., 20., 13., 17., 21.]
        );
    }

    #[test]
    fn a_view_outside_its_record_gets_no_form() {
        let derived = DerivedWeights::default();
        derived.set_enabled(true);
        let record = vec![0f32; 12];
        assert!(derived.column_panels(key(3, 4, 1), &record).is_none());
        assert!(derived
            .column_panels(key(usize::MAX, 2, 0), &record)
            .is_none());
        assert_eq!(derived.count(), 0);
    }
}
