// The expected side's own reading of the NetworkPolicy pieces an operator writes in the values
// (ui.extraFrom, metricsScrapeSources, components.<c>.extraPorts / extraIngress / extraEgress, the
// DNS selectors). It is a second implementation, written from the Kubernetes API reference
// (networking.k8s.io/v1 NetworkPolicyPeer, IPBlock, NetworkPolicyPort, NetworkPolicyIngressRule,
// NetworkPolicyEgressRule; meta/v1 LabelSelector) and not from evaluator.ts, so that a mistake in
// the evaluator's peer or port semantics is not mirrored by the expectation: verify would then see
// the two disagree. test/expected-rules.test.ts holds them side by side.
//
// What the reference says, and how it is read here:
// - LabelSelector: matchLabels and matchExpressions are ANDed; each matchLabels entry is the
//   requirement `key = value`. In: the key is present with one of the values; NotIn: the key is
//   absent or has none of them; Exists / DoesNotExist: present / absent. An empty selector selects
//   everything. A selector the API server refuses (an unknown operator, In/NotIn without values,
//   Exists/DoesNotExist with values) selects nothing, as Kubernetes' own conversion does.
// - NetworkPolicyPeer: podSelector alone picks pods of the policy's namespace; namespaceSelector
//   alone every pod of the namespaces it picks (kubernetes.io/metadata.name is always a namespace
//   label); both, the pods podSelector picks in those namespaces. ipBlock stands alone (the API
//   refuses it beside a selector: such a peer admits nothing here) and matches by address, pods
//   included, minus every `except`. A peer with none of the three admits nothing.
// - NetworkPolicyPort: protocol defaults to TCP; no port means every port of the protocol; a number
//   with endPort is the inclusive range; a name is looked up in the destination pod's container
//   ports (same name and protocol; a container port's protocol defaults to TCP), and addresses have
//   no named ports.
// - Rules: a rule admits a connection when its peers cover the other end (an absent or empty
//   from / to covers everyone) and then opens the ports of its port list (absent or empty: all).
// - The model's conventions for what the API leaves to the CNI, shared with the evaluator and
//   stated in README's "What NetworkPolicy cannot govern": a hostNetwork pod is, to a peer, the
//   address of its node (selectors never match it) and has no named ports.
import type { INetworkPolicyEgressRule, INetworkPolicyIngressRule, INetworkPolicyPeer, INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1";
import { parseCIDR, type CIDR } from "../lib/cidr.ts";
import type { Labels, SelectorLike } from "../lib/labels.ts";
import { ALL_PORTS, NO_PORTS, portSet, union, type PortRange, type PortSet } from "../lib/port-set.ts";
import type { ContainerPort, Endpoint, ModelCluster, Protocol } from "./endpoints.ts";

/** One requirement of a selector (a labels.Requirement, in Kubernetes' terms), as a test of the labels. */
type Requirement = (labels: ReadonlyMap<string, string>) => boolean;

/** The requirements of a selector, or undefined when the API server would refuse it. */
function requirementsOf(selector: SelectorLike): Requirement[] | undefined {
  const out: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, wanted]) => (labels) => labels.get(key) === wanted);
  for (const expression of selector.matchExpressions ?? []) {
    const key = expression.key;
    const values = expression.values === undefined ? undefined : new Set(expression.values);
    if (expression.operator === "In" || expression.operator === "NotIn") {
      if (values === undefined || values.size === 0) return undefined;
      const inSet = (labels: ReadonlyMap<string, string>) => labels.has(key) && values.has(labels.get(key)!);
      out.push(expression.operator === "In" ? inSet : (labels) => !inSet(labels));
    } else if (expression.operator === "Exists" || expression.operator === "DoesNotExist") {
      if (values !== undefined && values.size > 0) return undefined;
      const wantPresent = expression.operator === "Exists";
      out.push((labels) => labels.has(key) === wantPresent);
    } else {
      return undefined;
    }
  }
  return out;
}

/** Requirements per selector object (the values' selectors are asked about for every probe). */
const requirementsMemo = new WeakMap<SelectorLike, Requirement[] | undefined>();

/** Whether a label selector selects an object with these labels. */
export function selects(selector: SelectorLike, labels: Labels): boolean {
  if (!requirementsMemo.has(selector)) requirementsMemo.set(selector, requirementsOf(selector));
  const requirements = requirementsMemo.get(selector);
  if (requirements === undefined) return false;
  const asMap = new Map(Object.entries(labels));
  return requirements.every((requirement) => requirement(asMap));
}

/** An address as a one-address block, or undefined when it is not an address. */
function hostBlock(ip: string): CIDR | undefined {
  const parsed = parseCIDR(`${ip}/${ip.includes(":") ? 128 : 32}`);
  return typeof parsed === "string" ? undefined : parsed;
}

const parsedBlocks = new Map<string, CIDR | undefined>();

/** Whether the block written as `cidr` holds the address `ip` (never across IPv4 and IPv6). */
export function blockHolds(cidr: string, ip: string): boolean {
  if (!parsedBlocks.has(cidr)) {
    const parsed = parseCIDR(cidr);
    parsedBlocks.set(cidr, typeof parsed === "string" ? undefined : parsed);
  }
  const block = parsedBlocks.get(cidr);
  const host = hostBlock(ip);
  if (block === undefined || host === undefined || block.family !== host.family) return false;
  const hostBits = BigInt((block.family === 4 ? 32 : 128) - block.bits);
  return block.address >> hostBits === host.address >> hostBits;
}

