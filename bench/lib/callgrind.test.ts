import { describe, expect, it } from 'vitest';
import { parseCallgrindTotal } from './callgrind.js';

const dump = (events: string, totals: string) =>
  [
    '# callgrind format',
    'version: 1',
    'creator: callgrind-3.19.0',
    'pid: 6163',
    'cmd:  node -e …',
    'part: 1',
    '',
    `events: ${events}`,
    '',
    'fl=(1) ???',
    'fn=(1) main',
    '0 12',
    '',
    `totals: ${totals}`,
  ].join('\n');

describe('parseCallgrindTotal', () => {
  it('reads the instruction total of a dump', () => {
    expect(parseCallgrindTotal(dump('Ir', '252798664'))).toBe(252_798_664);
  });

  it('reads the summary line when a dump has no totals line', () => {
    const text = dump('Ir', '5').replace('totals: 5', 'summary: 812185108');
    expect(parseCallgrindTotal(text)).toBe(812_185_108);
  });

  it('takes the first event when several were collected', () => {
    expect(parseCallgrindTotal(dump('Ir Dr Dw', '900 300 200'))).toBe(900);
  });

  it('refuses a dump whose first event is not instructions', () => {
    expect(() => parseCallgrindTotal(dump('Dr', '300'))).toThrow(/without an Ir event/);
  });

  it('refuses a truncated dump', () => {
    expect(() => parseCallgrindTotal('events: Ir\nfn=(1) main\n')).toThrow(/without totals/);
  });
});
