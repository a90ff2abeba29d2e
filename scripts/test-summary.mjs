// Prints the closing line of one or more vitest JSON reports ("vitest: N passed, N failed, N skipped") so that
// CI logs end with a plain summary. Exits 1 when the first report is missing or nothing ran at all; a later
// report may be absent (the real-kcp stage is skipped without Go).
import { existsSync, readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) files.push('.tmp-vitest.json');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const [i, file] of files.entries()) {
  if (i > 0 && !existsSync(file)) continue;
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`test-summary: cannot read ${file}: ${e.message}`);
    process.exit(1);
  }
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(passed + failed === 0 ? 1 : 0);
