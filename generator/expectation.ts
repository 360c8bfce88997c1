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
//   source while the list is empty (the chart then opens the port, as values.yaml says);
// - from the ingress controller: the controller pods of the networkPolicies.type preset, and
//   what networkPolicies.ui.extraFrom selects;
// - from metrics scrapers: what metricsScrapeSources selects (nothing while empty);
// - flows of a feature only while networkPolicies.features.<feature> is on;
// - components.<c>.extraPorts widen every flow towards <c>; components.<c>.extraIngress adds the
//   operator's own rules (evaluated with NetworkPolicy semantics);
// - never kubelet probes (enforceable: false) or rows the docs list but no code uses (documentedOnly).
// With networkPolicies.egress.enabled, a pod whose policy renders may send exactly the flows of its
// roles: to component pods on the flow's ports, to the DNS pods (and NodeLocal DNSCache address) the
// values select, to the API server CIDRs (any destination while none are given) on the values'
// ports, and to backupstores and download servers by CIDR or when open; plus extraEgress.
import { cidrContains, type Evaluator, type Protocol } from "./evaluator.ts";
import { isEnforceable, type Flow, type Resolved, type ResolvedSpec } from "./model.ts";
import type { Actor, VerifyValues } from "./model-cluster.ts";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1";
import { camelCase, EXTERNAL_EGRESS_KEYS } from "./plan.ts";
import { ALL_PORTS, NO_PORTS, intersect, portSet, portsOfProtocol, union, type PortSet } from "./port-set.ts";

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

export class Expectation {
  constructor(
    private readonly specs: readonly ResolvedSpec[],
    private readonly values: VerifyValues,
    /** Evaluates metricsScrapeSources peers; no policies needed. */
    private readonly peers: Evaluator,
  ) {}

  /** Whether a policy renders for this component of this version (`version/component`). */
  policed(versionRole: string): boolean {
    const [version, role = ""] = versionRole.split("/");
    if (!this.values.enabled || !this.values.componentEnabled(role)) return false;
    return this.specs.find((spec) => spec.version === version)?.components.get(role)?.selector !== undefined;
  }

