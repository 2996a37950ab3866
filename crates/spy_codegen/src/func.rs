//! Translation of one RIR function to Cranelift IR.

use cranelift_codegen::ir::{
    types, Block, BlockArg, DebugTag, ExceptionTableData, ExceptionTableItem, ExceptionTag,
    Function, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, TrapCode, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::FuncId;
use cranelift_module::Module;
use spy_diagnostics::Span;
use spy_rir as rir;

use crate::abi::RtFn;
use crate::{data, CodegenError, ModCtx};

pub(crate) struct FnCx<'a, 'm, 'f> {
    pub cx: &'a mut ModCtx<'m>,
    pub b: FunctionBuilder<'f>,
    /// The Cranelift variables of each local (several for a struct, none for `None`).
    vars: Vec<Vec<Variable>>,
    /// Enclosing loops: header, exit, and the number of pending `finally`
    /// bodies when the loop began.
    loops: Vec<(Block, Block, usize)>,
    /// The landing blocks of the enclosing `try` regions, innermost last:
    /// a call inside one is a `try_call` whose exception edge goes there.
    regions: Vec<Block>,
    /// The `finally` bodies a `return`, `break` or `continue` here must run
    /// first, innermost last.
    finallies: Vec<Finally>,
    terminated: bool,
    /// Where results go when the function returns through memory.
    sret: Option<Value>,
    /// Divisors already checked nonzero on the way to the current block: the
    /// current block is a chain of check continuations from their check, so
    /// each of these checks dominates it. Emptied on entering any other block.
    pub nonzero: Vec<Value>,
    /// Lowering `unsafe.unchecked_*`: a zero divisor is a `PanicError`.
    pub zero_is_panic: bool,
    /// The innermost statement or expression being lowered: what a call's
    /// debug tag (its traceback frame) points at.
    cur_span: Span,
}

/// A pending `finally`: its body, and the numbers of regions and loops
/// around its `try` (what its own code runs in).
#[derive(Clone)]
struct Finally {
    body: Vec<rir::Stmt>,
    regions: usize,
    loops: usize,
}

