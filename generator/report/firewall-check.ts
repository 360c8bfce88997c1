// `netpolgen firewall check`: a node's listening sockets (`ss -Htulpn`) against what its role's plan
// opens. Reports sockets listening on addresses other nodes or clients can reach that no rule opens,
// and ports a rule opens for a host process where nothing listens. Ports served through a DNAT (a
// Service: NodePort, ServiceLB, hostPort) have no socket on the node and are listed apart. Pure:
// the CLI reads the file.
import { parseIP } from "../lib/cidr.ts";
import type { Diagnostic } from "../lib/diagnostics.ts";
import type { FirewallPlan, PlanEntry } from "../plan/firewall-plan.ts";

export interface Listener {
  protocol: "TCP" | "UDP";
  /** The local address as ss prints it, without brackets or interface: `0.0.0.0`, `::`, `*`, `127.0.0.53`. */
  address: string;
  /** Bound to one interface (`127.0.0.53%lo`). */
  iface?: string;
  port: number;
  /** The first process ss names, when it names one (kernel sockets, such as VXLAN's, have none). */
  process?: string;
  loopback: boolean;
  line: number;
}

const SS_SHAPE = "a line of `ss -Htulpn` (Netid State Recv-Q Send-Q Local-Address:Port Peer-Address:Port [Process])";

/** The listening sockets of `ss -Htulpn` output (a header line is tolerated); connected UDP sockets are left out. */
export function parseSs(file: string, text: string): { listeners: Listener[]; diagnostics: Diagnostic[] } {
  const listeners: Listener[] = [];
  const diagnostics: Diagnostic[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || /^Netid\s+State\b/.test(line)) return;
    const fields = line.split(/\s+/);
    const [netid, state, , , local] = fields;
    const problem = (message: string): void => {
      diagnostics.push({ file, line: i + 1, path: [], message });
    };
    if (fields.length < 6 || !local) return problem(`expected ${SS_SHAPE}, got ${JSON.stringify(line.slice(0, 80))}`);
    if (netid !== "tcp" && netid !== "udp") return problem(`expected the protocol tcp or udp (ss -t -u), got ${JSON.stringify(netid)}`);
    if (netid === "tcp" && state !== "LISTEN") return; // ss -l lists listeners only; tolerate others
    if (netid === "udp" && state !== "UNCONN") return; // a connected UDP socket is a client
    const at = parseLocal(local);
    if (!at) return problem(`expected a local address and port (0.0.0.0:22, [::]:22, *:22, 127.0.0.53%lo:53), got ${JSON.stringify(local)}`);
    const process = /users:\(\("([^"]*)"/.exec(fields.slice(6).join(" "))?.[1];
    listeners.push({
      protocol: netid === "tcp" ? "TCP" : "UDP",
      ...at,
      ...(process !== undefined ? { process } : {}),
      loopback: isLoopback(at.address),
      line: i + 1,
    });
  });
  return { listeners, diagnostics };
}

/** `[::1]:25`, `127.0.0.53%lo:53`, `[fe80::1]%eth0:546`, `*:6443` → address, interface, port. */
function parseLocal(text: string): { address: string; iface?: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^\s[\]]+?)(?:%([A-Za-z0-9_.@-]+))?:(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  let address = match[1]!;
  let iface = match[2];
  if (address.startsWith("[")) {
    address = address.slice(1, -1);
    const scoped = /^(.*)%([A-Za-z0-9_.@-]+)$/.exec(address);
    if (scoped) [address, iface] = [scoped[1]!, scoped[2]!];
  }
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  if (address !== "*" && !parseIP(address)) return undefined;
  return { address, ...(iface ? { iface } : {}), port };
}

function isLoopback(address: string): boolean {
  const ip = parseIP(address);
  if (!ip) return false;
  if (ip.kind() === "ipv6") {
    const v6 = ip as import("ipaddr.js").IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() === "loopback";
  }
  return ip.range() === "loopback";
}