  /** Flows the values switch on: enforceable, not documentation-only, feature on, a source admitted. */
  active(spec: ResolvedSpec, flow: Resolved<Flow>): boolean {
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

  private ingress(source: Actor, destination: Actor, protocol: Protocol): Side {
    const isolated = destination.endpoint.kind === "pod" && destination.versionRoles.some((r) => this.policed(r));
    if (!isolated) return { ports: ALL_PORTS, isolated, flows: [] };
    const flows: ExpectedReach["flows"] = [];
    for (const spec of this.specs) {
      for (const flow of spec.flows) {
        if (!destination.versionRoles.includes(`${spec.version}/${flow.to}`) || !this.active(spec, flow) || !this.sourceMatches(spec, flow.from, source)) continue;
        const own = portsOfProtocol(flow.ports!, protocol);
        // extraPorts widen every rule of the destination component's policy, for the same sources.
        const extra = this.policed(`${spec.version}/${flow.to}`)
          ? this.peers.portsOf(this.values.extraPorts(flow.to), destination.endpoint, protocol)
          : NO_PORTS;
        const ports = union(own, extra);
        if (ports.length > 0) flows.push({ id: flow.id, version: spec.version, ports });
      }
    }
    // extraIngress: the operator's own rules, for each policed role of the destination.
    const roles = [...new Set(destination.versionRoles.filter((r) => this.policed(r)).map((r) => r.split("/")[1]!))];
    for (const role of roles) {
      const ports = this.peers.ingressRulesAdmit(this.values.extraIngress(role), this.values.namespace, source.endpoint, destination.endpoint, protocol);
      if (ports.length > 0) flows.push({ id: `extraIngress of ${role}`, version: "values", ports });
    }
    return { ports: union(NO_PORTS, ...flows.map((f) => f.ports)), isolated, flows };
  }

  /** With egress on, flows from a policed component that a destination exists for. */
  egressActive(spec: ResolvedSpec, flow: Resolved<Flow>): boolean {
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
    for (const spec of this.specs) {
      for (const flow of spec.flows) {
        if (!roles.includes(`${spec.version}/${flow.from}`) || !this.egressActive(spec, flow)) continue;
        const ports = this.egressPorts(spec, flow, destination, protocol);
        if (ports.length > 0) flows.push({ id: flow.id, version: spec.version, ports });
      }
    }
    for (const role of new Set(roles.map((r) => r.split("/")[1]!))) {
      const ports = this.peers.egressRulesAdmit(this.values.extraEgress(role), this.values.namespace, destination.endpoint, protocol);
      if (ports.length > 0) flows.push({ id: `extraEgress of ${role}`, version: "values", ports });
    }
    return { ports: union(NO_PORTS, ...flows.map((f) => f.ports)), isolated: true, flows };
  }

  /** The ports one flow needs towards this destination, as the values describe its peer. */
  private egressPorts(spec: ResolvedSpec, flow: Resolved<Flow>, destination: Actor, protocol: Protocol): PortSet {
    const own = () => portsOfProtocol(flow.ports ?? [], protocol);
    const tcp = (ports: number[]) => (protocol === "TCP" ? portSet(ports.map((p) => [p, p] as const)) : NO_PORTS);
    const ip = destination.endpoint.kind === "pod" ? destination.endpoint.pod.ip : destination.endpoint.ip;
    if (spec.components.has(flow.to)) return destination.versionRoles.includes(`${spec.version}/${flow.to}`) ? own() : NO_PORTS;
    const { dns, kubeAPIServer, external } = this.values.egress;
    switch (spec.peers.get(flow.to)?.kind) {
      case "dns": {
        const peer = { namespaceSelector: dns.namespaceSelector, podSelector: dns.podSelector } as INetworkPolicyPeer;
        const matches = this.peers.peerMatches(peer, this.values.namespace, destination.endpoint) || (dns.nodeLocalAddress !== "" && ip === dns.nodeLocalAddress);
        return matches ? own() : NO_PORTS;
      }
      case "kube-apiserver":
        return kubeAPIServer.cidrs.length === 0 || kubeAPIServer.cidrs.some((c) => cidrContains(c, ip)) ? tcp(kubeAPIServer.ports) : NO_PORTS;
      case "external": {
        const target = external(EXTERNAL_EGRESS_KEYS[flow.to] ?? camelCase(flow.to));
        if (!target.open && !target.cidrs.some((c) => cidrContains(c, ip))) return NO_PORTS;
        return target.ports.length === 0 ? ALL_PORTS : tcp(target.ports);
      }
      default:
        return NO_PORTS;
    }
  }

  sourceMatches(spec: ResolvedSpec, from: string, source: Actor): boolean {
    // A client of version v's flow serves that role in v (a pod of component C is a C to both
    // versions; roles hosted in it belong to its own version only).
    if (spec.components.has(from)) return source.versionRoles.includes(`${spec.version}/${from}`);
    const ip = source.endpoint.kind === "pod" ? source.endpoint.pod.ip : source.endpoint.ip;
    const inAny = (cidrs: string[]) => cidrs.length === 0 || cidrs.some((c) => cidrContains(c, ip));
    switch (spec.peers.get(from)?.kind) {
      case "nodes":
        return inAny(this.values.nodeCIDRs);
      case "kube-apiserver":
        return inAny(this.values.kubeAPIServerSourceCIDRs);
      case "ingress-controller":
        return (
          (source.ingressControllerOf?.includes(this.values.type) ?? false) ||
          this.values.uiExtraFrom.some((peer) => this.peers.peerMatches(peer, this.values.namespace, source.endpoint))
        );
      case "metrics-scraper":
        return this.values.metricsScrapeSources.some((peer) => this.peers.peerMatches(peer, this.values.namespace, source.endpoint));
      default:
        // DNS, the kubelet, backupstores and download servers never open connections to Longhorn pods.
        return false;
    }
  }
}
