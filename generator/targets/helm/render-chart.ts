// Stage 6, render: the Helm chart's files from the per-version plans. Handlebars writes the Helm
// template text (templates.ts: compiled with noEscape and strict, precompiled by `make build`; Helm's
// own {{ }} are escaped as \{{ }}).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LabelSelector } from "../../lib/labels.ts";
import { isEnforceable, type Port, type ResolvedSpec } from "../../loader/model.ts";
import { renderChartReadme } from "./chart-readme.ts";
import { flowDiagram, flowTables, upgradeNotes } from "./readme-flows.ts";
import { camelCase } from "../../lib/values-keys.ts";
import { describePort } from "../../lib/port-set.ts";
import { planVersion, type EgressRulePlan, type PolicyPlan, type RulePlan, type VersionPlan } from "../../plan/plan.ts";
import { renderValues, renderValuesSchema, valuesModel, valueTree, type ValuesModel } from "./chart-values.ts";
import { valueRows, type ValuesOverride } from "./values-model.ts";
import type { LonghornNetworkPoliciesValues as ChartValues } from "../../../schema/values.generated.ts";
import type { OutputFile } from "../../lib/write.ts";
import { commentText } from "../../lib/safe-text.ts";
import { writeYaml } from "../../lib/yaml.ts";
import { loadTemplates, TEMPLATES_DIR, type Template, type Templates } from "./templates.ts";
import type { ChartRelease } from "../../release/metadata.ts";

export const CHART_DIR = "chart";
export const CHART_NAME = "longhorn-network-policies";

/** The peers each networkPolicies.type admits to the UI; `none` admits nobody. */
const INGRESS_PRESETS: { type: string; peers: object[] }[] = [
  {
    type: "k3s",
    peers: [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } },
      },
    ],
  },
  {
    type: "rke2",
    peers: [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
        podSelector: {
          matchLabels: {
            "app.kubernetes.io/component": "controller",
            "app.kubernetes.io/instance": "rke2-ingress-nginx",
            "app.kubernetes.io/name": "rke2-ingress-nginx",
          },
        },
      },
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": "rke2-traefik" } },
      },
    ],
  },
  {
    type: "rke1",
    peers: [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } },
        podSelector: {
          matchLabels: {
            "app.kubernetes.io/component": "controller",
            "app.kubernetes.io/instance": "ingress-nginx",
            "app.kubernetes.io/name": "ingress-nginx",
          },
        },
      },
    ],
  },
];

/**
 * The YAML of each value yamlBlock was given (keyed by its JSON: selectors, peers and port lists,
 * which JSON holds exactly). The versions repeat the same blocks: 71 distinct among about 1,000.
 */
const blockTexts = new Map<string, string>();

function yamlBlock(value: unknown, indent: number): string {
  const key = JSON.stringify(value);
  let text = blockTexts.get(key);
  if (text === undefined) {
    if (blockTexts.size >= 10_000) blockTexts.clear();
    text = writeYaml(value).trimEnd();
    blockTexts.set(key, text);
  }
  const pad = " ".repeat(indent);
  return text
    .split("\n")
    .map((line) => pad + line)
    .join("\n");
}

function plainSelector(selector: LabelSelector): object {
  return {
    ...(selector.matchLabels && Object.keys(selector.matchLabels).length ? { matchLabels: selector.matchLabels } : {}),
    ...(selector.matchExpressions?.length ? { matchExpressions: selector.matchExpressions } : {}),
  };
}

function portsYaml(ports: readonly Port[]): string {
  return yamlBlock(
    ports.map((p) => ({ port: p.port, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}), protocol: p.protocol })),
    8,
  );
}

const CIDR_LISTS = { nodes: "nodeCIDRs", "kube-apiserver": "kubeAPIServerSourceCIDRs" } as const;

/** What NOTES says the CNI-native objects admit, per list they stand in for. */
const NOTES_NATIVE: Record<string, { cilium: string; antrea: string }> = {
  nodeCIDRs: {
    cilium: "Open to the node hosts only, by the CiliumNetworkPolicy entities host and remote-node (NFS mounts from any node)",
    antrea: "Open to the node hosts only, by an Antrea NetworkPolicy nodeSelector of every Node (NFS mounts from any node)",
  },
  kubeAPIServerSourceCIDRs: {
    cilium: "Open to the API server only, by the CiliumNetworkPolicy entity kube-apiserver (plus kubeAPIServerSourceCIDRs, for an API server outside the cluster)",
    antrea: "Open to the API server's hosts only, by an Antrea NetworkPolicy nodeSelector of the control-plane Nodes (plus kubeAPIServerSourceCIDRs, for one outside the cluster)",
  },
};

