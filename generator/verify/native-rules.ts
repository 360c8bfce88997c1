// The CNI-native policy objects the chart renders beside its NetworkPolicies (cni cilium, antrea),
// read as the CNIs enforce them, for the evaluator. Only what the chart uses is understood; any other
// construct is refused (NativeUnsupported), never silently read as allowing or denying.
//
// - CiliumNetworkPolicy: selects the pods of its namespace matching endpointSelector, and isolates
//   them for ingress like a NetworkPolicy; Cilium allows the union of every selecting policy's rules
//   (docs.cilium.io, "Policy Enforcement Modes": a policy selecting an endpoint puts it in default
//   deny; rules only allow). fromEntities per the "Entities Based" section: host is the endpoint's
//   own node, remote-node any other node, kube-apiserver the API server wherever it runs, world
//   outside the cluster, cluster everything inside it.
// - Antrea NetworkPolicy (crd.antrea.io): Allow rules admit before any Kubernetes NetworkPolicy is
//   evaluated (docs/antrea-network-policy.md, "Tier"); it isolates nobody. nodeSelector matches the
//   host traffic of the Nodes it selects (their IP, gateway and transport addresses).
import type { Endpoint, ModelCluster, ModelPod, Protocol } from "./endpoints.ts";
import { selectorMatches, type Labels, type SelectorLike } from "../lib/labels.ts";
import { cidrContains } from "./evaluator.ts";
import { ALL_PORTS, NO_PORTS, portSet, union, type PortRange, type PortSet } from "../lib/port-set.ts";

export class NativeUnsupported extends Error {}

interface NativePort {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}

interface NativeRule {
  /** Whether the rule's peers cover the source (the destination pod given for host/remote-node). */
  admits: (source: Endpoint, destination: ModelPod) => boolean;
  ports: NativePort[];
  /** Cilium: a port "0" or an absent protocol mean every port or protocol. */
  flavor: "cilium" | "antrea";
}

export interface NativePolicy {
  id: string;
  namespace: string;
  selector: SelectorLike;
  /** Cilium's objects isolate what they select (per direction they have rules for); Antrea's Allow rules only add. */
  isolates: boolean;
  rules: NativeRule[];
  /** Cilium's egress rules: `admits(destination, source pod)`. */
  egress: NativeRule[];
}

type Json = Record<string, unknown>;

const record = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The native policies among rendered objects, read; other objects are skipped. */
export function readNativePolicies(objects: readonly unknown[], cluster: ModelCluster): NativePolicy[] {
  const nodeLabels = new Map(cluster.nodes.map((n) => [n.name, n.labels ?? {}]));
  const out: NativePolicy[] = [];
  for (const value of objects) {
    const object = record(value);
    const metadata = record(object.metadata);
    const namespace = String(metadata.namespace ?? "default");
    const id = `${namespace}/${String(metadata.name)} (${String(object.kind)})`;
    const spec = record(object.spec);
    if (object.apiVersion === "cilium.io/v2" && object.kind === "CiliumNetworkPolicy") {
      if (spec.ingressDeny !== undefined || spec.egressDeny !== undefined) throw new NativeUnsupported(`${id}: deny rules are not understood`);
      out.push({
        id,
        namespace,
        selector: record(spec.endpointSelector) as SelectorLike,
        isolates: spec.ingress !== undefined,
        rules: list(spec.ingress).map((r) => ciliumRule(record(r), id)),
        egress: list(spec.egress).map((r) => ciliumEgressRule(record(r), id)),
      });
    } else if (String(object.apiVersion).startsWith("crd.antrea.io/") && object.kind === "NetworkPolicy") {
      if (spec.egress !== undefined) throw new NativeUnsupported(`${id}: only ingress rules are understood`);
      const applied = list(spec.appliedTo).map(record);
      if (applied.length !== 1 || Object.keys(applied[0]!).join() !== "podSelector") throw new NativeUnsupported(`${id}: only one appliedTo podSelector is understood`);
      out.push({
        id,
        namespace,
        selector: record(applied[0]!.podSelector) as SelectorLike,
        isolates: false,
        rules: list(spec.ingress).map((r) => antreaRule(record(r), id, nodeLabels)),
        egress: [],
      });
    }
  }
  return out;
}

function ciliumRule(rule: Json, id: string): NativeRule {
  const keys = Object.keys(rule).filter((k) => k !== "toPorts");
  if (keys.length !== 1 || !["fromEntities", "fromCIDR"].includes(keys[0]!)) {
    throw new NativeUnsupported(`${id}: only rules of fromEntities or fromCIDR are understood (found ${keys.join(", ")})`);
  }
  const entities = list(rule.fromEntities).map(String);
  const cidrs = list(rule.fromCIDR).map(String);
  const ports = list(rule.toPorts).flatMap((tp) => list(record(tp).ports).map((p) => record(p) as NativePort));
  return {
    admits: (source, destination) => entities.some((e) => entityCovers(e, source, destination)) || (cidrs.length > 0 && ciliumCIDRCovers(cidrs, source)),
    ports,
    flavor: "cilium",
  };
}

