/**
 * Vitest global setup for the whole-stack project: starts each run with an empty report and
 * ends it by writing `test-results/REPORT.md` and printing the table, so the suite's last
 * output says, per fault and per OWASP class, how many cases were tried and passed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPORT_DIR, REPORT_FILE, readRows, renderReport } from './report.js';

export default function setup(): () => void {
  rmSync(REPORT_FILE, { force: true });
  return () => {
    if (readRows().length === 0) return; // a filtered run that touched no reporting file
    const table = renderReport();
    mkdirSync(REPORT_DIR, { recursive: true });
    writeFileSync(path.join(REPORT_DIR, 'REPORT.md'), table);
    process.stdout.write(`\n${table}\n`);
  };
}
