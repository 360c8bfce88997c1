// What the spec and the chart values say must be reachable, computed from the spec alone, never
// from the generator's plan or the rendered chart. verify compares it with what the rendered
// policies allow.
//
// A Longhorn pod is isolated when the policy of any role it serves renders (the master switch is
// on and that component's switch is not off). An isolated pod must accept every enforceable flow
// of its version towards any of its roles (during an upgrade a pod of either version may be the
// client), from the sources the values name, and nothing else:
// - from a component: the pods serving that component;
// - from nodes / kube-apiserver: addresses in nodeCIDRs / kubeAPIServerSourceCIDRs, or any
//   source while the list is empty; with cni cilium or antrea, every node's host / the API server
//   (by origin, as those CNIs' identities and nodeSelector peers see them) plus the API server
//   addresses listed (on Cilium only from outside the cluster); a nodes flow whose client is always on the destination's own
//   node (hostScope local-node) only from that node's host, which Kubernetes always admits (the chart then opens the port, as values.yaml says);
// - from the ingress controller: the controller pods of the networkPolicies.type preset, and
//   what networkPolicies.ui.extraFrom selects;
// - from metrics scrapers: what metricsScrapeSources selects (nothing while empty);
// - flows of a feature only while networkPolicies.features.<feature> is on;
// - components.<c>.extraPorts widen every flow towards <c>; components.<c>.extraIngress adds the
//   operator's own rules;
// - never kubelet probes (enforceable: false) or rows the docs list but no code uses (documentedOnly).
// With networkPolicies.egress.enabled, a pod whose policy renders may send exactly the flows of its
// roles: to component pods on the flow's ports, to the DNS pods (and NodeLocal DNSCache address) the
// values select, to the API server CIDRs (any destination while none are given) on the values'
// ports, and to backupstores and download servers by CIDR or when open; plus extraEgress.
//
// The policy pieces the values hold (extraFrom, metricsScrapeSources, extraPorts, extraIngress,
// extraEgress, the DNS selectors) are read with expected-rules.ts, this side's own implementation
// of NetworkPolicy peers, ports and rules: nothing here comes from the evaluator under test, the
// generator's plan or a target.
import { blockHolds, expectedRules, type ExpectedRules } from "./expected-rules.ts";
import type { ModelCluster, Protocol } from "./endpoints.ts";
import { isEnforceable, type Flow, type Resolved, type ResolvedSpec } from "../loader/model.ts";
import type { Actor, VerifyValues } from "./model-cluster.ts";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1";
import { camelCase, EXTERNAL_EGRESS_KEYS } from "../lib/values-keys.ts";
import { ALL_PORTS, NO_PORTS, intersect, portSet, portsOfProtocol, union, type PortSet } from "../lib/port-set.ts";

interface Side {
  ports: PortSet;
  isolated: boolean;
  flows: ExpectedReach["flows"];
}

export interface ExpectedReach {
  ports: PortSet;
  /** Whether the destination is expected to be isolated for ingress. */
  isolated: boolean;
  /** Whether the source is expected to be isolated for egress. */
  egressIsolated: boolean;
  /** The flows that require the ports, with their version. */
  flows: { id: string; version: string; ports: PortSet }[];
}

/**
 * One version's flows by their ends, as positions in spec.flows, so that a probe looks only at the
 * flows between the roles of its two actors (a scan of every flow per probe is quadratic).
 */
interface FlowIndex {
  spec: ResolvedSpec;
  /** Flows from a component, by `to` and `from`. */
  fromComponent: Map<string, number[]>;
  /** Flows from anything but a component (peers, unknown ids), by `to`. */
  fromOther: Map<string, number[]>;
  /** Flows towards anything but a component, by `from`. */
  toOther: Map<string, number[]>;
}

const ends = (to: string, from: string): string => `${to}\u0000${from}`;

function indexFlows(spec: ResolvedSpec): FlowIndex {
  const index: FlowIndex = { spec, fromComponent: new Map(), fromOther: new Map(), toOther: new Map() };
  const push = (map: Map<string, number[]>, key: string, i: number): void => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  spec.flows.forEach((flow, i) => {
    if (spec.components.has(flow.from)) push(index.fromComponent, ends(flow.to, flow.from), i);
    else push(index.fromOther, flow.to, i);
    if (!spec.components.has(flow.to)) push(index.toOther, flow.from, i);
  });
  return index;
}

/** The roles (component ids) an actor serves in one version, from its `version/component` entries. */
function rolesIn(version: string, versionRoles: readonly string[]): string[] {
  const prefix = `${version}/`;
  return versionRoles.filter((r) => r.startsWith(prefix)).map((r) => r.slice(prefix.length));
}

