// The expected side of the firewall tests, read from the resolved host profile and the settings
// alone (never from generator/plan or generator/targets): which traffic a node of a role must
// accept, from which addresses. The firewalld test turns it into the zone contents firewalld must
// list; the namespace test into the probes that must pass or be dropped.
import { BlockList } from "node:net";
import type { FirewallSettings } from "../generator/loader/firewall-config.ts";
import type { ResolvedHostProfile } from "../generator/loader/host-model.ts";

export interface Allowance {
  rule: string;
  /** `any`: every protocol and port. */
  protocol: "TCP" | "UDP" | "ICMP" | "any";
  from: number;
  to: number;
  /** Source CIDRs; `any` when the peer has none. */
  sources: string[] | "any";
  /** To the node's own addresses (input), and (pod and service networks) through it (forward). */
  input: boolean;
  forward: boolean;
  /** The peer's side when cluster and external traffic use two interfaces. */
  side: "cluster" | "external";
}

/** What the role's nodes must accept: one allowance per rule and port entry (outbound and local rules need none). */
export function allowances(profile: ResolvedHostProfile, role: string, settings: FirewallSettings): Allowance[] {
  const out: Allowance[] = [];
  for (const rule of profile.rules) {
    const roles = rule.roles === "all" ? [...profile.roles.keys()] : rule.roles;
    if (!roles.includes(role) || rule.direction === "outbound") continue;
    if (rule.path === "forwarded" || rule.path === "within-node") continue;
    const sources = sourcesOf(rule.peer, profile, settings);
    const side = rule.peer === "external" || rule.peer.startsWith("set:") ? "external" : "cluster";
    const base = { rule: rule.id, sources, input: true, forward: rule.path === "host-and-forwarded", side } as const;
    if (rule.ports === "any") {
      out.push({ ...base, protocol: "any", from: 1, to: 65535 });
      continue;
    }
    for (const port of rule.ports) {
      if (port.protocol === "ICMP") out.push({ ...base, protocol: "ICMP", from: 0, to: 0 });
      else out.push({ ...base, protocol: port.protocol, from: port.port!, to: port.endPort ?? port.port! });
    }
  }
  return out;
}

function sourcesOf(peer: string, profile: ResolvedHostProfile, s: FirewallSettings): string[] | "any" {
  const list = (cidrs: readonly string[] | undefined): string[] | "any" => (cidrs && cidrs.length ? [...cidrs] : "any");
  const [kind, id] = peer.split(":") as [string, string | undefined];
  switch (kind) {
    case "nodes":
      return list(s.addresses.nodes);
    case "role":
      return list(s.addresses.roles[id!] ?? s.addresses.nodes);
    case "pods":
      return list(s.addresses.pods ?? profile.networks.pods?.cidrs);
    case "services":
      return list(s.addresses.services ?? profile.networks.services?.cidrs);
    case "external":
      return list(s.addresses.external);
    case "set":
      return list(s.addresses.sets[id!] ?? profile.sets.get(id!)?.cidrs);
    default:
      throw new Error(`expectation: no addresses for peer ${peer}`);
  }
}

/**
 * Whether `source` (an address) may send `protocol`/`port` to the node (input) or through it
 * (forward). `arrivesOn`: with cluster and external traffic on two interfaces, the side the packet
 * arrives on; an allowance of the other side does not apply there (the pod and service networks'
 * apply on either).
 */
export function isAllowed(
  list: readonly Allowance[],
  source: string,
  protocol: "TCP" | "UDP" | "ICMP",
  port: number,
  path: "input" | "forward",
  arrivesOn?: "cluster" | "external",
): boolean {
  return list.some((a) => {
    if (path === "input" ? !a.input : !a.forward) return false;
    if (arrivesOn !== undefined && !a.forward && a.side !== arrivesOn) return false;
    if (a.protocol !== "any" && (a.protocol !== protocol || (protocol !== "ICMP" && (port < a.from || port > a.to)))) return false;
    return a.sources === "any" || contains(a.sources, source);
  });
}

function contains(cidrs: readonly string[], address: string): boolean {
  const blocks = new BlockList();
  for (const cidr of cidrs) {
    const [network, bits] = cidr.split("/") as [string, string];
    blocks.addSubnet(network, Number(bits), cidr.includes(":") ? "ipv6" : "ipv4");
  }
  return blocks.check(address, address.includes(":") ? "ipv6" : "ipv4");
}
