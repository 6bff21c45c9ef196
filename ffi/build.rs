//! Link settings of the shipped library: the SONAME `libtollgate.so.<major>` (from
//! `CARGO_PKG_VERSION`), a version script so only `tollgate_*` is exported, `-z defs` so an
//! undefined symbol fails the link of the .so instead of the first `dlopen`, and the panic
//! proof of `src/runtime.rs`:
//!
//! The panic handler calls `TOLLGATE_PANIC_REACHABLE_see_ffi_src_runtime_rs`. The static
//! library always keeps the handler (precompiled `core` members may call it), so the symbol
//! must resolve there: a one-line C object defining it (calling `abort`) is bundled into
//! `libtollgate.a`. The shared library is linked with `--wrap` for that symbol, so a reference
//! (a reachable panic: LTO drops the handler otherwise) becomes an undefined
//! `__wrap_TOLLGATE_...`, and `-z defs` fails the link.
use std::{env, fs, path::PathBuf, process::Command};

/// The symbol the panic handler calls; see the module docs.
const PROOF_SYMBOL: &str = "TOLLGATE_PANIC_REACHABLE_see_ffi_src_runtime_rs";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os != "linux" {
        return; // The flags below are GNU ld / lld ELF flags.
    }
    let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let script = out.join("tollgate.version");
    fs::write(&script, "{\n  global: tollgate_*;\n  local: *;\n};\n")
        .expect("write version script");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libtollgate.so.{major}");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        script.display()
    );
    // Under a sanitizer (cargo fuzz) the runtime's symbols come from the final executable, so
    // a shared library cannot be linked with -z defs; the panic proof is the release build's.
    if env::var_os("CARGO_CFG_SANITIZE").is_none() {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,defs");
        println!("cargo:rustc-cdylib-link-arg=-Wl,--wrap={PROOF_SYMBOL}");
    }
    build_abort_stub(&out);
    link_soname_in_target_dir(&out, &major);
}

/// Compiles `PROOF_SYMBOL() { abort(); }` into `libtollgate_abort_stub.a` and links it (so it
/// is bundled into the staticlib). Uses `$CC` or `cc`.
fn build_abort_stub(out: &std::path::Path) {
    let source = out.join("abort_stub.c");
    let object = out.join("abort_stub.o");
    let archive = out.join("libtollgate_abort_stub.a");
    let text = format!(
        "/* libtollgate.a only: the panic handler's callee (see ffi/src/runtime.rs). */\n\
         #include <stdlib.h>\n\
         void {PROOF_SYMBOL}(void);\n\
         void {PROOF_SYMBOL}(void) {{ abort(); }}\n"
    );
    fs::write(&source, text).expect("write abort stub");
    let cc = env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .args(["-c", "-O2", "-fPIC", "-o"])
        .arg(&object)
        .arg(&source)
        .status()
        .unwrap_or_else(|e| panic!("running {cc}: {e}"));
    assert!(status.success(), "{cc} failed on the abort stub");
    let _ = fs::remove_file(&archive);
    let ar = env::var("AR").unwrap_or_else(|_| "ar".into());
    let status = Command::new(&ar)
        .arg("crs")
        .arg(&archive)
        .arg(&object)
        .status()
        .unwrap_or_else(|e| panic!("running {ar}: {e}"));
    assert!(status.success(), "{ar} failed on the abort stub");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=tollgate_abort_stub");
}

/// Programs linked with `-Ltarget/release -ltollgate` record the SONAME and look for
/// `libtollgate.so.<major>` at run time: provide it beside the library as a symlink (dangling
/// until the link step writes `libtollgate.so`). Best effort: OUT_DIR is
/// `<target>/<profile>/build/<package>-<hash>/out`; nothing happens for another layout.
fn link_soname_in_target_dir(out: &std::path::Path, major: &str) {
    let Some(profile_dir) = out.ancestors().nth(3) else {
        return;
    };
    if profile_dir.join("build").is_dir() {
        let link = profile_dir.join(format!("libtollgate.so.{major}"));
        if fs::symlink_metadata(&link).is_err() {
            #[cfg(unix)]
            let _ = std::os::unix::fs::symlink("libtollgate.so", &link);
        }
    }
}
