//! The pickle virtual machine: reads opcodes, keeps the stack, marks and memo, within limits.
//!
//! Values are copied in and out of the memo (PyTorch memoizes strings, tuples, tensors and
//! finished objects, never a container before it is filled, so copying matches Python's
//! sharing for every archive PyTorch writes). Objects are `Arc`s, so a memo reference to an
//! object shares it. Each copy is charged to a node budget before it is made.

use std::sync::Arc;

use super::error::{PickleError, PickleErrorKind};
use super::globals::{call_with_values, resolve_global, AllowedGlobal};
use super::tensor::{
    rebuild_parameter, rebuild_qtensor, rebuild_tensor, StorageResolver, StorageTable,
};
use super::value::{PickleValue, PickledObject, StorageRecord};

mod memo;
mod step;

/// Resource limits that bound memory and recursion on hostile input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PickleLimits {
    /// Most values on the stack at once.
    pub max_stack: usize,
    /// Most open MARKs at once.
    pub max_marks: usize,
    /// Most memo entries.
    pub max_memo: usize,
    /// Deepest nesting of containers and objects.
    pub max_depth: u32,
    /// Most items in one container.
    pub max_container_len: usize,
    /// Most value nodes copied into or out of the memo (and by DUP) in total: values are
    /// copied, not shared, so this bounds memory on "billion laughs" input.
    pub max_copied_nodes: u64,
}

impl Default for PickleLimits {
    fn default() -> Self {
        PickleLimits {
            max_stack: 1 << 22,
            max_marks: 1 << 16,
            max_memo: 1 << 22,
            max_depth: 1000,
            max_container_len: 1 << 26,
            max_copied_nodes: 1 << 22,
        }
    }
}

/// What a stack slot holds: a finished value, or a piece of a construction in progress.
#[derive(Debug, Clone)]
enum Slot {
    Value(PickleValue),
    Global(AllowedGlobal),
    Storage(Arc<StorageRecord>),
    /// A tuple holding something that is not a plain value (a global, a storage).
    RawTuple(Vec<Entry>),
    /// `NEWOBJ` of a `__torch__` class, waiting for its `BUILD`.
    PendingObject(Arc<str>),
}

#[derive(Debug, Clone)]
struct Entry {
    slot: Slot,
    /// Nesting depth of the value (0 for scalars).
    depth: u32,
}

impl Entry {
    fn scalar(value: PickleValue) -> Self {
        Entry {
            slot: Slot::Value(value),
            depth: 0,
        }
    }

    fn describe(&self) -> String {
        match &self.slot {
            Slot::Value(v) => v.kind_name().to_string(),
            Slot::Global(g) => format!("global {}", g.qualified_name()),
            Slot::Storage(s) => format!("storage {}", s.key),
            Slot::RawTuple(_) => "tuple".to_string(),
            Slot::PendingObject(name) => format!("object {name} before BUILD"),
        }
    }
}

type Step<T> = Result<T, PickleErrorKind>;

pub(crate) struct Machine<'a> {
    input: &'a [u8],
    position: usize,
    stack: Vec<Entry>,
    marks: Vec<usize>,
    memo: memo::Memo<Entry>,
    storages: StorageTable,
    resolver: Option<&'a dyn StorageResolver>,
    limits: PickleLimits,
    copied_nodes: u64,
}

impl<'a> Machine<'a> {
    pub(crate) fn new(
        input: &'a [u8],
        resolver: Option<&'a dyn StorageResolver>,
        limits: PickleLimits,
    ) -> Self {
        Machine {
            input,
            position: 0,
            stack: Vec::new(),
            marks: Vec::new(),
            memo: memo::Memo::default(),
            storages: StorageTable::default(),
            resolver,
            limits,
            copied_nodes: 0,
        }
    }

    /// Runs to STOP and returns the single value left.
    pub(crate) fn run(mut self, record: &str) -> Result<PickleValue, PickleError> {
        loop {
            let opcode_offset = self.position;
            match self.step() {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => {}
                Err(kind) => return Err(kind.at(record, opcode_offset)),
            }
        }
    }

    // ---- reading the input ----

