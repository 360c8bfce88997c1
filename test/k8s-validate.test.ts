// Rendered objects are checked against the Kubernetes schema and the API server's own rules.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatDiagnostic } from "../generator/lib/diagnostics.ts";
import { splitDocuments } from "../generator/verify/helm.ts";
import { validateRendered } from "../generator/verify/k8s-validate.ts";

const SOURCE = "longhorn-network-policies/templates/1.12/x.yaml";

function problems(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: "ok", namespace: "longhorn-system" }): string[] {
  const object = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata, spec };
  return validateRendered({ source: SOURCE, object }).map(formatDiagnostic);
}

const at = (path: string, message: string) => `${SOURCE} ${path}: ${message}`;

test("a well-formed policy passes", () => {
  assert.equal(
    problems({
      podSelector: { matchLabels: { app: "longhorn-manager" } },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          from: [{ podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["a"] }] } }, { ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }],
          ports: [{ port: 9500, protocol: "TCP" }, { port: 10000, endPort: 20000, protocol: "TCP" }, { port: "http" }],
        },
      ],
      egress: [{ to: [{ ipBlock: { cidr: "fd00::/64", except: ["fd00::/96"] } }], ports: [{ port: 53, protocol: "UDP" }] }],
    }),
    [],
  );
});

test("schema errors from kubernetes-models: protocol case, policyTypes, non-integer endPort", () => {
  const found = problems({ podSelector: {}, policyTypes: ["ingress"], ingress: [{ ports: [{ port: 80, endPort: 80.5, protocol: "tcp" }] }] });
  assert.ok(found.includes(at("spec.ingress[0].ports[0].protocol", "must be equal to one of the allowed values (Kubernetes schema)")), found.join("\n"));
  assert.ok(found.includes(at("spec.policyTypes[0]", "must be equal to one of the allowed values (Kubernetes schema)")), found.join("\n"));
  assert.ok(found.includes(at("spec.ingress[0].ports[0].endPort", "must be integer (Kubernetes schema)")), found.join("\n"));
});

test("unknown fields, which the schema lets through", () => {
  assert.equal(problems({ podSelector: {}, ingres: [] }), [at("spec.ingres", "unknown field (expected one of podSelector, policyTypes, ingress, egress)")]);
  assert.equal(problems({ podSelector: {}, ingress: [{ form: [] }] }), [at("spec.ingress[0].form", "unknown field (expected one of from, ports)")]);
  assert.equal(problems({ podSelector: {}, ingress: [{ from: [{ podSelector: {}, namespace: "x" }] }] }), [
    at("spec.ingress[0].from[0].namespace", "unknown field (expected one of podSelector, namespaceSelector, ipBlock)"),
  ]);
  assert.equal(problems({ podSelector: {} }, { name: "ok", uid: "x" }), [at("metadata.uid", "unknown field (expected one of name, namespace, labels, annotations)")]);
});

test("object names, namespaces and labels", () => {
  assert.equal(problems({ podSelector: {} }, { name: "Bad_Name" }), [
    at("metadata.name", '"Bad_Name" is not a DNS-1123 subdomain (lower-case alphanumerics, \'-\' and \'.\', at most 253 characters)'),
  ]);
  assert.equal(problems({ podSelector: {} }, { name: "x".repeat(254) }).length, 1);
  assert.equal(problems({ podSelector: {} }, { namespace: "ns" }), [at("metadata.name", "is required")]);
  assert.equal(problems({ podSelector: {} }, { name: "ok", namespace: "a.b" }), [
    at("metadata.namespace", '"a.b" is not a DNS-1123 label (lower-case alphanumerics and \'-\', at most 63 characters)'),
  ]);
  assert.match(problems({ podSelector: {} }, { name: "ok", labels: { "bad key!": "v" } })[0]!, 'metadata.labels["bad key!"]: label key');
});

