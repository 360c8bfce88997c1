// Stage 5, plan: the NetworkPolicies one version needs, as plain data independent of Helm.
// One policy per selectable component; its ingress rules allow exactly the enforceable flows
// towards it, merged so that peers with the same ports share a rule.
import { camelCase, EXTERNAL_EGRESS_KEYS } from "../lib/values-keys.ts";
import type { LabelSelector } from "../lib/labels.ts";
import { endpointOf, isEnforceable, type Endpoint, type Flow, type Port, type Resolved, type ResolvedSpec } from "../loader/model.ts";

/** Who a rule admits. Pod peers are fixed; the others depend on chart values. */
export type PeerPlan =
  | { kind: "pods"; component: string; selector: LabelSelector }
  /** Node addresses (values: nodeCIDRs); the port is open to any source while the list is empty. */
  | { kind: "nodes" }
  /** API server addresses (values: kubeAPIServerSourceCIDRs); open to any source while empty. */
  | { kind: "kube-apiserver" }
  /** The ingress controller preset chosen by networkPolicies.type. */
  | { kind: "ingress-controller" }
  /** networkPolicies.metricsScrapeSources; nothing is admitted while the list is empty. */
  | { kind: "metrics-scraper" };

export interface RulePlan {
  peers: PeerPlan[];
  ports: Port[];
  /** The feature (values: networkPolicies.features.<camelCase>) the rule needs, if any. */
  feature?: string;
  /** The flows the rule stands for, for the comment above it. */
  flows: string[];
}

/** Where an egress rule goes. Pod destinations are fixed; the others come from chart values. */
export type DestinationPlan =
  | { kind: "pods"; component: string; selector: LabelSelector }
  /** networkPolicies.egress.dns: the cluster DNS pods, plus a NodeLocal DNSCache address. */
  | { kind: "dns" }
  /** networkPolicies.egress.kubeAPIServer: CIDRs and ports (a ports-only rule without CIDRs). */
  | { kind: "kube-apiserver" }
  /** networkPolicies.egress.<valueKey>: CIDRs and ports, or open. */
  | { kind: "external"; peer: string; valueKey: string };

export interface EgressRulePlan {
  destinations: DestinationPlan[];
  /** Fixed ports; absent for destinations whose ports come from values (API server, external). */
  ports?: Port[];
  feature?: string;
  flows: string[];
}

export interface PolicyPlan {
  component: string;
  title: string;
  /** camelCase key under networkPolicies.components. */
  valueKey: string;
  podSelector: LabelSelector;
  ingress: RulePlan[];
  /**
   * Flows from the host of the pod's own node (hostScope local-node): no NetworkPolicy rule, since
   * Kubernetes always admits that host; a CNI that admits it by identity (Cilium's host) gets them.
   */
  localHost: RulePlan[];
  /** Rendered only with networkPolicies.egress.enabled. */
  egress: EgressRulePlan[];
}

export interface VersionPlan {
  version: string;
  policies: PolicyPlan[];
  /** Components whose pods no policy selects (`unprotected`), with the reason. */
  unprotected: { id: string; title: string; reason: string }[];
}

export function planVersion(spec: ResolvedSpec): VersionPlan {
  const policies: PolicyPlan[] = [];
  const unprotected: VersionPlan["unprotected"] = [];
  // The enforceable flows towards and from each component, in spec order, found in one pass.
  const towards = new Map<string, Resolved<Flow>[]>();
  const from = new Map<string, Resolved<Flow>[]>();
  const push = (map: Map<string, Resolved<Flow>[]>, key: string, flow: Resolved<Flow>): void => {
    const list = map.get(key);
    if (list) list.push(flow);
    else map.set(key, [flow]);
  };
  for (const f of spec.flows) {
    if (!isEnforceable(f) || f.documentedOnly) continue;
    push(towards, f.to, f);
    push(from, f.from, f);
  }
  for (const component of spec.components.values()) {
    if (component.unprotected !== undefined || !component.selector) {
      unprotected.push({ id: component.id, title: component.title, reason: component.unprotected ?? "no selector" });
      continue;
    }
    policies.push({
      component: component.id,
      title: component.title,
      valueKey: camelCase(component.id),
      podSelector: component.selector,
      ingress: mergeRules(spec, towards.get(component.id) ?? []),
      localHost: localHostRules(spec, towards.get(component.id) ?? []),
      egress: egressRules(spec, from.get(component.id) ?? []),
    });
  }
  return { version: spec.version, policies, unprotected };
}

