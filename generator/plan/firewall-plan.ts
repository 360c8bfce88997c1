// What one node role of a host profile must accept, as data: each rule with the addresses of its
// peer (from the settings, else the profile's defaults, else any address), the interface side it
// belongs to, and the Longhorn rows derived from the Longhorn spec. The firewall renderers
// (targets/firewall/) and `firewall check` (report/firewall-check.ts) read this; it reads no file.
import { networkText, parseCIDR } from "../lib/cidr.ts";
import { parsePeer, rolesOf, type HostResolved, type ResolvedHostProfile, type Rule, type SeedRow } from "../loader/host-model.ts";
import type { FirewallSettings } from "../loader/firewall-config.ts";
import type { ResolvedSpec } from "../loader/model.ts";

export type Path = Rule["path"];

/** A port or range of one protocol; ICMP has none (an echo request). */
export type PlanPort = { protocol: "TCP" | "UDP"; from: number; to: number } | { protocol: "ICMP" };

/** The addresses a peer stands for on this node. */
export interface Addresses {
  /** The peer as the profile writes it: `nodes`, `role:server`, `set:administrators`, ... */
  peer: string;
  /** For people: "Server nodes", "Pod network". */
  label: string;
  /** Canonical CIDRs, IPv4 first; empty when `any`. */
  v4: string[];
  v6: string[];
  /** No CIDR is known: every address. */
  any: boolean;
  /** Where the CIDRs come from. */
  from: "settings" | "profile" | "nodes" | "any" | "local";
  /** A name for nftables sets and firewalld comments: letters, digits and `_` only. */
  name: string;
}

export interface PlanEntry {
  id: string;
  direction: "inbound" | "outbound";
  path: Path;
  ports: "any" | PlanPort[];
  /** The source of inbound traffic, the destination of outbound. */
  peer: Addresses;
  /** Which interface carries it when cluster and external traffic are on two: the peer's side. */
  side: "cluster" | "external";
  purpose: string;
  seedRows: SeedRow[];
  resolution?: string;
}

/** A port Longhorn's pods are reached on, with who dials it and how that traffic meets the node. */
export interface LonghornRow {
  ports: PlanPort[];
  /** The component that listens (its title). */
  to: string;
  /** The clients, by title. */
  from: string[];
  path: "forwarded" | "within-node";
  how: string;
  /** The spec flows behind the row. */
  flows: string[];
  feature?: string;
}

export interface FirewallPlan {
  profile: string;
  title: string;
  file: string;
  chain: string[];
  role: string;
  roleTitle: string;
  /** Rules this role's nodes must accept, in the profile's order. */
  inbound: PlanEntry[];
  /** Traffic this role's nodes send (listed, not filtered). */
  outbound: PlanEntry[];
  /** Every peer the rules use, in first-use order. */
  peers: Addresses[];
  longhorn?: { version: string; file: string; rows: LonghornRow[]; seedRows: SeedRow[]; resolution: string };
  interfaces: FirewallSettings["interfaces"];
  zones: FirewallSettings["zones"];
  drop: boolean;
  /** Things the operator should know about these settings (an open node port, a drop without interfaces). */
  warnings: string[];
  notes: string[];
}

/**
 * The plan of `role` (which the caller has checked is one of the profile's). `longhorn` is the
 * resolved Longhorn spec the profile's Longhorn rows come from, when the profile has them.
 */
export function planFirewall(profile: ResolvedHostProfile, role: string, settings: FirewallSettings, longhorn?: ResolvedSpec): FirewallPlan {
  const peers = new Map<string, Addresses>();
  const addressesOf = (peer: string): Addresses => {
    let found = peers.get(peer);
    if (!found) peers.set(peer, (found = resolvePeer(peer, profile, settings)));
    return found;
  };
  const entries = profile.rules.filter((rule) => rolesOf(rule.roles, profile).includes(role)).map((rule) => entryOf(rule, addressesOf(rule.peer)));
  const inbound = entries.filter((e) => e.direction === "inbound");
  const outbound = entries.filter((e) => e.direction === "outbound");

  const warnings: string[] = [];
  const open = [...peers.values()].filter((p) => p.any && (p.peer === "nodes" || p.peer.startsWith("role:")));
  if (open.length > 0) {
    warnings.push(
      `no node addresses given (--nodes${open.some((p) => p.peer.startsWith("role:")) ? ", --role-cidrs" : ""}): the ports for ${open.map((p) => p.label).join(", ")} are open to any source`,
    );
  }
  const interfaces = settings.interfaces;
  if (settings.drop && !interfaces.single && !interfaces.cluster) {
    warnings.push("--drop without --interface: traffic that no rule lists is dropped on every interface, the pods' bridge included");
  }
  return {
    profile: profile.profile,
    title: profile.title,
    file: profile.file,
    chain: profile.chain,
    role,
    roleTitle: profile.roles.get(role)?.title ?? role,
    inbound,
    outbound,
    peers: [...peers.values()],
    ...(profile.longhorn && longhorn && rolesOf(profile.longhorn.roles, profile).includes(role)
      ? {
          longhorn: {
            version: longhorn.version,
            file: longhorn.file,
            rows: longhornRows(longhorn),
            seedRows: profile.longhorn.seedRows,
            resolution: profile.longhorn.resolution,
          },
        }
      : {}),
    interfaces,
    zones: settings.zones,
    drop: settings.drop,
    warnings,
    notes: profile.notes,
  };
}