/** Positions from several ascending lists, ascending and without repeats: the order of a scan of spec.flows. */
function inSpecOrder(lists: readonly (readonly number[] | undefined)[]): number[] {
  const present = lists.filter((l): l is readonly number[] => l !== undefined && l.length > 0);
  if (present.length === 0) return [];
  if (present.length === 1) return present[0] as number[];
  return [...new Set(present.flat())].sort((a, b) => a - b);
}

export class Expectation {
  /** Answers that depend only on the spec and the values, remembered (both are fixed for this object). */
  private readonly memo = {
    indices: new Map<ResolvedSpec, FlowIndex>(),
    policed: new Map<string, boolean>(),
    active: new Map<ResolvedSpec, Map<Flow, boolean>>(),
    egressActive: new Map<ResolvedSpec, Map<Flow, boolean>>(),
    extraPorts: new Map<string, ReturnType<VerifyValues["extraPorts"]>>(),
    extraIngress: new Map<string, ReturnType<VerifyValues["extraIngress"]>>(),
    extraEgress: new Map<string, ReturnType<VerifyValues["extraEgress"]>>(),
    /**
     * The flows that apply to the last pair asked, per side: they do not depend on the protocol,
     * and the protocols of one pair are asked in a row.
     */
    lastPair: {} as Partial<Record<"ingress" | "egress", { source: Actor; destination: Actor; flows: { spec: ResolvedSpec; flow: Resolved<Flow> }[] }>>,
  };

  /**
   * The expected side's own NetworkPolicy semantics (expected-rules.ts), for the policy pieces the
   * values hold: extraFrom, metricsScrapeSources, extraPorts, extraIngress, extraEgress, DNS selectors.
   */
  private readonly rules: ExpectedRules;

  constructor(
    private readonly specs: readonly ResolvedSpec[],
    private readonly values: VerifyValues,
    /** The model cluster, for the namespaces' labels and the nodes' addresses those pieces match on. */
    cluster: ModelCluster,
  ) {
    this.rules = expectedRules(cluster);
    this.nodeIPs = new Map(cluster.nodes.map((node) => [node.name, node.ip]));
  }

  /** Each node's address: the host of a pod's own node is the one host source a local-node flow has. */
  private readonly nodeIPs: Map<string, string>;

  /** Whether a policy renders for this component of this version (`version/component`). */
  policed(versionRole: string): boolean {
    let answer = this.memo.policed.get(versionRole);
    if (answer === undefined) {
      const [version, role = ""] = versionRole.split("/");
      const component = this.specs.find((spec) => spec.version === version)?.components.get(role);
      // A role that runs in another component's pods is policed exactly when that component is:
      // its pods are restricted with all their roles or not at all.
      answer = this.values.enabled && this.values.componentEnabled(component?.runsIn ?? role) && component?.selector !== undefined;
      this.memo.policed.set(versionRole, answer);
    }
    return answer;
  }

  /** Flows the values switch on: enforceable, not documentation-only, feature on, a source admitted. */
  active(spec: ResolvedSpec, flow: Resolved<Flow>): boolean {
    return remember(this.memo.active, spec, flow, () => this.isActive(spec, flow));
  }

  private isActive(spec: ResolvedSpec, flow: Resolved<Flow>): boolean {
    if (!isEnforceable(flow) || flow.documentedOnly || !flow.ports) return false;
    if (flow.feature && !this.values.featureEnabled(flow.feature)) return false;
    const peer = spec.peers.get(flow.from);
    if (peer?.kind === "ingress-controller") return this.values.type !== "none" || this.values.uiExtraFrom.length > 0;
    if (peer?.kind === "metrics-scraper") return this.values.metricsScrapeSources.length > 0;
    return true;
  }

  reach(source: Actor, destination: Actor, protocol: Protocol): ExpectedReach {
    const ingress = this.ingress(source, destination, protocol);
    const egress = this.egress(source, destination, protocol);
    return {
      ports: intersect(ingress.ports, egress.ports),
      isolated: ingress.isolated,
      egressIsolated: egress.isolated,
      flows: [...ingress.flows, ...egress.flows],
    };
  }

  private index(spec: ResolvedSpec): FlowIndex {
    let index = this.memo.indices.get(spec);
    if (!index) this.memo.indices.set(spec, (index = indexFlows(spec)));
    return index;
  }

  private extraPorts(role: string): ReturnType<VerifyValues["extraPorts"]> {
    let ports = this.memo.extraPorts.get(role);
    if (!ports) this.memo.extraPorts.set(role, (ports = this.values.extraPorts(role)));
    return ports;
  }

