//! Counting what `cargo xtask test` ran, for its closing table and last line.

use serde_json::Value;
use std::fmt::Write;
use std::ops::AddAssign;

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

    /// Sums libtest's `test result: ok. 3 passed; 0 failed; 1 ignored; ...` lines. A failed run
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

/// One row per runner, in the order they ran.
#[derive(Default)]
pub struct Report {
    rows: Vec<(&'static str, Option<Counts>, String)>,
}

impl Report {
    pub fn add(&mut self, runner: &'static str, counts: Counts) {
        self.rows.push((runner, Some(counts), String::new()));
    }

    pub fn not_run(&mut self, runner: &'static str, why: &str) {
        self.rows.push((runner, None, format!("not run: {why}")));
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
}
