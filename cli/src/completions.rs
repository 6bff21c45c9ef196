//! `tollgate completions SHELL`: print a shell completion script (clap_complete) to stdout.

use clap::CommandFactory;
use clap_complete::Shell;
use std::process::ExitCode;

/// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
#[derive(clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Write the script for `args.shell` of the command line `C` to stdout.
pub fn run<C: CommandFactory>(args: Args) -> ExitCode {
    let mut command = C::command();
    clap_complete::generate(args.shell, &mut command, "tollgate", &mut std::io::stdout());
    ExitCode::SUCCESS
}