  private extraIngress(role: string): ReturnType<VerifyValues["extraIngress"]> {
    let rules = this.memo.extraIngress.get(role);
    if (!rules) this.memo.extraIngress.set(role, (rules = this.values.extraIngress(role)));
    return rules;
  }

  private extraEgress(role: string): ReturnType<VerifyValues["extraEgress"]> {
    let rules = this.memo.extraEgress.get(role);
    if (!rules) this.memo.extraEgress.set(role, (rules = this.values.extraEgress(role)));
    return rules;
  }

  private ingress(source: Actor, destination: Actor, protocol: Protocol): Side {
    const isolated = destination.endpoint.kind === "pod" && destination.versionRoles.some((r) => this.policed(r));
    if (!isolated) return { ports: ALL_PORTS, isolated, flows: [] };
    if (this.isOwnNodeHost(source, destination) && !this.cniClassifiesAway(source)) {
      // Kubernetes: a policy cannot block a pod's own node (NetworkPolicy, "What you can't do").
      // The local-node flows are carried by that rule, not by one the chart renders.
      const flows = this.ingressFlows(source, destination).map(({ spec, flow }) => ({ id: flow.id, version: spec.version, ports: portsOfProtocol(flow.ports!, protocol) }));
      return { ports: ALL_PORTS, isolated: false, flows: flows.filter((f) => f.ports.length > 0) };
    }
    const flows: ExpectedReach["flows"] = [];
    /** extraPorts of a destination component, resolved on this destination for this protocol. */
    const extraOf = new Map<string, PortSet>();
    for (const { spec, flow } of this.ingressFlows(source, destination)) {
      const own = portsOfProtocol(flow.ports!, protocol);
      // extraPorts widen every rule of the destination component's policy, for the same sources.
      const role = `${spec.version}/${flow.to}`;
      let extra = extraOf.get(role);
      if (extra === undefined) {
        extra = this.policed(role) ? this.rules.listedPorts(this.extraPorts(flow.to), destination.endpoint, protocol) : NO_PORTS;
        extraOf.set(role, extra);
      }
      const ports = union(own, extra);
      if (ports.length > 0) flows.push({ id: flow.id, version: spec.version, ports });
    }
    // extraIngress: the operator's own rules, for each policed role of the destination.
    const roles = [...new Set(destination.versionRoles.filter((r) => this.policed(r)).map((r) => r.split("/")[1]!))];
    for (const role of roles) {
      const ports = this.rules.ingressAdmits(this.extraIngress(role), this.values.namespace, source.endpoint, destination.endpoint, protocol);
      if (ports.length > 0) flows.push({ id: `extraIngress of ${role}`, version: "values", ports });
    }
    return { ports: union(NO_PORTS, ...flows.map((f) => f.ports)), isolated, flows };
  }

  /**
   * The active flows of every version towards one of the destination's roles whose source is this
   * actor, in spec order: from one of its roles, or from a peer it stands for.
   */
  private ingressFlows(source: Actor, destination: Actor): { spec: ResolvedSpec; flow: Resolved<Flow> }[] {
    const last = this.memo.lastPair.ingress;
    if (last && last.source === source && last.destination === destination) return last.flows;
    const flows: { spec: ResolvedSpec; flow: Resolved<Flow> }[] = [];
    for (const spec of this.specs) {
      const { fromComponent, fromOther } = this.index(spec);
      const toRoles = rolesIn(spec.version, destination.versionRoles);
      if (toRoles.length === 0) continue;
      const fromRoles = rolesIn(spec.version, source.versionRoles);
      const candidates = inSpecOrder(toRoles.flatMap((to) => [...fromRoles.map((from) => fromComponent.get(ends(to, from))), fromOther.get(to)]));
      for (const i of candidates) {
        const flow = spec.flows[i]!;
        if (this.active(spec, flow) && (flow.hostScope === "local-node" ? this.isOwnNodeHost(source, destination) : this.sourceMatches(spec, flow.from, source))) flows.push({ spec, flow });
      }
    }
    this.memo.lastPair.ingress = { source, destination, flows };
    return flows;
  }

  /** With egress on, flows from a policed component that a destination exists for. */
  egressActive(spec: ResolvedSpec, flow: Resolved<Flow>): boolean {
    return remember(this.memo.egressActive, spec, flow, () => this.isEgressActive(spec, flow));
  }