/// The body of a `.spy` function the runtime implements natively
/// (`spy_runtime::abi::NATIVE_BODIES`): a call to the runtime function with
/// the parameters, its result returned. Its flattened signature must be the
/// runtime function's.
pub(crate) fn translate_native(
    cx: &mut ModCtx<'_>,
    f: &rir::Function,
    rt: crate::abi::RtFn,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<(), CodegenError> {
    let d = rt.decl();
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params: Vec<Value> = b.block_params(entry).to_vec();
    let ptys: Vec<_> = params.iter().map(|v| b.func.dfg.value_type(*v)).collect();
    let rtys: Vec<_> = b
        .func
        .signature
        .returns
        .iter()
        .map(|r| r.value_type)
        .collect();
    let want = |t| crate::abi::clif_ty(t, cx.ptr);
    let ret_ok = match d.ret {
        spy_runtime::abi::Ret::Value(t) => rtys == [want(t)],
        _ => false,
    };
    if !ret_ok || ptys != d.params.iter().map(|t| want(*t)).collect::<Vec<_>>() {
        return Err(CodegenError(format!(
            "`{}` is implemented by `{}`, whose signature differs",
            f.fqn, d.name
        )));
    }
    // A list result: the `_ListBuf[T]` the runtime builds has the layout
    // the compiler gives it.
    let types_ = &cx.m.types;
    if let Some([(_, header)]) = types_.fields(f.ret) {
        let buf = types_.pointee(*header).unwrap_or(*header);
        let want = spy_runtime::abi::LIST_BUF;
        let n = types_.fields(buf).map_or(0, |fs| fs.len());
        let offsets: Vec<usize> = (0..n as u32)
            .map(|i| types_.field_offset(buf, i) as usize)
            .chain([types_.layout(buf).0 as usize])
            .collect();
        if offsets != want {
            return Err(CodegenError(format!(
                "`{}` returns a list whose header is laid out as {offsets:?}, not as the runtime's {want:?}",
                f.fqn
            )));
        }
    }
    let callee = crate::abi::func_ref(cx, &mut b, rt);
    let call = b.ins().call(callee, &params);
    let results = b.inst_results(call).to_vec();
    b.ins().return_(&results);
    b.seal_all_blocks();
    b.finalize(cx.obj.isa().frontend_config());
    Ok(())
}

pub(crate) fn translate(
    cx: &mut ModCtx<'_>,
    f: &rir::Function,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<(), CodegenError> {
    cx.cur_func = f.fqn.short_name().to_string();
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let uses_sret = crate::returns_in_memory(&cx.m.types, f.ret, cx.ptr);
    let mut params: Vec<Value> = b.block_params(entry).to_vec();
    let sret = if uses_sret {
        Some(params.remove(0))
    } else {
        None
    };
    let mut vars = Vec::with_capacity(f.locals.len());
    let mut next_param = 0;
    for (i, l) in f.locals.iter().enumerate() {
        let tys = flat(cx, l.ty);
        let mut vs = Vec::with_capacity(tys.len());
        for t in tys {
            let v = b.declare_var(t);
            if (i as u32) < f.params {
                b.def_var(v, params[next_param]);
                next_param += 1;
            } else {
                let z = zero(&mut b, t);
                b.def_var(v, z);
            }
            vs.push(v);
        }
        vars.push(vs);
    }
    let mut fx = FnCx {
        cx,
        b,
        vars,
        loops: Vec::new(),
        regions: Vec::new(),
        finallies: Vec::new(),
        terminated: false,
        sret,
        nonzero: Vec::new(),
        zero_is_panic: false,
        cur_span: f.span,
    };
    fx.block(&f.body)?;
    if !fx.terminated {
        if flat(fx.cx, f.ret).is_empty() && fx.sret.is_none() {
            fx.b.ins().return_(&[]);
        } else {
            fx.b.ins().trap(TrapCode::unwrap_user(1));
        }
    }
    fx.b.seal_all_blocks();
    let cfg = fx.cx.obj.isa().frontend_config();
    fx.b.finalize(cfg);
    Ok(())
}

/// The Cranelift values that represent a value of type `t`.
pub(crate) fn flat(cx: &ModCtx<'_>, t: rir::Ty) -> Vec<types::Type> {
    crate::flat_tys(&cx.m.types, t, cx.ptr)
}

pub(crate) fn zero(b: &mut FunctionBuilder<'_>, t: types::Type) -> Value {
    if t == types::F32 {
        b.ins().f32const(0.0)
    } else if t == types::F64 {
        b.ins().f64const(0.0)
    } else {
        b.ins().iconst(t, 0)
    }
}

impl<'a, 'm, 'f> FnCx<'a, 'm, 'f> {
    pub fn ptr(&self) -> types::Type {
        self.cx.ptr
    }

    /// Make sure code is emitted into a live block.
    fn live(&mut self) {
        if self.terminated {
            let blk = self.b.create_block();
            self.enter(blk);
            self.terminated = false;
        }
    }

    fn block(&mut self, body: &[rir::Stmt]) -> Result<(), CodegenError> {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &rir::Stmt) -> Result<(), CodegenError> {
        self.live();
        let outer = std::mem::replace(&mut self.cur_span, s.span);
        let r = self.stmt_kind(s);
        self.cur_span = outer;
        r
    }

    fn stmt_kind(&mut self, s: &rir::Stmt) -> Result<(), CodegenError> {
        match &s.kind {
            rir::StmtKind::Assign(l, e) => {
                let vals = self.expr(e)?;
                self.set_local(*l, &vals);
            }
            rir::StmtKind::SetGlobal(g, e) => {
                let vals = self.expr(e)?;
                if !vals.is_empty() {
                    let addr = self.global_addr(g.0 as usize);
                    self.store_flat(e.ty, addr, &vals);
                }
            }
            rir::StmtKind::Expr(e) => {
                self.expr(e)?;
            }
            rir::StmtKind::If {
                cond,
                then_body,
                else_body,
            } => {
                let c = self.value(cond)?;
                let then_blk = self.b.create_block();
                let else_blk = self.b.create_block();
                let merge = self.b.create_block();
                self.b.ins().brif(c, then_blk, &[], else_blk, &[]);
                self.enter(then_blk);
                self.block(then_body)?;
                let then_done = self.terminated;
                if !then_done {
                    self.b.ins().jump(merge, &[]);
                }
                self.terminated = false;
                self.enter(else_blk);
                self.block(else_body)?;
                let else_done = self.terminated;
                if !else_done {
                    self.b.ins().jump(merge, &[]);
                }
                self.enter(merge);
                self.terminated = false;
                if then_done && else_done {
                    self.b.ins().trap(TrapCode::unwrap_user(1));
                    self.terminated = true;
                }
            }
            rir::StmtKind::While { cond, body } => {
                let header = self.b.create_block();
                let body_blk = self.b.create_block();
                let exit = self.b.create_block();
                self.b.ins().jump(header, &[]);
                self.enter(header);
                let c = self.value(cond)?;
                self.b.ins().brif(c, body_blk, &[], exit, &[]);
                self.enter(body_blk);
                self.loops.push((header, exit, self.finallies.len()));
                self.block(body)?;
                self.loops.pop();
                if !self.terminated {
                    self.b.ins().jump(header, &[]);
                }
                self.enter(exit);
                self.terminated = false;
            }
            rir::StmtKind::Break | rir::StmtKind::Continue => {
                let Some(&(header, exit, fins)) = self.loops.last() else {
                    return Err(CodegenError("break outside loop".into()));
                };
                let target = if matches!(s.kind, rir::StmtKind::Break) {
                    exit
                } else {
                    header
                };
                self.run_finallies(fins)?;
                if !self.terminated {
                    self.b.ins().jump(target, &[]);
                    self.terminated = true;
                }
            }
            rir::StmtKind::Return(e) => {
                let vals = match e {
                    Some(e) => self.expr(e)?,
                    None => Vec::new(),
                };
                self.run_finallies(0)?;
                if self.terminated {
                    // A `finally` left by `return`, `break` or `continue`.
                    return Ok(());
                }
                match self.sret {
                    Some(out) => {
                        for (i, v) in vals.iter().enumerate() {
                            self.b
                                .ins()
                                .store(MemFlagsData::trusted(), *v, out, (i * 8) as i32);
                        }
                        self.b.ins().return_(&[]);
                    }
                    None => {
                        self.b.ins().return_(&vals);
                    }
                }
                self.terminated = true;
            }
            rir::StmtKind::Raise { etype, msg } => {
                let m = self.value(msg)?;
                let site = data::site(self.cx, s.span, Some((etype, "")));
                let site = self.b.ins().iconst(types::I64, site);
                self.call_rt_diverging(RtFn::spy_raise, &[m, site]);
                self.terminated = true;
            }
            rir::StmtKind::Reraise(e) => {
                let exc = self.value(e)?;
                let site = data::site(self.cx, s.span, None);
                self.reraise(exc, site);
                self.terminated = true;
            }
            rir::StmtKind::Try {
                body,
                handlers,
                orelse,
                finally,
            } => self.try_stmt(body, handlers, orelse, finally)?,
        }
        Ok(())
    }

    /// A block an exception edge enters, with the exception object.
    /// Raise exception `exc` again (`spy_reraise`); one never raised
    /// before is raised at `site` (-1: none, for exceptions in flight).
    fn reraise(&mut self, exc: Value, site: i64) {
        let site = self.b.ins().iconst(types::I64, site);
        self.call_rt_diverging(RtFn::spy_reraise, &[exc, site]);
    }

    fn landing_block(&mut self) -> Block {
        let l = self.b.create_block();
        self.b.append_block_param(l, self.cx.ptr);
        self.b.set_cold_block(l);
        l
    }

    /// `try` (semantics: `rir::StmtKind::Try`). The body runs in a region
    /// whose calls go to a landing block on an exception; the landing block
    /// picks the handler, or raises the exception again. With a `finally`,
    /// all that is in a second region whose landing block runs the
    /// `finally` and raises again; a `return`, `break` or `continue` runs
    /// it on the way out (`run_finallies`).
    fn try_stmt(
        &mut self,
        body: &[rir::Stmt],
        handlers: &[rir::Handler],
        orelse: &[rir::Stmt],
        finally: &[rir::Stmt],
    ) -> Result<(), CodegenError> {
        let fin_landing = if finally.is_empty() {
            None
        } else {
            let l = self.landing_block();
            self.finallies.push(Finally {
                body: finally.to_vec(),
                regions: self.regions.len(),
                loops: self.loops.len(),
            });
            self.regions.push(l);
            Some(l)
        };
        if handlers.is_empty() {
            self.block(body)?;
            if !self.terminated {
                self.block(orelse)?;
            }
        } else {
            self.try_except(body, handlers, orelse)?;
        }
        let Some(landing) = fin_landing else {
            return Ok(());
        };
        self.regions.pop();
        self.finallies.pop();
        let after = self.b.create_block();
        let mut reaches = false;
        if !self.terminated {
            self.block(finally)?;
            if !self.terminated {
                self.b.ins().jump(after, &[]);
                self.terminated = true;
                reaches = true;
            }
        }
        self.enter(landing);
        self.terminated = false;
        let exc = self.b.block_params(landing)[0];
        self.block(finally)?;
        if !self.terminated {
            self.reraise(exc, -1);
        }
        self.end_join(after, reaches);
        Ok(())
    }

    fn try_except(
        &mut self,
        body: &[rir::Stmt],
        handlers: &[rir::Handler],
        orelse: &[rir::Stmt],
    ) -> Result<(), CodegenError> {
        let landing = self.landing_block();
        let merge = self.b.create_block();
        let mut reaches = false;
        self.regions.push(landing);
        let r = self.block(body);
        self.regions.pop();
        r?;
        if !self.terminated {
            self.block(orelse)?;
            if !self.terminated {
                self.b.ins().jump(merge, &[]);
                self.terminated = true;
                reaches = true;
            }
        }
        self.enter(landing);
        self.terminated = false;
        let exc = self.b.block_params(landing)[0];
        for h in handlers {
            let next = if h.classes.is_empty() {
                None
            } else {
                let mut any: Option<Value> = None;
                for c in &h.classes {
                    let name = self.str_const(c)?;
                    let is = self.call_rt1(RtFn::spy_exc_is, &[exc, name])?;
                    any = Some(match any {
                        Some(a) => self.b.ins().bor(a, is),
                        None => is,
                    });
                }
                let (hb, next) = (self.b.create_block(), self.b.create_block());
                self.b.ins().brif(any.unwrap_or(exc), hb, &[], next, &[]);
                self.enter(hb);
                Some(next)
            };
            self.set_local(h.bind, &[exc]);
            self.block(&h.body)?;
            if !self.terminated {
                self.b.ins().jump(merge, &[]);
                self.terminated = true;
                reaches = true;
            }
            match next {
                Some(n) => {
                    self.enter(n);
                    self.terminated = false;
                }
                None => break,
            }
        }
        if !self.terminated {
            // No clause matches: on to the enclosing handler.
            self.reraise(exc, -1);
            self.terminated = true;
        }
        self.end_join(merge, reaches);
        Ok(())
    }

    /// Continue at `join`, reached from somewhere or not at all.
    fn end_join(&mut self, join: Block, reaches: bool) {
        self.enter(join);
        self.terminated = false;
        if !reaches {
            self.b.ins().trap(TrapCode::unwrap_user(1));
            self.terminated = true;
        }
    }

    /// Before leaving the pending `finally` bodies from `down_to` on
    /// (innermost first): each runs with the regions, loops and `finally`
    /// bodies around its own `try`. One that ends by `return`, `break` or
    /// `continue` ends the path (`terminated`).
    fn run_finallies(&mut self, down_to: usize) -> Result<(), CodegenError> {
        for i in (down_to..self.finallies.len()).rev() {
            let fin = self.finallies[i].clone();
            let regions = self.regions.split_off(fin.regions);
            let loops = self.loops.split_off(fin.loops);
            let fins = self.finallies.split_off(i);
            let r = self.block(&fin.body);
            self.regions.extend(regions);
            self.loops.extend(loops);
            self.finallies.extend(fins);
            r?;
            if self.terminated {
                break;
            }
        }
        Ok(())
    }

    /// Call function `id`. Inside a `try` region: a `try_call` (to a
    /// `tail` thunk for a runtime function) whose exception edge goes to the
    /// region's landing block; the code after it continues in a new block.
    pub(crate) fn call_id(
        &mut self,
        id: FuncId,
        args: &[Value],
    ) -> Result<Vec<Value>, CodegenError> {
        let site = data::site(self.cx, self.cur_span, None) as u32;
        let Some(&landing) = self.regions.last() else {
            let r = self.cx.obj.declare_func_in_func(id, self.b.func);
            let call = self.b.ins().call(r, args);
            self.b.func.debug_tags.set(call, [DebugTag::User(site)]);
            return Ok(self.b.inst_results(call).to_vec());
        };
        let target = crate::tail_callable(self.cx, id)?;
        let r = self.cx.obj.declare_func_in_func(target, self.b.func);
        let sig = self.b.func.dfg.ext_funcs[r].signature;
        let ret_tys: Vec<types::Type> = self.b.func.dfg.signatures[sig]
            .returns
            .iter()
            .map(|p| p.value_type)
            .collect();
        let cont = self.b.create_block();
        let rets: Vec<Value> = ret_tys
            .iter()
            .map(|t| self.b.append_block_param(cont, *t))
            .collect();
        let ret_args: Vec<BlockArg> = (0..ret_tys.len() as u32)
            .map(BlockArg::TryCallRet)
            .collect();
        let normal = self.b.func.dfg.block_call(cont, &ret_args);
        let exn = self
            .b
            .func
            .dfg
            .block_call(landing, &[BlockArg::TryCallExn(0)]);
        // The tag is the call's site (its traceback frame; the unwinder
        // takes the default handler), as debug tags do for plain calls.
        let tagged = self
            .b
            .func
            .dfg
            .block_call(landing, &[BlockArg::TryCallExn(0)]);
        let items = [
            ExceptionTableItem::Tag(ExceptionTag::from_u32(site), tagged),
            ExceptionTableItem::Default(exn),
        ];
        let table = ExceptionTableData::new(sig, normal, items);
        let et = self.b.func.dfg.exception_tables.push(table);
        self.b.ins().try_call(r, args, et);
        self.enter(cont);
        Ok(rets)
    }

    /// Branch to a cold block that panics with `etype: msg` unless `ok` is true.
    /// Switch to `block`, which other checks may not dominate.
    pub fn enter(&mut self, block: Block) {
        self.nonzero.clear();
        self.b.switch_to_block(block);
    }

    pub fn check(
        &mut self,
        ok: Value,
        etype: &str,
        msg: &str,
        span: Span,
    ) -> Result<(), CodegenError> {
        self.check_branch(ok, true, etype, msg, span)
    }

    /// Branch to a cold block that panics with `etype: msg` if `bad` is true.
    pub fn fail_if(
        &mut self,
        bad: Value,
        etype: &str,
        msg: &str,
        span: Span,
    ) -> Result<(), CodegenError> {
        self.check_branch(bad, false, etype, msg, span)
    }

    fn check_branch(
        &mut self,
        cond: Value,
        cond_is_ok: bool,
        etype: &str,
        msg: &str,
        span: Span,
    ) -> Result<(), CodegenError> {
        let cold = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(cold);
        if cond_is_ok {
            self.b.ins().brif(cond, cont, &[], cold, &[]);
        } else {
            self.b.ins().brif(cond, cold, &[], cont, &[]);
        }
        // Both have their one predecessor: sealed now, values used in `cont`
        // are the ones defined before the check (no block parameters).
        self.b.seal_block(cold);
        self.b.seal_block(cont);
        self.b.switch_to_block(cold);
        let site = data::site(self.cx, span, Some((etype, msg)));
        let site = self.b.ins().iconst(types::I64, site);
        self.call_rt_diverging(RtFn::spy_panic_site, &[site]);
        self.b.switch_to_block(cont);
        Ok(())
    }

    /// Unless `ok`, call the runtime function `f` (which panics with the right
    /// message on these arguments) in a cold block.
    pub fn check_with_call(
        &mut self,
        ok: Value,
        f: RtFn,
        args: &[Value],
    ) -> Result<(), CodegenError> {
        let cold = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(cold);
        self.b.ins().brif(ok, cont, &[], cold, &[]);
        self.b.seal_block(cold);
        self.b.seal_block(cont);
        self.b.switch_to_block(cold);
        self.call_rt_diverging(f, args);
        self.b.switch_to_block(cont);
        Ok(())
    }

    pub fn str_const(&mut self, s: &str) -> Result<Value, CodegenError> {
        let id = data::string(self.cx, s)?;
        let gv = self.cx.obj.declare_data_in_func(id, self.b.func);
        let ptr = self.ptr();
        Ok(self.b.ins().symbol_value(ptr, gv))
    }

    /// The panic site at `span`, as the index runtime functions take.
    pub fn loc(&mut self, span: Span) -> Result<Value, CodegenError> {
        let site = data::site(self.cx, span, None);
        Ok(self.b.ins().iconst(types::I64, site))
    }

    fn global_addr(&mut self, g: usize) -> Value {
        let id = self.cx.globals[g];
        let gv = self.cx.obj.declare_data_in_func(id, self.b.func);
        let ptr = self.ptr();
        self.b.ins().symbol_value(ptr, gv)
    }

    /// A value of type `t` loaded from memory at `addr` (as `Alloc` lays it
    /// out), one Cranelift value per flattened field.
    fn load_flat(&mut self, t: rir::Ty, addr: Value) -> Vec<Value> {
        let mut slots = Vec::new();
        crate::flat_offsets(&self.cx.m.types, t, self.cx.ptr, 0, &mut slots);
        slots
            .into_iter()
            .map(|(off, ct)| {
                self.b
                    .ins()
                    .load(ct, MemFlagsData::trusted(), addr, off as i32)
            })
            .collect()
    }

    /// Store the flattened value `vals` of type `t` at `addr`.
    fn store_flat(&mut self, t: rir::Ty, addr: Value, vals: &[Value]) {
        let mut slots = Vec::new();
        crate::flat_offsets(&self.cx.m.types, t, self.cx.ptr, 0, &mut slots);
        for ((off, _), v) in slots.into_iter().zip(vals) {
            self.b
                .ins()
                .store(MemFlagsData::trusted(), *v, addr, off as i32);
        }
    }

    fn set_local(&mut self, l: rir::LocalId, vals: &[Value]) {
        let vars = self.vars[l.0 as usize].clone();
        for (var, v) in vars.into_iter().zip(vals) {
            self.b.def_var(var, *v);
        }
    }

    /// An expression with exactly one Cranelift value (scalars).
    pub fn value(&mut self, e: &rir::Expr) -> Result<Value, CodegenError> {
        let vals = self.expr(e)?;
        match vals.as_slice() {
            [v] => Ok(*v),
            _ => Err(CodegenError(format!(
                "expected a scalar value at {:?}",
                e.span
            ))),
        }
    }

    /// Index of the first flattened value of field `n` of struct type `t`.
    fn field_offset(&self, t: rir::Ty, n: u32) -> (usize, usize) {
        let fields = self.cx.m.types.fields(t).unwrap_or(&[]);
        let mut off = 0;
        for (i, (_, ft)) in fields.iter().enumerate() {
            let len = flat(self.cx, *ft).len();
            if i as u32 == n {
                return (off, len);
            }
            off += len;
        }
        (off, 0)
    }

    /// The values of an expression: one per scalar, several for a struct (its
    /// fields flattened in order), none for `None`.
    pub fn expr(&mut self, e: &rir::Expr) -> Result<Vec<Value>, CodegenError> {
        let outer = std::mem::replace(&mut self.cur_span, e.span);
        let r = self.expr_kind(e);
        self.cur_span = outer;
        r
    }

    fn expr_kind(&mut self, e: &rir::Expr) -> Result<Vec<Value>, CodegenError> {
        Ok(match &e.kind {
            rir::ExprKind::Const(c) => self.constant(c)?.into_iter().collect(),
            rir::ExprKind::Local(l) => {
                let vars = self.vars[l.0 as usize].clone();
                vars.into_iter().map(|v| self.b.use_var(v)).collect()
            }
            rir::ExprKind::Global(g) => {
                if flat(self.cx, e.ty).is_empty() {
                    return Ok(Vec::new());
                }
                let addr = self.global_addr(g.0 as usize);
                self.load_flat(e.ty, addr)
            }
            rir::ExprKind::Call(rir::Callee::Prim(p), args) => {
                crate::prim::lower(self, *p, args, e)?.into_iter().collect()
            }
            rir::ExprKind::Call(rir::Callee::Func(fqn), args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.extend(self.expr(a)?);
                }
                let id = *self
                    .cx
                    .funcs
                    .get(fqn)
                    .ok_or_else(|| CodegenError(format!("unknown function {fqn}")))?;
                let ret_tys = flat(self.cx, e.ty);
                if crate::returns_in_memory(&self.cx.m.types, e.ty, self.cx.ptr) {
                    let slot = self.b.create_sized_stack_slot(StackSlotData::new(
                        StackSlotKind::ExplicitSlot,
                        (ret_tys.len() * 8) as u32,
                        3,
                    ));
                    let ptr = self.ptr();
                    let addr = self.b.ins().stack_addr(ptr, slot, 0);
                    vals.insert(0, addr);
                    self.call_id(id, &vals)?;
                    ret_tys
                        .iter()
                        .enumerate()
                        .map(|(i, t)| {
                            self.b
                                .ins()
                                .load(*t, MemFlagsData::trusted(), addr, (i * 8) as i32)
                        })
                        .collect()
                } else {
                    self.call_id(id, &vals)?
                }
            }
            rir::ExprKind::And(a, b) | rir::ExprKind::Or(a, b) => {
                let is_and = matches!(e.kind, rir::ExprKind::And(..));
                let av = self.value(a)?;
                let rhs = self.b.create_block();
                let done = self.b.create_block();
                let res = self.b.append_block_param(done, types::I8);
                if is_and {
                    self.b
                        .ins()
                        .brif(av, rhs, &[], done, &[BlockArg::Value(av)]);
                } else {
                    self.b
                        .ins()
                        .brif(av, done, &[BlockArg::Value(av)], rhs, &[]);
                }
                self.enter(rhs);
                let bv = self.value(b)?;
                self.b.ins().jump(done, &[BlockArg::Value(bv)]);
                self.enter(done);
                vec![res]
            }
            rir::ExprKind::IfExp {
                cond,
                then,
                otherwise,
            } => {
                let c = self.value(cond)?;
                // Both arms a local or a constant: no effect and nothing to
                // trap, so both are evaluated and one chosen, without a
                // branch (a `cmov`: no misprediction on data-dependent
                // conditions, as a merge's).
                let plain = |x: &rir::Expr| {
                    matches!(x.kind, rir::ExprKind::Local(_) | rir::ExprKind::Const(_))
                };
                if plain(then) && plain(otherwise) {
                    let tv = self.expr(then)?;
                    let ov = self.expr(otherwise)?;
                    return Ok(tv
                        .into_iter()
                        .zip(ov)
                        .map(|(t, o)| self.b.ins().select(c, t, o))
                        .collect());
                }
                let tb = self.b.create_block();
                let ob = self.b.create_block();
                let done = self.b.create_block();
                let res: Vec<Value> = flat(self.cx, e.ty)
                    .into_iter()
                    .map(|t| self.b.append_block_param(done, t))
                    .collect();
                self.b.ins().brif(c, tb, &[], ob, &[]);
                self.enter(tb);
                let tv = self.expr(then)?;
                let args: Vec<BlockArg> = tv.into_iter().map(BlockArg::Value).collect();
                self.b.ins().jump(done, &args);
                self.enter(ob);
                let ov = self.expr(otherwise)?;
                let args: Vec<BlockArg> = ov.into_iter().map(BlockArg::Value).collect();
                self.b.ins().jump(done, &args);
                self.enter(done);
                res
            }
            rir::ExprKind::Tee(l, v) => {
                let vals = self.expr(v)?;
                self.set_local(*l, &vals);
                vals
            }
            rir::ExprKind::Seq(items) => {
                let mut last = Vec::new();
                for i in items {
                    last = self.expr(i)?;
                }
                last
            }
            rir::ExprKind::Block(stmts, v) => {
                self.block(stmts)?;
                self.live();
                self.expr(v)?
            }
            rir::ExprKind::MakeStruct(fields) => {
                let mut vals = Vec::new();
                for f in fields {
                    vals.extend(self.expr(f)?);
                }
                vals
            }
            rir::ExprKind::GetField(v, n) => {
                let vals = self.expr(v)?;
                let (off, len) = self.field_offset(v.ty, *n);
                vals[off..off + len].to_vec()
            }
            rir::ExprKind::Alloc { count, gc } => {
                let n = self.value(count)?;
                // The same rule as the interpreters' (`Heap::alloc`'s callers).
                let ok = self.b.ins().icmp_imm_s(
                    cranelift_codegen::ir::condcodes::IntCC::SignedGreaterThanOrEqual,
                    n,
                    0,
                );
                self.check(ok, "ValueError", "negative allocation size", e.span)?;
                let n = self.b.ins().sextend(types::I64, n);
                let item = self.cx.m.types.pointee(e.ty).unwrap_or(rir::Ty::None);
                let (size, _) = self.cx.m.types.layout(item);
                let bytes = self.b.ins().imul_imm_s(n, size as i64);
                let atomic = *gc && !self.cx.m.types.holds_pointers(item);
                let f = match (*gc, atomic, self.cx.checks) {
                    (true, false, false) => RtFn::spy_gc_alloc,
                    (true, true, false) => RtFn::spy_gc_alloc_atomic,
                    (false, _, false) => RtFn::spy_raw_alloc,
                    (true, false, true) => RtFn::spy_gc_alloc_checked,
                    (true, true, true) => RtFn::spy_gc_alloc_atomic_checked,
                    (false, _, true) => RtFn::spy_raw_alloc_checked,
                };
                vec![self.call_rt1(f, &[bytes])?]
            }
            rir::ExprKind::Realloc { ptr, keep, count } => {
                let p = self.value(ptr)?;
                let k = self.value(keep)?;
                let n = self.value(count)?;
                // The interpreters' rules (`Heap::realloc`).
                use cranelift_codegen::ir::condcodes::IntCC;
                let ok = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, n, 0);
                self.check(ok, "ValueError", "negative allocation size", e.span)?;
                let lo = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, k, 0);
                let hi = self.b.ins().icmp(IntCC::SignedLessThanOrEqual, k, n);
                let ok = self.b.ins().band(lo, hi);
                self.check(
                    ok,
                    "ValueError",
                    "gc_realloc: the items kept are not within the new size",
                    e.span,
                )?;
                let item = self.cx.m.types.pointee(e.ty).unwrap_or(rir::Ty::None);
                let (size, _) = self.cx.m.types.layout(item);
                let k = self.b.ins().sextend(types::I64, k);
                let n = self.b.ins().sextend(types::I64, n);
                let atomic = !self.cx.m.types.holds_pointers(item);
                let atomic = self.b.ins().iconst(types::I8, i64::from(atomic));
                if self.cx.checks {
                    let loc = self.loc(e.span)?;
                    let sz = self.b.ins().iconst(types::I64, i64::from(size));
                    let args = [p, k, n, sz, atomic, loc];
                    vec![self.call_rt1(RtFn::spy_gc_realloc_checked, &args)?]
                } else {
                    let kb = self.b.ins().imul_imm_s(k, size as i64);
                    let nb = self.b.ins().imul_imm_s(n, size as i64);
                    vec![self.call_rt1(RtFn::spy_gc_realloc, &[p, kb, nb, atomic])?]
                }
            }
            rir::ExprKind::Null => vec![self.b.ins().iconst(self.cx.ptr, 0)],
            rir::ExprKind::Static(id, off) => {
                let data = self.cx.statics[id.0 as usize];
                let gv = self.cx.obj.declare_data_in_func(data, self.b.func);
                let ptr = self.ptr();
                let base = self.b.ins().symbol_value(ptr, gv);
                vec![self.b.ins().iadd_imm_s(base, i64::from(*off))]
            }
            rir::ExprKind::ElemAddr(p, i) => vec![self.elem_addr(p, i, 0, e.span)?],
            rir::ExprKind::FieldAddr(p, n) => {
                let pv = self.checked_ptr(p, e.span)?;
                let st = self.cx.m.types.pointee(p.ty).unwrap_or(rir::Ty::None);
                let off = self.cx.m.types.field_offset(st, *n);
                vec![self.b.ins().iadd_imm_s(pv, off as i64)]
            }
            rir::ExprKind::Load(p) => {
                let pv = self.checked_ptr(p, e.span)?;
                self.load_flat(e.ty, pv)
            }
            rir::ExprKind::Store(p, v) => {
                // A store to `p[i]` reports `ptr_store` when out of bounds.
                let pv = match &p.kind {
                    rir::ExprKind::ElemAddr(q, i) => self.elem_addr(q, i, 1, p.span)?,
                    _ => self.checked_ptr(p, e.span)?,
                };
                let vals = self.expr(v)?;
                self.store_flat(v.ty, pv, &vals);
                Vec::new()
            }
            rir::ExprKind::PtrEq(a, b) => {
                let (x, y) = (self.value(a)?, self.value(b)?);
                vec![self
                    .b
                    .ins()
                    .icmp(cranelift_codegen::ir::condcodes::IntCC::Equal, x, y)]
            }
            rir::ExprKind::PtrCast(p) | rir::ExprKind::PtrAddr(p) => vec![self.value(p)?],
            rir::ExprKind::ExcPayload(x) => {
                let e = self.value(x)?;
                let off = spy_runtime::abi::EXC_PAYLOAD_OFFSET;
                vec![self
                    .b
                    .ins()
                    .load(self.cx.ptr, MemFlagsData::trusted(), e, off)]
            }
            rir::ExprKind::ExcAttach(x, p) => {
                let e = self.value(x)?;
                let v = self.value(p)?;
                let off = spy_runtime::abi::EXC_PAYLOAD_OFFSET;
                self.b.ins().store(MemFlagsData::trusted(), v, e, off);
                vec![e]
            }
            rir::ExprKind::PtrNonNull(p) => {
                let x = self.value(p)?;
                vec![self.b.ins().icmp_imm_s(
                    cranelift_codegen::ir::condcodes::IntCC::NotEqual,
                    x,
                    0,
                )]
            }
            rir::ExprKind::Mem(op, args) => self.mem_op(*op, args, e.span)?,
        })
    }

    /// A pointer operand, NULL-checked in debug builds.
    /// `&p[i]`, checked in debug builds; `op` names the operation in the
    /// panic message (see `PTR_OPS` in the runtime).
    fn elem_addr(
        &mut self,
        p: &rir::Expr,
        i: &rir::Expr,
        op: i64,
        span: Span,
    ) -> Result<Value, CodegenError> {
        let pv = self.value(p)?;
        let iv = self.value(i)?;
        let iv = self.b.ins().sextend(types::I64, iv);
        let item = self.cx.m.types.pointee(p.ty).unwrap_or(rir::Ty::None);
        let (size, _) = self.cx.m.types.layout(item);
        if self.cx.checks {
            let sz = self.b.ins().iconst(types::I64, size as i64);
            let opv = self.b.ins().iconst(types::I32, op);
            let loc = self.loc(span)?;
            self.call_rt1(RtFn::spy_ptr_check, &[pv, iv, sz, opv, loc])
        } else {
            let off = self.b.ins().imul_imm_s(iv, size as i64);
            Ok(self.b.ins().iadd(pv, off))
        }
    }

    fn checked_ptr(&mut self, p: &rir::Expr, span: Span) -> Result<Value, CodegenError> {
        let pv = self.value(p)?;
        if !self.cx.checks {
            return Ok(pv);
        }
        let item = self.cx.m.types.pointee(p.ty).unwrap_or(rir::Ty::None);
        let (size, _) = self.cx.m.types.layout(item);
        let zero = self.b.ins().iconst(types::I64, 0);
        let sz = self.b.ins().iconst(types::I64, size as i64);
        let opv = self.b.ins().iconst(types::I32, 0);
        let loc = self.loc(span)?;
        self.call_rt1(RtFn::spy_ptr_check, &[pv, zero, sz, opv, loc])
    }

    fn mem_op(
        &mut self,
        op: rir::MemOp,
        args: &[rir::Expr],
        span: Span,
    ) -> Result<Vec<Value>, CodegenError> {
        let a = self.value(&args[0])?;
        let b = self.value(&args[1])?;
        let n = self.value(&args[2])?;
        let n = self.b.ins().sextend(types::I64, n);
        let item = self.cx.m.types.pointee(args[0].ty).unwrap_or(rir::Ty::None);
        let (size, _) = self.cx.m.types.layout(item);
        let bytes = self.b.ins().imul_imm_s(n, size as i64);
        if self.cx.checks {
            // The last item of each range must be inside its allocation.
            let last = self.b.ins().iadd_imm_s(n, -1);
            let sz = self.b.ins().iconst(types::I64, size as i64);
            let loc = self.loc(span)?;
            let nonempty = self.b.ins().icmp_imm_s(
                cranelift_codegen::ir::condcodes::IntCC::SignedGreaterThan,
                n,
                0,
            );
            let check = self.b.create_block();
            let cont = self.b.create_block();
            self.b.ins().brif(nonempty, check, &[], cont, &[]);
            self.enter(check);
            let code = match op {
                rir::MemOp::Copy => 2,
                rir::MemOp::Move => 3,
                rir::MemOp::SetBytes => 4,
                rir::MemOp::Cmp => 5,
            };
            let opv = self.b.ins().iconst(types::I32, code);
            self.call_rt1(RtFn::spy_ptr_check, &[a, last, sz, opv, loc])?;
            if op != rir::MemOp::SetBytes {
                self.call_rt1(RtFn::spy_ptr_check, &[b, last, sz, opv, loc])?;
            }
            self.b.ins().jump(cont, &[]);
            self.enter(cont);
        }
        Ok(match op {
            rir::MemOp::Copy => {
                let loc = self.loc(span)?;
                self.call_rt(RtFn::spy_ptr_copy, &[a, b, bytes, loc]);
                Vec::new()
            }
            rir::MemOp::Move => {
                self.call_rt(RtFn::memmove, &[a, b, bytes]);
                Vec::new()
            }
            rir::MemOp::SetBytes => {
                let byte = self.b.ins().uextend(types::I32, b);
                self.call_rt(RtFn::memset, &[a, byte, bytes]);
                Vec::new()
            }
            rir::MemOp::Cmp => vec![self.call_rt1(RtFn::spy_ptr_cmp, &[a, b, bytes])?],
        })
    }

    fn constant(&mut self, c: &rir::Const) -> Result<Option<Value>, CodegenError> {
        let ins = self.b.ins();
        Ok(Some(match c {
            rir::Const::None => return Ok(None),
            rir::Const::Bool(b) => ins.iconst(types::I8, *b as i64),
            rir::Const::I8(v) => ins.iconst(types::I8, *v as i64),
            rir::Const::U8(v) => ins.iconst(types::I8, *v as i64),
            rir::Const::I32(v) => ins.iconst(types::I32, *v as i64),
            rir::Const::U32(v) => ins.iconst(types::I32, *v as i64),
            rir::Const::I64(v) => ins.iconst(types::I64, *v),
            rir::Const::U64(v) => ins.iconst(types::I64, *v as i64),
            rir::Const::F32(v) => ins.f32const(*v),
            rir::Const::F64(v) => ins.f64const(*v),
            rir::Const::Str(s) => return self.str_const(s).map(Some),
        }))
    }
}
