import { describe, expect, it } from 'vitest';
import {
  callerCosts,
  diffCosts,
  dumpTotals,
  nameAt,
  type PerfMap,
  parsePerfMap,
  perRequest,
  renderTable,
  selfCosts,
  shortenCodePath,
  sumCosts,
} from './callgrind-functions.js';

const dump = (body: string[], header = ['positions: line', 'events: Ir']) =>
  ['# callgrind format', 'version: 1', 'part: 1', ...header, '', ...body].join('\n');

const costsOf = (text: string, map?: PerfMap) => Object.fromEntries(selfCosts(text, map));

describe('selfCosts', () => {
  it('resolves compressed names, including ids first defined by a callee line', () => {
    const text = dump([
      'ob=(1) /usr/bin/node',
      'fl=(1) ???',
      'fn=(1) main',
      '0 10',
      'cob=(2) /usr/lib/libc.so.6',
      'cfi=(2) memcpy.S',
      'cfn=(2) memcpy',
      'calls=1 0',
      '0 7',
      'ob=(2)',
      'fl=(2)',
      'fn=(2)',
      '0 7',
      'ob=(1)',
      'fl=(1)',
      'fn=(1)',
      '0 5',
    ]);
    expect(costsOf(text)).toEqual({ main: 15, memcpy: 7 });
  });

  it('leaves out the inclusive cost that follows a calls= line', () => {
    const text = dump(['fn=(1) caller', '0 3', 'cfn=(2) callee', 'calls=2 0', '0 1000', '0 4']);
    expect(costsOf(text)).toEqual({ caller: 7 });
  });

  it('sums the blocks of one function', () => {
    const text = dump([
      'fn=(1) f',
      '0 1',
      'fn=(2) g',
      '0 20',
      'fn=(1)',
      '0 300',
      'fn=(1)',
      '0 4000',
    ]);
    expect(costsOf(text)).toEqual({ f: 4301, g: 20 });
  });

  it("counts a recursion's levels (f'2, f'3) as the function", () => {
    const text = dump([
      "fn=(1) f'2",
      '0 5',
      'fn=(2) f',
      '0 6',
      "fn=(3) 0x00000000000010a0'3",
      '0 7',
    ]);
    expect(costsOf(text)).toEqual({ f: 11, '0x00000000000010a0': 7 });
  });

  it('reads relative and repeated positions, taking the first event of each line', () => {
    const text = dump(
      [
        'fn=(1) f',
        '0x10 12 1 2',
        '+3 10',
        '* 5 9',
        '-2 +1 7',
        '+1',
        'fi=(2) inlined.h',
        '+4 -1 100',
      ],
      ['positions: instr line', 'events: Ir Dr Dw'],
    );
    // Two positions a line: `+3 10` and `+1` are positions without costs, zero.
    expect(costsOf(text)).toEqual({ f: 1 + 9 + 7 + 100 });
  });

  it('reads single positions in relative forms', () => {
    const text = dump(['fn=(1) f', '16 2', '+3 10', '* 5', '-4 1']);
    expect(costsOf(text)).toEqual({ f: 18 });
  });

  it('refuses a dump whose first event is not instructions', () => {
    expect(() => selfCosts(dump(['fn=(1) f', '0 1'], ['events: Dr Ir']))).toThrow(/not Ir/);
  });

  it('names code without a symbol from the perf map, path shortened', () => {
    const map = parsePerfMap(
      [
        '1000 100 JS:*old file:///work/main/gateway/dist/a.js:1:1',
        '2000 10 Builtin:StringAdd_CheckNone',
        // The GC freed `old`; its address now holds `fresh`, written later.
        '1000 40 JS:*fresh file:///tmp/gw-base/gateway/dist/b.js:2:3',
      ].join('\n'),
    );
    const text = dump([
      'fn=(1) 0x0000000000001010',
      '0 5',
      "fn=(2) 0x0000000000001050'2",
      '0 6',
      'fn=(3) 0x0000000000002004',
      '0 7',
      'fn=(4) 0x0000000000003000',
      '0 8',
    ]);
    expect(costsOf(text, map)).toEqual({
      'JS JS:*fresh gateway/dist/b.js:2:3': 5,
      'JS JS:*old gateway/dist/a.js:1:1': 6,
      'JS Builtin:StringAdd_CheckNone': 7,
      '0x0000000000003000': 8,
    });
  });

  it('leaves names alone without a map', () => {
    const text = dump(['fn=(1) 0x0000000000001010', '0 5']);
    expect(costsOf(text)).toEqual({ '0x0000000000001010': 5 });
  });
});

describe('nameAt', () => {
  it('takes the entry written last among those covering the address', () => {
    const map = parsePerfMap(['1040 10 inner', '1000 100 outer', '1100 10 next'].join('\n'));
    expect(nameAt(map, 0x1044)).toBe('outer');
    expect(nameAt(map, 0x1000n)).toBe('outer');
    expect(nameAt(map, 0x1104)).toBe('next');
  });

  it('finds a long entry that starts many entries back', () => {
    const small = Array.from(
      { length: 1000 },
      (_, i) => `${(0x2000 + 2 * i).toString(16)} 1 small${i}`,
    );
    const map = parsePerfMap(['1000 10000 long', ...small].join('\n'));
    expect(nameAt(map, 0x2000 + 2 * 999 + 1)).toBe('long');
    expect(nameAt(map, 0x2000 + 2 * 999)).toBe('small999');
  });

  it('answers undefined outside every entry, ends excluded', () => {
    const map = parsePerfMap('1000 10 a\nnot a line\n\n2000 10 b');
    expect(nameAt(map, 0xfff)).toBeUndefined();
    expect(nameAt(map, 0x1010)).toBeUndefined();
    expect(nameAt(map, 0x3000)).toBeUndefined();
    expect(nameAt(map, 0x200f)).toBe('b');
  });

  it('keeps names with spaces whole', () => {
    const map = parsePerfMap('7f3a1c0a2040 1c0 JS:*handleRequest file:///w/x.js:54:34');
    expect(nameAt(map, 0x7f3a1c0a2100)).toBe('JS:*handleRequest file:///w/x.js:54:34');
  });
});

