// The chart's values: the value tree (values-model.ts) built from the spec versions the chart
// supports, and the shared shapes its schema fragments reach by $ref.
import { camelCase } from "../../lib/values-keys.ts";
import type { ResolvedSpec } from "../../loader/model.ts";
import { commentText } from "../../lib/safe-text.ts";
import { groupSchema, renderValuesYaml, sharedDefinitions, type ValueGroup, type ValueLeaf, type ValueNode } from "./values-model.ts";

export const INGRESS_TYPES = ["k3s", "rke2", "rke1", "none"] as const;
/** The CNIs whose host traffic the chart knows how to admit; `auto` follows `type`. */
export const CNIS = ["auto", "cilium", "antrea", "calico", "canal", "kube-router", "generic", "flannel"] as const;

export interface ValuesModel {
  newestGA: string;
  versions: string[];
  /** Every component with a selector in any version: values key, id, title, versions. */
  components: { key: string; id: string; title: string; versions: string[] }[];
  features: { key: string; id: string; title: string; defaultEnabled: boolean }[];
}

export function valuesModel(specs: readonly ResolvedSpec[]): ValuesModel {
  const components = new Map<string, ValuesModel["components"][number]>();
  const features = new Map<string, ValuesModel["features"][number]>();
  for (const spec of specs) {
    for (const c of spec.components.values()) {
      if (!c.selector) continue;
      const entry = components.get(c.id) ?? { key: camelCase(c.id), id: c.id, title: c.title, versions: [] };
      entry.versions.push(spec.version);
      entry.title = c.title;
      components.set(c.id, entry);
    }
    for (const f of spec.features.values()) {
      features.set(f.id, { key: camelCase(f.id), id: f.id, title: f.title, defaultEnabled: f.defaultEnabled });
    }
  }
  const ga = specs.filter((s) => s.status === "ga").map((s) => s.version);
  return {
    newestGA: ga[ga.length - 1]!,
    versions: specs.map((s) => s.version),
    components: [...components.values()].sort((a, b) => a.key.localeCompare(b.key)),
    features: [...features.values()].sort((a, b) => a.key.localeCompare(b.key)),
  };
}

/** Octet of an IPv4 address, without leading zeros (the API server's parser refuses them from 1.30). */
const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4 = `(${OCTET}\\.){3}${OCTET}`;
const HEXTET = "[0-9A-Fa-f]{1,4}";
/** Every spelling of an IPv6 address net.ParseIP accepts (no zone), including an IPv4 tail. */
const IPV6 = (() => {
  const h = HEXTET;
  const forms = [`(${h}:){7}${h}`, `(${h}:){6}${IPV4}`, `::(${h}(:${h}){0,6})?`, `::(${h}:){0,5}${IPV4}`];
  for (let left = 1; left <= 7; left++) {
    // `left` hextets, "::", then hextets up to 8 in all (or an IPv4 tail standing for two).
    const right = 7 - left;
    forms.push(right === 0 ? `(${h}:){7}:` : `(${h}:){${left}}:(${h}(:${h}){0,${right - 1}})?`);
    if (left <= 5) forms.push(`(${h}:){${left}}:(${h}:){0,${5 - left}}${IPV4}`);
  }
  return `(${forms.join("|")})`;
})();
const IPV4_CIDR = `^${IPV4}/(3[0-2]|[12]?[0-9])$`;
const IPV6_CIDR = `^${IPV6}/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$`;

/** Kubernetes qualified name (label and annotation keys): an optional DNS-subdomain prefix and a name of at most 63. */
const QUALIFIED_NAME =
  "^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
const LABEL_VALUE = "^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$";

/**
 * A container image reference as the Docker distribution reference grammar reads it: an optional
 * registry host (with port), path components, an optional tag, an optional sha256 digest. Nothing
 * else, so the value can never become YAML or template syntax.
 */
const IMAGE_REFERENCE =
  "^(([a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)(\\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*(:[0-9]+)?/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$";

/** Labels every policy sets itself: commonLabels may not repeat them. */
const RESERVED_LABELS = [
  "helm.sh/chart",
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
  "app.kubernetes.io/version",
  "app.kubernetes.io/managed-by",
  "app.kubernetes.io/component",
  "longhorn-network-policies/longhorn-version",
];