function ruleContext(rule: RulePlan, valueKey: string): object {
  const pods = rule.peers.flatMap((p) => (p.kind === "pods" ? [{ podSelector: plainSelector(p.selector) }] : []));
  const cidrLists = cidrListsOf(rule);
  return {
    flows: commentText(rule.flows.join(", "), "flow ids"),
    feature: rule.feature ? camelCase(rule.feature) : undefined,
    ingressController: rule.peers.some((p) => p.kind === "ingress-controller"),
    metrics: rule.peers.some((p) => p.kind === "metrics-scraper"),
    cidrLists,
    pods: pods.length ? yamlBlock(pods, 8) : undefined,
    ports: portsYaml(rule.ports),
    valueKey,
  };
}

/**
 * The Helm condition under which a rule renders, or undefined when it always does. `root` is the
 * chart's root context where the condition is evaluated: `.` in a policy, `$` inside a range.
 */
function ruleCondition(rule: RulePlan, root: "." | "$" = "."): string | undefined {
  const values = root === "." ? ".Values" : "$.Values";
  const conditions: string[] = [];
  if (rule.feature) conditions.push(`${values}.networkPolicies.features.${camelCase(rule.feature)}`);
  if (rule.peers.some((p) => p.kind === "metrics-scraper")) conditions.push(`${values}.networkPolicies.metricsScrapeSources`);
  if (rule.peers.some((p) => p.kind === "ingress-controller")) conditions.push(`(include "lhnp.ingressControllerPeers" ${root} | trim)`);
  // Host clients only: on cilium and antrea the native object admits them, and the rule renders only
  // for the addresses given (an external API server).
  if (isHostOnly(rule)) {
    const lists = cidrListsOf(rule).map((list) => `(include "lhnp.hostSources" (list ${root} "${list}"))`);
    conditions.push(`(or (not (include "lhnp.nativeCNI" ${root})) ${lists.join(" ")})`);
  }
  if (conditions.length === 0) return undefined;
  return conditions.length === 1 ? conditions[0] : `(and ${conditions.join(" ")})`;
}

/**
 * When every rule is conditional (extraIngress always is): the conditions, so that an empty list
 * renders as `ingress: []`, not null.
 */
function emptyUnless(rules: readonly RulePlan[], valueKey: string): string | undefined {
  const conditions = rules.map((rule) => ruleCondition(rule));
  if (!conditions.every((c) => c !== undefined)) return undefined;
  return [...conditions, `.Values.networkPolicies.components.${valueKey}.extraIngress`].join(" ");
}

function egressRuleContext(rule: EgressRulePlan): object {
  const pods = rule.destinations.flatMap((d) => (d.kind === "pods" ? [{ podSelector: plainSelector(d.selector) }] : []));
  const external = rule.destinations.find((d) => d.kind === "external");
  return {
    flows: commentText(rule.flows.join(", "), "flow ids"),
    feature: rule.feature ? camelCase(rule.feature) : undefined,
    pods: pods.length ? yamlBlock(pods, 8) : undefined,
    dns: rule.destinations.some((d) => d.kind === "dns"),
    apiServer: rule.destinations.some((d) => d.kind === "kube-apiserver"),
    valueKey: external?.kind === "external" ? external.valueKey : undefined,
    ports: rule.ports ? portsYaml(rule.ports) : undefined,
  };
}

/** The Helm condition under which an egress rule renders, or undefined when it always does. */
function egressRuleCondition(rule: EgressRulePlan): string | undefined {
  const conditions: string[] = [];
  if (rule.feature) conditions.push(`.Values.networkPolicies.features.${camelCase(rule.feature)}`);
  const external = rule.destinations.find((d) => d.kind === "external");
  if (external?.kind === "external") {
    const values = `.Values.networkPolicies.egress.${external.valueKey}`;
    conditions.push(`(or ${values}.open ${values}.cidrs)`);
  }
  if (conditions.length === 0) return undefined;
  return conditions.length === 1 ? conditions[0] : `(and ${conditions.join(" ")})`;
}

