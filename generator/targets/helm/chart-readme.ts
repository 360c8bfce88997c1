// chart/README.md: every value of values.yaml (read from its helm-docs `# --` comments, so the two
// cannot drift apart), with its default and an example.
import { dump, load } from "js-yaml";

export interface ValueDoc {
  path: string;
  default: string;
  description: string;
  example?: string;
}

/**
 * Examples by value path; `components.*` stands for every component. Each is YAML under
 * `networkPolicies:` or at the top level, as its path says.
 */
const EXAMPLES: [RegExp, (path: string) => string][] = [
  [/^longhorn$/, () => "longhorn: {version: v1.12.1, namespace: storage}"],
  [/^longhorn\.version$/, () => "--set-string longhorn.version=v1.12.1"],
  [/^longhorn\.upgradeFrom$/, () => "--set-string longhorn.version=1.12 --set-string longhorn.upgradeFrom=1.11"],
  [/^longhorn\.namespace$/, () => "--set longhorn.namespace=storage"],
  [/^networkPolicies$/, () => "--set networkPolicies.enabled=true"],
  [/^networkPolicies\.enabled$/, () => "--set networkPolicies.enabled=true"],
  [/^networkPolicies\.type$/, () => "--set networkPolicies.type=rke2"],
  [/^networkPolicies\.components$/, () => "--set networkPolicies.components.engineImage.enabled=false"],
  [/^networkPolicies\.components\.(\w+)$/, (p) => `--set ${p}.enabled=false`],
  [/^networkPolicies\.components\.(\w+)\.enabled$/, (p) => `--set ${p}=false`],
  [
    /^networkPolicies\.components\.(\w+)\.extraIngress$/,
    (p) => `${p}: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: harvester-system}}}], ports: [{port: 9500, protocol: TCP}]}]`,
  ],
  [/^networkPolicies\.components\.(\w+)\.extraPorts$/, (p) => `${p}: [{port: 15008, protocol: TCP}]`],
  [/^networkPolicies\.components\.(\w+)\.extraEgress$/, (p) => `${p}: [{to: [{ipBlock: {cidr: 192.0.2.10/32}}], ports: [{port: 443, protocol: TCP}]}]`],
  [/^networkPolicies\.ui$/, () => "networkPolicies.ui: {extraFrom: [...]}"],
  [
    /^networkPolicies\.ui\.extraFrom$/,
    () => "networkPolicies.ui.extraFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: cattle-system}}, podSelector: {matchLabels: {app: rancher}}}]",
  ],
  [/^networkPolicies\.features$/, () => "--set networkPolicies.features.v2DataEngine=true"],
  [/^networkPolicies\.features\.(\w+)$/, (p) => `--set ${p}=true`],
  [/^networkPolicies\.kubeAPIServerSourceCIDRs$/, () => "--set 'networkPolicies.kubeAPIServerSourceCIDRs={10.0.0.10/32,10.0.0.11/32}'"],
  [/^networkPolicies\.nodeCIDRs$/, () => "--set 'networkPolicies.nodeCIDRs={10.0.0.0/24,fd00:10::/64}'"],
  [
    /^networkPolicies\.metricsScrapeSources$/,
    () => "networkPolicies.metricsScrapeSources: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: cattle-monitoring-system}}, podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}}]",
  ],
  [/^networkPolicies\.egress$/, () => "--set networkPolicies.egress.enabled=true"],
  [/^networkPolicies\.egress\.enabled$/, () => "--set networkPolicies.egress.enabled=true"],
  [/^networkPolicies\.egress\.dns$/, () => "networkPolicies.egress.dns: {nodeLocalAddress: 169.254.20.10}"],
  [/^networkPolicies\.egress\.dns\.namespaceSelector$/, () => "networkPolicies.egress.dns.namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}"],
  [/^networkPolicies\.egress\.dns\.podSelector$/, () => "networkPolicies.egress.dns.podSelector: {matchLabels: {k8s-app: kube-dns}}"],
  [/^networkPolicies\.egress\.dns\.nodeLocalAddress$/, () => "--set networkPolicies.egress.dns.nodeLocalAddress=169.254.20.10"],
  [/^networkPolicies\.egress\.kubeAPIServer$/, () => "networkPolicies.egress.kubeAPIServer: {cidrs: [10.0.0.10/32], ports: [6443]}"],
  [/^networkPolicies\.egress\.kubeAPIServer\.cidrs$/, () => "--set 'networkPolicies.egress.kubeAPIServer.cidrs={10.0.0.10/32}'"],
  [/^networkPolicies\.egress\.kubeAPIServer\.ports$/, () => "--set 'networkPolicies.egress.kubeAPIServer.ports={6443}'"],
  [/^networkPolicies\.egress\.(backupstore|backingImageDownload|upgradeResponder)$/, (p) => `${p}: {cidrs: [192.0.2.0/24], ports: [443]}`],
  [/^networkPolicies\.egress\.(backupstore|backingImageDownload|upgradeResponder)\.open$/, (p) => `--set ${p}=true`],
  [/^networkPolicies\.egress\.(backupstore|backingImageDownload|upgradeResponder)\.cidrs$/, (p) => `--set '${p}={192.0.2.0/24}'`],
  [/^networkPolicies\.egress\.(backupstore|backingImageDownload|upgradeResponder)\.ports$/, (p) => `--set '${p}={443}'`],
  [/^nameOverride$/, () => "--set nameOverride=lhnp"],
  [/^fullnameOverride$/, () => "--set fullnameOverride=lhnp"],
  [/^commonLabels$/, () => "commonLabels: {team: storage}"],
  [/^commonAnnotations$/, () => "commonAnnotations: {example.com/owner: storage-team}"],
  [/^global$/, () => "set by a parent chart"],
];

