// Regenerates include/v8runner.h from the FFI layer's doc comments on every
// build that changes the sources. The header is committed; CI fails when it
// differs from what this produces.
fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let mut config = cbindgen::Config::from_file(format!("{dir}/cbindgen.toml")).expect("cbindgen.toml");
    // The version a program was compiled against, beside `v8r_version()`,
    // the one it runs with. From Cargo.toml, the one place it is written.
    let v = |part: &str| std::env::var(format!("CARGO_PKG_VERSION_{part}")).unwrap();
    config.after_includes = Some(format!(
        "\n// The version of v8runner this header belongs to (see v8r_version).\n\
         #define V8RUNNER_VERSION_MAJOR {}\n#define V8RUNNER_VERSION_MINOR {}\n#define V8RUNNER_VERSION_PATCH {}\n\
         #define V8RUNNER_VERSION \"{}\"",
        v("MAJOR"),
        v("MINOR"),
        v("PATCH"),
        std::env::var("CARGO_PKG_VERSION").unwrap()
    ));
    match cbindgen::generate_with_config(&dir, config) {
        Ok(bindings) => {
            bindings.write_to_file(format!("{dir}/include/v8runner.h"));
        }
        // A half-written source file should not hide the compiler's own
        // errors behind a cbindgen one.
        Err(e) => println!("cargo:warning=header not regenerated: {e}"),
    }
}
