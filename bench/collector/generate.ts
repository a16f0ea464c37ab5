/**
 * Bulk data for the query benchmark: raw rows spread over the last 7 days plus every rollup,
 * holding exactly what ingest through the materialized views would have produced.
 *
 * Inserting through `requests` makes each materialized view aggregate every insert block
 * separately (five views × ~1M-row blocks) and leaves the rollups as thousands of parts to merge:
 * 10M rows took ~5 min that way. Instead the rows go into a staging table with the raw table's
 * structure and no views, each rollup is filled by one `INSERT … SELECT … GROUP BY` per time
 * slice over the staging rows (`rollupSelect`, the views' own SELECT), and the staging parts are
 * moved into `requests` with `ATTACH PARTITION … FROM` (18.16 has it; it does not fire views).
 */
// The collector package exports only its entry point; the rollup definitions are read from source.
import { ROLLUPS, rollupSelect } from '@gatehouse/collector';

export type Sql = (query: string) => Promise<string>;

export interface GenerateTimings {
  rawSeconds: number;
  rollupSeconds: number;
  attachSeconds: number;
}

const DAY_MS = 86_400_000;
export const SPAN_MS = 7 * DAY_MS;
const PHI = 0.6180339887498949;

/**
 * Appends rows number `from` … `to - 1` of a fixed sequence spread over the 7 days ending at
 * `endMs`: row k sits at the fraction frac(k·φ) of the week (a low-discrepancy sequence), so
 * every prefix of the sequence, 10M rows or 100M, covers the week evenly. 997 customers,
 * 20 routes, ~14 % errors.
 */
export async function generate(
  sql: Sql,
  database: string,
  from: number,
  to: number,
  endMs: number,
  log: (line: string) => void = () => {},
): Promise<GenerateTimings> {
  const start = endMs - SPAN_MS;
  const staging = `${database}.requests_gen`;
  await sql(`DROP TABLE IF EXISTS ${staging}`);
  await sql(`CREATE TABLE ${staging} AS ${database}.requests`);

  let t0 = performance.now();
  const chunk = 20_000_000;
  for (let off = from; off < to; off += chunk) {
    const n = Math.min(chunk, to - off);
    await sql(
      `INSERT INTO ${staging}
       SELECT toDateTime(intDiv(t, 1000), 'UTC'), t, concat('gen_', toString(k)), '', 'gw:1',
         concat('cus_', toString(k % 997)), 'k', 'api_key', if(k % 5 = 0, 'POST', 'GET'),
         concat('/v1/r', toString(k % 20)), '/v1/x',
         toUInt16(multiIf(k % 50 = 0, 500, k % 20 = 0, 429, k % 10 = 0, 404, 200)),
         multiIf(k % 50 = 0, 'upstream_error', k % 20 = 0, 'rate_limited', k % 10 = 0, 'not_found', ''),
         (k % 97) * 1.3 + 2, (k % 97) * 1.2, toUInt64(100), toUInt64(1000), '127.0.0.1', 'bench',
         toUInt8(k % 20 = 0), toUInt8(0), toUInt8(0)
       FROM (SELECT k, toUInt64(${start} + floor((k * ${PHI} - floor(k * ${PHI})) * ${SPAN_MS})) AS t
             FROM (SELECT number + ${off} AS k FROM numbers(${n})))`,
    );
    log(`  generated ${(off + n).toLocaleString()} raw rows`);
  }
  const rawSeconds = (performance.now() - t0) / 1000;

  // Slices small enough that one GROUP BY stays well inside max_memory_usage (2 GB): the
  // all-dimension minute rollup has about one group per raw row at this cardinality.
  t0 = performance.now();
  const rowsPerHour = ((to - from) * 3_600_000) / SPAN_MS;
  for (const spec of ROLLUPS) {
    const groupsPerHour =
      spec.keys.includes('customer_id') && spec.keys.length > 1 ? rowsPerHour : 1;
    const sliceHours = Math.max(1, Math.min(24, Math.floor(3_000_000 / groupsPerHour)));
    const sliceMs = sliceHours * 3_600_000;
    for (let s = Math.floor(start / DAY_MS) * DAY_MS; s < endMs; s += sliceMs) {
      const where = `${staging} WHERE ts >= toDateTime(${Math.floor(s / 1000)}, 'UTC') AND ts < toDateTime(${Math.floor((s + sliceMs) / 1000)}, 'UTC')`;
      await sql(`INSERT INTO ${database}.${spec.table} ${rollupSelect(spec.table, where)}`);
    }
    log(`  filled ${spec.table} (${sliceHours} h slices)`);
  }
  const rollupSeconds = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const parts = (
    await sql(
      `SELECT DISTINCT partition_id FROM system.parts WHERE database = '${database}' AND table = 'requests_gen' AND active`,
    )
  )
    .split('\n')
    .filter(Boolean);
  for (const p of parts)
    await sql(`ALTER TABLE ${database}.requests ATTACH PARTITION ID '${p}' FROM ${staging}`);
  await sql(`DROP TABLE ${staging}`);
  const attachSeconds = (performance.now() - t0) / 1000;
  return { rawSeconds, rollupSeconds, attachSeconds };
}

/** Waits until no merge has run for a few seconds, so queries see the settled part layout. */
export async function settle(sql: Sql, database: string, maxSeconds = 600): Promise<void> {
  const deadline = Date.now() + maxSeconds * 1000;
  let quiet = 0;
  while (Date.now() < deadline && quiet < 3) {
    const merging = Number(
      await sql(`SELECT count() FROM system.merges WHERE database = '${database}'`),
    );
    quiet = merging === 0 ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
