// netpolgen verify: the generated chart allows exactly the spec, and a broken chart is caught with
// the precise cell.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT, runCli, SPEC_VERSIONS } from "./helpers.ts";

const CI_CASES = ["all-options", "cni-antrea", "cni-calico", "cni-canal", "cni-cilium", "cni-flannel", "defaults", "disabled", "egress", "egress-defaults", "generic", "tests", "upgrade"];
const work = mkdtempSync(join(tmpdir(), "lhnp-verify-"));

/** A copy of the generated chart with one template edited. */
function brokenChart(name: string, template: string, edit: (text: string) => string): string {
  const dir = join(work, name);
  cpSync(join(PROJECT_ROOT, "chart"), dir, { recursive: true });
  const file = join(dir, "templates", template);
  const before = readFileSync(file, "utf8");
  const after = edit(before);
  assert.is.not(after, before, `the edit of ${template} changed nothing`);
  writeFileSync(file, after);
  return dir;
}

test("verify --all: every version × every ci values case passes", async () => {
  const run = await runCli("verify", "--all");
  assert.is(run.code, 0, run.stdout + run.stderr);
  // The upgrade case needs an older minor, so the oldest version has one case fewer.
  const expected = SPEC_VERSIONS.length * CI_CASES.length - 1;
  assert.match(run.stdout, new RegExp(`^${expected} of ${expected} verified$`, "m"));
  for (const version of SPEC_VERSIONS) {
    assert.match(run.stdout, `PASS Longhorn ${version} × defaults (`);
    assert.match(run.stdout, `PASS Longhorn ${version} × all-options (`);
  }
  assert.match(run.stdout, "PASS Longhorn 1.5 + 1.4 × upgrade (");
  assert.match(run.stdout, "PASS Longhorn 1.13 + 1.12 × upgrade (");
  assert.not.match(run.stdout, "FAIL");
});

test("verify --version with values files, JSON output", async () => {
  const run = await runCli("verify", "--version", "v1.9.2", "-f", "chart/ci/all-options-values.yaml", "--output", "json");
  assert.is(run.code, 0, run.stderr);
  const [result] = JSON.parse(run.stdout) as { version: string; versions: string[]; ok: boolean; policies: number; cells: unknown[]; problems: unknown[] }[];
  assert.is(result!.version, "1.9");
  assert.equal(result!.versions, ["1.9"]);
  assert.ok(result!.ok);
  assert.is(result!.policies, 18, "every selectable component but the disabled engine image");
  assert.equal(result!.cells, []);
});

test("verify with the chart defaults notes that nothing renders", async () => {
  const run = await runCli("verify", "--version", "1.12");
  assert.is(run.code, 0);
  assert.match(run.stdout, "note: networkPolicies.enabled is false: no policy renders and every connection stays open");
});

test("a removed rule fails verify with the blocked flow", async () => {
  const chart = brokenChart("removed", "1.12/longhorn-manager.yaml", (t) => t.replace("        - podSelector:\n            matchLabels:\n              app: longhorn-ui\n", ""));
  const run = await runCli("verify", "--version", "1.12", "--chart", chart, "-f", "chart/ci/defaults-values.yaml");
  assert.is(run.code, 1);
  assert.match(run.stdout, "FAIL Longhorn 1.12 × chart/ci/defaults-values.yaml");
  const rows = run.stdout.split("\n").filter((l) => l.startsWith("| longhorn-ui"));
  assert.equal(
    rows.map((r) => r.split("|").map((c) => c.trim()).slice(1, -1)),
    [
      ["longhorn-ui", "longhorn-manager", "TCP", "9500", "allow", "deny", "needed by ui-to-manager"],
      ["longhorn-ui", "longhorn-manager (2nd pod)", "TCP", "9500", "allow", "deny", "needed by ui-to-manager"],
    ],
  );
  assert.match(run.stdout, "2 differing cells:");
});

