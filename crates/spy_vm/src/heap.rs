//! The interpreters' memory: a byte-addressed heap with C layout, so that
//! programs using `gc_ptr`/`raw_ptr` observe the same bytes in every mode
//! (field offsets, `ptr_setbytes`, `ptr_cmp`). Allocations are zeroed and never
//! freed (collection is not observable).
//!
//! Addresses: `(block + 1) << 32 | offset`; 0 is NULL. Every access is checked
//! (NULL, bounds), as SPy's interpreter does.

use std::rc::Rc;

use spy_rir::NumTy;

use crate::prims::PrimErr;
use crate::types::TypeId;
use crate::value::{StructValue, Value};

/// How a value is laid out in memory.
#[derive(Clone, Debug)]
pub enum Shape {
    None,
    Bool,
    Num(NumTy),
    Str,
    Ptr,
    /// Fields at byte offsets; the struct type for the values built on load.
    Struct(TypeId, Vec<(u32, Shape)>),
}

#[derive(Default, Debug)]
pub struct Heap {
    blocks: Vec<Vec<u8>>,
    /// Strings stored in memory are handles into this table (0 is "").
    strings: Vec<Rc<str>>,
}

fn null_err() -> PrimErr {
    PrimErr {
        etype: "PanicError",
        msg: "cannot dereference NULL pointer".into(),
    }
}

fn split(addr: u64) -> (usize, usize) {
    (
        ((addr >> 32) as usize).wrapping_sub(1),
        (addr & 0xffff_ffff) as usize,
    )
}

impl Heap {
    /// `bytes` zeroed bytes.
    pub fn alloc(&mut self, bytes: usize) -> Result<u64, PrimErr> {
        if bytes > (1 << 31) {
            return Err(PrimErr {
                etype: "MemoryError",
                msg: "allocation too large".into(),
            });
        }
        self.blocks.push(vec![0; bytes]);
        Ok((self.blocks.len() as u64) << 32)
    }

    fn block(&self, addr: u64) -> Result<(&Vec<u8>, usize), PrimErr> {
        if addr == 0 {
            return Err(null_err());
        }
        let (b, off) = split(addr);
        let block = self.blocks.get(b).ok_or_else(null_err)?;
        Ok((block, off))
    }

    /// The address of item `index` of size `size` from `addr`, checked against
    /// the allocation.
    /// `what` names the operation in the error (`ptr_getitem`, `ptr_store`...).
    pub fn elem_addr(&self, addr: u64, index: i64, size: u32, what: &str) -> Result<u64, PrimErr> {
        let (block, off) = self.block(addr)?;
        let new = off as i64 + index * size as i64;
        if index < 0 || new < 0 || new as usize + size as usize > block.len() {
            let len = if size == 0 {
                0
            } else {
                block.len() / size as usize
            };
            return Err(PrimErr {
                etype: "PanicError",
                msg: format!("{what} out of bounds: index {index}, length {len}"),
            });
        }
        Ok((addr & !0xffff_ffff) | new as u64)
    }

    fn bytes(&self, addr: u64, n: usize) -> Result<&[u8], PrimErr> {
        let (block, off) = self.block(addr)?;
        block.get(off..off + n).ok_or_else(|| PrimErr {
            etype: "PanicError",
            msg: "memory access out of bounds".into(),
        })
    }

    fn bytes_mut(&mut self, addr: u64, n: usize) -> Result<&mut [u8], PrimErr> {
        if addr == 0 {
            return Err(null_err());
        }
        let (b, off) = split(addr);
        let block = self.blocks.get_mut(b).ok_or_else(null_err)?;
        block.get_mut(off..off + n).ok_or_else(|| PrimErr {
            etype: "PanicError",
            msg: "memory access out of bounds".into(),
        })
    }

    pub fn load(&self, addr: u64, shape: &Shape) -> Result<Value, PrimErr> {
        let le8 = |b: &[u8]| {
            let mut a = [0u8; 8];
            a[..b.len()].copy_from_slice(b);
            u64::from_le_bytes(a)
        };
        Ok(match shape {
            Shape::None => Value::None,
            Shape::Bool => Value::Bool(self.bytes(addr, 1)?[0] != 0),
            Shape::Num(n) => {
                let raw = le8(self.bytes(addr, (n.bits() / 8) as usize)?);
                match n {
                    NumTy::I8 => Value::I8(raw as i8),
                    NumTy::U8 => Value::U8(raw as u8),
                    NumTy::I32 => Value::I32(raw as u32 as i32),
                    NumTy::U32 => Value::U32(raw as u32),
                    NumTy::I64 => Value::I64(raw as i64),
                    NumTy::U64 => Value::U64(raw),
                    NumTy::F32 => Value::F32(f32::from_bits(raw as u32)),
                    NumTy::F64 => Value::F64(f64::from_bits(raw)),
                }
            }
            Shape::Str => {
                let h = le8(self.bytes(addr, 8)?) as usize;
                Value::Str(
                    h.checked_sub(1)
                        .and_then(|i| self.strings.get(i).cloned())
                        .unwrap_or_else(|| "".into()),
                )
            }
            Shape::Ptr => Value::Ptr(le8(self.bytes(addr, 8)?)),
            Shape::Struct(t, fields) => {
                let mut vals = Vec::with_capacity(fields.len());
                for (off, s) in fields {
                    vals.push(self.load(addr + *off as u64, s)?);
                }
                Value::Struct(Rc::new(StructValue {
                    ty: *t,
                    fields: vals,
                }))
            }
        })
    }

