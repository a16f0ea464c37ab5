/**
 * The query benchmark: what the dashboard's pages request (overview page, customers page, one
 * customer, one endpoint, request log) at 1 h, 24 h and 7 d, timed through the HTTP query API.
 */

export interface QueryTiming {
  name: string;
  p50: number;
  p95: number;
  runs: number;
}

const RANGES = ['1h', '24h', '7d'] as const;

/** [name, path] of every query timed; `customer` and `route` pick the filtered pages' subject. */
export function dashboardQueries(
  customer: string,
  route: string,
  method: string,
): [string, string][] {
  const c = `customer_id=${encodeURIComponent(customer)}`;
  const r = `route=${encodeURIComponent(route)}&method=${method}`;
  const out: [string, string][] = [];
  for (const range of RANGES) {
    out.push(
      // Overview page (unfiltered).
      [`overview ${range}`, `/api/v1/overview?range=${range}`],
      [`timeseries ${range}`, `/api/v1/timeseries?range=${range}`],
      [`endpoints ${range} (top 50)`, `/api/v1/endpoints?range=${range}&limit=50`],
      [`customers ${range} (top 50)`, `/api/v1/customers?range=${range}&limit=50`],
      [`top errors ${range}`, `/api/v1/errors?range=${range}`],
      [`status codes ${range}`, `/api/v1/status-codes?range=${range}`],
      // Customers page.
      [`customers ${range} (500, page)`, `/api/v1/customers?range=${range}&limit=500`],
      // One customer's page.
      [`customer: overview ${range}`, `/api/v1/overview?range=${range}&${c}`],
      [`customer: timeseries ${range}`, `/api/v1/timeseries?range=${range}&${c}`],
      [`customer: endpoints ${range}`, `/api/v1/endpoints?range=${range}&${c}&limit=100`],
      [`customer: requests ${range}`, `/api/v1/requests?range=${range}&${c}&limit=20`],
      // One endpoint's page.
      [`endpoint: overview ${range}`, `/api/v1/overview?range=${range}&${r}`],
      [`endpoint: timeseries ${range}`, `/api/v1/timeseries?range=${range}&${r}`],
      [`endpoint: status codes ${range}`, `/api/v1/status-codes?range=${range}&${r}`],
      [`endpoint: customers ${range}`, `/api/v1/customers?range=${range}&${r}&limit=50`],
    );
  }
  // Request log (default 24 h, newest first), and a lookup by status.
  out.push(
    ['request log 24h', '/api/v1/requests?range=24h&limit=50'],
    ['request log 24h, status 500', '/api/v1/requests?range=24h&status=500&limit=50'],
  );
  return out;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Times each query `runs` times after two warm-up runs, one request at a time; a query still
 * running after `budgetMs` stops there (at least 5 runs), so a slow one is measured, not waited on.
 */
export async function benchQueries(
  collectorUrl: string,
  token: string,
  queries: [string, string][],
  runs: number,
  onResult: (t: QueryTiming) => void = () => {},
  budgetMs = 30_000,
): Promise<QueryTiming[]> {
  const out: QueryTiming[] = [];
  for (const [name, q] of queries) {
    const times: number[] = [];
    const started = performance.now();
    for (let i = 0; i < runs + 2; i++) {
      if (times.length >= 5 && performance.now() - started > budgetMs) break;
      const t0 = performance.now();
      const res = await fetch(`${collectorUrl}${q}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${q} answered ${res.status}`);
      if (i >= 2) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const t = {
      name,
      p50: Math.round(pct(times, 50)),
      p95: Math.round(pct(times, 95)),
      runs: times.length,
    };
    out.push(t);
    onResult(t);
  }
  return out;
}
