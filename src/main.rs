use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = klimat::cli::Args::parse();
    klimat::cli::run(args)
}