/** Most CIDRs, peers, ports and rules one list may hold: enough for any real cluster, far below etcd's object limit. */
const LIMITS = { cidrs: 256, peers: 64, ports: 64, rules: 64, selectorTerms: 32 } as const;

/** Empty, or a DNS-1123 label. */
const OPTIONAL_DNS_LABEL = { type: "string", maxLength: 63, pattern: "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$" };

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const list = (items: object, maxItems: number, description?: string) => ({
  ...(description ? { description } : {}),
  type: "array",
  maxItems,
  items,
});

/**
 * The shapes values share, each written once and used by `$ref`. They refuse what the API server
 * would refuse; what JSON Schema cannot say (endPort below port, an except outside its cidr, a label
 * key prefix over 253 characters) is checked by templates/checks/values.yaml.
 */
const DEFINITIONS = {
  cidr: {
    description: "An IPv4 or IPv6 CIDR, e.g. 10.0.0.0/16 or fd00::/64.",
    maxLength: 64,
    anyOf: [
      { type: "string", pattern: IPV4_CIDR },
      { type: "string", pattern: IPV6_CIDR },
    ],
  },
  cidrList: list(ref("cidr"), LIMITS.cidrs, `CIDRs (at most ${LIMITS.cidrs}; use covering blocks rather than one per address).`),

  qualifiedName: { description: "A label or annotation key: [prefix/]name.", type: "string", maxLength: 317, pattern: QUALIFIED_NAME },
  labelValue: { description: "A label value: at most 63 of A-Z a-z 0-9 - _ ., alphanumeric at both ends.", type: "string", maxLength: 63, pattern: LABEL_VALUE },
  labels: { description: "Labels.", type: "object", propertyNames: ref("qualifiedName"), additionalProperties: ref("labelValue") },
  selectorRequirement: {
    description: "A label selector requirement.",
    type: "object",
    additionalProperties: false,
    required: ["key", "operator"],
    properties: {
      key: ref("qualifiedName"),
      operator: { description: "In, NotIn, Exists or DoesNotExist.", type: "string", enum: ["In", "NotIn", "Exists", "DoesNotExist"] },
      values: list(ref("labelValue"), LIMITS.selectorTerms, "Values: at least one for In and NotIn, none for Exists and DoesNotExist."),
    },
    allOf: [
      {
        if: { properties: { operator: { enum: ["In", "NotIn"] } } },
        then: { required: ["values"], properties: { values: { minItems: 1 } } },
        else: { properties: { values: { maxItems: 0 } } },
      },
    ],
  },
  labelSelector: {
    description: "A label selector.",
    type: "object",
    additionalProperties: false,
    properties: {
      matchLabels: { description: "Labels that must match exactly.", allOf: [ref("labels")] },
      matchExpressions: list(ref("selectorRequirement"), LIMITS.selectorTerms, "Set-based requirements."),
    },
  },
  /** A selector that selects something in particular: `{}` would select everything. */
  narrowSelector: {
    description: "A label selector with at least one term.",
    allOf: [ref("labelSelector"), { anyOf: [{ required: ["matchLabels"], properties: { matchLabels: { minProperties: 1 } } }, { required: ["matchExpressions"], properties: { matchExpressions: { minItems: 1 } } }] }],
  },
  ipBlock: {
    description: "Addresses: a CIDR, less the CIDRs inside it in except.",
    type: "object",
    additionalProperties: false,
    required: ["cidr"],
    properties: { cidr: ref("cidr"), except: list(ref("cidr"), LIMITS.cidrs, "CIDRs strictly inside cidr to leave out.") },
  },
  peer: {
    description: "A NetworkPolicyPeer: an ipBlock, or pod and/or namespace selectors (not both kinds).",
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    properties: {
      podSelector: { description: "Pods (in the policy's namespace unless namespaceSelector is given).", allOf: [ref("labelSelector")] },
      namespaceSelector: { description: "Namespaces.", allOf: [ref("labelSelector")] },
      ipBlock: ref("ipBlock"),
    },
    dependencies: { ipBlock: { not: { anyOf: [{ required: ["podSelector"] }, { required: ["namespaceSelector"] }] } } },
  },
  peers: list(ref("peer"), LIMITS.peers, `NetworkPolicyPeers (at most ${LIMITS.peers}).`),
  portNumber: { description: "A port number.", type: "integer", minimum: 1, maximum: 65535 },
  portName: {
    description: "An IANA port name: at most 15 of a-z 0-9 '-', with a letter, no '--', no '-' at either end.",
    type: "string",
    maxLength: 15,
    allOf: [{ pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" }, { pattern: "[a-z]" }, { not: { pattern: "--" } }],
  },
  port: {
    description: "A NetworkPolicyPort: a port, or with endPort a range of numeric ports, of TCP (default), UDP or SCTP.",
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    properties: {
      port: { description: "A port number or an IANA port name.", anyOf: [ref("portNumber"), ref("portName")] },
      endPort: { description: "Last port of the range (port must be a number, endPort at least port).", allOf: [ref("portNumber")] },
      protocol: { description: "TCP (default), UDP or SCTP.", type: "string", enum: ["TCP", "UDP", "SCTP"] },
    },
    dependencies: { endPort: { required: ["port"], properties: { port: ref("portNumber") } } },
  },
  /** extraPorts join rules that have sources: a port is required, so an entry never means "every port". */
  extraPort: { allOf: [ref("port"), { required: ["port"] }] },
  ingressRule: {
    description: "A NetworkPolicyIngressRule; omit from (or ports) for any source (or port), an empty list is refused.",
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    properties: {
      from: { minItems: 1, allOf: [ref("peers")] },
      ports: { ...list(ref("port"), LIMITS.ports, "Ports."), minItems: 1 },
    },
  },
  egressRule: {
    description: "A NetworkPolicyEgressRule; omit to (or ports) for any destination (or port), an empty list is refused.",
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    properties: {
      to: { minItems: 1, allOf: [ref("peers")] },
      ports: { ...list(ref("port"), LIMITS.ports, "Ports."), minItems: 1 },
    },
  },
  tcpPorts: { description: "TCP port numbers.", type: "array", maxItems: LIMITS.ports, uniqueItems: true, items: ref("portNumber") },
  externalDestination: {
    description: "An external destination: CIDRs and ports, or open.",
    type: "object",
    additionalProperties: false,
    required: ["open", "cidrs", "ports"],
    properties: {
      open: { description: "Any destination (on ports, or every port when ports is empty).", type: "boolean" },
      cidrs: { description: "Destination CIDRs.", allOf: [ref("cidrList")] },
      ports: { description: "Ports (TCP); empty: every port of the destinations.", allOf: [ref("tcpPorts")] },
    },
  },
  longhornVersion: { description: "A Longhorn minor (1.12) or patch (1.12.1, v1.12.1).", type: "string", maxLength: 32 },
};


function versionRange(versions: string[]): string {
  return versions.length === 1 ? versions[0]! : `${versions[0]} to ${versions[versions.length - 1]}`;
}

const leaf = (key: string, type: string, value: unknown, schema: Record<string, unknown>, description: string[], example: string, extra: Partial<ValueLeaf> = {}): ValueLeaf => ({
  key,
  type,
  default: value,
  schema,
  description,
  example,
  ...extra,
});
const group = (key: string, description: string[], example: string, children: ValueNode[], extra: Partial<ValueGroup> = {}): ValueGroup => ({
  key,
  description,
  example,
  children,
  ...extra,
});
const BOOLEAN = { type: "boolean" };
const peersExample = (namespace: string, labels?: string) =>
  `{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${namespace}}}${labels ? `, podSelector: {matchLabels: {${labels}}}` : ""}}`;

/** An external destination of egress (backup targets, download servers, the upgrade responder). */
function externalDestination(key: string, title: string, blocked: string, ports: number[], portsText: string): ValueGroup {
  const path = `networkPolicies.egress.${key}`;
  return group(key, [title], `${path}: {cidrs: [192.0.2.0/24], ports: [443]}`, [
    leaf("open", "bool", false, BOOLEAN, ["true: any destination (on `ports`, or every port when empty)."], `--set ${path}.open=true`),
    leaf("cidrs", "list of CIDRs", [], { allOf: [ref("cidrList")] }, [blocked], `--set '${path}.cidrs={192.0.2.0/24}'`),
    leaf("ports", "list of ports", ports, { allOf: [ref("tcpPorts")] }, [portsText], `--set '${path}.ports={443}'`),
  ]);
}

function componentValues(c: ValuesModel["components"][number]): ValueGroup {
  const path = `networkPolicies.components.${c.key}`;
  return group(c.key, [`${commentText(c.title, `title of component ${c.id}`)} (\`${c.id}\`; Longhorn ${versionRange(c.versions)}).`], `--set ${path}.enabled=false`, [
    leaf("enabled", "bool", true, BOOLEAN, ["Render this component's policy."], `--set ${path}.enabled=false`),
    leaf(
      "extraIngress",
      "list of NetworkPolicyIngressRules",
      [],
      list(ref("ingressRule"), LIMITS.rules),
      ["Extra NetworkPolicyIngressRules for these pods, as given (an empty `from` or `ports` list is refused: omit it)."],
      `${path}.extraIngress: [{from: [${peersExample("harvester-system")}], ports: [{port: 9500, protocol: TCP}]}]`,
    ),
    leaf(
      "extraPorts",
      "list of NetworkPolicyPorts",
      [],
      list(ref("extraPort"), LIMITS.ports),
      ["Extra NetworkPolicyPorts (each with a port) added to every ingress rule of this policy (e.g. Istio ambient HBONE 15008)."],
      `${path}.extraPorts: [{port: 15008, protocol: TCP}]`,
    ),
    leaf(
      "extraEgress",
      "list of NetworkPolicyEgressRules",
      [],
      list(ref("egressRule"), LIMITS.rules),
      ["Extra NetworkPolicyEgressRules for these pods (with egress.enabled), as given."],
      `${path}.extraEgress: [{to: [{ipBlock: {cidr: 192.0.2.10/32}}], ports: [{port: 443, protocol: TCP}]}]`,
    ),
  ], { definition: "component" });
}

/** Every value of the chart, in values.yaml order. */
export function valueTree(model: ValuesModel): ValueNode[] {
  const CNI_NOTE = [
    "CNI caveats for kubeAPIServerSourceCIDRs and nodeCIDRs (chart README, \"CNI caveats\"): an ipBlock matches the",
    "source address the CNI sees, which for another node's host traffic is never the node IP on an overlay.",
    "- cilium, antrea: the chart admits the nodes and the API server by the CNI's own policy object; nodeCIDRs is",
    "  refused, kubeAPIServerSourceCIDRs only adds an external API server's egress addresses.",
    "- calico IPIP/VXLAN: a remote host arrives from its tunnel address; kube-router (K3s) and canal (flannel VXLAN):",
    "  from the first address of its podCIDR. List those as /32, never a whole pod CIDR (that admits every pod).",
    "- Traffic from a pod's own node is always admitted: the iSCSI initiator (3260) is always local and needs no rule.",
  ];
  return [
    group(
      "longhorn",
      ["Longhorn installation these policies protect."],
      "longhorn: {version: v1.12.1, namespace: storage}",
      [
        leaf(
          "version",
          "string",
          model.newestGA,
          { allOf: [ref("longhornVersion")] },
          [`Longhorn version: a minor (${model.newestGA}) or a patch (${model.newestGA}.1, v${model.newestGA}.1).`, `Supported: ${model.versions.join(", ")}.`],
          `--set-string longhorn.version=v${model.newestGA}.1`,
        ),
        leaf(
          "upgradeFrom",
          "string",
          "",
          { allOf: [ref("longhornVersion")] },
          ["During an upgrade, also render this minor's policies, so both versions' flows are allowed (\"\" for none)."],
          `--set-string longhorn.version=${model.newestGA} --set-string longhorn.upgradeFrom=${model.versions[model.versions.indexOf(model.newestGA) - 1] ?? model.newestGA}`,
        ),
        leaf("namespace", "string", "", OPTIONAL_DNS_LABEL, ["Namespace Longhorn runs in; empty: the release namespace."], "--set longhorn.namespace=storage"),
      ],
      { blankBefore: true },
    ),
    group(
      "networkPolicies",
      ["The NetworkPolicies, one per Longhorn component."],
      "--set networkPolicies.enabled=true",
      [
        leaf("enabled", "bool", false, BOOLEAN, ["Master switch: nothing renders while false."], "--set networkPolicies.enabled=true"),
        leaf(
          "type",
          "string",
          "k3s",
          { type: "string", enum: [...INGRESS_TYPES] },
          [
            `Ingress controller in front of the Longhorn UI: ${INGRESS_TYPES.join(" | ")}.`,
            "k3s: Traefik in kube-system; rke2: rke2-ingress-nginx and rke2-traefik in kube-system;",
            "rke1: ingress-nginx in the ingress-nginx namespace; none: no ingress controller is admitted.",
          ],
          "--set networkPolicies.type=rke2",
        ),
        leaf(
          "cni",
          "string",
          "auto",
          { type: "string", enum: [...CNIS] },
          [
            `The CNI enforcing the policies, which decides how host and API server clients are admitted: ${CNIS.join(" | ")}.`,
            "auto: at install the CNI's DaemonSets decide (cilium, antrea-agent, (rke2-)canal, calico-node, kube-router);",
            "without them, type (k3s: kube-router; rke2, rke1: canal; none: generic).",
            "cilium (1.11+, for the kube-apiserver entity: docs.cilium.io policy language, Entities Based): a",
            "CiliumNetworkPolicy beside each policy admits NFS from the entities host and remote-node, iSCSI from host and",
            "the webhooks from kube-apiserver. antrea (1.13+, crd.antrea.io/v1beta1; nodeSelector peers since 1.6:",
            "antrea docs/antrea-network-policy.md, Node Selector): an Antrea NetworkPolicy admits them by nodeSelector",
            "peers (every Node; control-plane Nodes for the webhooks).",
            "kube-router, canal (flannel VXLAN): each node's flannel.1 address, the first address of its spec.podCIDR;",
            "calico: each node's tunnel address and InternalIP. For these three, empty nodeCIDRs / kubeAPIServerSourceCIDRs",
            "are read from the Nodes at install and upgrade (helm lookup; control-plane Nodes for the API server), and",
            "`helm template` fails naming the value to give.",
            "generic: the lists are plain ipBlocks, and an empty list leaves its ports open to any source (to every pod too).",
            "flannel: as generic, and NOTES says that flannel alone enforces nothing.",
          ],
          "--set networkPolicies.cni=calico",
        ),
        group(
          "components",
          ["Per component: `enabled: false` drops that component's policy, leaving its pods unrestricted."],
          "--set networkPolicies.components.engineImage.enabled=false",
          model.components.map(componentValues),
        ),
        group("ui", ["The Longhorn UI."], "networkPolicies.ui: {extraFrom: [...]}", [
          leaf(
            "extraFrom",
            "list of NetworkPolicyPeers",
            [],
            { allOf: [ref("peers")] },
            ["Extra NetworkPolicyPeers allowed to the UI's ports, besides the `type` preset", "(a Rancher proxy, a Gateway API implementation)."],
            `networkPolicies.ui.extraFrom: [${peersExample("cattle-system", "app: rancher")}]`,
          ),
        ]),
        group(
          "features",
          ["Optional Longhorn features whose ports open only when switched on."],
          "--set networkPolicies.features.v2DataEngine=true",
          model.features.map((f) =>
            leaf(f.key, "bool", f.defaultEnabled, BOOLEAN, [`${commentText(f.title, `title of feature ${f.id}`)} (\`${f.id}\`).`], `--set networkPolicies.features.${f.key}=true`),
          ),
        ),
        leaf(
          "kubeAPIServerSourceCIDRs",
          "list of CIDRs",
          [],
          { allOf: [ref("cidrList")] },
          [
            "Source CIDRs of kube-apiserver calls to the Longhorn webhooks, as the CNI sees them (see cni).",
            "Empty: read from the control-plane Nodes at install (kube-router, canal, calico), open to any source (generic,",
            "flannel), or none besides the native object's kube-apiserver peer (cilium, antrea).",
          ],
          "--set 'networkPolicies.kubeAPIServerSourceCIDRs={10.0.0.10/32,10.0.0.11/32}'",
          { note: CNI_NOTE },
        ),
        leaf(
          "nodeCIDRs",
          "list of CIDRs",
          [],
          { allOf: [ref("cidrList")] },
          [
            "Source CIDRs of host clients on other nodes (NFS 2049 from the kernel NFS client), as the CNI sees them (see cni).",
            "Empty: read from the Nodes at install (kube-router, canal, calico), or open to any source (generic, flannel).",
            "Refused with cilium and antrea, whose native objects admit the nodes.",
          ],
          "--set 'networkPolicies.nodeCIDRs={10.0.0.0/24,fd00:10::/64}'",
        ),
        leaf(
          "ciliumLocalHostCIDRs",
          "list of CIDRs",
          [],
          { allOf: [ref("cidrList")] },
          [
            "cni cilium only: single addresses (/32, /128) from which the host of a pod's own node reaches it that Cilium",
            "does not count as the host: Cilium's always-allow for the local host is by identity, so such a source is",
            "`world` (longhorn#13802: Istio ambient's istio-cni SNATs host traffic into mesh pods to 169.254.7.127).",
            "Admitted by fromCIDR on the local-node ports only (iSCSI 3260). Give the address hubble or `cilium-dbg",
            "monitor` shows; never a range: with native routing a neighbour on the same segment can send that source.",
          ],
          "--set 'networkPolicies.ciliumLocalHostCIDRs={169.254.7.127/32}'",
        ),
        leaf(
          "metricsScrapeSources",
          "list of NetworkPolicyPeers",
          [],
          { allOf: [ref("peers")] },
          [
            "NetworkPolicyPeers allowed to scrape the metrics ports (manager 9500; CSI sidecars 8000 from 1.8).",
            "Empty: no scraper is admitted. Example: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]",
          ],
          `networkPolicies.metricsScrapeSources: [${peersExample("cattle-monitoring-system", "app.kubernetes.io/name: prometheus")}]`,
        ),
        group("egress", ["Egress control: each component may then send exactly its spec flows."], "--set networkPolicies.egress.enabled=true", [
          leaf("enabled", "bool", false, BOOLEAN, ["Render egress rules (policyTypes gains Egress). Off by default: upstream never restricted egress."], "--set networkPolicies.egress.enabled=true"),
          group("dns", ["Cluster DNS (UDP and TCP 53)."], "networkPolicies.egress.dns: {nodeLocalAddress: 169.254.20.10}", [
            leaf(
              "namespaceSelector",
              "LabelSelector",
              { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              { allOf: [ref("narrowSelector")] },
              ["Namespaces of the DNS pods."],
              "networkPolicies.egress.dns.namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}",
            ),
            leaf(
              "podSelector",
              "LabelSelector",
              { matchLabels: { "k8s-app": "kube-dns" } },
              { allOf: [ref("narrowSelector")] },
              ["The DNS pods (CoreDNS and kube-dns both carry k8s-app: kube-dns)."],
              "networkPolicies.egress.dns.podSelector: {matchLabels: {k8s-app: kube-dns}}",
            ),
            leaf(
              "nodeLocalAddress",
              "string",
              "",
              { anyOf: [{ type: "string", maxLength: 0 }, { type: "string", format: "ipv4" }, { type: "string", format: "ipv6" }] },
              ['NodeLocal DNSCache address, e.g. 169.254.20.10 ("" for none).'],
              "--set networkPolicies.egress.dns.nodeLocalAddress=169.254.20.10",
            ),
          ]),
          group(
            "kubeAPIServer",
            ["The Kubernetes API server, as pods reach it after the Service is resolved (endpoint addresses and ports)."],
            "networkPolicies.egress.kubeAPIServer: {cidrs: [10.0.0.10/32], ports: [6443]}",
            [
              leaf(
                "cidrs",
                "list of CIDRs",
                [],
                { allOf: [ref("cidrList")] },
                ["API server endpoint CIDRs. Empty: the ports below are open to any destination (see README)."],
                "--set 'networkPolicies.egress.kubeAPIServer.cidrs={10.0.0.10/32}'",
              ),
              leaf("ports", "list of ports", [443, 6443], { minItems: 1, allOf: [ref("tcpPorts")] }, ["API server ports (TCP), at least one."], "--set 'networkPolicies.egress.kubeAPIServer.ports={6443}'"),
            ],
          ),
          externalDestination("backupstore", "Backup targets (S3, NFS, CIFS, Azure) of the manager and instance managers.", "Backup target CIDRs. Empty and not open: backups are blocked (NOTES.txt warns).", [], "Ports (TCP); empty: every port. E.g. [443] for S3, [2049] for NFS."),
          externalDestination("backingImageDownload", "Download servers of backing images (the backing image data source fetches URLs).", "Download server CIDRs. Empty and not open: downloads are blocked.", [], "Ports (TCP); empty: every port."),
          externalDestination("upgradeResponder", "Longhorn's upgrade responder (the manager's hourly upgrade check, setting upgrade-checker).", "Upgrade responder CIDRs. Empty and not open: the upgrade check fails (volumes are unaffected).", [443], "Ports (TCP); empty: every port."),
        ]),
      ],
      { blankBefore: true },
    ),
    group(
      "tests",
      [
        "`helm test` probes: after install, a pod the policies admit must reach longhorn-manager's API (9500), and an",
        "outsider in another namespace with the same labels must be refused; a CNI that ignores NetworkPolicies fails it.",
      ],
      "--set tests.enabled=true",
      [
        leaf("enabled", "bool", false, BOOLEAN, ["Render the probe pods (helm test hooks; nothing else changes)."], "--set tests.enabled=true"),
        leaf(
          "image",
          "string",
          "busybox:1.36.1",
          { type: "string", minLength: 1, maxLength: 255, pattern: IMAGE_REFERENCE },
          ["Image of the probe pods: any with sh, nslookup and wget (BusyBox's); [registry/]name[:tag][@sha256:digest]."],
          "--set tests.image=registry.example.com/mirror/busybox:1.36.1",
        ),
        leaf(
          "outsiderNamespace",
          "string",
          "default",
          { type: "string", minLength: 1, maxLength: 63, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" },
          ["An existing namespace other than Longhorn's, for the outsider probe."],
          "--set tests.outsiderNamespace=lhnp-test",
        ),
        leaf("timeoutSeconds", "int", 5, { type: "integer", minimum: 1, maximum: 60 }, ["How long each probe waits for a connection."], "--set tests.timeoutSeconds=10"),
      ],
      { blankBefore: true },
    ),
    leaf("nameOverride", "string", "", OPTIONAL_DNS_LABEL, ["Override the chart name used in object names (a DNS-1123 label)."], "--set nameOverride=lhnp", { blankBefore: true }),
    leaf("fullnameOverride", "string", "", OPTIONAL_DNS_LABEL, ["Override the full name prefix of every policy (a DNS-1123 label)."], "--set fullnameOverride=lhnp"),
    leaf(
      "commonLabels",
      "map of labels",
      {},
      { type: "object", maxProperties: LIMITS.rules, propertyNames: { allOf: [ref("qualifiedName"), { not: { enum: RESERVED_LABELS } }] }, additionalProperties: ref("labelValue") },
      ["Labels added to every policy. Not the labels the chart sets itself:", `${RESERVED_LABELS.join(", ")}.`],
      "commonLabels: {team: storage}",
    ),
    leaf(
      "commonAnnotations",
      "map of annotations",
      {},
      { type: "object", maxProperties: LIMITS.rules, propertyNames: ref("qualifiedName"), additionalProperties: { type: "string", maxLength: 65536 } },
      ["Annotations added to every policy."],
      "commonAnnotations: {example.com/owner: storage-team}",
    ),
    leaf("global", "object", {}, { type: "object", additionalProperties: true }, ["Values shared with a parent chart."], "set by a parent chart"),
  ];
}

export function renderValues(model: ValuesModel): string {
  return renderValuesYaml(valueTree(model), ["Generated by netpolgen from spec/; do not edit. Documented with helm-docs `# --` comments."]);
}

/** values.schema.json: the value tree's schema, its shared shapes as definitions reached by $ref. */
export function valuesSchema(model: ValuesModel): Record<string, unknown> {
  const tree = valueTree(model);
  const { type, additionalProperties, required, properties } = groupSchema(tree);
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "longhorn-network-policies values",
    description: "Generated by netpolgen from spec/; do not edit.",
    type,
    additionalProperties,
    required,
    definitions: { ...DEFINITIONS, ...sharedDefinitions(tree) },
    properties,
  };
}

export function renderValuesSchema(model: ValuesModel): string {
  return `${JSON.stringify(valuesSchema(model), null, 2)}\n`;
}
