// .github/workflows/ci.yaml cannot run here (no Docker, no Kubernetes): what can be checked is that it
// parses, runs make test, the real ct lint and ct install with the helm test probes, and that the
// ci values file it keeps exists and turns the probes on.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readYaml } from "../generator/lib/yaml.ts";
import { PROJECT_ROOT } from "./helpers.ts";

const text = readFileSync(join(PROJECT_ROOT, ".github/workflows/ci.yaml"), "utf8");
const workflow = readYaml(text) as { on: unknown; jobs: Record<string, { steps: { run?: string; uses?: string }[] }> };
const runs = (job: string) => workflow.jobs[job]!.steps.map((s) => s.run ?? "").join("\n");

test("its header says it has not run here", () => {
  assert.match(text.split("\n")[0]!, "CI for the public repository. It has never run on the project's own machines");
});

test("make test, then ct lint and ct install into kind with a CNI that enforces NetworkPolicies", () => {
  assert.match(runs("test"), /^make test$/m);
  assert.match(runs("chart"), "ct lint --config ct.yaml");
  assert.match(runs("chart"), /calico\.yaml/);
  assert.match(runs("chart"), "ct install --config ct.yaml --charts");
  assert.ok(workflow.jobs.chart!.steps.some((s) => s.uses?.startsWith("helm/kind-action@")));
  assert.match(text, "disableDefaultCNI: true");
  // ct lint's version increment needs the target branch's history.
  assert.ok(text.match(/fetch-depth: 0/g)!.length >= 2);
});

test("the ci case it installs exists and enables the probes", () => {
  assert.match(runs("chart"), "! -name tests-values.yaml -delete");
  const file = join(PROJECT_ROOT, "chart/ci/tests-values.yaml");
  assert.ok(existsSync(file));
  const values = readYaml(readFileSync(file, "utf8")) as { tests: { enabled: boolean }; longhorn: { namespace: string } };
  assert.is(values.tests.enabled, true);
  assert.is(values.longhorn.namespace, "longhorn-system");
});

test.run();