    fn take(&mut self, len: u64, what: &'static str) -> Step<&'a [u8]> {
        let available = self.input.len().saturating_sub(self.position);
        let truncated = PickleErrorKind::Truncated {
            what,
            needed: len,
            available,
        };
        let len = usize::try_from(len).map_err(|_| truncated.clone())?;
        let end = self
            .position
            .checked_add(len)
            .ok_or_else(|| truncated.clone())?;
        let bytes = self.input.get(self.position..end).ok_or(truncated)?;
        self.position = end;
        Ok(bytes)
    }

    fn take_array<const N: usize>(&mut self, what: &'static str) -> Step<[u8; N]> {
        let bytes = self.take(N as u64, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    fn take_u8(&mut self, what: &'static str) -> Step<u8> {
        Ok(self.take_array::<1>(what)?[0])
    }

    fn take_u32(&mut self, what: &'static str) -> Step<u32> {
        self.take_array::<4>(what).map(u32::from_le_bytes)
    }

    fn take_u64(&mut self, what: &'static str) -> Step<u64> {
        self.take_array::<8>(what).map(u64::from_le_bytes)
    }

    fn take_line(&mut self, what: &'static str) -> Step<&'a str> {
        let rest = self.input.get(self.position..).unwrap_or(&[]);
        let len = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(PickleErrorKind::Truncated {
                what,
                needed: (rest.len() as u64).saturating_add(1),
                available: rest.len(),
            })?;
        let line = self.take(len as u64, what)?;
        self.take(1, what)?;
        std::str::from_utf8(line).map_err(|_| PickleErrorKind::InvalidUtf8)
    }

    fn take_str(&mut self, len: u64) -> Step<PickleValue> {
        let bytes = self.take(len, "string")?;
        let text = std::str::from_utf8(bytes).map_err(|_| PickleErrorKind::InvalidUtf8)?;
        Ok(PickleValue::Str(Arc::from(text)))
    }

    fn take_bytes(&mut self, len: u64) -> Step<PickleValue> {
        let bytes = self.take(len, "bytes")?;
        Ok(PickleValue::Bytes(Arc::from(bytes)))
    }

    fn take_long(&mut self, len: u64) -> Step<PickleValue> {
        if len > 8 {
            return Err(PickleErrorKind::IntegerTooLarge { bytes: len });
        }
        let bytes = self.take(len, "long")?;
        let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
        let mut buffer = if negative { [0xFFu8; 8] } else { [0u8; 8] };
        for (slot, byte) in buffer.iter_mut().zip(bytes) {
            *slot = *byte;
        }
        Ok(PickleValue::Int(i64::from_le_bytes(buffer)))
    }

    // ---- the stack ----

    fn frame_floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn push(&mut self, entry: Entry) -> Step<()> {
        if self.stack.len() >= self.limits.max_stack {
            return Err(limit("stack size", self.limits.max_stack as u64));
        }
        if entry.depth > self.limits.max_depth {
            return Err(limit("nesting depth", u64::from(self.limits.max_depth)));
        }
        self.stack.push(entry);
        Ok(())
    }

    fn push_value(&mut self, value: PickleValue) -> Step<()> {
        self.push(Entry::scalar(value))
    }

    fn pop(&mut self, opcode: &'static str) -> Step<Entry> {
        if self.stack.len() <= self.frame_floor() {
            return Err(PickleErrorKind::StackUnderflow { opcode });
        }
        self.stack
            .pop()
            .ok_or(PickleErrorKind::StackUnderflow { opcode })
    }

    fn top_mut(&mut self, opcode: &'static str) -> Step<&mut Entry> {
        if self.stack.len() <= self.frame_floor() {
            return Err(PickleErrorKind::StackUnderflow { opcode });
        }
        self.stack
            .last_mut()
            .ok_or(PickleErrorKind::StackUnderflow { opcode })
    }

    fn pop_mark(&mut self, opcode: &'static str) -> Step<Vec<Entry>> {
        let mark = self
            .marks
            .pop()
            .ok_or(PickleErrorKind::MissingMark { opcode })?;
        if mark > self.stack.len() {
            return Err(PickleErrorKind::StackUnderflow { opcode });
        }
        Ok(self.stack.split_off(mark))
    }

    fn pop_n(&mut self, n: usize, opcode: &'static str) -> Step<Vec<Entry>> {
        let start = self
            .stack
            .len()
            .checked_sub(n)
            .filter(|&start| start >= self.frame_floor())
            .ok_or(PickleErrorKind::StackUnderflow { opcode })?;
        Ok(self.stack.split_off(start))
    }

    // ---- the memo ----

    fn memo_put(&mut self, index: u64) -> Step<()> {
        if self.memo.len() >= self.limits.max_memo && !self.memo.contains(index) {
            return Err(limit("memo size", self.limits.max_memo as u64));
        }
        let (max, copied) = (self.limits.max_copied_nodes, &mut self.copied_nodes);
        let floor = self.marks.last().copied().unwrap_or(0);
        let top = match self.stack.last() {
            Some(top) if self.stack.len() > floor => top,
            _ => return Err(PickleErrorKind::StackUnderflow { opcode: "PUT" }),
        };
        charge_copy(copied, max, top)?;
        self.memo.insert(index, top.clone());
        Ok(())
    }

    fn memo_get(&mut self, index: u64) -> Step<()> {
        let entry = self
            .memo
            .get(index)
            .ok_or(PickleErrorKind::MissingMemo { index })?;
        charge_copy(&mut self.copied_nodes, self.limits.max_copied_nodes, entry)?;
        let copy = entry.clone();
        self.push(copy)
    }

    // ---- values ----

    fn check_len(&self, len: usize) -> Step<()> {
        if len > self.limits.max_container_len {
            return Err(limit(
                "container length",
                self.limits.max_container_len as u64,
            ));
        }
        Ok(())
    }

    fn make_tuple(&mut self, items: Vec<Entry>) -> Step<()> {
        self.check_len(items.len())?;
        let depth = nested_depth(&items);
        let plain = items.iter().all(|e| matches!(e.slot, Slot::Value(_)));
        let slot = if plain {
            Slot::Value(PickleValue::Tuple(entry_values(items)?))
        } else {
            Slot::RawTuple(items)
        };
        self.push(Entry { slot, depth })
    }

    fn make_container(
        &mut self,
        items: Vec<Entry>,
        build: fn(Vec<PickleValue>) -> Step<PickleValue>,
    ) -> Step<()> {
        self.check_len(items.len())?;
        let depth = nested_depth(&items);
        let value = build(entry_values(items)?)?;
        self.push(Entry {
            slot: Slot::Value(value),
            depth,
        })
    }

    /// APPEND(S) / ADDITEMS: extends the list or set on top of the frame.
    fn extend_sequence(&mut self, items: Vec<Entry>, opcode: &'static str) -> Step<()> {
        let depth = nested_depth(&items);
        let values = entry_values(items)?;
        let max_len = self.limits.max_container_len;
        let max_depth = self.limits.max_depth;
        let target = self.top_mut(opcode)?;
        let found = target.describe();
        let list = match &mut target.slot {
            Slot::Value(PickleValue::List(list)) | Slot::Value(PickleValue::Set(list)) => list,
            _ => {
                return Err(PickleErrorKind::WrongType {
                    opcode,
                    expected: "list",
                    found,
                })
            }
        };
        if list.len().saturating_add(values.len()) > max_len {
            return Err(limit("container length", max_len as u64));
        }
        list.extend(values);
        target.depth = target.depth.max(depth);
        if target.depth > max_depth {
            return Err(limit("nesting depth", u64::from(max_depth)));
        }
        Ok(())
    }

    /// SETITEM(S): inserts key/value pairs into the dict on top of the frame.
    fn extend_dict(&mut self, items: Vec<Entry>, opcode: &'static str) -> Step<()> {
        if !items.len().is_multiple_of(2) {
            return Err(PickleErrorKind::StackUnderflow { opcode });
        }
        let depth = nested_depth(&items);
        let mut values = entry_values(items)?.into_iter();
        let max_len = self.limits.max_container_len;
        let max_depth = self.limits.max_depth;
        let target = self.top_mut(opcode)?;
        let found = target.describe();
        let Slot::Value(PickleValue::Dict(dict)) = &mut target.slot else {
            return Err(PickleErrorKind::WrongType {
                opcode,
                expected: "dict",
                found,
            });
        };
        if dict.len().saturating_add(values.len() / 2) > max_len {
            return Err(limit("container length", max_len as u64));
        }
        while let (Some(k), Some(v)) = (values.next(), values.next()) {
            dict.push((k, v));
        }
        target.depth = target.depth.max(depth);
        if target.depth > max_depth {
            return Err(limit("nesting depth", u64::from(max_depth)));
        }
        Ok(())
    }

    // ---- calls ----

    fn global(&mut self, module: &str, name: &str) -> Step<()> {
        let global = resolve_global(module, name)?;
        self.push(Entry {
            slot: Slot::Global(global),
            depth: 0,
        })
    }

    fn args_of(&self, entry: Entry, opcode: &'static str) -> Step<(Vec<Entry>, u32)> {
        let depth = entry.depth;
        match entry.slot {
            Slot::RawTuple(items) => Ok((items, depth)),
            Slot::Value(PickleValue::Tuple(items)) => {
                Ok((items.into_iter().map(Entry::scalar).collect(), depth))
            }
            _ => Err(PickleErrorKind::WrongType {
                opcode,
                expected: "argument tuple",
                found: entry.describe(),
            }),
        }
    }

    fn reduce(&mut self) -> Step<()> {
        let args = self.pop("REDUCE")?;
        let callee = self.pop("REDUCE")?;
        // PyTorch pickles an enum value as `GLOBAL <enum class>, <bare value>, REDUCE`.
        if let (Slot::Global(AllowedGlobal::TorchClass(class_name)), Slot::Value(value)) =
            (&callee.slot, &args.slot)
        {
            if !matches!(value, PickleValue::Tuple(_)) {
                let value = PickleValue::Enum {
                    class_name: class_name.clone(),
                    value: Box::new(value.clone()),
                };
                return self.push(Entry {
                    slot: Slot::Value(value),
                    depth: args.depth.saturating_add(1),
                });
            }
        }
        let (args, depth) = self.args_of(args, "REDUCE")?;
        let Slot::Global(global) = callee.slot else {
            return Err(PickleErrorKind::WrongType {
                opcode: "REDUCE",
                expected: "allowed global",
                found: callee.describe(),
            });
        };
        let value = match global {
            AllowedGlobal::RebuildTensorV2 => {
                let mut args = args.into_iter();
                let storage = match args.next().map(|e| e.slot) {
                    Some(Slot::Storage(storage)) => storage,
                    _ => {
                        return Err(PickleErrorKind::InvalidTensor {
                            reason: "first argument of _rebuild_tensor_v2 is not a storage".into(),
                        })
                    }
                };
                let rest = entry_values(args.collect())?;
                PickleValue::Tensor(rebuild_tensor(storage, &rest)?)
            }
            AllowedGlobal::RebuildParameter => {
                PickleValue::Tensor(rebuild_parameter(&entry_values(args)?)?)
            }
            AllowedGlobal::RebuildQTensor => {
                let mut args = args.into_iter();
                let storage = match args.next().map(|e| e.slot) {
                    Some(Slot::Storage(storage)) => storage,
                    _ => {
                        return Err(PickleErrorKind::InvalidTensor {
                            reason: "first argument of _rebuild_qtensor is not a storage".into(),
                        })
                    }
                };
                let rest = entry_values(args.collect())?;
                PickleValue::Tensor(rebuild_qtensor(storage, &rest)?)
            }
            other => call_with_values(&other, entry_values(args)?)?,
        };
        self.push(Entry {
            slot: Slot::Value(value),
            depth,
        })
    }

    fn new_object(&mut self) -> Step<()> {
        let args = self.pop("NEWOBJ")?;
        let class = self.pop("NEWOBJ")?;
        let (args, _) = self.args_of(args, "NEWOBJ")?;
        match class.slot {
            Slot::Global(AllowedGlobal::TorchClass(name)) if args.is_empty() => self.push(Entry {
                slot: Slot::PendingObject(name),
                depth: 1,
            }),
            _ => Err(PickleErrorKind::BadCall {
                callee: class.describe(),
                reason: "NEWOBJ is only allowed on __torch__ classes with no arguments".into(),
            }),
        }
    }

    fn build(&mut self) -> Step<()> {
        let state = self.pop("BUILD")?;
        let depth = state.depth.saturating_add(1);
        let state = entry_value(state)?;
        let max_depth = self.limits.max_depth;
        let target = self.top_mut("BUILD")?;
        let Slot::PendingObject(name) = &target.slot else {
            return Err(PickleErrorKind::WrongType {
                opcode: "BUILD",
                expected: "object created by NEWOBJ",
                found: target.describe(),
            });
        };
        *target = Entry {
            slot: Slot::Value(PickleValue::Object(Arc::new(PickledObject {
                class_name: name.to_string(),
                state,
            }))),
            depth,
        };
        if depth > max_depth {
            return Err(limit("nesting depth", u64::from(max_depth)));
        }
        Ok(())
    }

    fn persistent_id(&mut self) -> Step<()> {
        let pid = self.pop("BINPERSID")?;
        let (items, _) = self.args_of(pid, "BINPERSID")?;
        let bad = |reason: &str| PickleErrorKind::BadPersistentId {
            reason: reason.to_string(),
        };
        let mut items = items.into_iter().map(|e| e.slot);
        let (Some(tag), Some(class), Some(key), Some(_location), Some(numel), None) = (
            items.next(),
            items.next(),
            items.next(),
            items.next(),
            items.next(),
            items.next(),
        ) else {
            return Err(bad("expected ('storage', type, key, location, numel)"));
        };
        let (
            Slot::Value(PickleValue::Str(tag)),
            Slot::Global(AllowedGlobal::Storage(dtype)),
            Slot::Value(PickleValue::Str(key)),
            Slot::Value(PickleValue::Int(numel)),
        ) = (tag, class, key, numel)
        else {
            return Err(bad("expected ('storage', torch.<X>Storage, str, str, int)"));
        };
        if &*tag != "storage" {
            return Err(bad("the first item is not 'storage'"));
        }
        let storage = self.storages.storage(self.resolver, dtype, &key, numel)?;
        self.push(Entry {
            slot: Slot::Storage(storage),
            depth: 0,
        })
    }
}

fn entry_value(entry: Entry) -> Step<PickleValue> {
    Ok(match entry.slot {
        Slot::Value(v) => v,
        Slot::Global(g) => PickleValue::Global(g.qualified_name()),
        Slot::Storage(s) => {
            return Err(PickleErrorKind::BadPersistentId {
                reason: format!("storage {} used outside a tensor", s.key),
            })
        }
        Slot::RawTuple(items) => PickleValue::Tuple(entry_values(items)?),
        Slot::PendingObject(name) => PickleValue::Object(Arc::new(PickledObject {
            class_name: name.to_string(),
            state: PickleValue::None,
        })),
    })
}

fn entry_values(entries: Vec<Entry>) -> Step<Vec<PickleValue>> {
    entries.into_iter().map(entry_value).collect()
}

/// Counts the nodes a copy of `entry` creates against the budget, before copying.
fn charge_copy(copied: &mut u64, max: u64, entry: &Entry) -> Step<()> {
    let remaining = max.saturating_sub(*copied);
    let cost = entry_cost(entry, remaining.saturating_add(1));
    if cost > remaining {
        return Err(limit("copied value nodes", max));
    }
    *copied = copied.saturating_add(cost);
    Ok(())
}

fn limit(limit: &'static str, max: u64) -> PickleErrorKind {
    PickleErrorKind::LimitExceeded { limit, max }
}

fn nested_depth(items: &[Entry]) -> u32 {
    items
        .iter()
        .map(|e| e.depth)
        .max()
        .unwrap_or(0)
        .saturating_add(1)
}

/// How many nodes copying `entry` creates, counting at most up to `cap`.
fn entry_cost(entry: &Entry, cap: u64) -> u64 {
    match &entry.slot {
        Slot::Value(v) => value_cost(v, cap),
        Slot::RawTuple(items) => items.iter().fold(1u64, |acc, e| {
            if acc >= cap {
                acc
            } else {
                acc.saturating_add(entry_cost(e, cap))
            }
        }),
        _ => 1,
    }
}

fn value_cost(value: &PickleValue, cap: u64) -> u64 {
    let sum = |items: &mut dyn Iterator<Item = &PickleValue>| {
        let mut acc = 1u64;
        for item in items {
            if acc >= cap {
                break;
            }
            acc = acc.saturating_add(value_cost(item, cap));
        }
        acc
    };
    match value {
        PickleValue::List(items)
        | PickleValue::Tuple(items)
        | PickleValue::Set(items)
        | PickleValue::TypedList { items, .. } => sum(&mut items.iter()),
        PickleValue::Dict(items) | PickleValue::TypedDict { items, .. } => {
            sum(&mut items.iter().flat_map(|(k, v)| [k, v]))
        }
        PickleValue::Enum { value, .. } => value_cost(value, cap).saturating_add(1),
        PickleValue::Tensor(t) => (t.size.len() as u64).saturating_add(1),
        _ => 1,
    }
}
