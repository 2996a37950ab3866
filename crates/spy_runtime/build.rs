fn main() {
    println!("cargo::rustc-check-cfg=cfg(spy_staticlib)");
}
