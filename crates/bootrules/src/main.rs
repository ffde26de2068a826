//! The `bootrules` command: triage Linux VM serial console logs.

use std::process::ExitCode;

use bootrules::{args, commands};
use clap::Parser;

fn main() -> ExitCode {
    let args = args::Args::parse();
    match commands::run(args) {
        Ok(status) => ExitCode::from(status as u8),
        // A reader that stops early (`| head`) is not an error worth reporting.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // a path in the message (a planted link's target, a folder's name) may hold escape
            // sequences: shown as escapes, never acted on by the terminal
            let message = format!("{e:#}");
            eprintln!("bootrules: {}", bootrules::report::shown::text(&message));
            ExitCode::from(commands::Status::Usage as u8)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