function egressEmptyUnless(rules: readonly EgressRulePlan[], valueKey: string): string | undefined {
  const conditions = rules.map(egressRuleCondition);
  if (!conditions.every((c) => c !== undefined)) return undefined;
  return [...conditions, `.Values.networkPolicies.components.${valueKey}.extraEgress`].join(" ");
}

function describePorts(ports: readonly Port[]): string {
  return ports.map(describePort).join(", ");
}

function notesContext(spec: ResolvedSpec, plan: VersionPlan): object {
  const openWhenEmpty = Object.values(CIDR_LISTS).map((list) => {
    const entries: { key: string; text: string }[] = [];
    for (const policy of plan.policies) {
      for (const rule of policy.ingress) {
        if (!cidrListsOf(rule).includes(list)) continue;
        const gate = rule.feature ? ` (with features.${camelCase(rule.feature)})` : "";
        entries.push({ key: policy.valueKey, text: `${describePorts(rule.ports)} to ${policy.component}${gate}` });
      }
    }
    const native = NOTES_NATIVE[list];
    return { list, entries, ...native };
  });
  const metrics = plan.policies.flatMap((policy) =>
    policy.ingress
      .filter((r) => r.peers.some((p) => p.kind === "metrics-scraper"))
      .map((r) => ({ key: policy.valueKey, text: `${policy.component} ${describePorts(r.ports)}` })),
  );
  // Policies whose every spec rule hangs on a value: extraPorts has nothing to join when none renders.
  const conditional = plan.policies.flatMap((policy) => {
    const conditions = policy.ingress.map((rule) => ruleCondition(rule, "$"));
    if (conditions.length === 0 || conditions.some((c) => c === undefined)) return [];
    return [{ key: policy.valueKey, id: policy.component, condition: conditions.length === 1 ? conditions[0] : `(or ${conditions.join(" ")})` }];
  });
  return {
    version: plan.version,
    components: plan.policies.filter((p) => !hostOf(spec, p.component).host).map((p) => ({ key: p.valueKey, id: p.component })),
    hosted: plan.policies.flatMap((p) => {
      const { host, hostKey } = hostOf(spec, p.component);
      return host ? [{ key: p.valueKey, id: p.component, host, hostKey }] : [];
    }),
    openWhenEmpty: openWhenEmpty.filter((o) => o.entries.length > 0),
    metrics,
    conditional,
    unprotected: plan.unprotected,
  };
}

/** A rule whose every peer is a host or API server client (no pods). */
function isHostOnly(rule: RulePlan): boolean {
  return rule.peers.every((p) => p.kind === "nodes" || p.kind === "kube-apiserver");
}

/**
 * Who the CNI-native objects admit for each kind of host peer (native.yaml.hbs): Cilium's entities
 * (docs.cilium.io, policy language, "Entities Based"), Antrea's nodeSelector peers (the API server's
 * hosts: the control-plane Nodes, by either role label).
 */
const NATIVE_PEERS = {
  nodes: { entities: ["host", "remote-node"], nodeSelectors: [{ nodeSelector: {} }] },
  "kube-apiserver": {
    entities: ["kube-apiserver"],
    nodeSelectors: [
      { nodeSelector: { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }] } },
      { nodeSelector: { matchExpressions: [{ key: "node-role.kubernetes.io/master", operator: "Exists" }] } },
    ],
  },
} as const;

/**
 * The rules of the CNI-native object: each rule's host peers on the rule's ports. `local`: rules of
 * local-node flows (Cilium only: the host entity, and ciliumLocalHostCIDRs, longhorn#13802).
 */
