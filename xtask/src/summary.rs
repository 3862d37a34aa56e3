//! Counting what `cargo xtask test` ran, for its closing table and last line.

use serde_json::Value;
use std::fmt::Write;
use std::ops::AddAssign;

/// Starts the line a Rust test prints when it is skipped (see [`skip_or_fail_in_ci`]):
/// `test skipped: <test>: <reason>`. libtest counts such a test as passed; `cargo xtask test`
/// counts it as skipped instead, and lists the reasons under its table.
pub const SKIP_MARKER: &str = "test skipped: ";

/// Whether this runs in CI: `CI` set to anything but empty, `0` or `false` (`.ci/run` sets
/// `CI=true`). There every test must run: a skip is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false"))
}

/// For a test whose precondition is missing (PostgreSQL, root): outside CI, prints the skip
/// line with `reason` and returns, so the test can return at once (`return skip_or_fail_in_ci(..)`);
/// in CI, fails the test, since CI must run it.
///
/// The line goes straight to the process's stdout, past libtest's capture of `println!`, so
/// that it reaches `cargo xtask test` (and the terminal) whether or not the test passes.
#[cfg(test)]
#[track_caller]
pub fn skip_or_fail_in_ci(reason: &str) {
    use std::io::Write as _;
    // libtest names each test's thread after the test.
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    if in_ci() {
        panic!("{test} cannot run: {reason}; CI must run every test (CI is set)");
    }
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{SKIP_MARKER}{test}: {reason}");
    let _ = stdout.flush();
}

