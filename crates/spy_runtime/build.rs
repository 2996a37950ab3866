fn main() {
    println!("cargo::rustc-check-cfg=cfg(spy_staticlib)");
    println!("cargo::rustc-check-cfg=cfg(spy_pymodule)");
}