export interface CheckReport {
  profile: string;
  role: string;
  sockets: number;
  loopbackOnly: number;
  /** Listening where others can reach it, opened by no rule of the role. */
  notOpened: Listener[];
  /** Opened for a host process, nothing listens. */
  notListening: { rule: string; protocol: "TCP" | "UDP"; ports: string; purpose: string }[];
  /** Reached through a DNAT: no socket is expected (listed, not a finding). */
  throughDnat: { rule: string; protocol: "TCP" | "UDP"; ports: string; listening: boolean }[];
}

export function checkListeners(plan: FirewallPlan, listeners: readonly Listener[]): CheckReport {
  const opened = plan.inbound.filter((e) => e.path === "host" || e.path === "service");
  const reachable = listeners.filter((l) => !l.loopback);
  const covers = (entry: PlanEntry, protocol: string, port: number): boolean =>
    entry.ports !== "any" && entry.ports.some((p) => p.protocol !== "ICMP" && p.protocol === protocol && p.from <= port && port <= p.to);
  const notOpened = dedupe(reachable.filter((l) => !opened.some((e) => covers(e, l.protocol, l.port))));
  const notListening: CheckReport["notListening"] = [];
  const throughDnat: CheckReport["throughDnat"] = [];
  for (const entry of opened) {
    if (entry.ports === "any") continue;
    for (const p of entry.ports) {
      if (p.protocol === "ICMP") continue;
      const ports = p.from === p.to ? String(p.from) : `${p.from}-${p.to}`;
      const listening = reachable.some((l) => l.protocol === p.protocol && p.from <= l.port && l.port <= p.to);
      if (entry.path === "service") throughDnat.push({ rule: entry.id, protocol: p.protocol, ports, listening });
      else if (!listening) notListening.push({ rule: entry.id, protocol: p.protocol, ports, purpose: entry.purpose });
    }
  }
  return {
    profile: plan.profile,
    role: plan.role,
    sockets: listeners.length,
    loopbackOnly: listeners.length - reachable.length,
    notOpened,
    notListening,
    throughDnat,
  };
}

/** One finding per protocol, port and process: ss lists an IPv4 and an IPv6 socket of one server apart. */
function dedupe(listeners: Listener[]): Listener[] {
  const seen = new Set<string>();
  return listeners.filter((l) => {
    const key = `${l.protocol}/${l.port}/${l.process ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function hasFindings(report: CheckReport): boolean {
  return report.notOpened.length > 0 || report.notListening.length > 0;
}

export function checkReportAsText(report: CheckReport): string {
  const out = [
    `firewall check: profile ${report.profile}, role ${report.role}: ${report.sockets} listening sockets, ${report.loopbackOnly} on loopback only`,
  ];
  const shown = (text: string | undefined): string => (text ?? "").replace(/[^\x20-\x7e]/g, "?");
  out.push(report.notOpened.length ? `Listening, but no rule of the role opens the port (${report.notOpened.length}):` : "Listening, but no rule of the role opens the port: none");
  for (const l of report.notOpened) {
    const where = `${l.address.includes(":") ? `[${l.address}]` : l.address}${l.iface ? `%${l.iface}` : ""}:${l.port}`;
    out.push(`  ${l.protocol} ${shown(where)}${l.process ? ` ${shown(l.process)}` : " (no process: a kernel socket)"} (line ${l.line})`);
  }
  out.push(report.notListening.length ? `Opened for a host process, but nothing listens (${report.notListening.length}):` : "Opened for a host process, but nothing listens: none");
  for (const p of report.notListening) out.push(`  ${p.ports}/${p.protocol} ${p.rule}: ${p.purpose}`);
  if (report.throughDnat.length) {
    out.push(`Served through a DNAT, no socket expected (${report.throughDnat.length}):`);
    for (const p of report.throughDnat) out.push(`  ${p.ports}/${p.protocol} ${p.rule}${p.listening ? " (a socket listens too: served in the host network)" : ""}`);
  }
  return out.join("\n");
}
