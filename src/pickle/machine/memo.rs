//! The pickle memo: a vector for the indices 0, 1, 2, ... PyTorch writes, a map for others.
//!
//! `MEMOIZE` and PyTorch's `BINPUT`s number entries densely from 0, so most lookups are a
//! vector index instead of a hash; hostile indices (any `u32`) go to the map, so memory still
//! grows only with the number of entries.

use std::collections::HashMap;

/// Entries by index. Every index in `sparse` is at least `dense.len()`.
#[derive(Debug)]
pub(super) struct Memo<T> {
    dense: Vec<T>,
    sparse: HashMap<u64, T>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo {
            dense: Vec::new(),
            sparse: HashMap::new(),
        }
    }
}

impl<T> Memo<T> {
    /// How many indices are set.
    pub(super) fn len(&self) -> usize {
        self.dense.len().saturating_add(self.sparse.len())
    }

    pub(super) fn contains(&self, index: u64) -> bool {
        self.get(index).is_some()
    }

    pub(super) fn get(&self, index: u64) -> Option<&T> {
        match self.dense_slot(index) {
            Some(slot) => self.dense.get(slot),
            None => self.sparse.get(&index),
        }
    }

    /// Sets `index`, replacing what it held.
    pub(super) fn insert(&mut self, index: u64, value: T) {
        if let Some(slot) = self.dense_slot(index).and_then(|i| self.dense.get_mut(i)) {
            *slot = value;
        } else if usize::try_from(index).is_ok_and(|i| i == self.dense.len()) {
            self.sparse.remove(&index);
            self.dense.push(value);
        } else {
            self.sparse.insert(index, value);
        }
    }

    /// `index` as a position in `dense`, if it is below its length.
    fn dense_slot(&self, index: u64) -> Option<usize> {
        usize::try_from(index)
            .ok()
            .filter(|&i| i < self.dense.len())
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;
    use std::collections::HashMap;

    #[test]
    fn the_memo_answers_as_a_map_does() {
        let far = u64::from(u32::MAX);
        let indices = [0, 1, 5, 2, 1, 3, 4, 5, 6, 9, 7, 8, 9, far, 0, 10];
        let mut memo = Memo::default();
        let mut map = HashMap::new();
        for (value, index) in indices.into_iter().enumerate() {
            memo.insert(index, value);
            map.insert(index, value);
            assert_eq!(memo.len(), map.len());
            for probe in (0..12).chain([u64::from(u32::MAX), u64::MAX]) {
                assert_eq!(memo.get(probe), map.get(&probe), "index {probe}");
                assert_eq!(memo.contains(probe), map.contains_key(&probe));
            }
        }
    }
}
