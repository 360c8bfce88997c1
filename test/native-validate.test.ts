// The CNI-native objects (cni cilium, antrea) are validated like the NetworkPolicies: Cilium's CRD
// schema from @kubernetes-models/cilium plus our checks; Antrea's by our own checks, one test per rule.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatDiagnostic } from "../generator/lib/diagnostics.ts";
import { validateRendered } from "../generator/verify/k8s-validate.ts";

const SOURCE = "longhorn-network-policies/templates/1.12/x.yaml";
const META = { name: "lhnp-v1-12-share-manager", namespace: "longhorn-system", labels: { "app.kubernetes.io/component": "share-manager" } };

function cilium(spec: Record<string, unknown>, metadata: Record<string, unknown> = META): string[] {
  return validateRendered({ source: SOURCE, object: { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata, spec } }).map(formatDiagnostic);
}
function antrea(spec: Record<string, unknown>, metadata: Record<string, unknown> = META): string[] {
  return validateRendered({ source: SOURCE, object: { apiVersion: "crd.antrea.io/v1beta1", kind: "NetworkPolicy", metadata, spec } }).map(formatDiagnostic);
}
const at = (path: string, message: string) => `${SOURCE} ${path}: ${message}`;
const has = (found: string[], expected: string) => assert.ok(found.includes(expected), `missing:\n${expected}\nfound:\n${found.join("\n")}`);

const GOOD_CILIUM = {
  endpointSelector: { matchLabels: { "longhorn.io/component": "share-manager" } },
  ingress: [
    { fromEntities: ["host", "remote-node"], toPorts: [{ ports: [{ port: "2049", protocol: "TCP" }] }] },
    { fromCIDR: ["169.254.7.127/32"], toPorts: [{ ports: [{ port: "3260", protocol: "TCP" }, { port: "iscsi", protocol: "TCP" }] }] },
  ],
};
const GOOD_ANTREA = {
  tier: "application",
  priority: 5,
  appliedTo: [{ podSelector: { matchLabels: { "longhorn.io/component": "share-manager" } } }],
  ingress: [
    {
      action: "Allow",
      from: [{ nodeSelector: {} }, { nodeSelector: { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }] } }],
      ports: [{ protocol: "TCP", port: 2049 }, { protocol: "TCP", port: 10000, endPort: 10010 }],
    },
  ],
};

test("well-formed CiliumNetworkPolicy and Antrea NetworkPolicy pass", () => {
  assert.equal(cilium(GOOD_CILIUM), []);
  assert.equal(antrea(GOOD_ANTREA), []);
});

test("cilium: the CRD schema (an unknown entity, a numeric port, a lower-case protocol)", () => {
  const found = cilium({ endpointSelector: {}, ingress: [{ fromEntities: ["hosts"], toPorts: [{ ports: [{ port: 2049, protocol: "tcp" }] }] }] });
  has(found, at("spec.ingress[0].fromEntities[0]", "must be equal to one of the allowed values (CiliumNetworkPolicy CRD schema)"));
  has(found, at("spec.ingress[0].toPorts[0].ports[0].port", "must be string (CiliumNetworkPolicy CRD schema)"));
  has(found, at("spec.ingress[0].toPorts[0].ports[0].protocol", "must be equal to one of the allowed values (CiliumNetworkPolicy CRD schema)"));
});

test("cilium: fields the chart never sets are refused", () => {
  const found = cilium({ ...GOOD_CILIUM, ingressDeny: [{ fromEntities: ["world"] }], egress: [{ toCIDR: ["0.0.0.0/0"] }] });
  has(found, at("spec.ingressDeny", "unknown field (expected one of endpointSelector, ingress, egress)"));
  has(found, at("spec.egress[0].toCIDR", "unknown field (expected one of toEntities, toPorts)"));
});

test("cilium: egress by entity: wide entities and rules without ports are refused", () => {
  const found = cilium({ ...GOOD_CILIUM, egress: [{ toEntities: ["world"] }] });
  has(found, at("spec.egress[0].toEntities[0]", '"world" admits far more than the API server or the node'));
  has(found, at("spec.egress[0].toPorts", "is empty: the rule would admit every port"));
  assert.equal(cilium({ ...GOOD_CILIUM, egress: [{ toEntities: ["kube-apiserver"], toPorts: [{ ports: [{ port: "6443", protocol: "TCP" }] }] }] }), []);
});

test("cilium: endpointSelector is required; an empty ingress list only isolates", () => {
  const found = cilium({ ingress: [] });
  has(found, at("spec.endpointSelector", "is required ({} selects every pod of the namespace)"));
  has(found, at("spec.ingress", "is empty: the object would only isolate the pods (an empty rule list admits nothing)"));
});

test("cilium: a rule without peers or ports would admit everything", () => {
  const found = cilium({ endpointSelector: {}, ingress: [{ toPorts: [] }] });
  has(found, at("spec.ingress[0].fromEntities", "is empty: a rule without peers admits every source"));
  has(found, at("spec.ingress[0].toPorts", "is empty: the rule would admit every port"));
});

test("cilium: entities wider than nodes or the API server are refused", () => {
  for (const entity of ["all", "world", "cluster"]) {
    const found = cilium({ endpointSelector: {}, ingress: [{ fromEntities: [entity], toPorts: [{ ports: [{ port: "2049", protocol: "TCP" }] }] }] });
    has(found, at("spec.ingress[0].fromEntities[0]", `"${entity}" admits far more than nodes or the API server`));
  }
});

