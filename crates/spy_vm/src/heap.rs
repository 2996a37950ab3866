//! The interpreters' memory: a byte-addressed heap with C layout, so that
//! programs using `gc_ptr`/`raw_ptr` observe the same bytes in every mode
//! (field offsets, `ptr_setbytes`, `ptr_cmp`). Allocations are zeroed.
//!
//! Addresses: `(block + 1) << 32 | offset`; 0 is NULL. Every access is checked
//! (NULL, bounds), as SPy's interpreter does.
//!
//! Collection, like Boehm's in executables: when enough has been allocated
//! since the last collection, `gc_alloc` blocks that nothing reaches are
//! freed (and their slots reused). The roots are the blocks pinned by a
//! `Ptr` value the interpreter holds anywhere (locals, temporaries, globals:
//! `Rc::strong_count` of the block's pin tells, without a root registry) and
//! every `raw_alloc` block (never freed, as in C). Block contents are scanned
//! conservatively: every aligned 8 bytes that decode to an address of a live
//! block keep it, as do those equal to a string handle.

use std::rc::Rc;

use spy_rir::NumTy;

use crate::ids::TypeId;
use crate::prims::PrimErr;
use crate::value::{Ptr, StructValue, Value};

/// How a value is laid out in memory.
#[derive(Clone, Debug)]
pub enum Shape {
    None,
    Bool,
    Num(NumTy),
    Str,
    Ptr,
    /// An exception (RIR `Ty::Exc`): a handle, as a string is.
    Exc,
    /// A value that exists at compile time only (a type, a function: the
    /// values of a blue `dict[str, type]`): a handle into a table.
    Blue,
    /// Fields at byte offsets; the struct type for the values built on load.
    Struct(TypeId, Vec<(u32, Shape)>),
}

#[derive(Debug)]
struct Block {
    bytes: Vec<u8>,
    /// Cloned into every `Ptr` to this block: a count above one is a root.
    pin: Rc<()>,
    /// `raw_alloc` memory: never collected, and a root.
    raw: bool,
}

/// The tag of an exception's handle in memory (no block address has it).
const EXC_TAG: u64 = 1 << 62;

/// The tag of a compile-time value's handle in memory.
const BLUE_TAG: u64 = 1 << 61;

/// Bytes counted for a block besides its contents.
const BLOCK_OVERHEAD: usize = 64;
/// Allocation between collections, at least (the default).
pub const GC_INTERVAL: usize = 32 << 20;

#[derive(Debug)]
pub struct Heap {
    /// `None`: a freed slot, listed in `free_blocks`.
    blocks: Vec<Option<Block>>,
    free_blocks: Vec<usize>,
    /// Strings stored in memory are handles into this table (0 is "").
    strings: Vec<Option<Rc<str>>>,
    free_strings: Vec<usize>,
    /// Exceptions stored in memory: handles `EXC_TAG | (k + 1)` into this
    /// table (0 is no exception), kept while a word holds theirs.
    excs: Vec<Option<Value>>,
    free_excs: Vec<usize>,
    /// Compile-time values stored in memory: handles `BLUE_TAG | (k + 1)`
    /// (0 is none); never freed (compile time is short).
    blues: Vec<Value>,
    /// Bytes allocated since the last collection, and live after it.
    since_gc: usize,
    live_after_gc: usize,
    /// Bytes allocated between collections, at least.
    interval: usize,
}

impl Default for Heap {
    fn default() -> Heap {
        Heap::new(GC_INTERVAL)
    }
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
    /// A heap that collects after `interval` bytes of allocation (or as much
    /// as was live after the last collection, if more).
    pub fn new(interval: usize) -> Heap {
        Heap {
            blocks: Vec::new(),
            free_blocks: Vec::new(),
            strings: Vec::new(),
            free_strings: Vec::new(),
            blues: Vec::new(),
            excs: Vec::new(),
            free_excs: Vec::new(),
            since_gc: 0,
            live_after_gc: 0,
            interval,
        }
    }

    /// `bytes` zeroed bytes: collected when unreachable (`gc_alloc`), or not
    /// (`raw`). `collect` allows a collection first (while a program runs, not
    /// while compiling, where blue-cache keys may hold addresses).
    pub fn alloc(&mut self, bytes: usize, raw: bool, collect: bool) -> Result<Ptr, PrimErr> {
        if collect && self.since_gc > self.interval.max(self.live_after_gc) {
            self.collect();
        }
        self.since_gc += bytes + BLOCK_OVERHEAD;
        let pin = Rc::new(());
        let block = Block {
            bytes: vec![0; bytes],
            pin: pin.clone(),
            raw,
        };
        let i = match self.free_blocks.pop() {
            Some(i) => {
                self.blocks[i] = Some(block);
                i
            }
            None => {
                self.blocks.push(Some(block));
                self.blocks.len() - 1
            }
        };
        Ok(Ptr {
            addr: (i as u64 + 1) << 32,
            pin: Some(pin),
        })
    }