/** What a peer can see of an endpoint: its address, and for an ordinary pod who it is. */
interface Seen {
  address: string;
  pod?: { namespace: string; labels: Labels; containerPorts: readonly ContainerPort[] };
}

/** NetworkPolicy peer, port and rule semantics over one model cluster. */
export interface ExpectedRules {
  /** Whether a peer, written in a policy of `policyNamespace`, covers the endpoint. */
  peerCovers(peer: INetworkPolicyPeer, policyNamespace: string, endpoint: Endpoint): boolean;
  /** The ports a list of NetworkPolicyPorts names on the destination, for one protocol (an empty list names none). */
  listedPorts(ports: readonly INetworkPolicyPort[], destination: Endpoint, protocol: Protocol): PortSet;
  /** The ports ingress rules of a policy in `policyNamespace` open from `source` to `destination`. */
  ingressAdmits(rules: readonly INetworkPolicyIngressRule[], policyNamespace: string, source: Endpoint, destination: Endpoint, protocol: Protocol): PortSet;
  /** The ports egress rules of a policy in `policyNamespace` let its pods open on `destination`. */
  egressAdmits(rules: readonly INetworkPolicyEgressRule[], policyNamespace: string, destination: Endpoint, protocol: Protocol): PortSet;
}

export function expectedRules(cluster: ModelCluster): ExpectedRules {
  const namespaceLabels = (name: string): Labels => {
    const declared = cluster.namespaces.find((ns) => ns.name === name)?.labels ?? {};
    // The API server sets this label on every namespace, and nobody can change it.
    return { ...declared, "kubernetes.io/metadata.name": name };
  };

  const see = (endpoint: Endpoint): Seen => {
    if (endpoint.kind === "address") return { address: endpoint.ip };
    const pod = endpoint.pod;
    if (pod.hostNetwork) {
      const node = cluster.nodes.find((n) => n.name === pod.node);
      return { address: node ? node.ip : pod.ip };
    }
    return { address: pod.ip, pod: { namespace: pod.namespace, labels: pod.labels, containerPorts: pod.containerPorts ?? [] } };
  };

  const peerCovers = (peer: INetworkPolicyPeer, policyNamespace: string, endpoint: Endpoint): boolean => {
    const seen = see(endpoint);
    const bySelector = peer.podSelector !== undefined || peer.namespaceSelector !== undefined;
    if (peer.ipBlock !== undefined) {
      if (bySelector) return false;
      const { cidr, except = [] } = peer.ipBlock;
      return blockHolds(cidr, seen.address) && except.every((hole) => !blockHolds(hole, seen.address));
    }
    if (!bySelector || seen.pod === undefined) return false;
    const namespaceAdmitted =
      peer.namespaceSelector === undefined ? seen.pod.namespace === policyNamespace : selects(peer.namespaceSelector, namespaceLabels(seen.pod.namespace));
    const podAdmitted = peer.podSelector === undefined || selects(peer.podSelector, seen.pod.labels);
    return namespaceAdmitted && podAdmitted;
  };

  const entryRanges = (entry: INetworkPolicyPort, destination: Seen, protocol: Protocol): PortRange[] => {
    if ((entry.protocol ?? "TCP") !== protocol) return [];
    const port = entry.port;
    switch (typeof port) {
      case "undefined":
        return [...ALL_PORTS];
      case "number":
        return [[port, entry.endPort ?? port]];
      default:
        return (destination.pod?.containerPorts ?? []).filter((c) => c.name === port && (c.protocol ?? "TCP") === protocol).map((c): PortRange => [c.port, c.port]);
    }
  };

  const listedPorts = (ports: readonly INetworkPolicyPort[], destination: Endpoint, protocol: Protocol): PortSet => {
    const seen = see(destination);
    return portSet(ports.flatMap((entry) => entryRanges(entry, seen, protocol)));
  };

  /** A rule's ports: its list, or every port when it has none. */
  const rulePorts = (ports: readonly INetworkPolicyPort[] | undefined, destination: Endpoint, protocol: Protocol): PortSet =>
    ports === undefined || ports.length === 0 ? ALL_PORTS : listedPorts(ports, destination, protocol);

  /** Whether a rule's peer list covers the endpoint: an absent or empty list covers everyone. */
  const peersCover = (peers: readonly INetworkPolicyPeer[] | undefined, policyNamespace: string, endpoint: Endpoint): boolean =>
    peers === undefined || peers.length === 0 || peers.some((peer) => peerCovers(peer, policyNamespace, endpoint));

  return {
    peerCovers,
    listedPorts,
    ingressAdmits(rules, policyNamespace, source, destination, protocol) {
      let open: PortSet = NO_PORTS;
      for (const rule of rules) {
        if (peersCover(rule.from, policyNamespace, source)) open = union(open, rulePorts(rule.ports, destination, protocol));
      }
      return open;
    },
    egressAdmits(rules, policyNamespace, destination, protocol) {
      let open: PortSet = NO_PORTS;
      for (const rule of rules) {
        if (peersCover(rule.to, policyNamespace, destination)) open = union(open, rulePorts(rule.ports, destination, protocol));
      }
      return open;
    },
  };
}
