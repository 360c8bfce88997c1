// The chart as a dependency: a parent chart pulls it in by file:// with a condition, and its values
// (namespace override, common labels and annotations) pass through.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readYaml, readYamlStream } from "../generator/lib/yaml.ts";
import { helm } from "./helm.ts";
import { PROJECT_ROOT } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "lhnp-parent-"));
const parent = join(dir, "storage-platform");
cpSync(join(PROJECT_ROOT, "test/fixtures/parent-chart"), parent, { recursive: true });
const chartVersion = (readYaml(readFileSync(join(PROJECT_ROOT, "chart/Chart.yaml"), "utf8")) as { version: string }).version;
const chartYaml = join(parent, "Chart.yaml");
writeFileSync(chartYaml, readFileSync(chartYaml, "utf8").replace("CHART_VERSION", chartVersion).replace("CHART_DIR", join(PROJECT_ROOT, "chart")));

type Policy = { kind: string; metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> } };

function render(...args: string[]): Policy[] {
  const run = helm("template", "platform", parent, "--namespace", "platform", ...args);
  assert.is(run.code, 0, run.stderr);
  return (readYamlStream(run.stdout) as (Policy | null)[]).filter((d): d is Policy => d !== null && d.kind === "NetworkPolicy");
}

test("helm dependency build resolves the file:// dependency offline", () => {
  const run = helm("dependency", "build", parent, "--skip-refresh");
  assert.is(run.code, 0, run.stderr);
  assert.match(readFileSync(join(parent, "Chart.lock"), "utf8"), `version: ${chartVersion}`);
});

test("the parent's condition keeps the dependency out", () => {
  assert.equal(render(), []);
});

test("with the condition on, the dependency renders its policies with the values the parent gives it", () => {
  const policies = render("--set", "networkPolicies.enabled=true");
  assert.is(policies.length, 18, "every selectable 1.12 component (system-rollout and discover-proc pods cannot be selected)");
  for (const p of policies) {
    assert.is(p.metadata.namespace, "storage", "longhorn.namespace overrides the release namespace");
    assert.is(p.metadata.labels.team, "storage");
    assert.is(p.metadata.annotations?.["example.com/owner"], "storage-team");
    assert.is(p.metadata.labels["app.kubernetes.io/instance"], "platform");
    assert.ok(p.metadata.name.startsWith("platform-longhorn-network-policies-v1-12-"), p.metadata.name);
  }
});

test("the dependency's own switch still applies", () => {
  assert.equal(render("--set", "networkPolicies.enabled=true", "--set", "longhorn-network-policies.networkPolicies.enabled=false"), []);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