/// The skip lines' `<test>: <reason>`, in the order printed.
pub fn skips_in(output: &str) -> Vec<String> {
    output.lines().filter_map(|line| line.split_once(SKIP_MARKER)).map(|(_, skip)| skip.trim().to_owned()).collect()
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

impl Counts {
    pub const ONE_FAILED: Counts = Counts { passed: 0, failed: 1, skipped: 0 };

    /// A check (fmt, clippy, a build) counts as one test.
    pub fn of_check(succeeded: bool) -> Counts {
        Counts { passed: u64::from(succeeded), failed: u64::from(!succeeded), skipped: 0 }
    }

    /// Sums libtest's `test result: ok. 3 passed; 0 failed; 1 ignored; ...` lines; a test that
    /// printed a skip line ([`SKIP_MARKER`]) is moved from passed to skipped. A failed run
    /// without a failed test (a compile error, a crashed test binary) counts as one failure.
    pub fn of_cargo_test(output: &str, succeeded: bool) -> Counts {
        let mut counts = Counts::default();
        for line in output.lines() {
            let Some((_, result)) = line.split_once("test result:") else {
                continue;
            };
            let words: Vec<&str> =
                result.split(|c: char| c == ';' || c.is_whitespace()).filter(|word| !word.is_empty()).collect();
            for pair in words.windows(2) {
                let Ok(number) = pair[0].parse::<u64>() else {
                    continue;
                };
                match pair[1] {
                    "passed" => counts.passed += number,
                    "failed" => counts.failed += number,
                    "ignored" => counts.skipped += number,
                    _ => {}
                }
            }
        }
        // A skipped test returned early, so libtest counted it as passed.
        let skips = (skips_in(output).len() as u64).min(counts.passed);
        counts.passed -= skips;
        counts.skipped += skips;
        counts.with_failure_if_unexplained(succeeded)
    }

    /// Reads the `stats` of Playwright's JSON report; flaky tests passed on a retry. A missing
    /// or unreadable report, or a failed run without a failed test, counts as one failure.
    pub fn of_playwright(report: Option<&str>, succeeded: bool) -> Counts {
        let stats = report
            .and_then(|json| serde_json::from_str::<Value>(json).ok())
            .and_then(|report| report.get("stats").cloned());
        let Some(stats) = stats else {
            return Counts::ONE_FAILED;
        };
        let stat = |name: &str| stats.get(name).and_then(Value::as_u64).unwrap_or(0);
        Counts { passed: stat("expected") + stat("flaky"), failed: stat("unexpected"), skipped: stat("skipped") }
            .with_failure_if_unexplained(succeeded)
    }

    fn with_failure_if_unexplained(mut self, succeeded: bool) -> Counts {
        if !succeeded && self.failed == 0 {
            self.failed = 1;
        }
        self
    }
}

/// One row per runner, in the order they ran, and the skipped tests with their reasons.
#[derive(Default)]
pub struct Report {
    rows: Vec<(&'static str, Option<Counts>, String)>,
    skips: Vec<String>,
}

impl Report {
    pub fn add(&mut self, runner: &'static str, counts: Counts) {
        self.rows.push((runner, Some(counts), String::new()));
    }

    pub fn not_run(&mut self, runner: &'static str, why: &str) {
        self.rows.push((runner, None, format!("not run: {why}")));
    }

    /// Tests that printed a skip line (`<test>: <reason>`, from [`skips_in`]), listed under
    /// the table. Their count is in the runner's row already.
    pub fn skipped(&mut self, skips: Vec<String>) {
        self.skips.extend(skips);
    }

    /// In CI every test must run: any skip (a skip line, an ignored Rust test, a skipped
    /// Playwright test) adds a failure of its own.
    pub fn fail_skips_in_ci(&mut self, ci: bool) {
        let skipped = self.total().skipped;
        if ci && skipped > 0 {
            self.rows.push(("skips in CI", Some(Counts::ONE_FAILED), String::new()));
        }
    }

    pub fn total(&self) -> Counts {
        let mut total = Counts::default();
        for counts in self.rows.iter().filter_map(|(_, counts, _)| *counts) {
            total += counts;
        }
        total
    }

    /// The table, then the line CI reads, last: `N passed, M failed[, K skipped]`.
    pub fn render(&self) -> String {
        let mut text = format!("\n{:<12}{:>8}{:>8}{:>9}\n", "runner", "passed", "failed", "skipped");
        for (runner, counts, note) in &self.rows {
            let _ = match counts {
                Some(c) => writeln!(text, "{runner:<12}{:>8}{:>8}{:>9}", c.passed, c.failed, c.skipped),
                None => writeln!(text, "{runner:<12}{:>8}{:>8}{:>9}  {note}", "-", "-", "-"),
            };
        }
        for skip in &self.skips {
            let _ = writeln!(text, "skipped: {skip}");
        }
        text + &final_line(self.total())
    }
}

pub fn final_line(total: Counts) -> String {
    let mut line = format!("{} passed, {} failed", total.passed, total.failed);
    if total.skipped > 0 {
        let _ = write!(line, ", {} skipped", total.skipped);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARGO_TEST_OUTPUT: &str = "\
running 3 tests
test a ... ok
test b ... ignored
test c ... FAILED

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s

     Running tests/flow.rs (target/debug/deps/flow-0123)
test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 2 filtered out; finished in 1.50s

   Doc-tests app
test result: ok. 0 passed; 0 failed; 3 ignored; 0 measured; 0 filtered out; finished in 0.00s
";

    #[test]
    fn cargo_test_lines_are_summed() {
        let counts = Counts::of_cargo_test(CARGO_TEST_OUTPUT, false);
        assert_eq!(counts, Counts { passed: 13, failed: 1, skipped: 4 });
    }

    #[test]
    fn a_test_that_printed_a_skip_line_counts_as_skipped_not_passed() {
        let output = "\
running 3 tests
test pg::tests::a ... ok
test skipped: pg::tests::b: no PostgreSQL binaries
test pg::tests::b ... ok
test pg::tests::c ... test skipped: pg::tests::c: needs root
ok

test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
";
        assert_eq!(Counts::of_cargo_test(output, true), Counts { passed: 1, failed: 0, skipped: 2 });
        assert_eq!(skips_in(output), ["pg::tests::b: no PostgreSQL binaries", "pg::tests::c: needs root"]);
    }

    #[test]
    fn the_skip_helper_prints_the_line_the_summary_counts_outside_ci_and_fails_in_ci() {
        // The helper's own line, as a child process shows it: this test binary run again on
        // the probe test below, once without CI and once with it.
        let binary = std::env::current_exe().unwrap();
        let probe = "summary::tests::skip_probe";
        let run = |ci: Option<&str>| {
            let mut cmd = std::process::Command::new(&binary);
            cmd.args([probe, "--exact"]).env("XTASK_SKIP_PROBE", "1");
            match ci {
                Some(value) => cmd.env("CI", value),
                None => cmd.env_remove("CI"),
            };
            let output = cmd.output().unwrap();
            (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
        };

        let (succeeded, stdout) = run(None);
        assert!(succeeded, "{stdout}");
        assert_eq!(skips_in(&stdout), [format!("{probe}: the probe's precondition is missing")], "{stdout}");
        assert_eq!(Counts::of_cargo_test(&stdout, succeeded), Counts { passed: 0, failed: 0, skipped: 1 });

        let (succeeded, stdout) = run(Some("false"));
        assert!(succeeded && skips_in(&stdout).len() == 1, "CI=false is not CI: {stdout}");

        let (succeeded, stdout) = run(Some("true"));
        assert!(!succeeded, "{stdout}");
        assert!(skips_in(&stdout).is_empty(), "{stdout}");
        assert_eq!(Counts::of_cargo_test(&stdout, succeeded), Counts { passed: 0, failed: 1, skipped: 0 });
    }

    /// The child process of the test above; does nothing elsewhere (not `#[ignore]`: an
    /// ignored test is a skip, and CI fails on skips).
    #[test]
    fn skip_probe() {
        if std::env::var_os("XTASK_SKIP_PROBE").is_some() {
            skip_or_fail_in_ci("the probe's precondition is missing");
        }
    }

    #[test]
    fn a_compile_error_counts_as_one_failure() {
        let output = "error[E0425]: cannot find value `x` in this scope\n";
        assert_eq!(Counts::of_cargo_test(output, false), Counts::ONE_FAILED);
    }

    #[test]
    fn a_crashed_test_binary_after_passing_tests_still_fails() {
        let output = "test result: ok. 5 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n\
                      error: test failed, to rerun pass `-p app --test flow`\n";
        let counts = Counts::of_cargo_test(output, false);
        assert_eq!((counts.passed, counts.failed), (5, 1));
    }

    #[test]
    fn a_successful_run_without_tests_counts_nothing() {
        assert_eq!(Counts::of_cargo_test("", true), Counts::default());
    }

    #[test]
    fn playwright_stats_are_read() {
        let report = r#"{"config": {}, "suites": [],
            "stats": {"startTime": "2025-01-01T00:00:00.000Z", "duration": 1234.5,
                      "expected": 10, "skipped": 2, "unexpected": 1, "flaky": 3}}"#;
        assert_eq!(Counts::of_playwright(Some(report), false), Counts { passed: 13, failed: 1, skipped: 2 });
    }

    #[test]
    fn a_missing_or_broken_playwright_report_counts_as_one_failure() {
        assert_eq!(Counts::of_playwright(None, true), Counts::ONE_FAILED);
        assert_eq!(Counts::of_playwright(Some("{oops"), true), Counts::ONE_FAILED);
    }

    #[test]
    fn a_failed_playwright_run_without_failed_tests_counts_as_one_failure() {
        let report = r#"{"stats": {"expected": 0, "skipped": 0, "unexpected": 0, "flaky": 0}}"#;
        assert_eq!(Counts::of_playwright(Some(report), false), Counts::ONE_FAILED);
    }

    #[test]
    fn the_final_line_mentions_skipped_only_when_some_were() {
        let mut counts = Counts { passed: 7, failed: 0, skipped: 0 };
        assert_eq!(final_line(counts), "7 passed, 0 failed");
        counts.skipped = 2;
        assert_eq!(final_line(counts), "7 passed, 0 failed, 2 skipped");
    }

    #[test]
    fn the_report_ends_with_the_total_line() {
        let mut report = Report::default();
        report.add("fmt", Counts::of_check(true));
        report.add("clippy", Counts::of_check(false));
        report.add("rust tests", Counts { passed: 40, failed: 0, skipped: 1 });
        report.not_run("playwright", "the wasm build failed");
        let text = report.render();
        assert_eq!(text.lines().last(), Some("41 passed, 1 failed, 1 skipped"));
        assert!(text.contains("playwright"));
        assert!(text.contains("not run: the wasm build failed"));
    }

    #[test]
    fn skips_are_listed_under_the_table_and_fail_in_ci() {
        let mut report = Report::default();
        report.add("rust tests", Counts { passed: 40, failed: 0, skipped: 1 });
        report.skipped(vec!["pg::tests::a: no PostgreSQL binaries".to_owned()]);
        report.fail_skips_in_ci(false);
        let text = report.render();
        assert!(text.contains("\nskipped: pg::tests::a: no PostgreSQL binaries\n"), "{text}");
        assert_eq!(text.lines().last(), Some("40 passed, 0 failed, 1 skipped"));

        report.fail_skips_in_ci(true);
        assert_eq!(report.render().lines().last(), Some("40 passed, 1 failed, 1 skipped"));
    }

    #[test]
    fn a_run_without_skips_passes_in_ci() {
        let mut report = Report::default();
        report.add("rust tests", Counts { passed: 40, failed: 0, skipped: 0 });
        report.fail_skips_in_ci(true);
        assert_eq!(report.total(), Counts { passed: 40, failed: 0, skipped: 0 });
    }
}
