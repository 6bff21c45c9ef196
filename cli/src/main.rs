//! `tollgate`: the operator's command over tollgate-core. Each subcommand lives in its own
//! module; this file only dispatches and maps outcomes to exit codes.

mod apikey;
mod decode;
mod discover;
mod ip;
mod json_text;
mod verify;

use std::process::ExitCode;

fn usage() -> &'static str {
    "usage: tollgate <command> [args]\n\
     commands:\n\
     \x20 ip [--set NAME|FILE] [--] [ADDR...]   match addresses against a set (default: acs)\n\
     \x20 compile-ipset LIST -o IMAGE           compile a CIDR list into a table image\n\
     \x20 apikey check --key K [--key K]... [--param NAME] URI   check a query API key\n\
     \x20 apikey new                            print a fresh random URL-safe key\n"
}

/// Usage of the token commands (appended to [`usage`]).
fn token_usage() -> String {
    [verify::USAGE, decode::USAGE, discover::USAGE].concat()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("-h" | "--help" | "help") => {
            print!("{}{}", usage(), token_usage());
            ExitCode::SUCCESS
        }
        Some("apikey") => apikey::run(&args[1..]),
        Some("verify") => verify::run(&args[1..]),
        Some("decode") => decode::run(&args[1..]),
        Some("discover") => discover::run(&args[1..]),
        Some("ip") => ip::ip(&args[1..]),
        Some("compile-ipset") => ip::compile_ipset(&args[1..]),
        Some("--version" | "version") => {
            println!("tollgate {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("{}{}", usage(), token_usage());
            ExitCode::from(2)
        }
    }
}
