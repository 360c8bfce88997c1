// The model cluster `netpolgen verify` probes: one pod per Longhorn component of each rendered
// version, with the labels the spec says real pods carry, and the outsiders a least-privilege
// policy must keep out (a look-alike pod in another namespace, an unlabelled pod in the Longhorn
// namespace, a node, the API server, ingress controllers, metrics scrapers, DNS, an external host).
import type { INetworkPolicyEgressRule, INetworkPolicyIngressRule, INetworkPolicyPeer, INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1";
import { addressAfter, nthAddress, parseCIDR, strictlyWithin, type CIDR } from "../lib/cidr.ts";
import { podEndpoint, addressEndpoint, type Endpoint, type ModelCluster, type ModelCNI, type ModelNamespace, type ModelNode, type Origin, type ModelPod } from "./endpoints.ts";
import { selectorMatches, type Labels, type SelectorLike } from "../lib/labels.ts";
import type { ResolvedSpec } from "../loader/model.ts";

/** The chart values verify reads (after helm's merge of values.yaml and the -f files). */
export interface VerifyValues {
  versions: string[];
  namespace: string;
  enabled: boolean;
  type: string;
  /** networkPolicies.cni, auto resolved as a render without a cluster resolves it (by type). */
  cni: ModelCNI;
  componentEnabled: (component: string) => boolean;
  featureEnabled: (feature: string) => boolean;
  kubeAPIServerSourceCIDRs: string[];
  nodeCIDRs: string[];
  /** networkPolicies.ciliumLocalHostCIDRs. */
  ciliumLocalHostCIDRs: string[];
  metricsScrapeSources: INetworkPolicyPeer[];
  /** networkPolicies.ui.extraFrom. */
  uiExtraFrom: INetworkPolicyPeer[];
  /** networkPolicies.components.<component>.extraIngress. */
  extraIngress: (component: string) => INetworkPolicyIngressRule[];
  /** networkPolicies.components.<component>.extraPorts. */
  extraPorts: (component: string) => INetworkPolicyPort[];
  /** networkPolicies.components.<component>.extraEgress. */
  extraEgress: (component: string) => INetworkPolicyEgressRule[];
  egress: EgressValues;
}

/** Where an external destination may be reached: anywhere, or CIDRs; on ports, or every port when none. */
export interface ExternalEgress {
  open: boolean;
  cidrs: string[];
  ports: number[];
}

export interface EgressValues {
  enabled: boolean;
  dns: { namespaceSelector: SelectorLike; podSelector: SelectorLike; nodeLocalAddress: string };
  kubeAPIServer: { cidrs: string[]; ports: number[] };
  /** By values key (backupstore, backingImageDownload, upgradeResponder). */
  external: (valueKey: string) => ExternalEgress;
}

/** One endpoint of the model, with what it stands for. */
export interface Actor {
  /** Name in tables: the component id for Longhorn pods, else a short description. */
  name: string;
  endpoint: Endpoint;
  /**
   * The Longhorn components this pod serves, as `version/component`: its own component in every
   * rendered version, plus the roles that run in it in the versions it was built for.
   */
  versionRoles: string[];
  /** The networkPolicies.type presets whose ingress controller this pod is. */
  ingressControllerOf?: string[];
}

export interface ModelWorld {
  cluster: ModelCluster;
  actors: Actor[];
}

/**
 * Where the pods of real ingress controllers run and the labels they carry, per
 * networkPolicies.type (K3s Traefik, RKE2's ingress-nginx and Traefik, RKE1's ingress-nginx).
 */
const INGRESS_CONTROLLERS: { type: string; namespace: string; name: string; labels: Labels }[] = [
  { type: "k3s", namespace: "kube-system", name: "traefik", labels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-kube-system" } },
  {
    type: "rke2",
    namespace: "kube-system",
    name: "rke2-ingress-nginx-controller",
    labels: { "app.kubernetes.io/name": "rke2-ingress-nginx", "app.kubernetes.io/instance": "rke2-ingress-nginx", "app.kubernetes.io/component": "controller" },
  },
  { type: "rke2", namespace: "kube-system", name: "rke2-traefik", labels: { "app.kubernetes.io/name": "rke2-traefik", "app.kubernetes.io/instance": "rke2-traefik-kube-system" } },
  {
    type: "rke1",
    namespace: "ingress-nginx",
    name: "ingress-nginx-controller",
    labels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/instance": "ingress-nginx", "app.kubernetes.io/component": "controller" },
  },
];

const LONGHORN_NODE = "storage-1";
const OTHER_NODE = "storage-2";
const SERVER_NODE = "server-1";

export function buildModel(specs: readonly ResolvedSpec[], values: VerifyValues): ModelWorld {
  const namespaces = new Map<string, ModelNamespace>();
  const addNamespace = (name: string, labels: Labels = {}) => {
    // A namespace exists once: labels asked for later never overwrite those it already has.
    const existing = namespaces.get(name);
    namespaces.set(name, { name, labels: { ...labels, ...existing?.labels } });
  };
  const pods: ModelPod[] = [];
  const actors: Actor[] = [];
  let podIndex = 0;
  const addPod = (actor: Omit<Actor, "endpoint">, namespace: string, labels: Labels): ModelPod => {
    addNamespace(namespace);
    podIndex += 1;
    const pod: ModelPod = { name: actor.name, namespace, labels, ip: `10.42.${Math.floor(podIndex / 250)}.${(podIndex % 250) + 1}`, node: LONGHORN_NODE };
    pods.push(pod);
    actors.push({ ...actor, endpoint: podEndpoint(pod) });
    return pod;
  };
  const ns = values.namespace;
  addNamespace(ns);

  // Longhorn pods: one per component of each rendered version that has pods of its own; roles that
  // run inside another component's pods add their names to that pod. Identical pods of two versions
  // are one pod. During an upgrade a pod of component C is a C to both versions (the new version's
  // clients reach old pods, and the reverse), but it serves only the hosted roles of its own version.
  const longhorn = new Map<string, { component: string; labels: Labels; builtFor: string[] }>();
  for (const spec of specs) {
    for (const component of spec.components.values()) {
      if (component.runsIn) continue;
      const labels = { ...component.podLabels, ...component.runtimeLabels };
      const key = `${component.id}|${JSON.stringify(Object.entries(labels).sort())}`;
      const entry = longhorn.get(key) ?? { component: component.id, labels, builtFor: [] };
      entry.builtFor.push(spec.version);
      longhorn.set(key, entry);
    }
  }
  /** Per version, the `from\0to` pairs its flows connect (a scan of every flow per pod is quadratic). */
  const flowEnds = new Map(specs.map((spec) => [spec.version, new Set(spec.flows.map((f) => `${f.from}\u0000${f.to}`))]));
  const variants = (component: string) => [...longhorn.values()].filter((e) => e.component === component).length;
  for (const entry of longhorn.values()) {
    const versionRoles = specs.flatMap((spec) => {
      const own = spec.components.get(entry.component);
      if (!own || own.runsIn) return [];
      // Hosted roles are servers the pod runs: only those of the versions it was built for.
      const hosted = entry.builtFor.includes(spec.version)
        ? [...spec.components.values()].filter((c) => c.runsIn === entry.component).map((c) => c.id)
        : [];
      return [entry.component, ...hosted].map((role) => `${spec.version}/${role}`);
    });
    versionRoles.sort();
    const name = variants(entry.component) > 1 ? `${entry.component}@${entry.builtFor.join("+")}` : entry.component;
    addPod({ name, versionRoles }, ns, entry.labels);
    // Pods of one component talk to each other (manager to manager, replica to replica): a second
    // pod makes those flows probe-able, since a pod's traffic to itself never leaves it.
    const talksToItself = specs.some((spec) => {
      const roles = versionRoles.filter((r) => r.startsWith(`${spec.version}/`)).map((r) => r.slice(spec.version.length + 1));
      return roles.some((from) => roles.some((to) => flowEnds.get(spec.version)!.has(`${from}\u0000${to}`)));
    });
    if (talksToItself) addPod({ name: `${name} (2nd pod)`, versionRoles }, ns, entry.labels);
  }

  // Outsiders.
  const manager = [...longhorn.values()].find((e) => e.component === "longhorn-manager")?.labels ?? { app: "longhorn-manager" };
  // The look-alike lives in a namespace of its own, whatever namespace Longhorn runs in.
  const elsewhere = ns === "lhnp-outsider" ? "lhnp-outsider-2" : "lhnp-outsider";
  addPod({ name: `look-alike in ${elsewhere} (manager labels)`, versionRoles: [] }, elsewhere, manager);
  addPod({ name: "unlabelled pod in the Longhorn namespace", versionRoles: [] }, ns, {});
  // The DNS pods the values name (egress.dns), kube-system's CoreDNS by default.
  const dnsNamespaceLabels = sampleLabels(values.egress.dns.namespaceSelector);
  const dnsNamespace = dnsNamespaceLabels["kubernetes.io/metadata.name"] ?? "kube-system";
  addNamespace(dnsNamespace, dnsNamespaceLabels);
  const dnsLabels = sampleLabels(values.egress.dns.podSelector);
  addPod({ name: "coredns", versionRoles: [] }, dnsNamespace, Object.keys(dnsLabels).length ? dnsLabels : { "k8s-app": "kube-dns" });
  for (const controller of INGRESS_CONTROLLERS) {
    addPod({ name: controller.name, versionRoles: [], ingressControllerOf: [controller.type] }, controller.namespace, controller.labels);
  }
  addPod({ name: "prometheus", versionRoles: [] }, "monitoring", { "app.kubernetes.io/name": "prometheus" });
  // One member of each peer the values name, so that what they admit is probed.
  /** Each component's selector, with the component whose pods it picks (the host, for a role that runs in another's pods). */
  const longhornSelectors = specs.flatMap((spec) => [...spec.components.values()].flatMap((c) => (c.selector ? [{ selector: c.selector, pod: c.runsIn ?? c.id }] : [])));
  const addPeerSample = (peer: INetworkPolicyPeer, name: string) => {
    if (peer.ipBlock) {
      const cidr = parseCIDR(peer.ipBlock.cidr);
      if (typeof cidr === "string") return;
      // An address of the block outside every except.
      const excepts = (peer.ipBlock.except ?? []).map(parseCIDR).filter((c): c is CIDR => typeof c !== "string");
      const host = cidr.family === 4 ? 32 : 128;
      const inside = (ip: string, block: CIDR) => {
        const single = parseCIDR(`${ip}/${host}`) as CIDR;
        return block.bits === host ? single.address === block.address : strictlyWithin(single, block);
      };
      // The block's second address, or the first one after an excepted block.
      const ip = [nthAddress(cidr, 1), ...excepts.map(addressAfter)].find((a) => inside(a, cidr) && !excepts.some((e) => inside(a, e)));
      if (ip) actors.push({ name, versionRoles: [], endpoint: addressEndpoint(name, ip) });
      return;
    }
    const nsLabels = peer.namespaceSelector ? sampleLabels(peer.namespaceSelector) : {};
    const namespace = peer.namespaceSelector ? (nsLabels["kubernetes.io/metadata.name"] ?? name.replace(/[^a-z0-9]+/g, "-")) : ns;
    const podLabels = peer.podSelector ? sampleLabels(peer.podSelector) : {};
    addNamespace(namespace, nsLabels);
    // A sample in Longhorn's namespace that a component's selector picks is a pod of that component
    // (with the peer's extra labels): it serves that component's roles, unless one of the
    // component's pods is already a member of the peer.
    const picked = namespace === ns ? longhornSelectors.find((l) => selectorMatches(l.selector, podLabels)) : undefined;
    if (picked) {
      const own = actors.find((a) => a.versionRoles.length > 0 && a.endpoint.kind === "pod" && (a.name === picked.pod || a.name.startsWith(`${picked.pod}@`)));
      if (!own || own.endpoint.kind !== "pod") return;
      if (peer.podSelector && selectorMatches(peer.podSelector, own.endpoint.pod.labels)) return;
      addPod({ name: `${name} (a ${picked.pod} pod)`, versionRoles: own.versionRoles }, ns, { ...own.endpoint.pod.labels, ...podLabels });
      return;
    }
    addPod({ name, versionRoles: [] }, namespace, podLabels);
  };
  values.metricsScrapeSources.forEach((peer, i) => addPeerSample(peer, `metrics scraper ${i + 1}`));
  values.uiExtraFrom.forEach((peer, i) => addPeerSample(peer, `ui extraFrom ${i + 1}`));
  const componentIds = [...new Set(specs.flatMap((spec) => [...spec.components.keys()]))].sort();
  for (const id of componentIds) {
    values.extraIngress(id).forEach((rule, i) => (rule.from ?? []).forEach((peer, j) => addPeerSample(peer, `${id} extraIngress ${i + 1}.${j + 1}`)));
  }

  // Addresses: three nodes. The Longhorn pods run on the first, whose host is the local-node client;
  // the second is every other worker's host; the third a control-plane node, whose host runs the API
  // server. Each host's address is the source the CNI shows for its traffic to pods on other nodes
  // (cni-caveats): generic and calico here the node's address, kube-router and canal its flannel.1
  // address (the first of its podCIDR), antrea its antrea-gw0 address (the second), cilium its
  // cilium_host address (which no ipBlock matches). Given lists take precedence: the addresses come
  // from them, as the user says their CNI shows them.
  const perCNI = (n: number): string => {
    switch (values.cni) {
      case "kube-router":
      case "canal":
        return `10.42.${n}.0`;
      case "antrea":
        return `10.42.${n}.1`;
      case "cilium":
        return `10.42.${n}.200`;
      default:
        return `10.0.0.${[21, 22, 10][n]}`;
    }
  };
  const apiCIDR = firstCIDR(values.kubeAPIServerSourceCIDRs);
  const apiServerIP = apiCIDR ? nthAddress(apiCIDR, apiCIDR.bits >= (apiCIDR.family === 4 ? 31 : 127) ? 0 : 1) : perCNI(2);
  // The node probes come from takes the first address the node CIDRs give; the Longhorn pods' node
  // another one (from the same block, the next block, or outside them when a /32 is all there is).
  const candidates: string[] = [];
  for (const text of values.nodeCIDRs) {
    const cidr = parseCIDR(text);
    if (typeof cidr === "string") continue;
    for (const n of [1, 2, 3, 0]) {
      const ip = nthAddress(cidr, n);
      if (ip !== apiServerIP && !candidates.includes(ip)) candidates.push(ip);
    }
    if (candidates.length >= 2) break;
  }
  for (const fallback of [perCNI(1), perCNI(0), "10.0.0.123", "10.0.0.122"]) {
    if (fallback !== apiServerIP && !candidates.includes(fallback)) candidates.push(fallback);
  }
  const nodes: ModelNode[] = [
    { name: LONGHORN_NODE, ip: candidates[1]!, labels: { "kubernetes.io/hostname": LONGHORN_NODE } },
    { name: OTHER_NODE, ip: candidates[0]!, labels: { "kubernetes.io/hostname": OTHER_NODE } },
    { name: SERVER_NODE, ip: apiServerIP, labels: { "kubernetes.io/hostname": SERVER_NODE, "node-role.kubernetes.io/control-plane": "" } },
  ];
  actors.push({ name: `node ${OTHER_NODE}`, versionRoles: [], endpoint: addressEndpoint(`node ${OTHER_NODE}`, nodes[1]!.ip, { node: OTHER_NODE }) });
  // The host of the Longhorn pods' own node: the local iSCSI initiator (hostScope local-node flows).
  actors.push({ name: `node ${LONGHORN_NODE}`, versionRoles: [], endpoint: addressEndpoint(`node ${LONGHORN_NODE}`, nodes[0]!.ip, { node: LONGHORN_NODE }) });
  // On Cilium, the local host from an address Cilium does not count as the host (longhorn#13802),
  // at the address the values list.
  const linkLocal = values.cni === "cilium" ? firstCIDR(values.ciliumLocalHostCIDRs) : undefined;
  if (linkLocal) {
    const name = `node ${LONGHORN_NODE} (iSCSI from ${nthAddress(linkLocal, 0)}, Cilium: world)`;
    actors.push({ name, versionRoles: [], endpoint: addressEndpoint(name, nthAddress(linkLocal, 0), { node: LONGHORN_NODE, linkLocal: true }) });
  }
  // The API server: host-networked on the control-plane node, or (cilium, antrea with
  // kubeAPIServerSourceCIDRs given) outside the cluster, at an address of that list.
  const externalAPIServer = apiCIDR !== undefined && (values.cni === "cilium" || values.cni === "antrea");
  actors.push({
    name: "kube-apiserver",
    versionRoles: [],
    endpoint: addressEndpoint("kube-apiserver", apiServerIP, externalAPIServer ? { apiServer: true } : { node: SERVER_NODE, apiServer: true }),
  });
  actors.push({ name: "external host", versionRoles: [], endpoint: addressEndpoint("external host", "203.0.113.50") });
  // Egress destinations outside the pod network, placed in the CIDRs the values give.
  const egressTarget = (name: string, cidrs: readonly string[], fallback: string, origin?: Origin) => {
    const cidr = firstCIDR(cidrs);
    const ip = cidr ? nthAddress(cidr, cidr.bits >= (cidr.family === 4 ? 31 : 127) ? 0 : 1) : fallback;
    if (!actors.some((a) => a.endpoint.kind === "address" && a.endpoint.ip === ip)) {
      actors.push({ name, versionRoles: [], endpoint: addressEndpoint(name, ip, origin) });
    }
  };
  // The API server's endpoint (what its ClusterIP leads to) runs on the control-plane node.
  egressTarget("kube-apiserver endpoint", values.egress.kubeAPIServer.cidrs, apiServerIP, { node: SERVER_NODE, apiServer: true });
  egressTarget("backupstore", values.egress.external("backupstore").cidrs, "198.51.100.20");
  egressTarget("backing image download server", values.egress.external("backingImageDownload").cidrs, "198.51.100.30");
  egressTarget("upgrade responder", values.egress.external("upgradeResponder").cidrs, "198.51.100.40");
  // NodeLocal DNSCache listens on each node's host; the Longhorn pods ask their own node's.
  if (values.egress.dns.nodeLocalAddress) egressTarget("NodeLocal DNSCache", [], values.egress.dns.nodeLocalAddress, { node: LONGHORN_NODE });

  return { cluster: { cni: values.cni, namespaces: [...namespaces.values()], nodes, pods }, actors };
}

function firstCIDR(list: readonly string[]) {
  for (const text of list) {
    const cidr = parseCIDR(text);
    if (typeof cidr !== "string") return cidr;
  }
  return undefined;
}

/** Labels of an object the selector matches: matchLabels, plus the first value of each In. */
function sampleLabels(selector: SelectorLike): Labels {
  const labels: Labels = { ...selector.matchLabels };
  for (const e of selector.matchExpressions ?? []) {
    // A key matchLabels (or an earlier expression) already set keeps its value when it also satisfies this one.
    if (e.operator === "In" && e.values?.length && !(e.key in labels && e.values.includes(labels[e.key]!))) labels[e.key] = e.values[0]!;
    if (e.operator === "Exists" && !(e.key in labels)) labels[e.key] = "present";
  }
  return labels;
}
