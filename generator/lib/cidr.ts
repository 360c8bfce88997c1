// CIDRs for IPv4 and IPv6, read as the API server reads them. ipaddr.js validates and parses the
// addresses; the prefix comparison and the address arithmetic the model cluster needs (nthAddress,
// addressAfter), which ipaddr.js does not do, are on bigints. The evaluator's containment test
// (verify/evaluator.ts cidrContains) is node:net's BlockList: a second implementation, so that the
// model cluster placing addresses with this one and the evaluator disagree visibly if either errs.
import ipaddr from "ipaddr.js";

export interface CIDR {
  family: 4 | 6;
  /** Prefix length. */
  bits: number;
  /** The address as an integer, host bits kept. */
  address: bigint;
}

const WIDTH = { 4: 32, 6: 128 } as const;

/**
 * The address, or undefined where the API server (Go's net.ParseCIDR) refuses it. ipaddr.js's own
 * parse is looser, so: IPv4 only as four decimal octets without leading zeros (it takes `010.0.0.1`
 * as octal, `10.1`, `0x0a.0.0.1`, `167772161`); IPv6 without a zone (`fe80::1%eth0`) and with any
 * embedded IPv4 written the same way; and the deprecated `::a.b.c.d` as `::` plus those 32 bits
 * (ipaddr.js reads it as `::ffff:a.b.c.d`).
 */
export function parseIP(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!text.includes(":")) return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : undefined;
  if (text.includes("%") || !ipaddr.IPv6.isValid(text)) return undefined;
  const head = text.slice(0, text.lastIndexOf(":") + 1);
  const tail = text.slice(head.length);
  if (!tail.includes(".")) return ipaddr.IPv6.parse(text);
  if (!ipaddr.IPv4.isValidFourPartDecimal(tail)) return undefined;
  const [a = 0, b = 0, c = 0, d = 0] = ipaddr.IPv4.parse(tail).octets;
  return ipaddr.IPv6.parse(`${head}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`);
}

/** The parsed CIDR, or why it is not one. */
export function parseCIDR(value: unknown): CIDR | string {
  const text = String(value);
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const ip = match ? parseIP(match[1]!) : undefined;
  if (!match || !ip) return `"${text}" is not a CIDR (address/prefix)`;
  const family = ip.kind() === "ipv4" ? 4 : 6;
  const bits = Number(match[2]);
  if (bits > WIDTH[family]) return `"${text}" has a prefix longer than ${WIDTH[family]}`;
  return { family, bits, address: ip.toByteArray().reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n) };
}

/** Whether inner is a strict subset of outer (what ipBlock.except requires). */
export function strictlyWithin(inner: CIDR, outer: CIDR): boolean {
  if (inner.family !== outer.family || inner.bits <= outer.bits) return false;
  const shift = BigInt(WIDTH[outer.family] - outer.bits);
  return inner.address >> shift === outer.address >> shift;
}

/** The n-th address of the block (0 = the network address), wrapping inside the block. */
export function nthAddress(cidr: CIDR, n: number): string {
  const hostBits = BigInt(WIDTH[cidr.family] - cidr.bits);
  const size = 1n << hostBits;
  const network = (cidr.address >> hostBits) << hostBits;
  return bigIntToAddress(network + (BigInt(n) % size), cidr.family);
}

function bigIntToAddress(value: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  return groups.join(":");
}

/** The first address after the block (wrapping at the end of the address space). */
export function addressAfter(cidr: CIDR): string {
  const width = BigInt(WIDTH[cidr.family]);
  const hostBits = width - BigInt(cidr.bits);
  const next = (((cidr.address >> hostBits) + 1n) << hostBits) % (1n << width);
  return bigIntToAddress(next, cidr.family);
}

/** Whether bits after the prefix are set (`10.42.0.1/16`): a firewall would take the network, not what was written. */
export function hasHostBits(cidr: CIDR): boolean {
  const hostBits = BigInt(WIDTH[cidr.family] - cidr.bits);
  return cidr.address !== (cidr.address >> hostBits) << hostBits;
}

/** The block's network and prefix in canonical form (`10.42.0.0/16`, `fd00::/64`: ipaddr.js prints RFC 5952). */
export function networkText(cidr: CIDR): string {
  const hostBits = BigInt(WIDTH[cidr.family] - cidr.bits);
  const network = (cidr.address >> hostBits) << hostBits;
  const bytes: number[] = [];
  for (let i = WIDTH[cidr.family] / 8 - 1; i >= 0; i--) bytes.push(Number((network >> BigInt(i * 8)) & 255n));
  return `${ipaddr.fromByteArray(bytes).toString()}/${cidr.bits}`;
}
