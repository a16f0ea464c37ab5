/**
 * The reliability and security report: each whole-stack test file records, per OWASP class or
 * per fault, how many cases it tried and how many passed; `test/report.ts` renders the table.
 * Rows are appended as JSON lines so files running one after another never overwrite each other.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type ReportSection = 'security' | 'faults';

export interface ReportRow {
  section: ReportSection;
  name: string;
  cases: number;
  passed: number;
  at: string;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPORT_DIR = path.join(ROOT, 'test-results');
export const REPORT_FILE = path.join(REPORT_DIR, 'report.json');

export function recordResult(
  section: ReportSection,
  name: string,
  cases: number,
  passed: number,
): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  const row: ReportRow = { section, name, cases, passed, at: new Date().toISOString() };
  appendFileSync(REPORT_FILE, `${JSON.stringify(row)}\n`);
}

export function readRows(file = REPORT_FILE): ReportRow[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ReportRow);
}

/** Markdown: one table per section; the newest row per name wins (a re-run replaces it). */
export function renderReport(rows: ReportRow[] = readRows()): string {
  const latest = new Map<string, ReportRow>();
  for (const r of rows) latest.set(`${r.section}\u0000${r.name}`, r);
  const out = ['# Gatehouse reliability and security report', ''];
  const titles: Record<ReportSection, string> = {
    security: 'Security (OWASP API Top 10 2023, contract fuzzing, secrets)',
    faults: 'Faults under load',
  };
  for (const section of ['security', 'faults'] as const) {
    const list = [...latest.values()].filter((r) => r.section === section);
    out.push(`## ${titles[section]}`, '');
    if (list.length === 0) {
      out.push('_not run_', '');
      continue;
    }
    out.push('| case | tried | passed | result |', '|---|---:|---:|---|');
    for (const r of list) {
      out.push(
        `| ${r.name} | ${r.cases} | ${r.passed} | ${r.passed === r.cases ? 'ok' : 'FAILED'} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}
