// Kubernetes NetworkPolicy semantics over a model cluster. It reads NetworkPolicy objects as the
// API server stores them (e.g. parsed from `helm template`), never the generator's plan, and answers
// which ports one endpoint may open on another, exactly, per protocol.
//
// What NetworkPolicy cannot govern, and how this model treats it:
// - Traffic from a pod's own node (kubelet probes, the host's processes) is always allowed into the
//   pod (networking.k8s.io/v1 NetworkPolicySpec.ingress). The model allows it as "own-node".
// - Pods with hostNetwork use the node's network namespace. Policies selecting them have no effect
//   on them ("host-network"), and as sources they carry the node's IP, so only an ipBlock holding
//   that IP matches them, never a pod or namespace selector.
// - Addresses that are not pods (nodes, the API server, external hosts) are never isolated: only
//   the pod end of a connection can restrict it.
// - ipBlock matches any endpoint whose IP falls in the block, pods included. CNIs differ here (the
//   API leaves it to the implementation); the charts this project generates use ipBlock only for
//   addresses outside the pod network. On Cilium (cluster.cni) an ipBlock matches neither pods nor
//   node hosts, whose identities are not CIDR identities (docs.cilium.io, layer3, "Selecting nodes
//   with CIDR / ipBlock"), only addresses outside the cluster.
// - The CNI-native objects (native-rules.ts) join the NetworkPolicies on the ingress side: their
//   allows are added, and a CiliumNetworkPolicy isolates the pods it selects.
import { BlockList, isIP } from "node:net";
import type {
  INetworkPolicy,
  INetworkPolicyEgressRule,
  INetworkPolicyIngressRule,
  INetworkPolicyPeer,
  INetworkPolicyPort,
} from "kubernetes-models/networking.k8s.io/v1";
import { selectorMatches, type Labels, type SelectorLike } from "../lib/labels.ts";
import type { Endpoint, ModelCluster, ModelCNI, ModelPod, Protocol } from "./endpoints.ts";
import { nativeAdmits, nativeEgressAdmits, readNativePolicies, selectingNative, type NativePolicy } from "./native-rules.ts";
import { ALL_PORTS, NO_PORTS, contains, intersect, portSet, union, type PortRange, type PortSet } from "../lib/port-set.ts";

/** One side (the destination's ingress or the source's egress) of a connection. */
export interface SideVerdict {
  /**
   * isolated: policies select the pod for this direction, `ports` is what their rules admit;
   * not-isolated: no policy selects it; not-a-pod, host-network, own-node: policy cannot govern it.
   */
  state: "isolated" | "not-isolated" | "not-a-pod" | "host-network" | "own-node";
  /** `namespace/name` of the policies that isolate the pod for this direction. */
  policies: string[];
  ports: PortSet;
}

export interface Verdict {
  /** The ports the source may open on the destination: ingress ∩ egress. */
  ports: PortSet;
  ingress: SideVerdict;
  egress: SideVerdict;
}

type Direction = "Ingress" | "Egress";

interface Rule {
  peers?: INetworkPolicyPeer[];
  ports?: INetworkPolicyPort[];
}

interface Policy {
  id: string;
  namespace: string;
  podSelector: SelectorLike;
  types: Set<Direction>;
  object: INetworkPolicy;
  /** The object's rules per direction, read once (like podSelector and types, when the evaluator is built). */
  rules: Record<Direction, Rule[]>;
}