describe('shortenCodePath', () => {
  it('cuts any checkout back to the code roots', () => {
    expect(shortenCodePath('JS:*f file:///a/b/gateway/dist/x.js:1:2')).toBe(
      'JS:*f gateway/dist/x.js:1:2',
    );
    expect(shortenCodePath('JS:~g /srv/app/node_modules/zod/v4/core/core.js:3:4')).toBe(
      'JS:~g node_modules/zod/v4/core/core.js:3:4',
    );
    expect(shortenCodePath('JS:*h node:net:927:42')).toBe('JS:*h node:net:927:42');
  });

  it('cuts at the first root, keeping nested ones', () => {
    expect(shortenCodePath('JS:*k /srv/node_modules/a/node_modules/b/c.js:1:1')).toBe(
      'JS:*k node_modules/a/node_modules/b/c.js:1:1',
    );
  });

  it('takes off the given prefixes', () => {
    expect(
      shortenCodePath('JS:~main file:///tmp/run-1/harness/gateway.js:1:1', ['/tmp/run-1/']),
    ).toBe('JS:~main harness/gateway.js:1:1');
  });
});

describe('sums, per request and differences', () => {
  const a = new Map([
    ['up', 900],
    ['same', 100],
    ['down', 10],
    ['new', 50],
  ]);
  const b = new Map([
    ['up', 100],
    ['same', 100],
    ['down', 310],
    ['gone', 40],
  ]);

  it('adds dumps and divides by the requests', () => {
    expect(Object.fromEntries(perRequest(sumCosts([a, b]), 10))).toEqual({
      up: 100,
      same: 20,
      down: 32,
      new: 5,
      gone: 4,
    });
  });

  it('orders the differences from the largest increase to the largest decrease', () => {
    expect(diffCosts(a, b)).toEqual([
      { name: 'up', difference: 800, a: 900, b: 100 },
      { name: 'new', difference: 50, a: 50, b: 0 },
      { name: 'same', difference: 0, a: 100, b: 100 },
      { name: 'gone', difference: -40, a: 0, b: 40 },
      { name: 'down', difference: -300, a: 10, b: 310 },
    ]);
  });

  it('renders fixed-width lines, rounded, up to the limit', () => {
    const rows = diffCosts(a, b).map((d) => ({
      name: d.name,
      figures: [d.difference / 3, d.a / 3, d.b / 3],
    }));
    expect(renderTable(rows, 2)).toEqual([
      '    267     300      33  up',
      '     17      17       0  new',
    ]);
    expect(renderTable([{ name: 'x', figures: [-0.2] }], 5)).toEqual(['      0  x']);
    expect(renderTable([{ name: 'y'.repeat(200), figures: [1] }], 1)[0]).toHaveLength(7 + 2 + 150);
  });

  it('reads the totals line', () => {
    expect(dumpTotals(dump(['fn=(1) f', '0 5', '', 'totals: 5']))).toBe(5);
    expect(dumpTotals(dump([]))).toBeUndefined();
  });
});

describe('callerCosts', () => {
  it('sums, by caller, the inclusive cost of calls to functions whose name matches', () => {
    const text = dump([
      'fn=(1) processHeader',
      '0 5',
      'cfn=(2) JS RegExp:^[a-z]+$',
      'calls=3 0',
      '0 300',
      'cfn=(3) toLowerCase',
      'calls=1 0',
      '0 40',
      'fn=(4) writeHead',
      '0 2',
      'cfn=(2)',
      'calls=1 0',
      '0 70',
      'fn=(1)',
      'cfn=(2)',
      'calls=1 0',
      '0 100',
      'fn=(2)',
      '0 470',
    ]);
    expect(Object.fromEntries(callerCosts(text, 'RegExp'))).toEqual({
      processHeader: 400,
      writeHead: 70,
    });
  });

  it('leaves out calls between matching functions, so a recursion is not counted twice', () => {
    const text = dump([
      'fn=(1) main',
      'cfn=(2) parse',
      'calls=1 0',
      '0 90',
      'fn=(2)',
      '0 30',
      "cfn=(3) parse'2",
      'calls=1 0',
      '0 60',
      'fn=(3)',
      '0 60',
    ]);
    expect(Object.fromEntries(callerCosts(text, 'parse'))).toEqual({ main: 90 });
  });

  it('names JIT code from the perf map, callers and callees alike', () => {
    const map = parsePerfMap(
      '1000 100 JS:*authPolicy /app/gateway/dist/policies/auth/index.js:1:1\n',
    );
    const text = dump(['fn=(1) 0x1010', 'cfn=(2) Builtins_StringEqual', 'calls=1 0', '0 25']);
    expect(Object.fromEntries(callerCosts(text, 'StringEqual', map))).toEqual({
      'JS JS:*authPolicy gateway/dist/policies/auth/index.js:1:1': 25,
    });
  });
});
