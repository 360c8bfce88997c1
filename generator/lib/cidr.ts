// CIDR parsing and arithmetic for IPv4 and IPv6 (containment itself uses node:net BlockList).
import { isIP } from "node:net";

export interface CIDR {
  family: 4 | 6;
  /** Prefix length. */
  bits: number;
  /** The address as an integer, host bits kept. */
  address: bigint;
}

const WIDTH = { 4: 32, 6: 128 } as const;

/** The parsed CIDR, or why it is not one. */
export function parseCIDR(value: unknown): CIDR | string {
  const text = String(value);
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const family = match ? isIP(match[1]!) : 0;
  if (!match || (family !== 4 && family !== 6)) return `"${text}" is not a CIDR (address/prefix)`;
  const bits = Number(match[2]);
  if (bits > WIDTH[family]) return `"${text}" has a prefix longer than ${WIDTH[family]}`;
  return { family, bits, address: addressToBigInt(match[1]!, family) };
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

function addressToBigInt(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
  const [head = "", tail] = address.split("::");
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const expand = (part: string[]) =>
    part.flatMap((g) => {
      if (!g.includes(".")) return [g];
      const v4 = Number(addressToBigInt(g, 4));
      return [(v4 >>> 16).toString(16), (v4 & 0xffff).toString(16)];
    });
  const left = expand(groups(head));
  const right = tail === undefined ? [] : expand(groups(tail));
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
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