    /// Mark from the roots, free the rest.
    pub fn collect(&mut self) {
        let n = self.blocks.len();
        let mut marked = vec![false; n];
        let mut strings = vec![false; self.strings.len()];
        let mut excs = vec![false; self.excs.len()];
        let mut work = Vec::new();
        for (i, b) in self.blocks.iter().enumerate() {
            if let Some(b) = b {
                if b.raw || Rc::strong_count(&b.pin) > 1 {
                    marked[i] = true;
                    work.push(i);
                }
            }
        }
        while let Some(i) = work.pop() {
            let Some(b) = &self.blocks[i] else { continue };
            for word in b.bytes.chunks_exact(8) {
                let mut w = [0u8; 8];
                w.copy_from_slice(word);
                let v = u64::from_le_bytes(w);
                let (j, off) = split(v);
                if let Some(Some(target)) = self.blocks.get(j) {
                    if !marked[j] && off <= target.bytes.len() {
                        marked[j] = true;
                        work.push(j);
                    }
                }
                if let Some(s) = (v as usize).checked_sub(1).and_then(|k| strings.get_mut(k)) {
                    *s = true;
                }
                if v & EXC_TAG != 0 {
                    let k = ((v & !EXC_TAG) as usize).checked_sub(1);
                    if let Some(e) = k.and_then(|k| excs.get_mut(k)) {
                        *e = true;
                    }
                }
            }
        }
        let mut live = 0;
        for (i, slot) in self.blocks.iter_mut().enumerate() {
            if let Some(b) = slot {
                if marked[i] {
                    live += b.bytes.len() + BLOCK_OVERHEAD;
                } else {
                    *slot = None;
                    self.free_blocks.push(i);
                }
            }
        }
        for (k, slot) in self.strings.iter_mut().enumerate() {
            if slot.is_some() && !strings[k] {
                *slot = None;
                self.free_strings.push(k);
            }
        }
        for (k, slot) in self.excs.iter_mut().enumerate() {
            if slot.is_some() && !excs[k] {
                *slot = None;
                self.free_excs.push(k);
            }
        }
        self.since_gc = 0;
        self.live_after_gc = live;
    }

    /// The blocks in use (for tests).
    pub fn live_blocks(&self) -> usize {
        self.blocks.iter().filter(|b| b.is_some()).count()
    }

    /// A pointer value for an address read from memory.
    fn pinned(&self, addr: u64) -> Ptr {
        let pin = match self.blocks.get(split(addr).0) {
            Some(Some(b)) if addr != 0 => Some(b.pin.clone()),
            _ => None,
        };
        Ptr { addr, pin }
    }

    fn block(&self, addr: u64) -> Result<(&Vec<u8>, usize), PrimErr> {
        if addr == 0 {
            return Err(null_err());
        }
        let (b, off) = split(addr);
        let block = self
            .blocks
            .get(b)
            .and_then(Option::as_ref)
            .ok_or_else(null_err)?;
        Ok((&block.bytes, off))
    }

