// Compiles the small C helper that does Redis's long-double arithmetic
// (INCRBYFLOAT, HINCRBYFLOAT) with the same libc routines Redis uses.
fn main() {
    println!("cargo:rerun-if-changed=csrc/ldouble.c");
    cc::Build::new()
        .file("csrc/ldouble.c")
        .opt_level(2)
        .compile("ringkv_ldouble");
}
