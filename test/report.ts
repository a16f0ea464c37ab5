/**
 * Renders `test-results/REPORT.md` from the rows the whole-stack suites recorded
 * (`npx tsx test/report.ts` after `npx vitest run --project stack`).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPORT_DIR, renderReport } from './support/report.js';

const file = path.join(REPORT_DIR, 'REPORT.md');
writeFileSync(file, renderReport());
process.stdout.write(`wrote ${file}\n`);
