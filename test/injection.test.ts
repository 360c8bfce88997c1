// Spec text and values can never become Go-template or YAML syntax in what Helm renders.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { renderChart } from "../generator/targets/helm/render-chart.ts";
import { commentText } from "../generator/lib/safe-text.ts";
import { loadVersion } from "./helpers.ts";
import { helmTemplate } from "./helm.ts";
import { HelmError, splitDocuments } from "../generator/verify/helm.ts";

const PAYLOAD = '*/}}{{ print "apiVersion: v1\\nkind: ConfigMap" }}{{/*';

test("the renderer refuses spec text that would become template or YAML syntax, even past the schema", () => {
  const spec = loadVersion("1.12");
  const manager = spec.components.get("longhorn-manager")!;
  const hostile = { ...spec, components: new Map(spec.components).set("longhorn-manager", { ...manager, title: PAYLOAD }) };
  assert.throws(() => renderChart([hostile], "0.0.0"), /title of (component )?longhorn-manager: .* holds "\*\/", which would become template or YAML syntax/);
  for (const text of ["a {{ b", "a }} b", "line\nbreak", "tab\there", "nel\u0085", "ls\u2028"]) {
    assert.throws(() => commentText(text, "x"), /which would become template or YAML syntax/, JSON.stringify(text));
  }
  assert.is(commentText("Longhorn manager (the control plane)", "x"), "Longhorn manager (the control plane)");
});

test("names from values cannot inject objects, with or without the schema", () => {
  const name = JSON.stringify("x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: injected");
  for (const key of ["fullnameOverride", "nameOverride", "longhorn.namespace"]) {
    for (const skip of [[], ["--skip-schema-validation"]]) {
      const run = helmTemplate(...skip, "--set", "networkPolicies.enabled=true", "--set-json", `${key}=${name}`);
      assert.is(run.code, 1, `${key} ${skip.join(" ")}: ${run.stdout.slice(0, 300)}`);
      assert.not.match(run.stdout, "kind: ConfigMap");
      assert.match(run.stderr, key === "longhorn.namespace" && skip.length ? "longhorn.namespace" : key.split(".").pop()!);
    }
  }
});

test("an empty list of API server ports never becomes a rule to every port, with or without the schema", () => {
  for (const skip of [[], ["--skip-schema-validation"]]) {
    const run = helmTemplate(...skip, "--set", "networkPolicies.enabled=true", "--set", "networkPolicies.egress.enabled=true", "--set-json", "networkPolicies.egress.kubeAPIServer.ports=[]");
    assert.is(run.code, 1, run.stdout.slice(0, 300));
    assert.match(run.stderr, "networkPolicies.egress.kubeAPIServer.ports");
  }
});

test("a rendered document Kubernetes could not read is reported with its template, not a stack trace", () => {
  const text = "---\n# Source: lhnp/templates/1.12/longhorn-manager.yaml\nmetadata:\n  labels:\n    team: a\n    team: b\n";
  assert.throws(() => splitDocuments(text), (error: unknown) => error instanceof HelmError && /^lhnp\/templates\/1\.12\/longhorn-manager\.yaml: helm rendered invalid YAML: Map keys must be unique/.test(error.message));
});

test.run();
