//! The project's two commands (DESIGN.md section 6):
//! `cargo xtask run` serves the app with a private database and demo data,
//! `cargo xtask test` runs every check and test suite and ends with `N passed, M failed`.
//! Both install what is missing first.

mod net;
mod pg;
mod process;
mod run;
mod secret;
mod summary;
mod test;
mod tools;
mod workspace;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run    build the release server and serve it on http://127.0.0.1:3000 (LEPTOS_SITE_ADDR)
         with a private PostgreSQL cluster (or DATABASE_URL) and demo accounts
  test   fmt, clippy, Rust tests against PostgreSQL, the wasm build and Playwright in Chromium;
         the last line is `N passed, M failed`";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match args.as_slice() {
        [command] => command.as_str(),
        _ => "",
    };
    if let Err(err) = process::catch_interrupts() {
        print_error(&err);
        return ExitCode::FAILURE;
    }
    let result = match command {
        "run" => run::run(),
        "test" => test::test(),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            let problem = match args.as_slice() {
                [] => "no command given".to_owned(),
                args => format!("`{}` is not a command", args.join(" ")),
            };
            eprintln!("error: {problem} — use `cargo xtask run` or `cargo xtask test`");
            return ExitCode::FAILURE;
        }
    };
    result.unwrap_or_else(|err| {
        print_error(&err);
        if process::interrupted() {
            ExitCode::from(130)
        } else {
            ExitCode::FAILURE
        }
    })
}

/// Errors read `error: <what is wrong> — <how to fix>`; an interruption is not an error.
pub fn print_error(err: &anyhow::Error) {
    if process::interrupted() {
        eprintln!("interrupted");
    } else {
        eprintln!("error: {err:#}");
    }
}
