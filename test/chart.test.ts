// What Helm renders from chart/: golden files per Longhorn version × values case, and values that
// must be rejected with a message naming the key. UPDATE_GOLDEN=1 rewrites the golden files
// (review every changed line before committing them).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readYaml, readYamlStream } from "../generator/lib/yaml.ts";
import { PROJECT_ROOT, SPEC_VERSIONS, loadVersion } from "./helpers.ts";
import { helm, helmTemplate } from "./helm.ts";
import { GOLDEN_CASES, goldenArgs, withoutChartVersion } from "../generator/release/golden-cases.ts";

const GOLDEN = join(PROJECT_ROOT, "test/golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

const ci = (name: string) => ["-f", `chart/ci/${name}-values.yaml`];
/**
 * Policies on, with the chart's defaults (cni auto: kube-router on k3s) and the Node addresses helm's
 * lookup would read (helm template has no cluster to read them from).
 */
const ENABLED = ci("defaults");

for (const version of SPEC_VERSIONS) {
  for (const c of GOLDEN_CASES) {
    const args = goldenArgs(c, "chart", version, SPEC_VERSIONS);
    if (!args) continue;
    test(`golden ${version}/${c.name}`, () => {
      const run = helmTemplate(...args);
      assert.is(run.code, 0, run.stderr);
      const file = join(GOLDEN, version, `${c.name}.yaml`);
      if (UPDATE) {
        mkdirSync(join(GOLDEN, version), { recursive: true });
        writeFileSync(file, withoutChartVersion(run.stdout));
      }
      assert.ok(existsSync(file), `${file} is missing: run UPDATE_GOLDEN=1 node test/run.mjs and review it`);
      assert.fixture(withoutChartVersion(run.stdout), readFileSync(file, "utf8"));
    });
  }
}

test("a chart version bump alone changes no golden file", () => {
  const dir = mkdtempSync(join(tmpdir(), "lhnp-bump-"));
  try {
    cpSync(join(PROJECT_ROOT, "chart"), dir, { recursive: true });
    const chartYaml = join(dir, "Chart.yaml");
    writeFileSync(chartYaml, readFileSync(chartYaml, "utf8").replace(/^version: .*$/m, "version: 9.8.7"));
    const run = helm("template", "lhnp", dir, "--namespace", "longhorn-system", ...ci("defaults"));
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, "helm.sh/chart: longhorn-network-policies-9.8.7");
    assert.fixture(withoutChartVersion(run.stdout), readFileSync(join(GOLDEN, "1.12/defaults.yaml"), "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

type Policy = {
  kind: string;
  metadata: { name: string; namespace: string };
  spec: { ingress?: { from?: object[]; ports?: { port: number; endPort?: number }[] }[] | null };
};
const policiesOf = (text: string): Policy[] => (readYamlStream(text) as (Policy | null)[]).filter((d): d is Policy => d !== null);

test("disabled renders nothing", () => {
  for (const version of SPEC_VERSIONS) {
    assert.is(policiesOf(helmTemplate("--set-string", `longhorn.version=${version}`).stdout).length, 0);
  }
});

test("enabled: one policy per selectable component, none without ports", () => {
  for (const version of SPEC_VERSIONS) {
    const spec = loadVersion(version);
    const policies = policiesOf(helmTemplate(...ENABLED, "--set-string", `longhorn.version=${version}`).stdout);
    const selectable = [...spec.components.values()].filter((c) => c.selector).length;
    assert.is(policies.length, selectable, version);
    for (const policy of policies) {
      assert.is(policy.kind, "NetworkPolicy");
      assert.is(policy.metadata.namespace, "longhorn-system");
      assert.match(policy.metadata.name, `-v${version.replace(".", "-")}-`);
      for (const rule of policy.spec.ingress ?? []) assert.ok(rule.ports && rule.ports.length > 0, `${policy.metadata.name} has a rule without ports`);
    }
  }
});

test("upgradeFrom renders both versions side by side with distinct names", () => {
  const policies = policiesOf(
    helmTemplate(...ENABLED, "--set-string", "longhorn.version=1.5.1", "--set-string", "longhorn.upgradeFrom=v1.4.4").stdout,
  );
  const names = policies.map((p) => p.metadata.name);
  assert.is(new Set(names).size, names.length);
  assert.ok(names.some((n) => n.includes("-v1-4-")) && names.some((n) => n.includes("-v1-5-")));
});

/**
 * A named template of the chart rendered with chosen arguments: a copy of the chart with one
 * ConfigMap whose data is the template's output (`lookup` cannot be fed under helm template, so
 * what it would return is handed to the template that reads it).
 */
function renderNamed(call: string, values: object): string {
  const dir = mkdtempSync(join(tmpdir(), "lhnp-named-"));
  try {
    cpSync(join(PROJECT_ROOT, "chart"), dir, { recursive: true });
    writeFileSync(join(dir, "templates/named-preview.yaml"), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: named\ndata:\n  out: {{ ${call} | toJson }}\n`);
    writeFileSync(join(dir, "preview-values.json"), JSON.stringify(values));
    const run = helm("template", "lhnp", dir, "--show-only", "templates/named-preview.yaml", "-f", join(dir, "preview-values.json"));
    assert.is(run.code, 0, run.stderr);
    return (readYamlStream(run.stdout)[0] as { data: { out: string } }).data.out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const FAKE_NODES = [
  {
    metadata: { name: "server-1", labels: { "node-role.kubernetes.io/control-plane": "true" }, annotations: { "projectcalico.org/IPv4VXLANTunnelAddr": "192.168.10.64" } },
    spec: { podCIDR: "10.42.0.0/24", podCIDRs: ["10.42.0.0/24", "2001:db8:42::/64"] },
    status: { addresses: [{ type: "InternalIP", address: "172.16.0.10" }, { type: "Hostname", address: "server-1" }] },
  },
  {
    metadata: { name: "agent-1", labels: {}, annotations: { "projectcalico.org/IPv4IPIPTunnelAddr": "192.168.11.0" } },
    spec: { podCIDR: "10.42.1.0/24" },
    status: { addresses: [{ type: "InternalIP", address: "172.16.0.11" }] },
  },
  { metadata: { name: "new-node" }, spec: {} },
];

test("host sources per CNI, from the Node objects lookup returns", () => {
  const sources = (cni: string, key: string) => renderNamed(`include "lhnp.nodeSources" (list .Values.global.cni .Values.global.key .Values.global.nodes)`, { global: { cni, key, nodes: FAKE_NODES } });
  // kube-router, canal: the flannel.1 address, the network address of each podCIDR (both families).
  assert.is(sources("kube-router", "nodeCIDRs"), "10.42.0.0/32 2001:db8:42::/128 10.42.1.0/32");
  assert.is(sources("canal", "kubeAPIServerSourceCIDRs"), "10.42.0.0/32 2001:db8:42::/128", "control-plane Nodes only");
  // calico: tunnel addresses and InternalIPs.
  assert.is(sources("calico", "nodeCIDRs"), "192.168.10.64/32 172.16.0.10/32 192.168.11.0/32 172.16.0.11/32");
  assert.is(sources("calico", "kubeAPIServerSourceCIDRs"), "192.168.10.64/32 172.16.0.10/32");
  assert.is(renderNamed(`include "lhnp.nodeSources" (list "kube-router" "nodeCIDRs" list)`, {}), "", "no Nodes, no sources");
});

test("cni: auto follows type; under helm template a non-generic CNI with an empty list fails naming the value", () => {
  for (const [type, cni] of [["k3s", "kube-router"], ["rke2", "canal"], ["rke1", "canal"], ["none", "generic"]]) {
    assert.is(renderNamed(`include "lhnp.cni" .`, { networkPolicies: { cni: "auto", type } }), cni, type);
  }
  assert.is(renderNamed(`include "lhnp.cni" .`, { networkPolicies: { cni: "calico", type: "k3s" } }), "calico");
  // At install, auto goes by the CNI's DaemonSets first: Cilium and Antrea (no native policies yet) get generic.
  const detect = (...names: string[]) => renderNamed(`include "lhnp.detectCNI" .Values.global.items`, { global: { items: names.map((name) => ({ metadata: { name } })) } });
  assert.is(detect("coredns", "cilium", "cilium-envoy"), "cilium");
  assert.is(detect("antrea-agent"), "antrea");
  assert.is(detect("rke2-canal", "rke2-ingress-nginx-controller"), "canal");
  assert.is(detect("canal"), "canal");
  assert.is(detect("calico-node", "csi-node-driver"), "calico");
  assert.is(detect("kube-router"), "kube-router");
  assert.is(detect("svclb-traefik", "longhorn-manager"), "", "k3s's embedded kube-router has no DaemonSet: type decides");
  assert.is(detect("cilium-operator-x"), "");
  const k3s = helmTemplate("--set", "networkPolicies.enabled=true");
  assert.is.not(k3s.code, 0, "the defaults: type k3s, cni auto");
  assert.match(k3s.stderr, "networkPolicies.nodeCIDRs: on kube-router, NFS mounts from other nodes arrive from each node's flannel.1 address");
  assert.match(k3s.stderr, "List those addresses as /32, or set networkPolicies.cni=generic");
  const api = helmTemplate("--set", "networkPolicies.enabled=true", "--set", "networkPolicies.cni=calico", "--set", "networkPolicies.nodeCIDRs={192.168.11.0/32}");
  assert.match(api.stderr, "networkPolicies.kubeAPIServerSourceCIDRs: on calico, an API server on another control-plane node calls the webhooks from each node's tunnel address");
  // Given, the lists are used as they are, and no Node is read.
  const given = helmTemplate(...ENABLED);
  assert.is(given.code, 0, given.stderr);
  assert.match(given.stdout, 'cidr: "10.42.2.0/32"');
  assert.not.match(given.stdout, "0.0.0.0/0");
  // generic keeps the old meaning: an empty list opens its ports to any source.
  const generic = policiesOf(helmTemplate(...ci("generic")).stdout).find((p) => p.metadata.name.endsWith("share-manager"))!;
  assert.equal((generic.spec as { ingress: { from?: unknown }[] }).ingress.map((r) => r.from === undefined), [false, true]);
});

/**
 * NOTES.txt as Helm renders it on install. `helm template` skips NOTES and an offline install is
 * refused, so a copy of the chart carries the same text inside a ConfigMap.
 */
function renderNotes(...args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "lhnp-notes-"));
  try {
    cpSync(join(PROJECT_ROOT, "chart"), dir, { recursive: true });
    const notes = readFileSync(join(dir, "templates/NOTES.txt"), "utf8");
    rmSync(join(dir, "templates/NOTES.txt"));
    writeFileSync(
      join(dir, "templates/notes-preview.yaml"),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "notes" . | toJson }}\n{{- define "notes" }}\n${notes}\n{{- end }}\n`,
    );
    const run = helm("template", "lhnp", dir, "--namespace", "longhorn-system", "--show-only", "templates/notes-preview.yaml", ...args);
    assert.is(run.code, 0, run.stderr);
    return (readYamlStream(run.stdout)[0] as { data: { notes: string } }).data.notes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("NOTES: with cni flannel, says that nothing is enforced", () => {
  const notes = renderNotes(...ENABLED, "--set", "networkPolicies.cni=flannel");
  assert.match(notes, "flannel alone enforces no NetworkPolicy");
  assert.not.match(renderNotes(...ENABLED), "flannel alone");
});

test("NOTES: how to check that the CNI enforces the policies, with helm test", () => {
  const off = renderNotes(...ENABLED);
  assert.match(off, "A CNI without NetworkPolicy support ignores every policy silently.");
  assert.match(off, "--reuse-values --set tests.enabled=true\n  helm test lhnp -n longhorn-system --logs");
  const on = renderNotes("-f", "chart/ci/tests-values.yaml");
  assert.match(on, "  helm test lhnp -n longhorn-system --logs\n(an outsider pod in default must be refused by longhorn-manager's API");
  assert.not.match(renderNotes(), "helm test");
});

test("NOTES: nothing rendered while disabled", () => {
  assert.match(renderNotes(), "rendered nothing: networkPolicies.enabled is false");
});

test("NOTES: versions, and the ports left open because a CIDR list is empty", () => {
  const notes = renderNotes(...ci("generic"), "--set-string", "longhorn.upgradeFrom=1.11");
  assert.match(notes, "NetworkPolicies for Longhorn 1.12 and 1.11 in namespace longhorn-system.");
  assert.match(notes, "- networkPolicies.nodeCIDRs is empty, so these ports are open to any source:\n    TCP 2049 to share-manager\n");
  assert.not.match(notes, "3260", "iSCSI comes from the pod's own node only: no rule, nothing open");
  assert.match(notes, "- networkPolicies.kubeAPIServerSourceCIDRs is empty, so these ports are open to any source:\n    TCP 9502 to admission-webhook");
  assert.match(notes, "metrics ports (longhorn-manager TCP 9500; csi-sidecars TCP 8000) admit no scraper");
  const set = renderNotes("-f", "chart/ci/all-options-values.yaml");
  assert.not.match(set, "is empty");
});

test("NOTES and the chart README: the pods no policy selects, with the reason, printed literally", () => {
  const notes = renderNotes(...ENABLED);
  assert.match(notes, "- Pods these policies do not select:\n    discover-proc-kubelet-cmdline: The pods carry no labels at all");
  assert.match(notes, /\n    system-rollout: The Job's pod template carries no label;[^\n]*suffix changes with every restore/);
  const readme = readFileSync(join(PROJECT_ROOT, "chart/README.md"), "utf8");
  assert.match(readme, /\| 1\.4–1\.13 \| System restore rollout \(`system-rollout`\) \| The Job's pod template carries no label;[^\n]*longhorn-system-rollout-&lt;restore name&gt;/);
  assert.match(readme, /\| 1\.4–1\.13 \| Discover Proc Kubelet Cmdline \(`discover-proc-kubelet-cmdline`\) \|/);
});

test("NOTES: disabled components are listed as unrestricted, and their ports are not described", () => {
  const notes = renderNotes(
    ...ENABLED,
    "--set", "networkPolicies.components.instanceManager.enabled=false",
    "--set", "networkPolicies.components.longhornManager.enabled=false",
  );
  assert.match(notes, "- Left unrestricted: no policy selects the pods of longhorn-manager, instance-manager (components.<name>.enabled is false).");
  assert.not.match(notes, "to instance-manager");
  assert.not.match(notes, "longhorn-manager TCP 9500");
  assert.not.match(notes, "open to any source", "the node lists are given: nothing is open to any source");
  assert.match(notes, "- Open only to networkPolicies.nodeCIDRs (");
  assert.match(renderNotes(...ci("generic"), "--set", "networkPolicies.components.instanceManager.enabled=false"), "TCP 2049 to share-manager");
  assert.not.match(renderNotes(...ENABLED), "Left unrestricted");
});

test("NOTES: extraPorts that no rendered rule can carry are reported, not silently dropped", () => {
  const extra = ["--set-json", 'networkPolicies.components.longhornUi.extraPorts=[{"port":15008}]'];
  const none = renderNotes(...ENABLED, "--set", "networkPolicies.type=none", ...extra);
  assert.match(none, "- components.longhornUi.extraPorts adds nothing: with these values no ingress rule of longhorn-ui renders");
  const k3s = renderNotes(...ENABLED, "--set", "networkPolicies.type=k3s", ...extra);
  assert.not.match(k3s, "extraPorts adds nothing");
});

test("CNI caveats where users decide: values.yaml, the chart README, and NOTES once a CIDR list is set", () => {
  const values = readFileSync(join(PROJECT_ROOT, "chart/values.yaml"), "utf8");
  assert.match(values, "- cilium, antrea: the chart admits the nodes and the API server by the CNI's own policy object; nodeCIDRs is");
  assert.match(values, "never a whole pod CIDR");
  const readme = readFileSync(join(PROJECT_ROOT, "chart/README.md"), "utf8");
  assert.match(readme, "## CNI caveats: what `nodeCIDRs` and `kubeAPIServerSourceCIDRs` can match");
  assert.match(readme, "https://docs.cilium.io/en/stable/security/policy/layer3/#selecting-nodes-with-cidr-ipblock");
  assert.not.match(renderNotes(...ci("generic")), "CNI caveat");
  const tightened = renderNotes(...ci("generic"), "--set", "networkPolicies.nodeCIDRs={10.0.0.0/24}");
  assert.match(tightened, "CNI caveat: nodeCIDRs and kubeAPIServerSourceCIDRs match the source address your CNI sees from other nodes.");
  assert.match(tightened, "- Cilium, Antrea: set networkPolicies.cni to cilium or antrea instead; the chart then admits the nodes by the CNI's own policy.");
});

test("NOTES: egress trade-offs (API server ports open to any destination, backups and downloads blocked)", () => {
  const open = renderNotes("-f", "chart/ci/egress-defaults-values.yaml");
  assert.match(open, "Egress is restricted: each Longhorn pod may send only its spec flows.");
  assert.match(open, "- egress.kubeAPIServer.cidrs is empty: TCP 443, 6443 are open to any destination.");
  assert.match(open, "- egress.backupstore has neither cidrs nor open: backups to a backupstore are blocked.");
  assert.match(open, "- egress.backingImageDownload has neither cidrs nor open");
  assert.match(open, "- egress.upgradeResponder has neither cidrs nor open: the manager's upgrade check fails");
  const pinned = renderNotes("-f", "chart/ci/egress-values.yaml");
  assert.match(pinned, "Egress is restricted");
  assert.not.match(pinned, "- egress.");
  assert.not.match(renderNotes("-f", "chart/ci/defaults-values.yaml"), "Egress");
});

test("values.yaml, values.schema.json and chart/README.md name the same values; each README row has a type, default and example", () => {
  type Node = { type?: string; properties?: Record<string, Node>; allOf?: Node[]; $ref?: string; definitions?: Record<string, Node> };
  const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, "chart/values.schema.json"), "utf8")) as Node;
  const readme = readFileSync(join(PROJECT_ROOT, "chart/README.md"), "utf8");
  const paths: string[] = [];
  // A node's properties, including those of the definitions it refers to through allOf.
  const resolve = (node: Node): Node => {
    const target = node.$ref ? resolve(schema.definitions![node.$ref.replace("#/definitions/", "")]!) : node;
    const parts = [target, ...(target.allOf ?? []).map(resolve)];
    return { properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})) };
  };
  const walk = (node: Node, prefix: string) => {
    for (const [key, raw] of Object.entries(resolve(node).properties ?? {})) {
      const child = resolve(raw);
      const path = prefix ? `${prefix}.${key}` : key;
      paths.push(path);
      // Label selectors are documented as a whole.
      if (child.properties && !child.properties.matchLabels) walk(child, path);
    }
  };
  walk(schema, "");
  assert.ok(paths.includes("networkPolicies.egress.backingImageDownload.open") && paths.includes("networkPolicies.ui.extraFrom"));
  for (const path of paths) {
    const row = readme.split("\n").find((line) => line.startsWith(`| \`${path}\` |`));
    assert.ok(row, `${path} is not documented in chart/README.md`);
    assert.is(row!.split(" | ").length, 5, `${path}: value, type, default, description and example`);
  }
  // values.yaml's keys, walked the same way (label selectors as a whole): the same paths, in the same order.
  const yamlPaths: string[] = [];
  const walkYaml = (value: unknown, prefix: string) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${key}` : key;
      yamlPaths.push(path);
      const isMap = typeof child === "object" && child !== null && !Array.isArray(child);
      if (isMap && !("matchLabels" in child) && path !== "commonLabels" && path !== "commonAnnotations" && path !== "global") walkYaml(child, path);
    }
  };
  walkYaml(readYaml(readFileSync(join(PROJECT_ROOT, "chart/values.yaml"), "utf8")), "");
  assert.equal(yamlPaths, paths);
  const readmePaths = readme.split("\n").flatMap((line) => /^\| `([\w.]+)` \| /.exec(line)?.slice(1) ?? []);
  assert.equal(readmePaths, paths);
});

test("extraIngress and extraEgress render as given; extraPorts join every rule of their policy", () => {
  const run = helmTemplate(
    ...ENABLED,
    "--set", "networkPolicies.egress.enabled=true",
    "--set-json", 'networkPolicies.components.longhornManager.extraIngress=[{"from":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"longhorn-system-tools"}}}],"ports":[{"port":9500,"protocol":"TCP"}]}]',
    "--set-json", 'networkPolicies.components.longhornUi.extraEgress=[{"to":[{"ipBlock":{"cidr":"192.0.2.10/32"}}]}]',
    "--set-json", 'networkPolicies.components.shareManager.extraPorts=[{"port":15008,"protocol":"TCP"}]',
  );
  assert.is(run.code, 0, run.stderr);
  type Rule = { from?: { namespaceSelector?: { matchLabels: Record<string, string> } }[]; to?: { ipBlock?: { cidr: string } }[]; ports?: { port: number }[] };
  const docs = (readYamlStream(run.stdout) as ({ metadata: { name: string }; spec: { ingress?: Rule[]; egress?: Rule[] } } | null)[]).filter((d) => d !== null);
  const policy = (component: string) => docs.find((d) => d!.metadata.name.endsWith(`-v1-12-${component}`))!;
  const managerIngress = policy("longhorn-manager").spec.ingress!;
  assert.equal(managerIngress[managerIngress.length - 1]!.from![0]!.namespaceSelector!.matchLabels, { "kubernetes.io/metadata.name": "longhorn-system-tools" });
  const uiEgress = policy("longhorn-ui").spec.egress!;
  assert.equal(uiEgress[uiEgress.length - 1], { to: [{ ipBlock: { cidr: "192.0.2.10/32" } }] });
  for (const rule of policy("share-manager").spec.ingress!) assert.ok(rule.ports!.some((p) => p.port === 15008), JSON.stringify(rule));
});

test("values never become template syntax: extra rules are not run through tpl", () => {
  const payload = '{{ print "x" }}';
  const set = `networkPolicies.components.longhornManager.extraIngress=[{"from":[{"namespaceSelector":{"matchLabels":{"team":${JSON.stringify(payload)}}}}]}]`;
  const refused = helmTemplate(...ENABLED, "--set-json", set);
  assert.is(refused.code, 1, "the schema refuses a label value the API server would refuse");
  assert.match(refused.stderr, "extraIngress.0.from.0.namespaceSelector.matchLabels.team");
  // Past the schema, the text still prints as data: never evaluated.
  const skipped = helmTemplate("--skip-schema-validation", ...ENABLED, "--set-json", set);
  assert.is(skipped.code, 0, skipped.stderr);
  assert.match(skipped.stdout, "team: '{{ print \"x\" }}'");
});

const BAD_VALUES = join(PROJECT_ROOT, "test/fixtures/bad-values");
const badValues = readdirSync(BAD_VALUES).filter((f) => f.endsWith(".yaml")).sort();

test("65 invalid values files", () => {
  assert.is(badValues.length, 65);
});

const chartBefore = chartHash();

for (const file of badValues) {
  test(`bad values: ${file}`, () => {
    const text = readFileSync(join(BAD_VALUES, file), "utf8");
    const expected = /^# expect: (.+)$/m.exec(text)?.[1];
    assert.ok(expected, "the file states the message it expects on its first line");
    const run = helmTemplate("-f", join("test/fixtures/bad-values", file));
    assert.is(run.code, 1, "helm template must fail");
    assert.is(run.stdout, "");
    assert.ok(run.stderr.includes(expected!), `expected "${expected}" in:\n${run.stderr}`);
  });
}

test("chart/ is untouched after every refused values file", () => {
  assert.is(chartHash(), chartBefore);
});

/** A digest of every file under chart/, names and contents. */
function chartHash(): string {
  const hash = createHash("sha256");
  const dir = join(PROJECT_ROOT, "chart");
  for (const name of readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
    hash.update(name);
    if (statSync(join(dir, name)).isFile()) hash.update(readFileSync(join(dir, name)));
  }
  return hash.digest("hex");
}

test.run();
