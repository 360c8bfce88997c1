// Kubernetes label syntax and selector matching.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { labelKeyProblem, labelValueProblem, selectorIsWellFormed, selectorMatches } from "../generator/lib/labels.ts";

test("valid label keys", () => {
  for (const key of ["app", "longhorn.io/component", "app.kubernetes.io/name", "a", "A_b.c-d", "rancher/supportbundle", "x".repeat(63)]) {
    assert.is(labelKeyProblem(key), undefined, key);
  }
});

test("invalid label keys", () => {
  assert.match(labelKeyProblem("")!, "empty name");
  assert.match(labelKeyProblem("/app")!, "empty prefix");
  assert.match(labelKeyProblem("longhorn.io/")!, "empty name");
  assert.match(labelKeyProblem("Longhorn.io/app")!, "DNS subdomain");
  assert.match(labelKeyProblem("x".repeat(64))!, "longer than 63");
  assert.match(labelKeyProblem(`${"a".repeat(254)}/app`)!, "longer than 253");
  assert.match(labelKeyProblem("-app")!, "is invalid");
  assert.match(labelKeyProblem("a/b/c")!, "is invalid");
});

test("label values", () => {
  assert.is(labelValueProblem(""), undefined);
  assert.is(labelValueProblem("longhorn-manager"), undefined);
  assert.match(labelValueProblem("v1.4.0/")!, "is invalid");
  assert.match(labelValueProblem("x".repeat(64))!, "longer than 63");
  assert.match(labelValueProblem("two words")!, "is invalid");
});

test("selector matching: matchLabels AND matchExpressions", () => {
  const selector = {
    matchLabels: { "longhorn.io/managed-by": "longhorn-manager" },
    matchExpressions: [{ key: "recurring-job.longhorn.io", operator: "Exists" as const }],
  };
  assert.ok(selectorMatches(selector, { "longhorn.io/managed-by": "longhorn-manager", "recurring-job.longhorn.io": "daily" }));
  assert.not.ok(selectorMatches(selector, { "longhorn.io/managed-by": "longhorn-manager" }));
  assert.not.ok(selectorMatches(selector, { "recurring-job.longhorn.io": "daily" }));
});

test("selector operators", () => {
  const labels = { app: "csi-resizer" };
  const expr = (operator: "In" | "NotIn" | "Exists" | "DoesNotExist", values?: string[]) => ({
    matchExpressions: [{ key: "app", operator, ...(values ? { values } : {}) }],
  });
  assert.ok(selectorMatches(expr("In", ["csi-attacher", "csi-resizer"]), labels));
  assert.not.ok(selectorMatches(expr("In", ["csi-attacher"]), labels));
  assert.ok(selectorMatches(expr("NotIn", ["csi-attacher"]), labels));
  assert.ok(selectorMatches(expr("NotIn", ["csi-attacher"]), {}), "NotIn matches a missing key");
  assert.ok(selectorMatches(expr("Exists"), labels));
  assert.not.ok(selectorMatches(expr("DoesNotExist"), labels));
  assert.ok(selectorMatches(expr("DoesNotExist"), {}));
});

test("well-formed selectors", () => {
  assert.not.ok(selectorIsWellFormed({}));
  assert.not.ok(selectorIsWellFormed({ matchExpressions: [{ key: "app", operator: "In", values: [] }] }));
  assert.not.ok(selectorIsWellFormed({ matchExpressions: [{ key: "app", operator: "Exists", values: ["x"] }] }));
  assert.ok(selectorIsWellFormed({ matchLabels: { app: "x" } }));
});

test.run();