test("cilium: fromCIDR holds single addresses only", () => {
  const found = cilium({ endpointSelector: {}, ingress: [{ fromCIDR: ["169.254.0.0/16", "not-a-cidr"], toPorts: [{ ports: [{ port: "3260", protocol: "TCP" }] }] }] });
  has(found, at("spec.ingress[0].fromCIDR[0]", "169.254.0.0/16 is a range; the chart admits single addresses only"));
  assert.ok(found.some((f) => f.startsWith(at("spec.ingress[0].fromCIDR[1]", ""))), found.join("\n"));
});

test("cilium: port numbers, names and endPort", () => {
  const found = cilium({
    endpointSelector: {},
    ingress: [{ fromEntities: ["host"], toPorts: [{ ports: [{ port: "70000", protocol: "TCP" }, { port: "Not_A_Name", protocol: "TCP" }, { port: "iscsi", endPort: 10, protocol: "TCP" }, { port: "100", endPort: 99, protocol: "TCP" }] }] }],
  });
  has(found, at("spec.ingress[0].toPorts[0].ports[0].port", "70000 is outside 0-65535"));
  has(found, at("spec.ingress[0].toPorts[0].ports[1].port", '"Not_A_Name" is neither a port number nor a port name'));
  has(found, at("spec.ingress[0].toPorts[0].ports[2].endPort", "needs a numeric port"));
  has(found, at("spec.ingress[0].toPorts[0].ports[3].endPort", "must be a number from port 100 to 65535"));
});

test("cilium and antrea: metadata name and labels as the API server checks them", () => {
  has(cilium(GOOD_CILIUM, { name: "Bad_Name", namespace: "longhorn-system" }), at("metadata.name", "must be a DNS-1123 subdomain"));
  has(antrea(GOOD_ANTREA, { name: "ok", namespace: "Bad_NS" }), at("metadata.namespace", "must be a DNS-1123 label"));
  assert.ok(antrea(GOOD_ANTREA, { name: "ok", labels: { "bad key!": "x" } }).some((f) => f.startsWith(at('metadata.labels["bad key!"]', "")) || f.includes("metadata.labels")));
});

test("antrea: priority from 1 to 10000, tier a Tier name", () => {
  has(antrea({ ...GOOD_ANTREA, priority: 0 }), at("spec.priority", "must be a number from 1.0 to 10000.0"));
  has(antrea({ ...GOOD_ANTREA, priority: "5" }), at("spec.priority", "must be a number from 1.0 to 10000.0"));
  has(antrea({ ...GOOD_ANTREA, tier: "Application!" }), at("spec.tier", "must be a Tier name"));
});

test("antrea: appliedTo is required, with a podSelector", () => {
  has(antrea({ ...GOOD_ANTREA, appliedTo: [] }), at("spec.appliedTo", "is required: at least one appliedTo (policy-level; the chart sets no rule-level appliedTo)"));
  has(antrea({ ...GOOD_ANTREA, appliedTo: [{}] }), at("spec.appliedTo[0].podSelector", "is required"));
});

test("antrea: rule action and unique rule names", () => {
  const rule = GOOD_ANTREA.ingress[0]!;
  has(antrea({ ...GOOD_ANTREA, ingress: [{ ...rule, action: "allow" }] }), at("spec.ingress[0].action", "must be one of Allow, Drop, Reject, Pass"));
  has(antrea({ ...GOOD_ANTREA, ingress: [{ ...rule, name: "a" }, { ...rule, name: "a" }] }), at("spec.ingress[1].name", "rule names must be unique strings"));
});

test("antrea: peers: none admits everything; nodeSelector stands alone", () => {
  const rule = GOOD_ANTREA.ingress[0]!;
  has(antrea({ ...GOOD_ANTREA, ingress: [{ ...rule, from: [] }] }), at("spec.ingress[0].from", "is empty: an Allow rule without peers admits every source"));
  has(
    antrea({ ...GOOD_ANTREA, ingress: [{ ...rule, from: [{ nodeSelector: {}, ipBlock: { cidr: "10.0.0.0/8" } }] }] }),
    at("spec.ingress[0].from[0]", "must set exactly one of nodeSelector, ipBlock (found nodeSelector, ipBlock); nodeSelector cannot be combined with other peer fields"),
  );
});

test("antrea: ports: protocol, number or name, endPort, and none admits every port", () => {
  const rule = GOOD_ANTREA.ingress[0]!;
  const found = antrea({ ...GOOD_ANTREA, ingress: [{ ...rule, ports: [{ protocol: "ICMP", port: 1 }, { port: 0 }, { port: "Bad_Name" }, { port: "nfs", endPort: 3 }, { port: 100, endPort: 70000 }] }] });
  has(found, at("spec.ingress[0].ports[0].protocol", "must be one of TCP, UDP, SCTP"));
  has(found, at("spec.ingress[0].ports[1].port", "0 is outside 1-65535"));
  has(found, at("spec.ingress[0].ports[2].port", '"Bad_Name" is not a port name'));
  has(found, at("spec.ingress[0].ports[3].endPort", "needs a numeric port"));
  has(found, at("spec.ingress[0].ports[4].endPort", "must be a number from port 100 to 65535"));
  has(antrea({ ...GOOD_ANTREA, ingress: [{ ...rule, ports: [] }] }), at("spec.ingress[0].ports", "is empty: the rule would admit every port"));
});

test("antrea: fields the chart never sets are refused", () => {
  has(antrea({ ...GOOD_ANTREA, egress: [] }), at("spec.egress", "unknown field (expected one of tier, priority, appliedTo, ingress)"));
});

test.run();
