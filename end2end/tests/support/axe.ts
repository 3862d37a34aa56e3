import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect } from "./fixtures";

/** The rules every page is held to: WCAG 2.2 AA and what it includes. */
const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** Runs axe; a soft failure lists each violation's rule, help text and the nodes it found. */
export async function expectNoViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).options({ resultTypes: ["violations"] }).withTags(tags).analyze();
  const report = results.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact}): ${violation.help}\n` +
      violation.nodes.map((node) => `    ${node.target.join(" ")}: ${node.failureSummary?.replace(/\s*\n\s*/g, " ")}`).join("\n"),
  );
  expect.soft(report, `axe violations on ${what}:\n${report.join("\n")}`).toEqual([]);
}