function nativeRules(rules: readonly RulePlan[], valueKey: string, local = false): object[] {
  return rules.flatMap((rule) => {
    const kinds = rule.peers.flatMap((p) => (p.kind === "nodes" || p.kind === "kube-apiserver" ? [p.kind] : []));
    if (kinds.length === 0) return [];
    return [
      {
        local,
        flows: commentText(rule.flows.join(", "), "flow ids"),
        feature: rule.feature ? camelCase(rule.feature) : undefined,
        entities: yamlBlock(local ? ["host"] : [...new Set(kinds.flatMap((k) => NATIVE_PEERS[k].entities))], 8),
        nodeSelectors: yamlBlock(kinds.flatMap((k) => NATIVE_PEERS[k].nodeSelectors), 8),
        ciliumPorts: yamlBlock(
          rule.ports.map((p) => ({ port: String(p.port), ...(p.endPort !== undefined ? { endPort: p.endPort } : {}), protocol: p.protocol })),
          12,
        ),
        antreaPorts: yamlBlock(
          rule.ports.map((p) => ({ protocol: p.protocol, port: p.port, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) })),
          8,
        ),
        valueKey,
      },
    ];
  });
}

/**
 * Cilium's egress rules of a policy, by the flows they stand for: the API server and the NodeLocal
 * DNSCache are reached at node addresses (identities kube-apiserver, host), which no NetworkPolicy
 * ipBlock matches on Cilium. Undefined when the policy has neither.
 */
function ciliumEgress(rules: readonly EgressRulePlan[]): { apiServer?: string; dns?: string } | undefined {
  const flows = (kind: "kube-apiserver" | "dns") => rules.filter((r) => r.destinations.some((d) => d.kind === kind)).flatMap((r) => r.flows);
  const apiServer = flows("kube-apiserver");
  const dns = flows("dns");
  if (apiServer.length === 0 && dns.length === 0) return undefined;
  return {
    ...(apiServer.length ? { apiServer: commentText(apiServer.join(", "), "flow ids") } : {}),
    ...(dns.length ? { dns: commentText(dns.join(", "), "flow ids") } : {}),
  };
}

/** The Helm condition for the native object when each of its rules hangs on a feature, else undefined. */
function nativeCondition(rules: readonly RulePlan[]): string | undefined {
  const hosts = rules.filter((rule) => rule.peers.some((p) => p.kind === "nodes" || p.kind === "kube-apiserver"));
  if (hosts.length === 0) return undefined;
  if (hosts.length === 0 || hosts.some((rule) => !rule.feature)) return undefined;
  return `(or ${[...new Set(hosts.map((rule) => `.Values.networkPolicies.features.${camelCase(rule.feature!)}`))].join(" ")})`;
}

/** The values lists (nodeCIDRs, kubeAPIServerSourceCIDRs) whose emptiness opens the rule to any source. */
function cidrListsOf(rule: RulePlan): string[] {
  return rule.peers.flatMap((p) => (p.kind === "nodes" || p.kind === "kube-apiserver" ? [CIDR_LISTS[p.kind]] : []));
}

function renderChartYaml(model: ValuesModel, release: ChartRelease, kubeVersion: string): string {
  const docs = `https://longhorn.io/docs/${model.newestGA}.0/references/networking/`;
  const links = [
    ...(release.homepage ? [{ name: "Source and issues", url: release.homepage }] : []),
    { name: "Longhorn networking reference", url: docs },
    { name: "Longhorn", url: "https://github.com/longhorn/longhorn" },
  ];
  const annotations: Record<string, string> = {
    "artifacthub.io/license": "Apache-2.0",
    "artifacthub.io/links": writeYaml(links),
    ...(release.changes.length > 0 ? { "artifacthub.io/changes": writeYaml(release.changes.map((c) => ({ kind: c.kind, description: c.description }))) } : {}),
    ...(release.signKey ? { "artifacthub.io/signKey": writeYaml({ fingerprint: release.signKey.fingerprint, url: release.signKey.url }) } : {}),
    "longhorn-network-policies/longhorn-versions": model.versions.join(","),
  };
  const chart = {
    apiVersion: "v2",
    name: CHART_NAME,
    description: "Least-privilege NetworkPolicies for Longhorn, one template set per Longhorn minor, generated from a versioned port/flow spec",
    type: "application",
    version: release.version,
    appVersion: model.newestGA,
    kubeVersion,
    home: release.homepage ?? docs,
    sources: [...(release.homepage ? [release.homepage] : []), "https://github.com/longhorn/longhorn", "https://github.com/longhorn/website"],
    maintainers: [{ name: "longhorn-network-policies maintainers" }],
    keywords: ["longhorn", "networkpolicy", "network-policy", "storage", "security"],
    icon: "https://raw.githubusercontent.com/cncf/artwork/main/projects/longhorn/icon/color/longhorn-icon-color.svg",
    annotations,
  };
  return `# Generated by netpolgen from spec/, package.json and CHANGELOG.md; do not edit.\n${writeYaml(chart)}`;
}