/** The documented values of values.yaml, in file order. */
export function valueDocs(valuesYaml: string): ValueDoc[] {
  const lines = valuesYaml.split("\n");
  const stack: { indent: number; key: string }[] = [];
  const docs: ValueDoc[] = [];
  let pending: string[] = [];
  for (const [i, line] of lines.entries()) {
    const comment = /^(\s*)# (-- )?(.*)$/.exec(line);
    if (comment) {
      if (comment[2]) pending = [comment[3]!];
      else if (pending.length) pending.push(comment[3]!);
      continue;
    }
    const entry = /^(\s*)([A-Za-z0-9_.-]+):(.*)$/.exec(line);
    if (!entry) {
      pending = [];
      continue;
    }
    const indent = entry[1]!.length;
    while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const path = [...stack.map((s) => s.key), entry[2]!].join(".");
    const inline = entry[3]!.trim();
    if (pending.length) {
      const block = inline === "" ? blockDefault(lines, i, indent) : inline;
      docs.push({ path, default: block, description: pending.join(" ") });
    }
    pending = [];
    if (inline === "") stack.push({ indent, key: entry[2]! });
  }
  return docs.map((d) => ({ ...d, ...exampleFor(d.path) }));
}

/** The default of a key whose value is a nested block, as one line of flow YAML. */
function blockDefault(lines: readonly string[], at: number, indent: number): string {
  const body: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.trim() !== "" && line.search(/\S/) <= indent) break;
    body.push(line);
  }
  const text = dump(load(body.join("\n")), { flowLevel: 0, lineWidth: -1 }).trim();
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** One row per unselected pod and reason, with the Longhorn versions it holds for (a range when contiguous). */
function unprotectedRows(chart: ReadmeChart): string[] {
  const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\s+/g, " ");
  const rows = new Map<string, { versions: string[]; text: string }>();
  for (const { version, pods } of chart.unprotected) {
    for (const pod of pods) {
      const text = `${cell(pod.title)} (\`${pod.id}\`) | ${cell(pod.reason)}`;
      const row = rows.get(text) ?? { versions: [], text };
      row.versions.push(version);
      rows.set(text, row);
    }
  }
  const span = (versions: string[]): string => {
    const at = versions.map((v) => chart.versions.indexOf(v));
    const contiguous = versions.length > 1 && at.every((index, i) => i === 0 || index === at[i - 1]! + 1);
    return contiguous ? `${versions[0]}–${versions[versions.length - 1]}` : versions.join(", ");
  };
  const out = [...rows.values()].map((row) => `| ${span(row.versions)} | ${row.text} |`);
  return out.length ? out : ["| all | none | |"];
}

function exampleFor(path: string): { example?: string } {
  for (const [pattern, example] of EXAMPLES) if (pattern.test(path)) return { example: example(path) };
  return {};
}

export interface ReadmeChart {
  name: string;
  versions: string[];
  newestGA: string;
  /** Per version, the pods no policy selects, with the reason. */
  unprotected: { version: string; pods: { id: string; title: string; reason: string }[] }[];
}

