// chart/README.md, generated (generate --check keeps it current): install and upgrade from a
// repository, OCI and a path, helm test, the values table, per-version Mermaid diagrams and tables in
// the shape of Longhorn's networking page, and the upgrade notes between consecutive versions.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { renderChart } from "../generator/targets/helm/render-chart.ts";
import { flowDiagram, flowTables, upgradeNotes } from "../generator/targets/helm/readme-flows.ts";
import { chartRelease } from "../generator/release/metadata.ts";
import { PROJECT_ROOT, SPEC_VERSIONS, loadVersion } from "./helpers.ts";

const readme = readFileSync(join(PROJECT_ROOT, "chart/README.md"), "utf8");
const specs = SPEC_VERSIONS.map(loadVersion);
const release = chartRelease(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8"), readFileSync(join(PROJECT_ROOT, "CHANGELOG.md"), "utf8"));

test("chart/README.md is what the generator writes now", () => {
  const generated = renderChart(specs, release).find((f) => f.path === "chart/README.md")!;
  assert.fixture(readme, generated.content);
});

test("install and upgrade from the repository, OCI and a path; signature checks; helm test", () => {
  for (const line of [
    `helm install lhnp lhnp/longhorn-network-policies --version ${release.version} -n longhorn-system --set networkPolicies.enabled=true`,
    `helm upgrade lhnp lhnp/longhorn-network-policies --version ${release.version} -n longhorn-system --reuse-values`,
    `helm install lhnp oci://<registry>/<path>/longhorn-network-policies --version ${release.version}`,
    "helm install lhnp ./chart -n longhorn-system --set networkPolicies.enabled=true",
    "helm upgrade lhnp ./chart -n longhorn-system --reuse-values",
    `helm pull lhnp/longhorn-network-policies --version ${release.version} --verify --keyring maintainers.gpg`,
    "helm test lhnp -n longhorn-system --logs",
    "--set tests.enabled=true",
  ]) {
    assert.ok(readme.includes(line), `missing: ${line}`);
  }
  assert.match(readme, "| `tests.image` | string | `\"busybox:1.36.1\"` |");
});

test("the repositories package.json names replace the placeholders", () => {
  const named = { ...release, chartRepository: "https://charts.example.org/lhnp", ociRepository: "oci://registry.example.org/charts" };
  const text = renderChart(specs, named).find((f) => f.path === "chart/README.md")!.content;
  assert.match(text, "helm repo add lhnp https://charts.example.org/lhnp\n");
  assert.match(text, "helm install lhnp oci://registry.example.org/charts/longhorn-network-policies --version");
  assert.not.match(text, "<chart repository URL>");
  const pkg = (netpolgen: object) => JSON.stringify({ version: "1.0.0", netpolgen });
  assert.throws(() => chartRelease(pkg({ chartRepository: "http://insecure.example.org" }), undefined), /netpolgen.chartRepository must be the https URL/);
  assert.throws(() => chartRelease(pkg({ ociRepository: "oci://registry.example.org/Charts" }), undefined), /oci:\/\/host\/path/);
});

test("every version has its section, with a Mermaid diagram and docs-shaped tables (or a pointer to identical ones)", () => {
  for (const spec of specs) {
    const start = readme.indexOf(`<summary>Longhorn ${spec.version}`);
    assert.ok(start > 0, `no section for ${spec.version}`);
    const section = readme.slice(start, readme.indexOf("</details>", start));
    assert.ok(section.includes("```mermaid\nflowchart LR\n") || /The diagram of Longhorn \d+\.\d+\./.test(section), spec.version);
    assert.ok(section.includes("#### Longhorn Manager\n\nIngress:\n\nFrom | Port | Protocol | This chart\n--- | --- | --- | ---\n") || /The tables of Longhorn \d+\.\d+\./.test(section), spec.version);
  }
  assert.match(readme, /<summary>Longhorn 1\.12: the default<\/summary>/);
  assert.match(readme, /<summary>Longhorn 1\.13 \(development\)<\/summary>/);
});

test("tables: one row per flow end and protocol, with what the chart does", () => {
  const spec = loadVersion("1.12");
  const tables = flowTables(spec);
  assert.match(tables, "UI | 9500 | TCP | allowed\n");
  assert.match(tables, "Cluster DNS | 53 | UDP | allowed (egress: see `egress`)\nCluster DNS | 53 | TCP | allowed (egress: see `egress`)\n");
  assert.match(tables, "Kubernetes API server | 9501 | TCP | closed: the docs list it, no code serves it");
  assert.match(tables, "Node in the Cluster | 3260 (iSCSI target) | TCP | always allowed: from the pod's own node, no rule needed");
  assert.match(tables, "Instance Manager | 8504 (spdk service) | TCP | allowed with `features.v2DataEngine`");
  // Every row has four cells.
  for (const line of tables.split("\n").filter((l) => l.includes(" | "))) assert.is(line.split(" | ").length, 4, line);
});

test("diagram: one arrow per client and server, dotted where no policy can restrict; labels cannot break out", () => {
  const spec = loadVersion("1.12");
  const diagram = flowDiagram(spec);
  assert.match(diagram, '  longhorn_ui -->|"9500"| longhorn_manager\n');
  assert.match(diagram, '  kubelet -.->|"9502"| longhorn_manager\n');
  assert.match(diagram, '  nodes -.->|"3260"| instance_manager\n');
  assert.match(diagram, '  longhorn_manager -->|"53/UDP, 53/TCP"| dns\n');
  assert.not.match(diagram, "9501", "documented-only rows are left out");
  for (const line of diagram.split("\n").slice(2, -1)) {
    assert.match(line, /^  [A-Za-z0-9_]+(\["[^"]*"\]| (-->|-\.->)\|"[^"|]*"\| [A-Za-z0-9_]+)$/, line);
  }
  // A title with quotes, brackets and a pipe stays inside its label.
  const ui = spec.components.get("longhorn-ui")!;
  const hostile = { ...spec, components: new Map(spec.components).set("longhorn-ui", { ...ui, title: 'UI"] --> x["<b>|' }) };
  const line = flowDiagram(hostile).split("\n").find((l) => l.startsWith("  longhorn_ui["))!;
  assert.is(line, '  longhorn_ui["UI#quot;] --#gt; x[#quot;#lt;b#gt;#124;"]');
});

test("upgrade notes for every consecutive pair, from the spec diff", () => {
  for (const [i, spec] of specs.entries()) {
    if (i === 0) continue;
    assert.match(readme, `### ${specs[i - 1]!.version} → ${spec.version}\n\n- `);
  }
  const notes = upgradeNotes(loadVersion("1.11"), loadVersion("1.12"));
  assert.ok(notes.some((n) => n.startsWith("Flow `manager-to-instance-manager-spdk`: enforced no (documented only) → yes")), notes.join("\n"));
  assert.equal(upgradeNotes(loadVersion("1.12"), loadVersion("1.12")), ["No flow or component changes."]);
});

test.run();