  private isEgressActive(spec: ResolvedSpec, flow: Resolved<Flow>): boolean {
    if (!this.values.egress.enabled || !this.policed(`${spec.version}/${flow.from}`)) return false;
    if (!isEnforceable(flow) || flow.documentedOnly) return false;
    if (flow.feature && !this.values.featureEnabled(flow.feature)) return false;
    const peer = spec.peers.get(flow.to);
    if (peer?.kind === "external") {
      const external = this.values.egress.external(EXTERNAL_EGRESS_KEYS[flow.to] ?? camelCase(flow.to));
      return external.open || external.cidrs.length > 0;
    }
    if (peer) return peer.kind === "dns" || peer.kind === "kube-apiserver";
    return spec.components.get(flow.to)?.selector !== undefined && flow.ports !== undefined;
  }

  /** A Longhorn pod whose policy renders with egress on sends exactly its roles' flows. */
  private egress(source: Actor, destination: Actor, protocol: Protocol): Side {
    const roles = source.endpoint.kind === "pod" && this.values.egress.enabled ? source.versionRoles.filter((r) => this.policed(r)) : [];
    if (roles.length === 0) return { ports: ALL_PORTS, isolated: false, flows: [] };
    const flows: ExpectedReach["flows"] = [];
    for (const { spec, flow } of this.egressFlows(source, destination, roles)) {
      const ports = this.egressPorts(spec, flow, source, destination, protocol);
      if (ports.length > 0) flows.push({ id: flow.id, version: spec.version, ports });
    }
    for (const role of new Set(roles.map((r) => r.split("/")[1]!))) {
      const ports = this.rules.egressAdmits(this.extraEgress(role), this.values.namespace, destination.endpoint, protocol);
      if (ports.length > 0) flows.push({ id: `extraEgress of ${role}`, version: "values", ports });
    }
    return { ports: union(NO_PORTS, ...flows.map((f) => f.ports)), isolated: true, flows };
  }

  /**
   * The active egress flows of every version from one of the source's policed roles (`roles`) that
   * may end at this actor, in spec order: towards one of its roles, or towards a peer (egressPorts
   * decides). A flow towards a component the destination does not serve needs no port of it.
   */
  private egressFlows(source: Actor, destination: Actor, roles: readonly string[]): { spec: ResolvedSpec; flow: Resolved<Flow> }[] {
    const last = this.memo.lastPair.egress;
    if (last && last.source === source && last.destination === destination) return last.flows;
    const flows: { spec: ResolvedSpec; flow: Resolved<Flow> }[] = [];
    for (const spec of this.specs) {
      const { fromComponent, toOther } = this.index(spec);
      const fromRoles = rolesIn(spec.version, roles);
      if (fromRoles.length === 0) continue;
      const toRoles = rolesIn(spec.version, destination.versionRoles);
      const candidates = inSpecOrder(fromRoles.flatMap((from) => [...toRoles.map((to) => fromComponent.get(ends(to, from))), toOther.get(from)]));
      for (const i of candidates) {
        const flow = spec.flows[i]!;
        if (this.egressActive(spec, flow)) flows.push({ spec, flow });
      }
    }
    this.memo.lastPair.egress = { source, destination, flows };
    return flows;
  }

  /** The ports one flow needs towards this destination, as the values describe its peer. */
  private egressPorts(spec: ResolvedSpec, flow: Resolved<Flow>, source: Actor, destination: Actor, protocol: Protocol): PortSet {
    const own = () => portsOfProtocol(flow.ports ?? [], protocol);
    const tcp = (ports: number[]) => (protocol === "TCP" ? portSet(ports.map((p) => [p, p] as const)) : NO_PORTS);
    const ip = destination.endpoint.kind === "pod" ? destination.endpoint.pod.ip : destination.endpoint.ip;
    if (spec.components.has(flow.to)) return destination.versionRoles.includes(`${spec.version}/${flow.to}`) ? own() : NO_PORTS;
    const { dns, kubeAPIServer, external } = this.values.egress;
    // Cilium: node addresses are identities, not CIDRs. The chart reaches the API server by its
    // entity (wherever it runs) and a NodeLocal DNSCache as the pod's own node (entity host, on the
    // DNS ports); listed addresses count only outside the cluster.
    const cilium = this.values.cni === "cilium";
    const origin = destination.endpoint.kind === "address" ? destination.endpoint.origin : undefined;
    const listed = (cidrs: readonly string[]) => cidrs.some((c) => blockHolds(c, ip)) && !(cilium && origin?.node !== undefined);
    switch (spec.peers.get(flow.to)?.kind) {
      case "dns": {
        const peer = { namespaceSelector: dns.namespaceSelector, podSelector: dns.podSelector } as INetworkPolicyPeer;
        const ownNode = cilium && dns.nodeLocalAddress !== "" && origin?.node !== undefined && !origin.linkLocal && origin.node === this.podNode(source);
        const matches =
          this.rules.peerCovers(peer, this.values.namespace, destination.endpoint) || ownNode || (dns.nodeLocalAddress !== "" && ip === dns.nodeLocalAddress && !(cilium && origin?.node !== undefined));
        return matches ? own() : NO_PORTS;
      }
      case "kube-apiserver":
        return kubeAPIServer.cidrs.length === 0 || listed(kubeAPIServer.cidrs) || (cilium && origin?.apiServer === true) ? tcp(kubeAPIServer.ports) : NO_PORTS;
      case "external": {
        const target = external(EXTERNAL_EGRESS_KEYS[flow.to] ?? camelCase(flow.to));
        if (!target.open && !target.cidrs.some((c) => blockHolds(c, ip))) return NO_PORTS;
        return target.ports.length === 0 ? ALL_PORTS : tcp(target.ports);
      }
      default:
        return NO_PORTS;
    }
  }

