//! The command's exit contract: 0 accepted / matched, 1 rejected / not matched with
//! `rejected: <stable_name>: <description>` on stderr, 2 usage, configuration or invalid input.
//! Also the help texts that state it.

use std::process::ExitCode;
use tollgate_core::Error;

/// Shown under `tollgate --help` / `-h`.
pub const AFTER_HELP: &str = "\
Exit codes: 0 accepted / all matched, 1 rejected / not matched (the stable error name on
stderr), 2 usage, configuration or invalid input. `tollgate help COMMAND` or
`tollgate COMMAND --help` for each command; `--help` (long) also lists the error names.";

/// Shown under `tollgate --help`: the exit codes and every stable error name of core.
pub fn after_long_help() -> String {
    let mut text = String::from(AFTER_HELP);
    text.push_str("\n\nStable error names (as `tollgate_status_str` gives them):\n");
    let mut line = String::from(" ");
    for e in Error::ALL {
        if line.len() + e.name().len() > 90 {
            text.push_str(&line);
            text.push('\n');
            line = String::from(" ");
        }
        line.push(' ');
        line.push_str(e.name());
    }
    text.push_str(&line);
    text
}

/// Exit 1 after printing `rejected: <name>: <description>` on stderr.
pub fn rejected(e: Error) -> ExitCode {
    eprintln!("rejected: {}: {}", e.name(), e.description().trim());
    ExitCode::from(1)
}

/// Exit 2 after printing `tollgate <command>: <message>` on stderr (a usage, configuration or
/// input error that clap cannot see, such as an unreadable file).
pub fn usage(command: &str, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("tollgate {command}: {message}");
    ExitCode::from(2)
}