export function renderChartReadme(valuesYaml: string, chart: ReadmeChart): string {
  const docs = valueDocs(valuesYaml);
  const missing = docs.filter((d) => !d.example).map((d) => d.path);
  if (missing.length) throw new Error(`chart README: no example for ${missing.join(", ")}`);
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const rows = docs.map((d) => `| \`${d.path}\` | \`${cell(d.default)}\` | ${cell(d.description)} | \`${cell(d.example!)}\` |`);
  return `<!-- Generated by netpolgen from spec/ and values.yaml; do not edit. -->
# ${chart.name}

Least-privilege NetworkPolicies for Longhorn ${chart.versions[0]} to ${chart.versions[chart.versions.length - 1]}, one template set per
Longhorn minor, generated from a versioned port/flow spec. Every policy allows exactly the flows
the spec lists for its component, from exactly the peers that need them; \`netpolgen verify\` proves
it on what Helm renders.

\`\`\`sh
helm install lhnp ./chart -n longhorn-system --set networkPolicies.enabled=true
helm install lhnp ./chart -n longhorn-system -f my-values.yaml
\`\`\`

As a dependency of another chart:

\`\`\`yaml
dependencies:
  - name: ${chart.name}
    version: "<chart version>"
    repository: "file://../${chart.name}"   # or an HTTP or OCI chart repository
    condition: networkPolicies.enabled         # a value of the parent chart
\`\`\`

The parent passes values under \`${chart.name}:\` (its own \`networkPolicies.enabled\` included).

## Values

| Value | Default | Description | Example |
|---|---|---|---|
${rows.join("\n")}

## Trade-offs the values make

- Empty \`nodeCIDRs\` / \`kubeAPIServerSourceCIDRs\`: the host-originated ports (iSCSI 3260, NFS 2049,
  v2 NVMe/TCP) and the webhook ports are open to any source; NOTES.txt lists them.
- With \`egress.enabled\` and no \`egress.kubeAPIServer.cidrs\`, the API server ports are open to any
  destination (pods cannot name the API server otherwise); set the endpoint CIDRs to close that.
- With \`egress.enabled\`, backups and backing image downloads are blocked until
  \`egress.backupstore\` / \`egress.backingImageDownload\` give CIDRs or \`open: true\`; the
  manager's upgrade check fails until \`egress.upgradeResponder\` does.
- \`components.<c>.enabled: false\` removes that component's policy; a role that runs inside another
  component's pods (the 1.5+ webhooks and recovery backend run in the manager) is still restricted
  by the host component's policy.
- Traffic from a pod's own node (kubelet probes) is never restricted by NetworkPolicy.

## CNI caveats: what \`nodeCIDRs\` and \`kubeAPIServerSourceCIDRs\` can match

Both lists become \`ipBlock\` peers, and an \`ipBlock\` matches the source address the CNI sees. For
traffic from another node's host network that is often not the node's IP. Traffic from a pod's own
node is always admitted ([Kubernetes](https://kubernetes.io/docs/concepts/services-networking/network-policies/)),
so the local iSCSI 3260 and v2 NVMe/TCP initiators keep working whatever is listed; the lists decide
which other hosts reach NFS 2049 and the webhooks. Check the real sources in your CNI's flow logs
before narrowing them.

| CNI | Source of another node's host traffic | What to list |
|---|---|---|
| [Cilium](https://docs.cilium.io/en/stable/security/policy/layer3/#selecting-nodes-with-cidr-ipblock), default \`policy-cidr-match-mode\` | the identities \`remote-node\`, \`host\`, \`kube-apiserver\`: no \`ipBlock\` matches them | nothing: keep both lists empty ([longhorn#13802](https://github.com/longhorn/longhorn/issues/13802) is volume attach broken on Cilium) |
| [Cilium](https://docs.cilium.io/en/stable/network/kubernetes/policy/) 1.15+ with \`policyCIDRMatchMode: nodes\` | the node's address | node CIDRs; control-plane addresses for the webhooks |
| [Calico](https://docs.tigera.io/calico/latest/networking/configuring/vxlan-ipip) without encapsulation | the node IP | node CIDRs |
| Calico IPIP or VXLAN | the node's tunnel address (Node annotations \`projectcalico.org/IPv4IPIPTunnelAddr\`, \`IPv4VXLANTunnelAddr\`) | each tunnel address as /32 (with CrossSubnet, node CIDRs too) |
| K3s (kube-router) and Canal/RKE2, flannel VXLAN | \`flannel.1\`: the first address of the node's \`spec.podCIDR\` | each such address as /32 |
| [flannel](https://github.com/flannel-io/flannel#network-policy) alone | nothing is enforced | the values have no effect |

- Never list a whole pod CIDR or IP pool to catch tunnel addresses: that admits every pod.
- An API server outside the cluster calls from its egress address; managed control planes (AKS, GKE)
  may not preserve it, and then only an empty list works.
- Istio ambient rewrites node-to-pod traffic to \`169.254.7.127\`
  ([Istio](https://istio.io/latest/docs/ambient/usage/networkpolicy/)); on Cilium it carries the
  identity \`world\`, the source denied in longhorn#13802. With ambient, add \`169.254.7.127/32\` to \`nodeCIDRs\`.
- Tunnel and podCIDR addresses follow the nodes: update the lists when nodes join or leave.

## Pods these policies do not select

Every pod Longhorn runs is either restricted by a policy of this chart or listed here, with the
reason (the spec's \`unprotected\` entries and components without labels to select them by).

| Longhorn | Pod | Why it is not selected |
|---|---|---|
${unprotectedRows(chart).join("\n")}
`;
}
