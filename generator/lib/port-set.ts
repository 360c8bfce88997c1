// Sets of ports (1-65535) as sorted, merged, inclusive ranges: exact reachability needs no sampling.

export type PortRange = readonly [number, number];
export type PortSet = readonly PortRange[];

export const MIN_PORT = 1;
export const MAX_PORT = 65535;
export const NO_PORTS: PortSet = [];
export const ALL_PORTS: PortSet = [[MIN_PORT, MAX_PORT]];

/** The set of the given ranges, clipped to 1-65535, sorted and merged. */
export function portSet(ranges: Iterable<PortRange>): PortSet {
  const sorted = [...ranges]
    .map(([lo, hi]): PortRange => [Math.max(lo, MIN_PORT), Math.min(hi, MAX_PORT)])
    .filter(([lo, hi]) => lo <= hi)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** The ports of one protocol among port entries (`{port, endPort?, protocol}`, as the spec writes them). */
export function portsOfProtocol(ports: readonly { port: number; endPort?: number; protocol: string }[], protocol: string): PortSet {
  return portSet(ports.filter((p) => p.protocol === protocol).map((p): PortRange => [p.port, p.endPort ?? p.port]));
}

export function union(...sets: PortSet[]): PortSet {
  return portSet(sets.flat());
}

export function intersect(a: PortSet, b: PortSet): PortSet {
  const out: PortRange[] = [];
  for (const [alo, ahi] of a) {
    for (const [blo, bhi] of b) {
      const lo = Math.max(alo, blo);
      const hi = Math.min(ahi, bhi);
      if (lo <= hi) out.push([lo, hi]);
    }
  }
  return portSet(out);
}

/** The ports of a that are not in b. */
export function subtract(a: PortSet, b: PortSet): PortSet {
  let rest: PortRange[] = [...a];
  for (const [blo, bhi] of b) {
    rest = rest.flatMap(([lo, hi]): PortRange[] => {
      if (bhi < lo || blo > hi) return [[lo, hi]];
      const pieces: PortRange[] = [];
      if (lo < blo) pieces.push([lo, blo - 1]);
      if (hi > bhi) pieces.push([bhi + 1, hi]);
      return pieces;
    });
  }
  return portSet(rest);
}

export function contains(set: PortSet, port: number): boolean {
  return set.some(([lo, hi]) => port >= lo && port <= hi);
}

export function isEmpty(set: PortSet): boolean {
  return set.length === 0;
}

export function equal(a: PortSet, b: PortSet): boolean {
  return a.length === b.length && a.every(([lo, hi], i) => lo === b[i]![0] && hi === b[i]![1]);
}

/** A spec port (or NetworkPolicy-like port) as every output prints it: `8500` or `10000-30000`. */
export function portRange(p: { port: number; endPort?: number }): string {
  return p.endPort !== undefined && p.endPort !== p.port ? `${p.port}-${p.endPort}` : String(p.port);
}

/** `TCP 8500`, `TCP 10000-30000`. */
export function describePort(p: { protocol: string; port: number; endPort?: number }): string {
  return `${p.protocol} ${portRange(p)}`;
}

/** `9500, 10000-20000`; `all` for 1-65535; `none` for the empty set. */
export function formatPorts(set: PortSet): string {
  if (set.length === 0) return "none";
  if (equal(set, ALL_PORTS)) return "all";
  return set.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(", ");
}
