// Docker HEALTHCHECK probe: exit 0 when the URL answers 2xx within 3 s, 1 otherwise.
// The slim Node images carry neither curl nor wget, and Node's fetch needs no dependency.
const url = process.argv[2];
if (!url) {
  console.error('usage: node healthcheck.mjs <url>');
  process.exit(2);
}
const res = await fetch(url, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
process.exit(res?.ok ? 0 : 1);
