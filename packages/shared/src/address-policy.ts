import { isIPv4, isIPv6 } from 'node:net';

/**
 * Is this IP address one a webhook must never reach? Everything that is not public
 * unicast: loopback, private (RFC 1918), carrier-grade NAT, link-local (incl. the cloud
 * metadata address 169.254.169.254), unique-local, unspecified, multicast, broadcast,
 * documentation and benchmarking ranges, and IPv6 forms that embed such an IPv4 address
 * (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16).
 * Unparseable input counts as forbidden.
 */
export function isForbiddenAddress(ip: string): boolean {
  const addr = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (isIPv4(addr)) return isForbiddenV4(parseV4(addr));
  if (isIPv6(addr)) return isForbiddenV6(parseV6(addr.replace(/%.*$/, '')));
  return true;
}

type V4 = [number, number, number, number];

// [network, prefix length]
const FORBIDDEN_V4: Array<[V4, number]> = [
  [[0, 0, 0, 0], 8], // "this network", incl. unspecified 0.0.0.0
  [[10, 0, 0, 0], 8], // private
  [[100, 64, 0, 0], 10], // carrier-grade NAT
  [[127, 0, 0, 0], 8], // loopback
  [[169, 254, 0, 0], 16], // link-local, cloud metadata
  [[172, 16, 0, 0], 12], // private
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2, 0], 24], // documentation
  [[192, 88, 99, 0], 24], // 6to4 relay anycast
  [[192, 168, 0, 0], 16], // private
  [[198, 18, 0, 0], 15], // benchmarking
  [[198, 51, 100, 0], 24], // documentation
  [[203, 0, 113, 0], 24], // documentation
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved, incl. broadcast 255.255.255.255
];

function parseV4(s: string): V4 {
  return s.split('.').map(Number) as V4;
}

function v4ToInt(a: V4): number {
  return ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;
}

function isForbiddenV4(a: V4): boolean {
  const n = v4ToInt(a);
  return FORBIDDEN_V4.some(([net, bits]) => {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return (n & mask) >>> 0 === (v4ToInt(net) & mask) >>> 0;
  });
}

/** Eight 16-bit groups; accepts `::` and a trailing dotted IPv4 part (already validated). */
function parseV6(s: string): number[] {
  let text = s;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseV4(dotted[1]!);
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    text = text.slice(0, -dotted[1]!.length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  let words: number[];
  const gap = text.indexOf('::');
  if (gap >= 0) {
    const head = groups(text.slice(0, gap));
    const rest = groups(text.slice(gap + 2));
    const zeros = 8 - head.length - rest.length - tail.length;
    words = [...head, ...new Array<number>(Math.max(0, zeros)).fill(0), ...rest, ...tail];
  } else {
    words = [...groups(text), ...tail];
  }
  return words;
}

function isForbiddenV6(w: number[]): boolean {
  if (w.length !== 8 || w.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffff)) return true;
  const embedded = (hi: number, lo: number): V4 => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
  const zeroUpTo = (n: number) => w.slice(0, n).every((x) => x === 0);
  // ::ffff:a.b.c.d (IPv4-mapped): the IPv4 rules decide.
  if (zeroUpTo(5) && w[5] === 0xffff) return isForbiddenV4(embedded(w[6]!, w[7]!));
  // ::a.b.c.d (IPv4-compatible, deprecated), incl. :: and ::1.
  if (zeroUpTo(6)) return true;
  // 64:ff9b::/96 NAT64: reaches the embedded IPv4 address.
  if (w[0] === 0x64 && w[1] === 0xff9b && w.slice(2, 6).every((x) => x === 0)) {
    return isForbiddenV4(embedded(w[6]!, w[7]!));
  }
  // 2002::/16 6to4: the IPv4 address sits in the next 32 bits.
  if (w[0] === 0x2002) return isForbiddenV4(embedded(w[1]!, w[2]!));
  // Only global unicast 2000::/3 is public; this also refuses fc00::/7 (unique local),
  // fe80::/10 (link-local), fec0::/10 (site-local), ff00::/8 (multicast), 100::/64 (discard)
  // and 64:ff9b:1::/48 (local NAT64).
  if ((w[0]! & 0xe000) !== 0x2000) return true;
  // Inside 2000::/3: 2001::/23 (IETF assignments, Teredo, ORCHID), 2001:db8::/32 and
  // 3fff::/20 (documentation).
  if (w[0] === 0x2001 && w[1]! < 0x200) return true;
  if (w[0] === 0x2001 && w[1] === 0xdb8) return true;
  if (w[0] === 0x3fff && w[1]! < 0x1000) return true;
  return false;
}