/**
 * Every file under chart/. `kubeVersion` is the chart's: NetworkPolicy endPort (the instance
 * manager's port ranges) is GA only from Kubernetes 1.25. `templates` is for the tests, which
 * compare the build's precompiled templates with templates compiled in process.
 */
export function renderChart(specs: readonly ResolvedSpec[], chart: string | ChartRelease, templates: Templates = loadTemplates().templates): OutputFile[] {
  const release: ChartRelease = typeof chart === "string" ? { version: chart, changes: [] } : chart;
  const model = valuesModel(specs);
  const plans = specs.map((spec) => ({ spec, plan: planVersion(spec) }));
  const files: OutputFile[] = [
    { path: "Chart.yaml", content: renderChartYaml(model, release, ">=1.25.0-0") },
    { path: "values.yaml", content: renderValues(model) },
    {
      path: "README.md",
      content: renderChartReadme(valueRows(valueTree(model)), {
        name: CHART_NAME,
        chartVersion: release.version,
        ...(release.chartRepository ? { chartRepository: release.chartRepository } : {}),
        ...(release.ociRepository ? { ociRepository: release.ociRepository } : {}),
        versions: model.versions,
        newestGA: model.newestGA,
        flows: specs.map((spec) => ({ version: spec.version, status: spec.status, diagram: flowDiagram(spec), tables: flowTables(spec) })),
        upgrades: specs.slice(1).map((after, i) => ({ from: specs[i]!.version, to: after.version, notes: upgradeNotes(specs[i]!, after) })),
        unprotected: plans.map(({ plan }) => ({ version: plan.version, pods: plan.unprotected })),
      }),
    },
    { path: "values.schema.json", content: renderValuesSchema(model) },
    {
      path: "templates/_helpers.tpl",
      content: templates.helpers({
        supportedVersions: model.versions.join(" "),
        ingressPresets: INGRESS_PRESETS.map((p) => ({ type: p.type, peers: yamlBlock(p.peers, 0) })),
      }),
    },
    { path: "templates/NOTES.txt", content: templates.notes({ versions: plans.map(({ spec, plan }) => notesContext(spec, plan)) }) },
    { path: "templates/_checks.tpl", content: readFileSync(join(TEMPLATES_DIR, "_checks.tpl"), "utf8") },
    { path: "templates/tests/enforcement.yaml", content: templates.tests({ probes: plans.flatMap(({ spec }) => probeOf(spec) ?? []) }) },
    {
      // Under templates/checks/ so that Helm, which renders the deepest paths first and then in
      // reverse order, runs the checks before any policy and blames their failures on this file.
      path: "templates/checks/values.yaml",
      content: '{{- /* Generated by netpolgen; do not edit. Fails the render on values the API server or the chart would refuse. */}}\n{{- include "lhnp.checkValues" . }}\n',
    },
    { path: ".helmignore", content: "# Generated by netpolgen; do not edit.\n.git/\n*.tmp\n*.orig\n" },
    ...ciValues(model),
  ];
  for (const { spec, plan } of plans) {
    for (const policy of plan.policies) {
      files.push({ path: `templates/${spec.version}/${policy.component}.yaml`, content: renderPolicy(templates.policy, spec, policy) });
    }
  }
  return files.map((f) => ({ path: `${CHART_DIR}/${f.path}`, content: f.content }));
}

/** The component whose API the `helm test` probes connect to, and its port (the longhorn-backend Service). */
const PROBE_TARGET = { component: "longhorn-manager", port: 9500 } as const;
/** Labels the probe pods carry besides the client's selector: they may not be among its keys. */
const PROBE_OWN_LABELS = ["helm.sh/chart", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "longhorn-network-policies/test"];

/**
 * The client whose labels the admitted probe wears, per version: a flow the spec enforces to the
 * manager's API port from a Deployment's pods selected by matchLabels alone (a ReplicaSet, whose
 * selector adds pod-template-hash, never adopts the probe; a DaemonSet would). The UI is passed over:
 * its Service would send users to the probe. The first such flow by id.
 */
