// Prints the closing "N passed, N failed" line of CI from vitest's JSON report. Lint or type-check
// failures and a test run that produced no report count as failures, so CI never passes silently.
import { existsSync, readFileSync } from "node:fs";

const [reportPath, failedStepsArg = "0", testStatusArg = "0"] = process.argv.slice(2);
const failedSteps = Number(failedStepsArg);
let passed = 0;
let failed = failedSteps;
let skipped = 0;
if (reportPath !== undefined && existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  passed = report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that failed to load has no test results but must still fail CI.
  failed += (report.testResults ?? []).filter(
    (file) => file.status === "failed" && (file.assertionResults ?? []).length === 0,
  ).length;
} else {
  failed += 1;
}
if (failed === failedSteps && Number(testStatusArg) !== 0) failed += 1;
if (passed === 0 && failed === 0) failed = 1;
console.log(`\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