test("ports: range, names, endPort", () => {
  const found = (port: Record<string, unknown>) => problems({ podSelector: {}, ingress: [{ ports: [port] }] });
  assert.equal(found({ port: 70000 }), [at("spec.ingress[0].ports[0].port", "70000 is outside 1-65535")]);
  assert.equal(found({ port: 0 }), [at("spec.ingress[0].ports[0].port", "0 is outside 1-65535")]);
  assert.equal(found({ port: "Http" }), [
    at("spec.ingress[0].ports[0].port", '"Http" is not a port name (IANA service name: at most 15 lower-case letters, digits and inner hyphens, with a letter)'),
  ]);
  assert.equal(found({ port: "9500" }).length, 1, "a digits-only name is not a name");
  assert.equal(found({ port: "a--b" }).length, 1);
  assert.equal(found({ port: "abcdefghijklmnop" }).length, 1, "16 characters");
  assert.equal(found({ port: "serve-80-tcp" }), []);
  assert.equal(found({ port: 9000, endPort: 8000 }), [at("spec.ingress[0].ports[0].endPort", "8000 is below port 9000")]);
  assert.equal(found({ port: "http", endPort: 8000 }), [at("spec.ingress[0].ports[0].endPort", "needs a numeric port")]);
  assert.equal(found({ port: 9000, endPort: 70000 }), [at("spec.ingress[0].ports[0].endPort", "70000 is outside 1-65535")]);
});

test("CIDRs and except", () => {
  const found = (ipBlock: Record<string, unknown>) => problems({ podSelector: {}, egress: [{ to: [{ ipBlock }] }] });
  assert.equal(found({ cidr: "10.0.0.0/33" }), [at("spec.egress[0].to[0].ipBlock.cidr", '"10.0.0.0/33" has a prefix longer than 32')]);
  assert.equal(found({ cidr: "fd00::/129" }), [at("spec.egress[0].to[0].ipBlock.cidr", '"fd00::/129" has a prefix longer than 128')]);
  assert.equal(found({ cidr: "10.0.0.300/24" }), [at("spec.egress[0].to[0].ipBlock.cidr", '"10.0.0.300/24" is not a CIDR (address/prefix)')]);
  assert.equal(found({ cidr: "10.0.0.1" }), [at("spec.egress[0].to[0].ipBlock.cidr", '"10.0.0.1" is not a CIDR (address/prefix)')]);
  assert.equal(found({ cidr: "10.0.0.0/16", except: ["10.1.0.0/24"] }), [at("spec.egress[0].to[0].ipBlock.except[0]", "10.1.0.0/24 is not a strict subset of 10.0.0.0/16")]);
  assert.equal(found({ cidr: "10.0.0.0/16", except: ["10.0.0.0/16"] }).length, 1, "except equal to cidr");
  assert.equal(found({ cidr: "10.0.0.0/16", except: ["fd00::/64"] }).length, 1, "except of the other family");
});

test("peers and selectors", () => {
  const found = (peer: Record<string, unknown>) => problems({ podSelector: {}, ingress: [{ from: [peer] }] });
  assert.equal(found({}), [at("spec.ingress[0].from[0]", "must set podSelector, namespaceSelector or ipBlock")]);
  assert.equal(found({ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }), [at("spec.ingress[0].from[0]", "ipBlock cannot be combined with podSelector or namespaceSelector")]);
  assert.equal(found({ podSelector: { matchExpressions: [{ key: "app", operator: "In", values: [] }] } }), [
    at("spec.ingress[0].from[0].podSelector.matchExpressions[0]", "operator In needs at least one value"),
  ]);
  assert.equal(found({ namespaceSelector: { matchExpressions: [{ key: "app", operator: "Exists", values: ["x"] }] } }), [
    at("spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values", "operator Exists takes no values"),
  ]);
  assert.equal(problems({ podSelector: {}, policyTypes: ["Ingress", "Ingress"] }), [at("spec.policyTypes", "has duplicates")]);
  assert.ok(problems({}).some((p) => p.includes("spec.podSelector")));
});

test("objects other than NetworkPolicy are reported", () => {
  const found = validateRendered({ source: SOURCE, object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } } }).map(formatDiagnostic);
  assert.equal(found, [`${SOURCE} kind: expected networking.k8s.io/v1 NetworkPolicy (or cilium.io/v2 CiliumNetworkPolicy, crd.antrea.io/v1beta1 NetworkPolicy), found v1 ConfigMap`]);
});

test("splitDocuments keeps the template source of each document and drops empty ones", () => {
  const docs = splitDocuments("---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/b.yaml\n---\n# Source: c/templates/c.yaml\nkind: C\n");
  assert.equal(docs, [
    { source: "c/templates/a.yaml", object: { kind: "A" } },
    { source: "c/templates/c.yaml", object: { kind: "C" } },
  ]);
});

test.run();
