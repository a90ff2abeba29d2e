// Prints the closing line of a vitest JSON report ("vitest: N passed, N failed, N skipped") so that CI logs
// end with a plain summary. Exits 1 when the report is missing or counts no test at all.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tmp-vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  console.error(`test-summary: cannot read ${file}: ${e.message}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(passed + failed === 0 ? 1 : 0);
