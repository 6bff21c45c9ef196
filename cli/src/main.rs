//! `tollgate`: the operator's command over tollgate-core. Each subcommand lives in its own
//! module; this file only dispatches and maps outcomes to exit codes.

mod ip;

use std::process::ExitCode;

fn usage() -> &'static str {
    "usage: tollgate <command> [args]\n\
     commands:\n\
     \x20 ip [--set NAME|FILE] [--] [ADDR...]   match addresses against a set (default: acs)\n\
     \x20 compile-ipset LIST -o IMAGE           compile a CIDR list into a table image\n"
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("-h" | "--help" | "help") => {
            print!("{}", usage());
            ExitCode::SUCCESS
        }
        Some("ip") => ip::ip(&args[1..]),
        Some("compile-ipset") => ip::compile_ipset(&args[1..]),
        Some("--version" | "version") => {
            println!("tollgate {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("{}", usage());
            ExitCode::from(2)
        }
    }
}