    /// The block an address is in: its number, its first address, its length
    /// in bytes and whether it is `raw_alloc` memory.
    pub fn block_of(&self, addr: u64) -> Result<(usize, u64, usize, bool), PrimErr> {
        self.block(addr)?;
        let (b, _) = split(addr);
        let block = self.blocks[b].as_ref().ok_or_else(null_err)?;
        Ok((b, addr & !0xffff_ffff, block.bytes.len(), block.raw))
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
        let block = self
            .blocks
            .get_mut(b)
            .and_then(Option::as_mut)
            .ok_or_else(null_err)?;
        block.bytes.get_mut(off..off + n).ok_or_else(|| PrimErr {
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
                let raw = le8(self.bytes(
                    addr,
                    spy_rir::scalar_layout(spy_rir::Ty::Num(*n)).0 as usize,
                )?);
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
                        .and_then(|i| self.strings.get(i).cloned().flatten())
                        .unwrap_or_else(|| "".into()),
                )
            }
            Shape::Ptr => Value::Ptr(self.pinned(le8(self.bytes(addr, 8)?))),
            Shape::Exc => {
                let h = le8(self.bytes(addr, 8)?);
                ((h & !EXC_TAG) as usize)
                    .checked_sub(1)
                    .and_then(|k| self.excs.get(k).cloned().flatten())
                    .ok_or_else(|| PrimErr {
                        etype: "PanicError",
                        msg: "read of an exception never stored".into(),
                    })?
            }
            Shape::Blue => {
                let h = le8(self.bytes(addr, 8)?);
                ((h & !BLUE_TAG) as usize)
                    .checked_sub(1)
                    .and_then(|k| self.blues.get(k).cloned())
                    .ok_or_else(|| PrimErr {
                        etype: "PanicError",
                        msg: "read of a compile-time value never stored".into(),
                    })?
            }
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
                put(
                    self,
                    spy_rir::scalar_layout(spy_rir::Ty::Num(*n)).0 as usize,
                    raw,
                )
            }
            (Shape::Str, Value::Str(s)) => {
                let h = if s.is_empty() {
                    0
                } else if let Some(k) = self.free_strings.pop() {
                    self.strings[k] = Some(s.clone());
                    k as u64 + 1
                } else {
                    self.strings.push(Some(s.clone()));
                    self.strings.len() as u64
                };
                put(self, 8, h)
            }
            (Shape::Ptr, Value::Ptr(p)) => put(self, 8, p.addr),
            (Shape::Exc, e @ (Value::Raised(_) | Value::Exc(_))) => {
                let k = match self.free_excs.pop() {
                    Some(k) => {
                        self.excs[k] = Some(e.clone());
                        k
                    }
                    None => {
                        self.excs.push(Some(e.clone()));
                        self.excs.len() - 1
                    }
                };
                put(self, 8, EXC_TAG | (k as u64 + 1))
            }
            (Shape::Blue, v) => {
                self.blues.push(v.clone());
                put(self, 8, BLUE_TAG | self.blues.len() as u64)
            }
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
    /// `gc_realloc(p, keep, count)`: a new collected block of `count` zeroed
    /// items of `size` bytes whose first `keep` are those at `old` (the
    /// native runtime may move `old`'s pages instead of copying them).
    pub fn realloc(
        &mut self,
        old: &Value,
        keep: i64,
        count: i64,
        size: u32,
        collect: bool,
    ) -> Result<Ptr, PrimErr> {
        if count < 0 {
            return Err(PrimErr {
                etype: "ValueError",
                msg: "negative allocation size".into(),
            });
        }
        if keep < 0 || keep > count {
            return Err(PrimErr {
                etype: "ValueError",
                msg: "gc_realloc: the items kept are not within the new size".into(),
            });
        }
        if keep > 0 {
            let Value::Ptr(Ptr { addr, .. }) = *old else {
                return Err(null_err());
            };
            self.elem_addr(addr, keep - 1, size, "gc_realloc")?;
        }
        let p = self.alloc(count as usize * size as usize, false, collect)?;
        self.mem(spy_rir::MemOp::Copy, p.addr, old, keep, size)?;
        Ok(p)
    }

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
                let Value::Ptr(Ptr { addr: src, .. }) = *b else {
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
                let Value::Ptr(Ptr { addr: other, .. }) = *b else {
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

#[cfg(test)]
mod tests {
    use super::*;

    const PTR: Shape = Shape::Ptr;

    /// Garbage is freed and its slots reused; what a held pointer reaches
    /// through memory stays.
    #[test]
    fn garbage_is_reclaimed_and_reachable_blocks_stay() {
        let mut h = Heap::new(1024);
        let keep = h.alloc(8, false, true).expect("alloc");
        let mut last = keep.clone();
        for i in 0..10_000 {
            let b = h.alloc(8, false, true).expect("alloc");
            if i % 1000 == 0 {
                // Link it from the kept chain: it must survive.
                h.store(last.addr, &PTR, &Value::Ptr(b.clone()))
                    .expect("store");
                last = b;
            }
        }
        drop(last);
        h.collect();
        // `keep` and the ten linked blocks.
        assert_eq!(h.live_blocks(), 11);
        assert!(h.blocks.len() < 200, "slots not reused: {}", h.blocks.len());
        let mut n = 0;
        let mut p = keep;
        while !p.is_null() {
            n += 1;
            match h.load(p.addr, &PTR).expect("load") {
                Value::Ptr(next) => p = next,
                v => panic!("not a pointer: {v:?}"),
            }
        }
        assert_eq!(n, 11);
    }

    /// Strings stored in dead blocks give their handles back.
    #[test]
    fn string_handles_are_reused() {
        let mut h = Heap::new(0);
        for i in 0..1000 {
            let b = h.alloc(8, false, true).expect("alloc");
            h.store(b.addr, &Shape::Str, &Value::Str(format!("s{i}").into()))
                .expect("store");
        }
        h.collect();
        assert!(h.strings.len() < 10, "{} string slots", h.strings.len());
    }
}