export function probeOf(spec: ResolvedSpec): { version: string; flow: string; client: string; labels: string } | undefined {
  const candidates = spec.flows
    .filter((f) => f.to === PROBE_TARGET.component && isEnforceable(f) && !f.documentedOnly)
    .filter((f) => f.ports?.some((p) => p.protocol === "TCP" && p.port <= PROBE_TARGET.port && PROBE_TARGET.port <= (p.endPort ?? p.port)))
    .flatMap((f) => {
      const client = spec.components.get(f.from);
      const labels = client?.selector?.matchLabels;
      if (!client || client.id === "longhorn-ui" || client.workload.kind !== "Deployment" || client.selector?.matchExpressions?.length || !labels || Object.keys(labels).length === 0) return [];
      // The probe pods set these labels themselves.
      if (Object.keys(labels).some((key) => PROBE_OWN_LABELS.includes(key))) return [];
      return [{ flow: f.id, client: client.id, labels }];
    })
    .sort((a, b) => a.flow.localeCompare(b.flow));
  const chosen = candidates[0];
  // None (a spec without such a flow): with tests.enabled the render fails naming the version.
  if (!chosen) return undefined;
  return { version: spec.version, flow: commentText(chosen.flow, "flow id"), client: chosen.client, labels: yamlBlock(chosen.labels, 0) };
}

/**
 * What `lookup` reads on a three-node k3s cluster (cni kube-router): each Node's flannel.1 address,
 * the network address of its podCIDR, and the server's for the API server. helm template has no
 * cluster, so the cases give them as values.
 */
const K3S_SOURCES = { nodeCIDRs: ["10.42.0.0/32", "10.42.1.0/32", "10.42.2.0/32"], kubeAPIServerSourceCIDRs: ["10.42.0.0/32"] };

/**
 * chart/ci/*-values.yaml: the cases `ct lint` and `make lint` check, and the golden tests render
 * for every version.
 */
export function ciValues(model: ValuesModel): OutputFile[] {
  const header = "# Generated by netpolgen; do not edit.\n";
  const previous = model.versions[model.versions.indexOf(model.newestGA) - 1]!;
  const cases: Record<string, ValuesOverride<ChartValues>> = {
    disabled: { networkPolicies: { enabled: false } },
    // The defaults (type k3s, cni auto: kube-router), with the addresses helm's lookup reads from three Nodes.
    defaults: { networkPolicies: { enabled: true, ...K3S_SOURCES } },
    // The generic CNI with empty lists: NFS 2049 and the webhook ports open to any source.
    generic: { networkPolicies: { enabled: true, cni: "generic" } },
    "all-options": {
      longhorn: { version: `v${model.newestGA}.1`, namespace: "storage" },
      networkPolicies: {
        enabled: true,
        type: "rke2",
        components: { engineImage: { enabled: false } },
        features: Object.fromEntries(model.features.map((f) => [f.key, true])),
        kubeAPIServerSourceCIDRs: ["10.0.0.10/32", "10.0.0.11/32"],
        nodeCIDRs: ["10.0.0.0/24", "fd00:10::/64"],
        metricsScrapeSources: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
          },
        ],
      },
      fullnameOverride: "lhnp",
      commonLabels: { team: "storage" },
      commonAnnotations: { "example.com/owner": "storage-team" },
    },
    upgrade: { longhorn: { version: model.newestGA, upgradeFrom: previous }, networkPolicies: { enabled: true, ...K3S_SOURCES } },
    // Egress with every destination pinned down.
    egress: {
      networkPolicies: {
        enabled: true,
        kubeAPIServerSourceCIDRs: ["10.0.0.10/32"],
        nodeCIDRs: ["10.0.0.0/24"],
        features: Object.fromEntries(model.features.map((f) => [f.key, true])),
        egress: {
          enabled: true,
          dns: { nodeLocalAddress: "169.254.20.10" },
          kubeAPIServer: { cidrs: ["10.0.0.10/32"], ports: [6443] },
          backupstore: { cidrs: ["192.0.2.0/24"], ports: [443] },
          backingImageDownload: { open: true, ports: [80, 443] },
          upgradeResponder: { cidrs: ["198.51.100.40/32"] },
        },
      },
    },
    // Egress with the defaults: the API server ports open to any destination, backups and downloads blocked.
    "egress-defaults": { networkPolicies: { enabled: true, ...K3S_SOURCES, egress: { enabled: true } } },
    // One case per CNI besides kube-router (defaults) and generic: verify --all covers every version × CNI.
    // Cilium: CiliumNetworkPolicies; an API server outside the cluster; Istio ambient's local source (longhorn#13802).
    // With egress: the API server and a NodeLocal DNSCache reached by entity, their addresses matching no ipBlock there.
    "cni-cilium": {
      networkPolicies: {
        enabled: true,
        cni: "cilium",
        kubeAPIServerSourceCIDRs: ["203.0.113.10/32"],
        ciliumLocalHostCIDRs: ["169.254.7.127/32"],
        egress: { enabled: true, dns: { nodeLocalAddress: "169.254.20.10" }, kubeAPIServer: { cidrs: ["10.0.0.10/32"], ports: [6443] } },
      },
    },
    // Antrea: Antrea NetworkPolicies with nodeSelector peers; no list needed.
    "cni-antrea": { networkPolicies: { enabled: true, cni: "antrea" } },
    // Calico IPIP: each node's tunnel address (Node annotation projectcalico.org/IPv4IPIPTunnelAddr), as lookup reads it.
    "cni-calico": {
      networkPolicies: {
        enabled: true,
        cni: "calico",
        nodeCIDRs: ["10.42.0.192/32", "10.42.1.192/32", "10.42.2.192/32"],
        kubeAPIServerSourceCIDRs: ["10.42.2.192/32"],
      },
    },
    // RKE2's Canal (type rke2, cni auto): flannel.1 addresses, as on k3s.
    "cni-canal": { networkPolicies: { enabled: true, type: "rke2", ...K3S_SOURCES } },
    // flannel alone enforces nothing: the policies render as generic, NOTES says so.
    "cni-flannel": { networkPolicies: { enabled: true, cni: "flannel" } },
    // The helm test probes (what ct install runs): Longhorn in longhorn-system, the release anywhere.
    tests: {
      longhorn: { namespace: "longhorn-system" },
      networkPolicies: { enabled: true, ...K3S_SOURCES },
      tests: { enabled: true, timeoutSeconds: 10 },
    },
  };
  return Object.entries(cases).map(([name, values]) => ({
    path: `ci/${name}-values.yaml`,
    content: header + writeYaml(values),
  }));
}

