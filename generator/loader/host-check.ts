// The checks of a host profile that its schema cannot say: per file (the name, ports, CIDRs, the
// shape of each rule) and on the resolved profile (what rules, peers and seed rows refer to).
import { basename } from "node:path";
import { hasHostBits, networkText, parseCIDR } from "../lib/cidr.ts";
import type { Diagnostic, DocPath } from "../lib/diagnostics.ts";
import { parsePeer, type HostOrigin, type HostPort, type HostSpec, type ResolvedHostProfile, type SeedRow } from "./host-model.ts";
import type { SourceDocument } from "./source.ts";

export interface HostDocument {
  source: SourceDocument;
  spec: HostSpec;
}

type Report = (path: DocPath, message: string, key?: boolean) => void;

export function checkHostDocument({ source, spec }: HostDocument): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report: Report = (path, message, key = false) => out.push({ file: source.file, line: source.lineOf(path, { key }), path, message });

  const expected = `${spec.profile}.yaml`;
  if (basename(source.file) !== expected) report(["profile"], `"${spec.profile}" does not match the file name: the ${spec.profile} profile lives in ${expected}`);

  for (const name of ["pods", "services"] as const) {
    spec.networks?.[name]?.cidrs.forEach((cidr, i) => checkCidr(cidr, ["networks", name, "cidrs", i], report));
  }
  for (const [id, set] of Object.entries(spec.sets ?? {})) set.cidrs?.forEach((cidr, i) => checkCidr(cidr, ["sets", id, "cidrs", i], report));

  (spec.rules ?? []).forEach((rule, i) => {
    const path = ["rules", i];
    if (rule.ports !== "any") {
      rule.ports.forEach((port, j) => checkPort(port, [...path, "ports", j], report));
      rule.ports.forEach((port, j) => {
        for (let k = 0; k < j; k++) {
          if (overlaps(port, rule.ports[k] as HostPort)) report([...path, "ports", j], `overlaps ports[${k}] (${describePort(rule.ports[k] as HostPort)})`);
        }
      });
    }
    const peer = parsePeer(rule.peer);
    if (rule.direction === "outbound") {
      if (rule.path !== "host") report([...path, "path"], 'an outbound rule leaves from the node itself: its path is "host"');
      if (peer.kind === "own-node") report([...path, "peer"], "an outbound rule to the node's own addresses never leaves it: drop the rule");
    }
    if (peer.kind === "own-node" && rule.path !== "within-node" && rule.path !== "host") {
      report([...path, "path"], 'traffic from the node\'s own addresses stays on the node: its path is "host" or "within-node"');
    }
    if (rule.ports === "any" && rule.path === "service") report([...path, "ports"], "a service is reached on its own ports: list them");
  });
  return out;
}

function checkCidr(text: string, path: DocPath, report: Report): void {
  const problem = cidrProblem(text);
  if (problem) report(path, problem);
}

/** Why the text is not a CIDR a firewall can take as written (undefined when it is one). */
export function cidrProblem(text: string): string | undefined {
  const cidr = parseCIDR(text);
  if (typeof cidr === "string") return cidr;
  if (hasHostBits(cidr)) return `"${text}" has bits set after its /${cidr.bits} prefix: write the network, ${networkText(cidr)}`;
  return undefined;
}

function checkPort(port: HostPort, path: DocPath, report: Report): void {
  if (port.protocol === "ICMP") {
    if (port.port !== undefined) report([...path, "port"], "ICMP has no ports: drop port", true);
    if (port.endPort !== undefined) report([...path, "endPort"], "ICMP has no ports: drop endPort", true);
    return;
  }
  if (port.port === undefined) {
    report(path, `missing "port": ${port.protocol} needs a port`);
    return;
  }
  const inRange = (n: number): boolean => n >= 1 && n <= 65535;
  if (!inRange(port.port)) report([...path, "port"], `${port.port} is outside 1-65535`);
  if (port.endPort !== undefined) {
    if (!inRange(port.endPort)) report([...path, "endPort"], `${port.endPort} is outside 1-65535`);
    else if (port.endPort < port.port) report([...path, "endPort"], `${port.endPort} is below port ${port.port}`);
  }
}