    pub fn store(&mut self, addr: u64, shape: &Shape, v: &Value) -> Result<(), PrimErr> {
        let put = |heap: &mut Heap, n: usize, raw: u64| -> Result<(), PrimErr> {
            heap.bytes_mut(addr, n)?
                .copy_from_slice(&raw.to_le_bytes()[..n]);
            Ok(())
        };
        match (shape, v) {
            (Shape::None, _) => Ok(()),
            (Shape::Bool, Value::Bool(b)) => put(self, 1, *b as u64),
            (Shape::Num(n), v) => {
                let raw = match v {
                    Value::F32(x) => x.to_bits() as u64,
                    Value::F64(x) => x.to_bits(),
                    v => v.as_int().unwrap_or(0) as u64,
                };
                put(self, (n.bits() / 8) as usize, raw)
            }
            (Shape::Str, Value::Str(s)) => {
                let h = if s.is_empty() {
                    0
                } else {
                    self.strings.push(s.clone());
                    self.strings.len() as u64
                };
                put(self, 8, h)
            }
            (Shape::Ptr, Value::Ptr(p)) => put(self, 8, *p),
            (Shape::Struct(_, fields), Value::Struct(sv)) => {
                for ((off, s), fv) in fields.iter().zip(&sv.fields) {
                    self.store(addr + *off as u64, s, fv)?;
                }
                Ok(())
            }
            _ => Err(PrimErr {
                etype: "InternalError",
                msg: "store of a value of the wrong shape".into(),
            }),
        }
    }

    /// `ptr_copy`, `ptr_move`, `ptr_setbytes`, `ptr_cmp` on `n` items of `size` bytes.
    pub fn mem(
        &mut self,
        op: spy_rir::MemOp,
        a: u64,
        b: &Value,
        n: i64,
        size: u32,
    ) -> Result<Value, PrimErr> {
        if n < 0 {
            return Err(PrimErr {
                etype: "ValueError",
                msg: "negative count".into(),
            });
        }
        let len = n as usize * size as usize;
        let what = match op {
            spy_rir::MemOp::Copy => "ptr_copy",
            spy_rir::MemOp::Move => "ptr_move",
            spy_rir::MemOp::SetBytes => "ptr_setbytes",
            spy_rir::MemOp::Cmp => "ptr_cmp",
        };
        if n > 0 {
            self.elem_addr(a, n - 1, size, what)?;
        }
        match op {
            spy_rir::MemOp::SetBytes => {
                let byte = b.as_int().unwrap_or(0) as u8;
                self.bytes_mut(a, len)?.fill(byte);
                Ok(Value::None)
            }
            spy_rir::MemOp::Copy | spy_rir::MemOp::Move => {
                let Value::Ptr(src) = *b else {
                    return Err(null_err());
                };
                if n > 0 {
                    self.elem_addr(src, n - 1, size, what)?;
                }
                let data = self.bytes(src, len)?.to_vec();
                if op == spy_rir::MemOp::Copy && split(src).0 == split(a).0 {
                    let (s, d) = (split(src).1, split(a).1);
                    if s < d + len && d < s + len && len > 0 {
                        return Err(PrimErr {
                            etype: "PanicError",
                            msg: "ptr_copy: overlapping ranges".into(),
                        });
                    }
                }
                self.bytes_mut(a, len)?.copy_from_slice(&data);
                Ok(Value::None)
            }
            spy_rir::MemOp::Cmp => {
                let Value::Ptr(other) = *b else {
                    return Err(null_err());
                };
                if n > 0 {
                    self.elem_addr(other, n - 1, size, what)?;
                }
                let x = self.bytes(a, len)?;
                let y = self.bytes(other, len)?;
                Ok(Value::I32(match x.cmp(y) {
                    std::cmp::Ordering::Less => -1,
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => 1,
                }))
            }
        }
    }
}