/** policyTypes as the API server defaults it: Ingress always, Egress when egress rules exist. */
export function effectivePolicyTypes(policy: INetworkPolicy): Direction[] {
  const spec = policy.spec ?? { podSelector: {} };
  if (spec.policyTypes && spec.policyTypes.length > 0) return spec.policyTypes as Direction[];
  return (spec.egress ?? []).length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

const blockLists = new Map<string, { family: 4 | 6; list: BlockList } | undefined>();

/** Whether ip lies in cidr; false for a malformed CIDR or an address of the other family. */
export function cidrContains(cidr: string, ip: string): boolean {
  let entry = blockLists.get(cidr);
  if (!blockLists.has(cidr)) {
    const [network = "", bits = ""] = cidr.split("/");
    const family = isIP(network);
    const prefix = Number(bits);
    const max = family === 6 ? 128 : 32;
    if ((family === 4 || family === 6) && /^\d+$/.test(bits) && prefix <= max) {
      const list = new BlockList();
      list.addSubnet(network, prefix, family === 6 ? "ipv6" : "ipv4");
      entry = { family, list };
    }
    blockLists.set(cidr, entry);
  }
  if (!entry || isIP(ip) !== entry.family) return false;
  return entry.list.check(ip, entry.family === 6 ? "ipv6" : "ipv4");
}

export class Evaluator {
  private readonly namespaceLabels = new Map<string, Labels>();
  private readonly nodeIPs = new Map<string, string>();
  private readonly policies: Policy[];
  private readonly selecting = new Map<ModelPod, Policy[]>();
  /** The policies isolating each pod, per direction (what `isolating` answers), computed once. */
  private readonly isolatingByDirection = new Map<ModelPod, Record<Direction, Policy[]>>();
  private readonly lastRulesAdmitting: Partial<Record<Direction, { pod: ModelPod; peer: Endpoint; rules: Rule[] }>> = {};

  private readonly cni: ModelCNI;
  private readonly native: NativePolicy[];

  /** `native`: rendered objects of other kinds; the CNI-native policies among them are read. */
  constructor(cluster: ModelCluster, policies: readonly INetworkPolicy[], native: readonly unknown[] = []) {
    this.cni = cluster.cni ?? "generic";
    this.native = readNativePolicies(native, cluster);
    for (const ns of cluster.namespaces) {
      this.namespaceLabels.set(ns.name, { ...ns.labels, "kubernetes.io/metadata.name": ns.name });
    }
    for (const node of cluster.nodes) this.nodeIPs.set(node.name, node.ip);
    this.policies = policies.map((object) => {
      const namespace = object.metadata?.namespace ?? "default";
      return {
        id: `${namespace}/${object.metadata?.name ?? "<unnamed>"}`,
        namespace,
        podSelector: object.spec?.podSelector ?? {},
        types: new Set(effectivePolicyTypes(object)),
        object,
        rules: {
          Ingress: (object.spec?.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })),
          Egress: (object.spec?.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports })),
        },
      };
    });
    for (const pod of cluster.pods) {
      const selecting = this.policies.filter((p) => p.namespace === pod.namespace && selectorMatches(p.podSelector, pod.labels));
      this.selecting.set(pod, selecting);
      this.isolatingByDirection.set(pod, {
        Ingress: selecting.filter((p) => p.types.has("Ingress")),
        Egress: selecting.filter((p) => p.types.has("Egress")),
      });
    }
  }

  /** The ports `from` may open on `to` over `protocol`, with the reasons on each side. */
  reach(from: Endpoint, to: Endpoint, protocol: Protocol): Verdict {
    const ingress = this.side("Ingress", to, from, protocol);
    const egress = this.side("Egress", from, to, protocol);
    return { ports: intersect(ingress.ports, egress.ports), ingress, egress };
  }

  allows(from: Endpoint, to: Endpoint, port: number, protocol: Protocol = "TCP"): boolean {
    return contains(this.reach(from, to, protocol).ports, port);
  }

  /** The ports these ingress rules, written in a policy of `namespace`, admit from `from` to `to`. */
  ingressRulesAdmit(rules: readonly INetworkPolicyIngressRule[], namespace: string, from: Endpoint, to: Endpoint, protocol: Protocol): PortSet {
    const admitted = rules.filter((rule) => this.ruleMatches(rule.from, namespace, from)).map((rule) => this.rulePorts(rule.ports, to, protocol));
    return union(NO_PORTS, ...admitted);
  }

  /** The ports these egress rules, written in a policy of `namespace`, let a selected pod open on `to`. */
  egressRulesAdmit(rules: readonly INetworkPolicyEgressRule[], namespace: string, to: Endpoint, protocol: Protocol): PortSet {
    const admitted = rules.filter((rule) => this.ruleMatches(rule.to, namespace, to)).map((rule) => this.rulePorts(rule.ports, to, protocol));
    return union(NO_PORTS, ...admitted);
  }

  /** The ports of these NetworkPolicyPorts on the destination (named ports resolve on it). */
  portsOf(ports: readonly INetworkPolicyPort[], to: Endpoint, protocol: Protocol): PortSet {
    return ports.length === 0 ? NO_PORTS : this.rulePorts([...ports], to, protocol);
  }

  /** The rules (`namespace/name ingress[i]`) that admit this exact connection. */
  explain(from: Endpoint, to: Endpoint, port: number, protocol: Protocol): string[] {
    const out: string[] = [];
    for (const [direction, subject, peer] of [
      ["Ingress", to, from],
      ["Egress", from, to],
    ] as const) {
      if (subject.kind !== "pod") continue;
      for (const policy of this.isolatingPolicies(direction, subject.pod)) {
        policy.rules[direction].forEach((rule, i) => {
          if (this.ruleMatches(rule.peers, policy.namespace, peer) && contains(this.rulePorts(rule.ports, to, protocol), port)) {
            out.push(`${policy.id} ${direction.toLowerCase()}[${i}]`);
          }
        });
      }
      if (this.native.length > 0) {
        for (const policy of selectingNative(this.native, subject.pod)) {
          const admitted = direction === "Ingress" ? nativeAdmits([policy], peer, subject.pod, protocol) : nativeEgressAdmits([policy], subject.pod, peer, protocol);
          if (contains(admitted.ports, port)) out.push(...admitted.rules);
        }
      }
    }
    return out;
  }

  /** The policies that select the pod for this direction. */
  isolating(direction: Direction, pod: ModelPod): Policy[] {
    return [...this.isolatingPolicies(direction, pod)];
  }

  /** `isolating` without the copy, for the evaluator's own loops. */
  private isolatingPolicies(direction: Direction, pod: ModelPod): readonly Policy[] {
    if (pod.hostNetwork) return [];
    const known = this.isolatingByDirection.get(pod);
    if (known) return known[direction];
    return (this.selecting.get(pod) ?? []).filter((p) => p.types.has(direction));
  }

  private side(direction: Direction, subject: Endpoint, peer: Endpoint, protocol: Protocol): SideVerdict {
    if (subject.kind !== "pod") return { state: "not-a-pod", policies: [], ports: ALL_PORTS };
    if (subject.pod.hostNetwork) return { state: "host-network", policies: [], ports: ALL_PORTS };
    if (direction === "Ingress" && this.isOwnNode(peer, subject.pod)) {
      return { state: "own-node", policies: [], ports: ALL_PORTS };
    }
    const policies = this.isolatingPolicies(direction, subject.pod);
    const native = this.native.length > 0 ? selectingNative(this.native, subject.pod) : [];
    const isolatesHere = (p: NativePolicy) => (direction === "Ingress" ? p.isolates : p.egress.length > 0);
    if (policies.length === 0 && !native.some(isolatesHere)) return { state: "not-isolated", policies: [], ports: ALL_PORTS };
    const destination = direction === "Ingress" ? subject : peer;
    const allowed = this.rulesAdmitting(direction, subject.pod, policies, peer).map((rule) => this.rulePorts(rule.ports, destination, protocol));
    if (native.length > 0) {
      allowed.push(direction === "Ingress" ? nativeAdmits(native, peer, subject.pod, protocol).ports : nativeEgressAdmits(native, subject.pod, peer, protocol).ports);
    }
    return { state: "isolated", policies: [...policies.map((p) => p.id), ...native.filter(isolatesHere).map((p) => p.id)], ports: union(NO_PORTS, ...allowed) };
  }

  /** The host of the pod's own node: by its origin, or (models without origins) by the node's address. */
  private isOwnNode(peer: Endpoint, pod: ModelPod): boolean {
    if (peer.kind === "address" && peer.origin?.node !== undefined) return peer.origin.node === pod.node && !(this.cni === "cilium" && peer.origin.linkLocal);
    return this.addressOf(peer) === this.nodeIPs.get(pod.node);
  }

  /**
   * The rules of these policies (isolating `pod` for `direction`) whose peers cover `peer`. Which
   * rules match does not depend on the protocol, and callers ask for the protocols of one pair in
   * a row: the last answer per direction is kept.
   */
  private rulesAdmitting(direction: Direction, pod: ModelPod, policies: readonly Policy[], peer: Endpoint): Rule[] {
    const last = this.lastRulesAdmitting[direction];
    if (last && last.pod === pod && last.peer === peer) return last.rules;
    const rules: Rule[] = [];
    for (const policy of policies) {
      for (const rule of policy.rules[direction]) {
        if (this.ruleMatches(rule.peers, policy.namespace, peer)) rules.push(rule);
      }
    }
    this.lastRulesAdmitting[direction] = { pod, peer, rules };
    return rules;
  }

  /** An absent or empty peer list admits every endpoint. */
  private ruleMatches(peers: INetworkPolicyPeer[] | undefined, namespace: string, endpoint: Endpoint): boolean {
    if (!peers || peers.length === 0) return true;
    return peers.some((peer) => this.peerMatches(peer, namespace, endpoint));
  }

  /** Whether one NetworkPolicyPeer, written in a policy of `namespace`, covers the endpoint. */
  peerMatches(peer: INetworkPolicyPeer, namespace: string, endpoint: Endpoint): boolean {
    if (peer.ipBlock) {
      // Cilium: CIDR identities are only those outside the cluster (not pods, not node hosts).
      if (this.cni === "cilium" && (endpoint.kind === "pod" || (endpoint.origin?.node !== undefined && !endpoint.origin.linkLocal))) return false;
      const ip = this.addressOf(endpoint);
      return cidrContains(peer.ipBlock.cidr, ip) && !(peer.ipBlock.except ?? []).some((c) => cidrContains(c, ip));
    }
    if (!peer.podSelector && !peer.namespaceSelector) return false;
    if (endpoint.kind !== "pod" || endpoint.pod.hostNetwork) return false;
    const pod = endpoint.pod;
    if (peer.namespaceSelector) {
      if (!selectorMatches(peer.namespaceSelector, this.namespaceLabels.get(pod.namespace) ?? { "kubernetes.io/metadata.name": pod.namespace })) {
        return false;
      }
    } else if (pod.namespace !== namespace) {
      return false;
    }
    return !peer.podSelector || selectorMatches(peer.podSelector, pod.labels);
  }

  /** An absent or empty port list admits every port; named ports resolve on the destination pod. */
  private rulePorts(ports: INetworkPolicyPort[] | undefined, destination: Endpoint, protocol: Protocol): PortSet {
    if (!ports || ports.length === 0) return ALL_PORTS;
    const ranges: PortRange[] = [];
    for (const p of ports) {
      if ((p.protocol ?? "TCP") !== protocol) continue;
      if (p.port === undefined) {
        ranges.push([1, 65535]);
      } else if (typeof p.port === "number") {
        ranges.push([p.port, p.endPort ?? p.port]);
      } else if (destination.kind === "pod" && !destination.pod.hostNetwork) {
        for (const c of destination.pod.containerPorts ?? []) {
          if (c.name === p.port && (c.protocol ?? "TCP") === protocol) ranges.push([c.port, c.port]);
        }
      }
    }
    return portSet(ranges);
  }

  private addressOf(endpoint: Endpoint): string {
    if (endpoint.kind === "address") return endpoint.ip;
    return endpoint.pod.hostNetwork ? (this.nodeIPs.get(endpoint.pod.node) ?? endpoint.pod.ip) : endpoint.pod.ip;
  }
}
