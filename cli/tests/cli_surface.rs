//! The command-line surface shared by every command: per-command help, `--version`, shell
//! completions, and exit code 2 with nothing on stdout for every usage error.

use std::process::{Command, Output};

fn tollgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .output()
        .expect("run tollgate")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const COMMANDS: &[&[&str]] = &[
    &["ip"],
    &["compile-ipset"],
    &["host"],
    &["compile-hostset"],
    &["verify"],
    &["decode"],
    &["discover"],
    #[cfg(feature = "fetch-jwks")]
    &["fetch-jwks"],
    &["apikey"],
    &["apikey", "check"],
    &["apikey", "new"],
    &["completions"],
];

#[test]
fn every_command_has_its_own_help() {
    for command in COMMANDS {
        for flag in ["--help", "-h"] {
            let mut args = command.to_vec();
            args.push(flag);
            let o = tollgate(&args);
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
            let out = text(&o.stdout);
            let usage = format!("Usage: tollgate {}", command.join(" "));
            assert!(out.contains(&usage), "{args:?}: {out}");
        }
    }
    let o = tollgate(&["help", "verify"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).contains("--jwks <FILE>"));
    // The top-level long help states the exit codes and lists core's error names.
    let o = tollgate(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    assert!(out.contains("Exit codes: 0"), "{out}");
    for name in tollgate_core::Error::ALL.iter().map(|e| e.name()) {
        assert!(out.contains(name), "{name} missing from --help");
    }
}

#[test]
fn version_is_the_crate_version() {
    for flag in ["--version", "-V"] {
        let o = tollgate(&[flag]);
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(
            text(&o.stdout),
            format!("tollgate {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn completions_for_bash_zsh_and_fish_name_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let o = tollgate(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", text(&o.stderr));
        let script = text(&o.stdout);
        for word in [
            "compile-ipset",
            "verify",
            "discover",
            #[cfg(feature = "fetch-jwks")]
            "fetch-jwks",
            "apikey",
            "jwks",
            "expect-issuer",
        ] {
            assert!(script.contains(word), "{shell}: {word} missing");
        }
    }
    // The bash script loads and completes a flag of a subcommand.
    let script =
        std::env::temp_dir().join(format!("tollgate-completion-{}.bash", std::process::id()));
    std::fs::write(&script, tollgate(&["completions", "bash"]).stdout).unwrap();
    let shell = format!(
        "source '{}' && COMP_WORDS=(tollgate discover --ex) COMP_CWORD=2 && \
         _tollgate tollgate --ex discover && echo \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let o = Command::new("bash")
        .args(["-c", &shell])
        .output()
        .expect("bash");
    std::fs::remove_file(&script).unwrap();
    assert_eq!(
        text(&o.stdout).trim(),
        "--expect-issuer",
        "{}",
        text(&o.stderr)
    );
    let o = tollgate(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    for args in [
        &[][..],
        &["frobnicate"],
        &["--bogus"],
        &["ip", "--set"],
        &["ip", "--bogus", "1.1.1.1"],
        &["compile-ipset", "list.txt"],
        &["compile-ipset", "-o", "out.img"],
        &["compile-ipset", "--m365", "f.json"],
        &["compile-ipset", "--tag", "T", "-o", "out.img"],
        &[
            "compile-ipset",
            "list.txt",
            "--m365",
            "f.json",
            "-o",
            "out.img",
        ],
        &["compile-hostset", "-o", "out.img"],
        &[
            "compile-hostset",
            "--service-area",
            "Skype",
            "-o",
            "out.img",
        ],
        &["host", "--set"],
        &["decode", "a", "b"],
        &["discover", "f", "--expect-issuer"],
        &[
            "verify", "--jwks", "j", "--iss", "i", "--aud", "a", "--now", "-5",
        ],
        &["apikey", "new", "--bytes", "65"],
        &["apikey", "new", "--bytes", "many"],
        &["completions"],
    ] {
        let o = tollgate(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(!o.stderr.is_empty(), "{args:?}");
    }
}