function ciliumEgressRule(rule: Json, id: string): NativeRule {
  const keys = Object.keys(rule).filter((k) => k !== "toPorts");
  if (keys.join() !== "toEntities") throw new NativeUnsupported(`${id}: only egress rules of toEntities are understood (found ${keys.join(", ")})`);
  const entities = list(rule.toEntities).map(String);
  const ports = list(rule.toPorts).flatMap((tp) => list(record(tp).ports).map((p) => record(p) as NativePort));
  // The destination is the entity; "host" is the source pod's own node.
  return { admits: (destination, source) => entities.some((e) => entityCovers(e, destination, source)), ports, flavor: "cilium" };
}

/** fromCIDR: sources Cilium gives a CIDR (world) identity, by address: outside the cluster, or a host's unrecognised source. */
function ciliumCIDRCovers(cidrs: readonly string[], source: Endpoint): boolean {
  if (source.kind !== "address" || (source.origin?.node !== undefined && !source.origin.linkLocal)) return false;
  return cidrs.some((c) => cidrContains(c, source.ip));
}

function entityCovers(entity: string, source: Endpoint, destination: ModelPod): boolean {
  const origin = source.kind === "address" ? source.origin : undefined;
  switch (entity) {
    case "all":
      return true;
    case "cluster":
      return source.kind === "pod" || origin?.node !== undefined;
    case "host":
      return origin?.node === destination.node && !origin.linkLocal;
    case "remote-node":
      return origin?.node !== undefined && origin.node !== destination.node && !origin.linkLocal;
    case "kube-apiserver":
      return origin?.apiServer === true;
    case "world":
      return source.kind === "address" && (origin?.node === undefined || origin.linkLocal === true);
    default:
      throw new NativeUnsupported(`entity ${entity} is not understood`);
  }
}

function antreaRule(rule: Json, id: string, nodeLabels: Map<string, Labels>): NativeRule {
  if (rule.action !== "Allow") throw new NativeUnsupported(`${id}: only Allow rules are understood (found ${String(rule.action)})`);
  const peers = list(rule.from).map(record);
  for (const peer of peers) {
    if (Object.keys(peer).join() !== "nodeSelector") throw new NativeUnsupported(`${id}: only nodeSelector peers are understood`);
  }
  return {
    admits: (source) => {
      const node = source.kind === "address" ? source.origin?.node : undefined;
      return node !== undefined && peers.some((p) => selectorMatches(record(p.nodeSelector) as SelectorLike, nodeLabels.get(node) ?? {}));
    },
    ports: list(rule.ports).map((p) => record(p) as NativePort),
    flavor: "antrea",
  };
}

/** The ports a native rule's port list admits on the destination pod over `protocol`. */
export function nativePorts(rule: NativeRule, destination: ModelPod, protocol: Protocol): PortSet {
  if (rule.ports.length === 0) return ALL_PORTS;
  const ranges: PortRange[] = [];
  for (const p of rule.ports) {
    const proto = p.protocol ?? (rule.flavor === "cilium" ? "ANY" : "TCP");
    if (proto !== "ANY" && proto !== protocol) continue;
    const value = rule.flavor === "cilium" && typeof p.port === "string" && /^\d+$/.test(p.port) ? Number(p.port) : p.port;
    if (value === undefined || value === 0) ranges.push([1, 65535]);
    else if (typeof value === "number") ranges.push([value, p.endPort ?? value]);
    else for (const c of destination.containerPorts ?? []) if (c.name === value && (c.protocol ?? "TCP") === protocol) ranges.push([c.port, c.port]);
  }
  return portSet(ranges);
}

/** What the native egress rules of the policies selecting `pod` admit towards `destination`. */
export function nativeEgressAdmits(policies: readonly NativePolicy[], pod: ModelPod, destination: Endpoint, protocol: Protocol): { ports: PortSet; rules: string[] } {
  const sets: PortSet[] = [];
  const rules: string[] = [];
  for (const policy of policies) {
    policy.egress.forEach((rule, i) => {
      if (!rule.admits(destination, pod)) return;
      const ports = destination.kind === "pod" ? nativePorts(rule, destination.pod, protocol) : nativePorts(rule, pod, protocol);
      if (ports.length === 0) return;
      sets.push(ports);
      rules.push(`${policy.id} egress[${i}]`);
    });
  }
  return { ports: union(NO_PORTS, ...sets), rules };
}

/** The native policies selecting a pod. */
export function selectingNative(policies: readonly NativePolicy[], pod: ModelPod): NativePolicy[] {
  return policies.filter((p) => p.namespace === pod.namespace && selectorMatches(p.selector, pod.labels));
}

/** What the native policies selecting `pod` admit from `source`, with the ids of the admitting rules. */
export function nativeAdmits(policies: readonly NativePolicy[], source: Endpoint, pod: ModelPod, protocol: Protocol): { ports: PortSet; rules: string[] } {
  const sets: PortSet[] = [];
  const rules: string[] = [];
  for (const policy of policies) {
    policy.rules.forEach((rule, i) => {
      if (!rule.admits(source, pod)) return;
      const ports = nativePorts(rule, pod, protocol);
      if (ports.length === 0) return;
      sets.push(ports);
      rules.push(`${policy.id} ingress[${i}]`);
    });
  }
  return { ports: union(NO_PORTS, ...sets), rules };
}
