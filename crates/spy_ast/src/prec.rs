//! Python's operator precedence: the one table by which both printers of
//! `.spy` source, the AST's (`print.rs`) and RIR's (`spy_rir::print`), decide
//! where parentheses go.

use crate::BinOp;

/// Levels, lowest first (Python's grammar order). An expression at level `p`
/// needs parentheses where the context requires a level above `p`.
pub const TUPLE: u8 = 0;
/// `lambda`, `:=`.
pub const TEST: u8 = 1;
pub const IFEXP: u8 = 2;
pub const OR: u8 = 3;
pub const AND: u8 = 4;
pub const NOT: u8 = 5;
pub const CMP: u8 = 6;
pub const BOR: u8 = 7;
pub const BXOR: u8 = 8;
pub const BAND: u8 = 9;
pub const SHIFT: u8 = 10;
pub const ARITH: u8 = 11;
pub const TERM: u8 = 12;
/// Unary `-`, `+`, `~` (and negative literals).
pub const FACTOR: u8 = 13;
pub const POWER: u8 = 14;
pub const AWAIT: u8 = 15;
pub const ATOM: u8 = 16;

/// The level of a binary operator.
pub fn binop(op: BinOp) -> u8 {
    match op {
        BinOp::BitOr => BOR,
        BinOp::BitXor => BXOR,
        BinOp::BitAnd => BAND,
        BinOp::LShift | BinOp::RShift => SHIFT,
        BinOp::Add | BinOp::Sub => ARITH,
        BinOp::Mul | BinOp::MatMul | BinOp::Div | BinOp::FloorDiv | BinOp::Mod => TERM,
        BinOp::Pow => POWER,
    }
}

/// The lowest levels the (left, right) operands of `op` take without
/// parentheses: binary operators associate to the left, except `**`, whose
/// left operand binds tighter than a unary operator (`(-x) ** y`) and whose
/// right one may be unary (`x ** -y`).
pub fn binop_operands(op: BinOp) -> (u8, u8) {
    match op {
        BinOp::Pow => (AWAIT, FACTOR),
        _ => {
            let p = binop(op);
            (p, p + 1)
        }
    }
}