function entryOf(rule: HostResolved<Rule>, peer: Addresses): PlanEntry {
  const kind = parsePeer(rule.peer).kind;
  return {
    id: rule.id,
    direction: rule.direction ?? "inbound",
    path: rule.path,
    ports: rule.ports === "any" ? "any" : rule.ports.map(planPort),
    peer,
    side: kind === "external" || kind === "set" ? "external" : "cluster",
    purpose: rule.purpose,
    seedRows: rule.seedRows,
    ...(rule.resolution ? { resolution: rule.resolution } : {}),
  };
}

function planPort(port: { protocol: "TCP" | "UDP" | "ICMP"; port?: number; endPort?: number }): PlanPort {
  if (port.protocol === "ICMP") return { protocol: "ICMP" };
  return { protocol: port.protocol, from: port.port!, to: port.endPort ?? port.port! };
}

/** The CIDRs of a peer: the settings', else the profile's defaults, else (nodes and roles) the nodes', else any. */
function resolvePeer(peer: string, profile: ResolvedHostProfile, settings: FirewallSettings): Addresses {
  const ref = parsePeer(peer);
  const base = { peer, name: peer.replace(/[:-]/g, "_") };
  const build = (label: string, cidrs: readonly string[] | undefined, from: Addresses["from"]): Addresses => {
    if (!cidrs || cidrs.length === 0) return { ...base, label, v4: [], v6: [], any: true, from: "any" };
    const canonical = [...new Set(cidrs.map(canonicalCidr))];
    return { ...base, label, v4: canonical.filter((c) => !c.includes(":")), v6: canonical.filter((c) => c.includes(":")), any: false, from };
  };
  const nodes = settings.addresses.nodes;
  switch (ref.kind) {
    case "nodes":
      return build("All nodes", nodes, "settings");
    case "role": {
      const label = profile.roles.get(ref.id)?.title ?? ref.id;
      const own = settings.addresses.roles[ref.id];
      return own ? build(label, own, "settings") : build(label, nodes, "nodes");
    }
    case "pods":
    case "services": {
      const network = profile.networks[ref.kind];
      const label = network?.title ?? ref.kind;
      const own = settings.addresses[ref.kind];
      return own ? build(label, own, "settings") : build(label, network?.cidrs, "profile");
    }
    case "external":
      return build("External clients", settings.addresses.external, "settings");
    case "set": {
      const set = profile.sets.get(ref.id);
      const label = set?.title ?? ref.id;
      const own = settings.addresses.sets[ref.id];
      return own ? build(label, own, "settings") : build(label, set?.cidrs, "profile");
    }
    case "own-node":
      return { ...base, label: "The node itself", v4: [], v6: [], any: false, from: "local" };
  }
}

/** A CIDR in canonical form (the loader and the flags have refused anything else). */
function canonicalCidr(text: string): string {
  const cidr = parseCIDR(text);
  if (typeof cidr === "string") throw new Error(`firewall plan: ${cidr}`);
  return networkText(cidr);
}

// ---------------------------------------------------------------- Longhorn

/**
 * One row per Longhorn component and port range it is reached on, from the spec's flows towards
 * components (documented-only flows, which nothing serves, and operator-chosen ports left out). No
 * Longhorn component uses the host network, so none of these is a port of the node: each row says
 * how the traffic meets the node instead.
 */
export function longhornRows(spec: ResolvedSpec): LonghornRow[] {
  const rows = new Map<string, LonghornRow>();
  for (const flow of spec.flows) {
    const target = spec.components.get(flow.to);
    if (!target || flow.documentedOnly || !flow.ports) continue;
    const { path, how, client } = crossing(spec, flow.from, flow.hostScope);
    for (const port of flow.ports) {
      if (port.protocol === "SCTP") continue;
      const planned: PlanPort = { protocol: port.protocol, from: port.port, to: port.endPort ?? port.port };
      const key = [flow.to, path, how, planned.protocol, planned.from, planned.to, flow.feature ?? ""].join("\u0000");
      let row = rows.get(key);
      if (!row) {
        rows.set(key, (row = { ports: [planned], to: target.title, from: [], path, how, flows: [], ...(flow.feature ? { feature: flow.feature } : {}) }));
      }
      if (!row.from.includes(client)) row.from.push(client);
      if (!row.flows.includes(flow.id)) row.flows.push(flow.id);
    }
  }
  const first = (r: LonghornRow): number => (r.ports[0]!.protocol === "ICMP" ? 0 : r.ports[0]!.from);
  return [...rows.values()].sort((a, b) => first(a) - first(b) || a.to.localeCompare(b.to) || a.path.localeCompare(b.path));
}

/** How a flow from `from` to a Longhorn pod meets a node's firewall. */
function crossing(spec: ResolvedSpec, from: string, hostScope: string | undefined): { path: LonghornRow["path"]; how: string; client: string } {
  const component = spec.components.get(from);
  if (component) {
    return { path: "forwarded", how: "pod to pod: between nodes inside VXLAN (UDP 8472), then forwarded from the pod network", client: component.title };
  }
  const peer = spec.peers.get(from);
  const client = peer?.title ?? from;
  switch (peer?.kind) {
    case "nodes":
      return hostScope === "local-node"
        ? { path: "within-node", how: "a node's own host to a pod on that node: never crosses an interface", client }
        : {
            path: "forwarded",
            how: "another node's host through the Service, SNATed to its flannel.1 address (in the pod network), inside VXLAN",
            client,
          };
    case "kubelet":
      return { path: "within-node", how: "the kubelet to pods on its own node: never crosses an interface", client };
    case "kube-apiserver":
      return {
        path: "forwarded",
        how: "a server's API server through the Service, SNATed to its flannel.1 address (in the pod network), inside VXLAN",
        client,
      };
    default:
      return { path: "forwarded", how: "pod to pod: between nodes inside VXLAN (UDP 8472), then forwarded from the pod network", client };
  }
}
