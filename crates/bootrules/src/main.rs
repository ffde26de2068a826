//! The `bootrules` command: triage Linux VM serial console logs.

mod args;
mod commands;
mod inputs;
mod report;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Args::parse();
    match commands::run(args) {
        Ok(status) => ExitCode::from(status as u8),
        Err(e) => {
            eprintln!("bootrules: {e:#}");
            ExitCode::from(commands::Status::Usage as u8)
        }
    }
}
