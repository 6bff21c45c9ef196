//! Link settings of the shipped shared library: the SONAME `libtollgate.so.<major>` (from
//! `CARGO_PKG_VERSION`), a version script so only `tollgate_*` is exported, and
//! `-z defs` so an undefined symbol (such as the one the panic handler references when a panic
//! is reachable, see `src/runtime.rs`) fails the link instead of the first `dlopen`.
use std::{env, fs, path::PathBuf};

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
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,defs");
    link_soname_in_target_dir(&out, &major);
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
