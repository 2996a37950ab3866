//! Differential tests of numbers against CPython (see the module docs once written).

fn main() {}