/** A component's pods as a policy peer, or undefined when no selector can pick them. */
function podsOf(endpoint: Extract<Endpoint, { kind: "component" }>): { kind: "pods"; component: string; selector: LabelSelector } | undefined {
  return endpoint.entry.selector ? { kind: "pods", component: endpoint.id, selector: endpoint.entry.selector } : undefined;
}

function peerOf(spec: ResolvedSpec, flow: Flow): PeerPlan | undefined {
  const endpoint = endpointOf(spec, flow.from);
  if (!endpoint) return undefined;
  if (endpoint.kind === "component") return podsOf(endpoint);
  switch (endpoint.entry.kind) {
    case "nodes":
    case "kube-apiserver":
    case "ingress-controller":
    case "metrics-scraper":
      return { kind: endpoint.entry.kind };
    default:
      // dns, external and kubelet never open connections towards Longhorn pods.
      return undefined;
  }
}

function peerKey(peer: PeerPlan): string {
  return peer.kind === "pods" ? `pods:${peer.component}` : peer.kind;
}

const PEER_ORDER: PeerPlan["kind"][] = ["pods", "kube-apiserver", "nodes", "ingress-controller", "metrics-scraper"];

/**
 * Peers whose ports coincide share a rule, except that peers chosen by different values switches
 * (ingress controller, metrics scrapers) keep rules of their own, and feature-gated flows form
 * rules of their own so the feature can switch them off.
 */
function mergeRules(spec: ResolvedSpec, flows: Resolved<Flow>[]): RulePlan[] {
  const byPeer = new Map<string, { peer: PeerPlan; ports: Port[]; feature?: string; flows: string[] }>();
  for (const flow of flows) {
    const peer = peerOf(spec, flow);
    // A host client on the pod's own node needs no rule: Kubernetes never lets a policy block it.
    if (!peer || !flow.ports || flow.hostScope === "local-node") continue;
    const key = `${flow.feature ?? ""}|${peerKey(peer)}`;
    const entry = byPeer.get(key) ?? { peer, ports: [], feature: flow.feature, flows: [] };
    // Normalised once below: normalising is the same whether done after each flow or once at the end.
    entry.ports.push(...flow.ports);
    entry.flows.push(flow.id);
    byPeer.set(key, entry);
  }
  for (const entry of byPeer.values()) entry.ports = normalisePorts(entry.ports);
  const rules = new Map<string, RulePlan>();
  for (const entry of byPeer.values()) {
    const separate = entry.peer.kind === "ingress-controller" || entry.peer.kind === "metrics-scraper";
    const key = `${entry.feature ?? ""}|${separate ? entry.peer.kind : ""}|${JSON.stringify(entry.ports)}`;
    const rule = rules.get(key) ?? { peers: [], ports: entry.ports, ...(entry.feature ? { feature: entry.feature } : {}), flows: [] };
    rule.peers.push(entry.peer);
    rule.flows.push(...entry.flows);
    rules.set(key, rule);
  }
  for (const rule of rules.values()) {
    rule.peers.sort((a, b) => PEER_ORDER.indexOf(a.kind) - PEER_ORDER.indexOf(b.kind) || peerKey(a).localeCompare(peerKey(b)));
    rule.flows.sort();
  }
  return [...rules.values()].sort(
    (a, b) =>
      (a.feature ?? "").localeCompare(b.feature ?? "") ||
      PEER_ORDER.indexOf(a.peers[0]!.kind) - PEER_ORDER.indexOf(b.peers[0]!.kind) ||
      a.ports[0]!.port - b.ports[0]!.port,
  );
}

/** The local-node flows towards a component, one rule per feature (none, then each feature). */
function localHostRules(spec: ResolvedSpec, flows: Resolved<Flow>[]): RulePlan[] {
  const byFeature = new Map<string, RulePlan>();
  for (const flow of flows) {
    if (flow.hostScope !== "local-node" || !flow.ports || peerOf(spec, flow)?.kind !== "nodes") continue;
    const key = flow.feature ?? "";
    const rule = byFeature.get(key) ?? { peers: [{ kind: "nodes" }], ports: [], ...(flow.feature ? { feature: flow.feature } : {}), flows: [] };
    rule.ports.push(...flow.ports);
    rule.flows.push(flow.id);
    byFeature.set(key, rule);
  }
  const rules = [...byFeature.values()].sort((a, b) => (a.feature ?? "").localeCompare(b.feature ?? ""));
  for (const rule of rules) {
    rule.ports = normalisePorts(rule.ports);
    rule.flows.sort();
  }
  return rules;
}

