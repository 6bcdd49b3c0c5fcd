// Regenerates include/v8runner.h from the FFI layer's doc comments on every
// build that changes the sources. The header is committed; CI fails when it
// differs from what this produces.
fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let config = cbindgen::Config::from_file(format!("{dir}/cbindgen.toml")).expect("cbindgen.toml");
    match cbindgen::generate_with_config(&dir, config) {
        Ok(bindings) => {
            bindings.write_to_file(format!("{dir}/include/v8runner.h"));
        }
        // A half-written source file should not hide the compiler's own
        // errors behind a cbindgen one.
        Err(e) => println!("cargo:warning=header not regenerated: {e}"),
    }
}
