//! The opcode dispatch of the pickle machine: one protocol-0..5 opcode per call.

use super::{charge_copy, entry_value, limit, Machine, PickleErrorKind, PickleValue, Slot, Step};

impl Machine<'_> {
    // ---- one opcode ----

    /// Executes one opcode; returns the result at STOP.
    pub(super) fn step(&mut self) -> Step<Option<PickleValue>> {
        let opcode = self.take_u8("opcode")?;
        match opcode {
            0x80 => {
                let protocol = self.take_u8("PROTO")?;
                if protocol > 5 {
                    return Err(PickleErrorKind::UnsupportedProtocol { protocol });
                }
            }
            0x95 => {
                self.take_u64("FRAME")?;
            }
            b'.' => {
                let depth = self.stack.len();
                if depth != 1 || !self.marks.is_empty() {
                    return Err(PickleErrorKind::BadStop { depth });
                }
                let top = self.pop("STOP")?;
                return entry_value(top).map(Some);
            }
            b'(' => {
                if self.marks.len() >= self.limits.max_marks {
                    return Err(limit("open marks", self.limits.max_marks as u64));
                }
                self.marks.push(self.stack.len());
            }
            b'0' => {
                if self.stack.len() > self.frame_floor() {
                    self.pop("POP")?;
                } else {
                    self.pop_mark("POP")?;
                }
            }
            b'1' => {
                self.pop_mark("POP_MARK")?;
            }
            b'2' => {
                let max = self.limits.max_copied_nodes;
                let mut copied = self.copied_nodes;
                let top = self.top_mut("DUP")?;
                charge_copy(&mut copied, max, top)?;
                let top = top.clone();
                self.copied_nodes = copied;
                self.push(top)?;
            }
            // ---- scalars ----
            b'N' => self.push_value(PickleValue::None)?,
            0x88 => self.push_value(PickleValue::Bool(true))?,
            0x89 => self.push_value(PickleValue::Bool(false))?,
            b'J' => {
                let v = i32::from_le_bytes(self.take_array::<4>("BININT")?);
                self.push_value(PickleValue::Int(i64::from(v)))?;
            }
            b'K' => {
                let v = self.take_u8("BININT1")?;
                self.push_value(PickleValue::Int(i64::from(v)))?;
            }
            b'M' => {
                let v = u16::from_le_bytes(self.take_array::<2>("BININT2")?);
                self.push_value(PickleValue::Int(i64::from(v)))?;
            }
            0x8a => {
                let len = self.take_u8("LONG1")?;
                let v = self.take_long(u64::from(len))?;
                self.push_value(v)?;
            }
            0x8b => {
                let len = self.take_u32("LONG4")?;
                let v = self.take_long(u64::from(len))?;
                self.push_value(v)?;
            }
            b'G' => {
                let v = f64::from_be_bytes(self.take_array::<8>("BINFLOAT")?);
                self.push_value(PickleValue::Float(v))?;
            }
            b'X' => {
                let len = self.take_u32("BINUNICODE")?;
                let v = self.take_str(u64::from(len))?;
                self.push_value(v)?;
            }
            0x8c => {
                let len = self.take_u8("SHORT_BINUNICODE")?;
                let v = self.take_str(u64::from(len))?;
                self.push_value(v)?;
            }
            0x8d => {
                let len = self.take_u64("BINUNICODE8")?;
                let v = self.take_str(len)?;
                self.push_value(v)?;
            }
            b'U' => {
                let len = self.take_u8("SHORT_BINSTRING")?;
                let v = self.take_str(u64::from(len))?;
                self.push_value(v)?;
            }
            b'T' => {
                let len = self.take_u32("BINSTRING")?;
                let v = self.take_str(u64::from(len))?;
                self.push_value(v)?;
            }
            b'C' => {
                let len = self.take_u8("SHORT_BINBYTES")?;
                let v = self.take_bytes(u64::from(len))?;
                self.push_value(v)?;
            }
            b'B' => {
                let len = self.take_u32("BINBYTES")?;
                let v = self.take_bytes(u64::from(len))?;
                self.push_value(v)?;
            }
            0x8e => {
                let len = self.take_u64("BINBYTES8")?;
                let v = self.take_bytes(len)?;
                self.push_value(v)?;
            }
            // ---- containers ----
            b')' => self.push_value(PickleValue::Tuple(Vec::new()))?,
            b']' => self.push_value(PickleValue::List(Vec::new()))?,
            b'}' => self.push_value(PickleValue::Dict(Vec::new()))?,
            0x8f => self.push_value(PickleValue::Set(Vec::new()))?,
            b't' => {
                let items = self.pop_mark("TUPLE")?;
                self.make_tuple(items)?;
            }
            0x85 => {
                let items = self.pop_n(1, "TUPLE1")?;
                self.make_tuple(items)?;
            }
            0x86 => {
                let items = self.pop_n(2, "TUPLE2")?;
                self.make_tuple(items)?;
            }
            0x87 => {
                let items = self.pop_n(3, "TUPLE3")?;
                self.make_tuple(items)?;
            }
            b'l' => {
                let items = self.pop_mark("LIST")?;
                self.make_container(items, |v| Ok(PickleValue::List(v)))?;
            }
            0x91 => {
                let items = self.pop_mark("FROZENSET")?;
                self.make_container(items, |v| Ok(PickleValue::Set(v)))?;
            }
            b'd' => {
                let items = self.pop_mark("DICT")?;
                if items.len() % 2 != 0 {
                    return Err(PickleErrorKind::StackUnderflow { opcode: "DICT" });
                }
                self.make_container(items, |v| {
                    let mut pairs = Vec::with_capacity(v.len() / 2);
                    let mut it = v.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        pairs.push((k, v));
                    }
                    Ok(PickleValue::Dict(pairs))
                })?;
            }
            b'a' => {
                let item = self.pop("APPEND")?;
                self.extend_sequence(vec![item], "APPEND")?;
            }
            b'e' => {
                let items = self.pop_mark("APPENDS")?;
                self.extend_sequence(items, "APPENDS")?;
            }
            0x90 => {
                let items = self.pop_mark("ADDITEMS")?;
                self.extend_sequence(items, "ADDITEMS")?;
            }
            b's' => {
                let items = self.pop_n(2, "SETITEM")?;
                self.extend_dict(items, "SETITEM")?;
            }
            b'u' => {
                let items = self.pop_mark("SETITEMS")?;
                self.extend_dict(items, "SETITEMS")?;
            }
            // ---- memo ----
            b'q' => {
                let index = self.take_u8("BINPUT")?;
                self.memo_put(u64::from(index))?;
            }
            b'r' => {
                let index = self.take_u32("LONG_BINPUT")?;
                self.memo_put(u64::from(index))?;
            }
            0x94 => {
                let index = self.memo.len() as u64;
                self.memo_put(index)?;
            }
            b'h' => {
                let index = self.take_u8("BINGET")?;
                self.memo_get(u64::from(index))?;
            }
            b'j' => {
                let index = self.take_u32("LONG_BINGET")?;
                self.memo_get(u64::from(index))?;
            }
            // ---- globals, calls, objects, storages ----
            b'c' => {
                let module = self.take_line("GLOBAL module")?;
                let name = self.take_line("GLOBAL name")?;
                self.global(module, name)?;
            }
            0x93 => {
                let name = self.pop("STACK_GLOBAL")?;
                let module = self.pop("STACK_GLOBAL")?;
                match (&module.slot, &name.slot) {
                    (Slot::Value(PickleValue::Str(m)), Slot::Value(PickleValue::Str(n))) => {
                        let (m, n) = (m.clone(), n.clone());
                        self.global(&m, &n)?;
                    }
                    _ => {
                        return Err(PickleErrorKind::WrongType {
                            opcode: "STACK_GLOBAL",
                            expected: "two strings",
                            found: format!("{} and {}", module.describe(), name.describe()),
                        })
                    }
                }
            }
            b'R' => self.reduce()?,
            0x81 => self.new_object()?,
            b'b' => self.build()?,
            b'Q' => self.persistent_id()?,
            other => return Err(PickleErrorKind::UnknownOpcode { opcode: other }),
        }
        Ok(None)
    }
}
