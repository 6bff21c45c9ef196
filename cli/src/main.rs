//! `tollgate`: the operator's command over tollgate-core. The command line is declared with
//! clap (derive); each subcommand lives in its own module with its arguments and its `run`.
//! This file only declares the commands and dispatches.
//!
//! Exit codes, for every command: 0 accepted / matched, 1 rejected / not matched (the stable
//! error name on stderr), 2 usage, configuration or invalid input (clap's usage errors too).
//! `fetch-jwks` (cargo feature `fetch-jwks`, on by default) adds codes of its own (see its
//! module).

mod apikey;
mod completions;
mod decode;
mod discover;
mod exit;
#[cfg(feature = "fetch-jwks")]
mod feeds;
#[cfg(feature = "fetch-jwks")]
mod fetch_jwks;
mod host;
mod ip;
mod json_text;
mod output;
mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Decide whether an inbound call is genuine: source addresses against CIDR sets, RS256
/// tokens against a JWKS and a policy, API keys in a query string.
#[derive(Parser)]
#[command(
    name = "tollgate",
    version,
    after_help = exit::AFTER_HELP,
    after_long_help = exit::after_long_help(),
    disable_help_subcommand = false
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Ip(ip::IpArgs),
    CompileIpset(ip::CompileArgs),
    Host(host::HostArgs),
    CompileHostset(host::CompileArgs),
    Verify(verify::Args),
    Decode(decode::Args),
    Discover(discover::Args),
    #[cfg(feature = "fetch-jwks")]
    FetchJwks(fetch_jwks::Args),

    #[command(subcommand)]
    Apikey(apikey::Command),
    Completions(completions::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Ip(args) => ip::ip(args),
        Command::CompileIpset(args) => ip::compile_ipset(args),
        Command::Host(args) => host::run(args),
        Command::CompileHostset(args) => host::compile_hostset(args),
        Command::Verify(args) => verify::run(args),
        Command::Decode(args) => decode::run(args),
        Command::Discover(args) => discover::run(args),
        #[cfg(feature = "fetch-jwks")]
        Command::FetchJwks(args) => fetch_jwks::run(args),

        Command::Apikey(command) => apikey::run(command),
        Command::Completions(args) => completions::run::<Cli>(args),
    }
}