function overlaps(a: HostPort, b: HostPort): boolean {
  if (a.protocol !== b.protocol) return false;
  if (a.protocol === "ICMP") return true;
  return (a.port ?? 0) <= (b.endPort ?? b.port ?? 0) && (b.port ?? 0) <= (a.endPort ?? a.port ?? 0);
}

export function describePort(port: HostPort): string {
  if (port.protocol === "ICMP") return "ICMP";
  return `${port.endPort !== undefined && port.endPort !== port.port ? `${port.port}-${port.endPort}` : port.port}/${port.protocol}`;
}

// ---------------------------------------------------------------- resolved profile

export type LocateHost = (origin: HostOrigin, subPath: DocPath, key?: boolean) => Omit<Diagnostic, "message">;

/**
 * `longhornVersions`: the Longhorn minors there are spec files for, which `longhorn.version` must
 * name one of.
 */
export function checkResolvedHost(profile: ResolvedHostProfile, locate: LocateHost, longhornVersions: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (origin: HostOrigin, subPath: DocPath, message: string, key = false): void => {
    out.push({ ...locate(origin, subPath, key), message });
  };
  const roles = [...profile.roles.keys()];
  if (roles.length === 0) out.push({ file: profile.file, line: 1, path: [], message: "a profile needs at least one role (roles:)" });

  const checkSeedRows = (origin: HostOrigin, rows: readonly SeedRow[], at: DocPath): void => {
    rows.forEach((row, i) => {
      if (!profile.documents.has(row.document)) {
        report(origin, [...at, i, "document"], `unknown document "${row.document}" (known: ${[...profile.documents.keys()].join(", ") || "none"})`);
      }
    });
  };
  const checkRoles = (origin: HostOrigin, list: string[] | "all", at: DocPath): void => {
    if (list === "all") return;
    list.forEach((role, i) => {
      if (!profile.roles.has(role)) report(origin, [...at, i], `unknown role "${role}" (known: ${roles.join(", ")})`);
    });
  };

  for (const network of [profile.networks.pods, profile.networks.services]) {
    if (network) checkSeedRows(network.origin, network.seedRows, ["seedRows"]);
  }
  for (const rule of profile.rules) {
    checkSeedRows(rule.origin, rule.seedRows, ["seedRows"]);
    checkRoles(rule.origin, rule.roles, ["roles"]);
    const peer = parsePeer(rule.peer);
    if (peer.kind === "role" && !profile.roles.has(peer.id)) report(rule.origin, ["peer"], `unknown role "${peer.id}" (known: ${roles.join(", ")})`);
    if (peer.kind === "set" && !profile.sets.has(peer.id)) {
      report(rule.origin, ["peer"], `unknown set "${peer.id}" (known: ${[...profile.sets.keys()].join(", ") || "none: declare it under sets"})`);
    }
    if ((peer.kind === "pods" || peer.kind === "services") && !profile.networks[peer.kind]) {
      report(rule.origin, ["peer"], `the profile declares no ${peer.kind} network (networks.${peer.kind})`);
    }
  }
  const ids = new Map<string, HostOrigin>();
  for (const rule of profile.rules) {
    const earlier = ids.get(rule.id);
    if (earlier) report(rule.origin, ["id"], `duplicate rule id "${rule.id}" (also ${basename(earlier.file)}:${earlier.line})`);
    else ids.set(rule.id, rule.origin);
  }
  if (profile.longhorn) {
    const { origin } = profile.longhorn;
    checkSeedRows(origin, profile.longhorn.seedRows, ["seedRows"]);
    checkRoles(origin, profile.longhorn.roles, ["roles"]);
    if (!longhornVersions.includes(profile.longhorn.version)) {
      report(origin, ["version"], `no Longhorn ${profile.longhorn.version} spec (spec/longhorn/${profile.longhorn.version}.yaml); known: ${longhornVersions.join(", ")}`);
    }
  }
  return out;
}
