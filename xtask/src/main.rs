//! The project's two commands (README.md, "Quick start"):
//! `cargo xtask run` serves the app with a private database and demo data,
//! `cargo xtask test` runs every check and test suite and ends with `N passed, M failed`.
//! Both install what is missing first.

mod bench;
mod huge;
mod l10n;
mod mail;
mod net;
mod pg;
mod process;
mod reasons;
mod run;
mod schemathesis;
mod secret;
mod staff;
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
         the last line is `N passed, M failed`
  huge-account [--messages N] [--orders M]
         add one account with N messages (1000000) and M orders (100000) to `run`'s database
  reason-history [--deletions N] [--days D]
         add N deletions (5000000) over D days (1095) to the reason statistics of `run`'s database
  staff grant|revoke EMAIL
         give an account of `run`'s database the staff role (the reason statistics), or take it
  bench [--quick]
         measure bytes, page serving, the deletion, the erasure, other users' latency and
         hydration, each against a baseline in the same run; writes BENCHMARKS.md
  l10n export <locale> [<file>]
         write locales/<locale>.json as XLIFF 2.0 for a translator (<locale>.xlf by default)
  l10n import <file>
         write a translated XLIFF 2.0 file back into locales/<locale>.json, or list its problems
  l10n shots
         index the screenshots of a hand run of end2end/tests/screenshots.spec.ts into
         end2end/screenshots/keys.json and print the share of message keys they show";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, options) = match args.split_first() {
        Some((command, options)) => (command.as_str(), options),
        None => ("", &[][..]),
    };
    if let Err(err) = process::catch_interrupts() {
        print_error(&err);
        return ExitCode::FAILURE;
    }
    let result = match command {
        "run" if options.is_empty() => run::run(),
        "test" if options.is_empty() => test::test(),
        "huge-account" => huge::huge_account(options),
        "bench" => bench::bench(options),
        "staff" => staff::staff(options),
        "reason-history" => reasons::reason_history(options),
        "l10n" => l10n::l10n(options),
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