/** Sorted, without descriptions, duplicates or ranges already covered by another entry. */
export function normalisePorts(ports: readonly Port[]): Port[] {
  const plain = ports.map((p) => ({ port: p.port, ...(p.endPort !== undefined && p.endPort !== p.port ? { endPort: p.endPort } : {}), protocol: p.protocol }));
  plain.sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port || (b.endPort ?? b.port) - (a.endPort ?? a.port));
  const out: Port[] = [];
  for (const p of plain) {
    const last = out[out.length - 1];
    if (last && last.protocol === p.protocol && p.port >= last.port && (p.endPort ?? p.port) <= (last.endPort ?? last.port)) continue;
    out.push(p);
  }
  return out;
}

/** values key under networkPolicies.egress for each external peer of the spec. */
function destinationOf(spec: ResolvedSpec, flow: Flow): DestinationPlan | undefined {
  const endpoint = endpointOf(spec, flow.to);
  if (!endpoint) return undefined;
  if (endpoint.kind === "component") return podsOf(endpoint);
  switch (endpoint.entry.kind) {
    case "dns":
      return { kind: "dns" };
    case "kube-apiserver":
      return { kind: "kube-apiserver" };
    case "external":
      return { kind: "external", peer: endpoint.id, valueKey: EXTERNAL_EGRESS_KEYS[endpoint.id] ?? camelCase(endpoint.id) };
    default:
      // Nodes, the kubelet, ingress controllers and scrapers are never destinations of Longhorn pods.
      return undefined;
  }
}

function targetKey(destination: DestinationPlan): string {
  if (destination.kind === "pods") return `pods:${destination.component}`;
  return destination.kind === "external" ? `external:${destination.peer}` : destination.kind;
}

const DESTINATION_ORDER: DestinationPlan["kind"][] = ["pods", "dns", "kube-apiserver", "external"];

/**
 * Egress of one component. Pod destinations with the same ports share a rule; DNS, the API server
 * and each external destination keep rules of their own, since values shape them; features gate
 * their own rules.
 */
function egressRules(spec: ResolvedSpec, flows: Resolved<Flow>[]): EgressRulePlan[] {
  const targets = new Map<string, { destination: DestinationPlan; ports?: Port[]; feature?: string; flows: string[] }>();
  for (const flow of flows) {
    const destination = destinationOf(spec, flow);
    if (!destination) continue;
    const fixedPorts = destination.kind === "pods" || destination.kind === "dns";
    if (fixedPorts && !flow.ports) continue;
    const key = `${flow.feature ?? ""}|${targetKey(destination)}`;
    const entry = targets.get(key) ?? { destination, ...(flow.feature ? { feature: flow.feature } : {}), flows: [] };
    // Normalised once below, as in mergeRules.
    if (fixedPorts) (entry.ports ??= []).push(...flow.ports!);
    entry.flows.push(flow.id);
    targets.set(key, entry);
  }
  for (const entry of targets.values()) if (entry.ports) entry.ports = normalisePorts(entry.ports);
  const rules = new Map<string, EgressRulePlan>();
  for (const entry of targets.values()) {
    const shared = entry.destination.kind === "pods" ? `pods|${JSON.stringify(entry.ports)}` : targetKey(entry.destination);
    const key = `${entry.feature ?? ""}|${shared}`;
    const rule = rules.get(key) ?? { destinations: [], ...(entry.ports ? { ports: entry.ports } : {}), ...(entry.feature ? { feature: entry.feature } : {}), flows: [] };
    rule.destinations.push(entry.destination);
    rule.flows.push(...entry.flows);
    rules.set(key, rule);
  }
  for (const rule of rules.values()) {
    rule.destinations.sort((a, b) => targetKey(a).localeCompare(targetKey(b)));
    rule.flows.sort();
  }
  return [...rules.values()].sort(
    (a, b) =>
      (a.feature ?? "").localeCompare(b.feature ?? "") ||
      DESTINATION_ORDER.indexOf(a.destinations[0]!.kind) - DESTINATION_ORDER.indexOf(b.destinations[0]!.kind) ||
      (a.ports?.[0]?.port ?? 0) - (b.ports?.[0]?.port ?? 0) ||
      a.flows[0]!.localeCompare(b.flows[0]!),
  );
}