test("cilium, antrea: a native object that does not render fails verify with the host flows it carried", async () => {
  for (const [cni, nodes] of [
    ["cilium", "remote-node"],
    ["antrea", "nodeSelector"],
  ] as const) {
    // The share manager's native object switched off for this CNI, as if the chart had only ipBlocks.
    const chart = brokenChart(`no-native-${cni}`, "1.12/share-manager.yaml", (t) => t.replace(/\(has \$cni \(list "cilium" "antrea"\)\)/, `(has $cni (list "${cni === "cilium" ? "antrea" : "cilium"}"))`));
    const run = await runCli("verify", "--version", "1.12", "--chart", chart, "-f", `chart/ci/cni-${cni}-values.yaml`);
    assert.is(run.code, 1, `${cni} (${nodes}): ${run.stdout}`);
    const rows = run.stdout.split("\n").filter((l) => l.includes("| share-manager ") && l.includes("2049"));
    assert.ok(rows.some((r) => r.startsWith("| node storage-2 ") && r.includes("needed by nodes-to-share-manager")), `${cni}: ${run.stdout}`);
  }
});

test("a widened rule fails verify with the extra ports and the rule that admits them", async () => {
  const chart = brokenChart("widened", "1.12/instance-manager.yaml", (t) =>
    t.replace("        - port: 8500\n          protocol: TCP\n", "        - port: 8500\n          endPort: 8510\n          protocol: TCP\n"),
  );
  const run = await runCli("verify", "--version", "1.12", "--chart", chart, "-f", "chart/ci/all-options-values.yaml", "--output", "json");
  assert.is(run.code, 1);
  const [result] = JSON.parse(run.stdout) as { ok: boolean; cells: Record<string, string>[] }[];
  assert.not.ok(result!.ok);
  assert.equal(result!.cells[0], {
    source: "longhorn-manager",
    destination: "instance-manager",
    protocol: "TCP",
    ports: "8505-8510",
    expected: "deny",
    actual: "allow",
    why: "admitted by storage/lhnp-v1-12-instance-manager ingress[0]",
  });
  assert.is(result!.cells.length, 4, "two manager pods × two instance-manager pods");
});

test("a policy that selects nothing leaves its pods open, and verify says why", async () => {
  const chart = brokenChart("misselected", "1.12/share-manager.yaml", (t) => t.replace("longhorn.io/component: share-manager", "longhorn.io/component: share-managr"));
  const run = await runCli("verify", "--version", "1.12", "--chart", chart, "-f", "chart/ci/generic-values.yaml");
  assert.is(run.code, 1);
  // NFS 2049 is open to any source while nodeCIDRs is empty; everything else must have been closed.
  assert.match(run.stdout, /\| external host +\| share-manager +\| TCP +\| 1-2048, 2050-65535 +\| deny +\| allow +\| no policy selects longhorn-system\/share-manager \(not-isolated\) \|/);
  assert.match(run.stdout, /\| external host +\| share-manager +\| UDP +\| all +\| deny +\| allow +\|/);
});

test("an invalid object fails verify with its template and path", async () => {
  const chart = brokenChart("invalid", "1.12/longhorn-ui.yaml", (t) => t.replace(/- port: 8000\n/, "- port: 80000\n"));
  const run = await runCli("verify", "--version", "1.12", "--chart", chart, "-f", "chart/ci/defaults-values.yaml");
  assert.is(run.code, 1);
  assert.match(run.stdout, "longhorn-network-policies/templates/1.12/longhorn-ui.yaml spec.ingress[0].ports[0].port: 80000 is outside 1-65535");
});