/** For a role that runs in another component's pods: that component and its values key. */
function hostOf(spec: ResolvedSpec, component: string): { host?: string; hostKey?: string } {
  const host = spec.components.get(component)?.runsIn;
  return host ? { host, hostKey: camelCase(host) } : {};
}

function renderPolicy(template: Template, spec: ResolvedSpec, policy: PolicyPlan): string {
  return template({
    specFile: commentText(spec.file, "spec file name"),
    title: commentText(policy.title, `${spec.file}: title of ${policy.component}`),
    ...hostOf(spec, policy.component),
    version: spec.version,
    component: policy.component,
    valueKey: policy.valueKey,
    podSelector: yamlBlock(plainSelector(policy.podSelector), 4),
    rules: policy.ingress.map((rule) => ruleContext(rule, policy.valueKey)),
    emptyUnless: emptyUnless(policy.ingress, policy.valueKey),
    ciliumRules: [...nativeRules(policy.ingress, policy.valueKey), ...nativeRules(policy.localHost, policy.valueKey, true)],
    ciliumEgress: ciliumEgress(policy.egress),
    native: policy.ingress.some((r) => r.peers.some((p) => p.kind === "nodes" || p.kind === "kube-apiserver")) || policy.localHost.length > 0 || ciliumEgress(policy.egress) !== undefined,
    antreaRules: nativeRules(policy.ingress, policy.valueKey),
    nativeCNIs:
      nativeRules(policy.ingress, policy.valueKey).length > 0 ? '(list "cilium" "antrea")' : policy.localHost.length > 0 ? '(list "cilium")' : "(list)",
    nativeCondition: nativeCondition([...policy.ingress, ...policy.localHost]),
    appliedToSelector: yamlBlock(plainSelector(policy.podSelector), 8),
    egress: policy.egress.map(egressRuleContext),
    egressEmptyUnless: egressEmptyUnless(policy.egress, policy.valueKey),
  });
}