  /**
   * A local host source the CNI does not recognise as that host: on Cilium, a link-local source
   * (longhorn#13802) is world, so Kubernetes' always-allow for the pod's own node does not hold for
   * it; the local-node flows must then be admitted by the chart (ciliumLocalHostCIDRs).
   */
  private cniClassifiesAway(source: Actor): boolean {
    return this.values.cni === "cilium" && source.endpoint.kind === "address" && source.endpoint.origin?.linkLocal === true;
  }

  /** The node a pod actor runs on. */
  private podNode(actor: Actor): string | undefined {
    return actor.endpoint.kind === "pod" ? actor.endpoint.pod.node : undefined;
  }

  /** Whether the source is the host of the node the destination pod runs on. */
  private isOwnNodeHost(source: Actor, destination: Actor): boolean {
    if (source.endpoint.kind !== "address" || destination.endpoint.kind !== "pod") return false;
    const node = source.endpoint.origin?.node;
    return node !== undefined ? node === destination.endpoint.pod.node : this.nodeIPs.get(destination.endpoint.pod.node) === source.endpoint.ip;
  }

  sourceMatches(spec: ResolvedSpec, from: string, source: Actor): boolean {
    // A client of version v's flow serves that role in v (a pod of component C is a C to both
    // versions; roles hosted in it belong to its own version only).
    if (spec.components.has(from)) return source.versionRoles.includes(`${spec.version}/${from}`);
    const ip = source.endpoint.kind === "pod" ? source.endpoint.pod.ip : source.endpoint.ip;
    const origin = source.endpoint.kind === "address" ? source.endpoint.origin : undefined;
    const inAny = (cidrs: string[]) => cidrs.length === 0 || cidrs.some((c) => blockHolds(c, ip));
    const { cni } = this.values;
    // cilium, antrea: the chart admits the hosts and the API server by the CNI's own identities
    // (every node's host; the API server wherever it runs), and the given API server CIDRs besides,
    // which on Cilium match only sources outside the cluster.
    const native = cni === "cilium" || cni === "antrea";
    switch (spec.peers.get(from)?.kind) {
      case "nodes":
        // The link-local source stands for the local iSCSI initiator only (local-node flows).
        return native ? origin?.node !== undefined && !origin.linkLocal : inAny(this.values.nodeCIDRs);
      case "kube-apiserver": {
        if (!native) return inAny(this.values.kubeAPIServerSourceCIDRs);
        if (origin?.apiServer === true) return true;
        const listed = this.values.kubeAPIServerSourceCIDRs.some((c) => blockHolds(c, ip));
        return cni === "cilium" ? listed && source.endpoint.kind === "address" && origin?.node === undefined : listed;
      }
      case "ingress-controller":
        return (
          (source.ingressControllerOf?.includes(this.values.type) ?? false) ||
          this.values.uiExtraFrom.some((peer) => this.rules.peerCovers(peer, this.values.namespace, source.endpoint))
        );
      case "metrics-scraper":
        return this.values.metricsScrapeSources.some((peer) => this.rules.peerCovers(peer, this.values.namespace, source.endpoint));
      default:
        // DNS, the kubelet, backupstores and download servers never open connections to Longhorn pods.
        return false;
    }
  }
}

function remember(memo: Map<ResolvedSpec, Map<Flow, boolean>>, spec: ResolvedSpec, flow: Flow, answer: () => boolean): boolean {
  let bySpec = memo.get(spec);
  if (!bySpec) memo.set(spec, (bySpec = new Map()));
  let known = bySpec.get(flow);
  if (known === undefined) bySpec.set(flow, (known = answer()));
  return known;
}