test("verify reads the values Helm merged: YAML 1.1 booleans, later files winning", async () => {
  const file = join(work, "helm-typed-values.yaml");
  // Helm reads `yes` as true: the chart renders every policy, and verify must see the same values.
  writeFileSync(file, "networkPolicies:\n  enabled: yes\n  cni: generic\n  metricsScrapeSources: [{namespaceSelector: {matchLabels: {team: obs}}}]\n");
  const override = join(work, "helm-null-values.yaml");
  writeFileSync(override, "networkPolicies:\n  metricsScrapeSources: []\n");
  const run = await runCli("verify", "--version", "1.12", "-f", file, "-f", override);
  assert.is(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^PASS Longhorn 1\.12 × .* \(18 policies,/m);
  assert.not.match(run.stdout, "metrics scraper 1");
});

test("verify in any release namespace: the outsiders live in namespaces of their own", async () => {
  for (const namespace of ["default", "kube-system", "monitoring"]) {
    const run = await runCli("verify", "--version", "1.12", "--namespace", namespace, "-f", "chart/ci/defaults-values.yaml");
    assert.is(run.code, 0, `${namespace}: ${run.stdout}${run.stderr}`);
  }
});

test("a role that runs in another component's pods follows that component's switch (found by the property tests)", async () => {
  for (const [off, versions] of [["admissionWebhook", ["1.4", "1.6", "1.12"]], ["longhornManager", ["1.6", "1.12"]], ["recoveryBackend", ["1.12"]]] as const) {
    const file = join(work, `${off}-off.yaml`);
    writeFileSync(file, `networkPolicies:\n  enabled: true\n  cni: generic\n  components:\n    ${off}:\n      enabled: false\n`);
    for (const version of versions) {
      const run = await runCli("verify", "--version", version, "-f", file);
      assert.is(run.code, 0, `${off} off, ${version}:\n${run.stdout}`);
    }
  }
});

test("the model gives every peer the values name a member (cases the property tests found)", async () => {
  const cases: Record<string, string> = {
    "custom DNS pods": "egress: {enabled: true, dns: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: dns-system}}, podSelector: {matchLabels: {app: dns}}}}",
    "one /32 of node addresses": 'nodeCIDRs: ["10.0.0.5/32"]',
    "an ipBlock whose first addresses are excepted": "type: none\n  ui: {extraFrom: [{ipBlock: {cidr: 192.168.0.0/16, except: [192.168.0.0/20]}}]}",
    "matchLabels and an expression on one key": "metricsScrapeSources: [{podSelector: {matchLabels: {app: prometheus}, matchExpressions: [{key: app, operator: Exists}, {key: app, operator: In, values: [other, prometheus]}]}}]",
    "two peers naming one namespace": "metricsScrapeSources: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring, team: a}}}]\n  ui: {extraFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring, team: b}}}]}",
    "a peer that names Longhorn's own pods": "metricsScrapeSources: [{podSelector: {matchLabels: {app: longhorn-ui}}}]",
  };
  for (const [name, values] of Object.entries(cases)) {
    const file = join(work, "peer-sample.yaml");
    writeFileSync(file, `networkPolicies:\n  enabled: true\n  cni: generic\n  ${values}\n`);
    const run = await runCli("verify", "--version", "1.12", "-f", file);
    assert.is(run.code, 0, `${name}:\n${run.stdout}${run.stderr}`);
  }
});

test("verify usage errors exit 2", async () => {
  assert.is((await runCli("verify")).code, 2);
  assert.is((await runCli("verify", "--all", "--version", "1.12")).code, 2);
  assert.is((await runCli("verify", "--all", "-f", "chart/ci/defaults-values.yaml")).code, 2);
  const missing = await runCli("verify", "--version", "1.12", "-f", "nope.yaml");
  assert.is(missing.code, 2);
  assert.is(missing.stderr, "netpolgen: nope.yaml: no such values file");
  assert.is((await runCli("verify", "--version", "2.0")).code, 2);
  assert.is((await runCli("verify", "--version", "1.12", "--chart", "spec")).code, 2);
});

test("values helm rejects fail verify with helm's message (exit 1)", async () => {
  const file = join(work, "bad-values.yaml");
  writeFileSync(file, "networkPolicies:\n  enabled: true\n  cni: generic\n  type: traefik\n");
  const run = await runCli("verify", "--version", "1.12", "-f", file);
  assert.is(run.code, 1);
  assert.match(run.stderr, `netpolgen: helm template ${join(PROJECT_ROOT, "chart")} failed`);
  assert.match(run.stderr, "networkPolicies.type");
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
