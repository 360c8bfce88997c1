// NetworkPolicy semantics, case by case, in the spirit of the truth tables of Kubernetes' own
// NetworkPolicy e2e tests: namespaces x, y, z with pods a, b, c, plus nodes and outside addresses.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { Evaluator, effectivePolicyTypes } from "../generator/verify/evaluator.ts";
import { addressEndpoint, podEndpoint, type Endpoint, type ModelCluster, type ModelPod, type Protocol } from "../generator/verify/endpoints.ts";
import { formatPorts } from "../generator/lib/port-set.ts";

const pods: ModelPod[] = [];
for (const [n, ns] of ["x", "y", "z"].entries()) {
  for (const [i, name] of ["a", "b", "c"].entries()) {
    pods.push({
      name,
      namespace: ns,
      labels: { pod: name },
      ip: `10.42.${n}.${i + 1}`,
      node: "n3",
      containerPorts: [
        { name: "serve-80-tcp", port: 80 },
        { name: "serve-81-udp", port: 81, protocol: "UDP" },
        ...(name === "c" ? [] : [{ name: "serve-82-tcp", port: 82 }]),
      ],
    });
  }
}
pods.push({ name: "host", namespace: "x", labels: { pod: "host" }, ip: "10.0.0.1", node: "n1", hostNetwork: true });
const cluster: ModelCluster = {
  namespaces: [
    { name: "x", labels: { ns: "x" } },
    { name: "y", labels: { ns: "y", team: "a" } },
    { name: "z", labels: { ns: "z", team: "b" } },
  ],
  nodes: [
    { name: "n1", ip: "10.0.0.1" },
    { name: "n2", ip: "10.0.0.2" },
    { name: "n3", ip: "10.0.0.3" },
  ],
  pods,
};

const P: Record<string, Endpoint> = Object.fromEntries(pods.map((p) => [`${p.namespace}/${p.name}`, podEndpoint(p)]));
const n1 = addressEndpoint("node n1", "10.0.0.1");
const n2 = addressEndpoint("node n2", "10.0.0.2");
const n3 = addressEndpoint("node n3", "10.0.0.3");
const external = addressEndpoint("external", "203.0.113.5");
const external6 = addressEndpoint("external v6", "fd00::5");
const other6 = addressEndpoint("other v6", "fd01::1");

type Spec = NonNullable<INetworkPolicy["spec"]>;
function np(name: string, namespace: string, spec: Spec): INetworkPolicy {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec };
}

/** [from, to, port, protocol?, allowed] */
type Probe = [Endpoint, Endpoint, number, Protocol | undefined, boolean];

function check(policies: INetworkPolicy[], probes: Probe[]) {
  const evaluator = new Evaluator(cluster, policies);
  for (const [from, to, port, protocol, allowed] of probes) {
    const name = (e: Endpoint) => (e.kind === "pod" ? `${e.pod.namespace}/${e.pod.name}` : e.name);
    assert.is(evaluator.allows(from, to, port, protocol ?? "TCP"), allowed, `${name(from)} -> ${name(to)}:${port}/${protocol ?? "TCP"}`);
  }
}

const all: Spec["podSelector"] = {};
const denyIngress = (ns: string) => np("deny", ns, { podSelector: all, policyTypes: ["Ingress"] });
const onB = { podSelector: { matchLabels: { pod: "b" } } };

const cases: [string, INetworkPolicy[], Probe[]][] = [
  ["no policy: everything is allowed", [], [[P["y/a"]!, P["x/b"]!, 80, undefined, true], [external, P["x/b"]!, 9999, "UDP", true]]],
  [
    "default deny ingress isolates every pod of its namespace only",
    [denyIngress("x")],
    [[P["y/a"]!, P["x/b"]!, 80, undefined, false], [P["x/a"]!, P["x/b"]!, 80, undefined, false], [P["x/a"]!, P["y/b"]!, 80, undefined, true]],
  ],
  ["ingress: [] without policyTypes still isolates for ingress", [np("empty", "x", { podSelector: all, ingress: [] })], [[P["x/a"]!, P["x/b"]!, 80, undefined, false]]],
  [
    "allow-all rule {} admits every source and port",
    [np("allow-all", "x", { podSelector: all, ingress: [{}] })],
    [[external, P["x/b"]!, 1, undefined, true], [P["z/c"]!, P["x/b"]!, 65535, "SCTP", true], [n2, P["x/b"]!, 22, undefined, true]],
  ],
  ["deny-all and allow-all together: the union allows", [denyIngress("x"), np("allow-all", "x", { podSelector: all, ingress: [{}] })], [[P["y/a"]!, P["x/b"]!, 80, undefined, true]]],
  [
    "podSelector peer without namespaceSelector means the policy's namespace",
    [np("from-a", "x", { ...onB, ingress: [{ from: [{ podSelector: { matchLabels: { pod: "a" } } }] }] })],
    [[P["x/a"]!, P["x/b"]!, 80, undefined, true], [P["y/a"]!, P["x/b"]!, 80, undefined, false], [P["x/c"]!, P["x/b"]!, 80, undefined, false], [P["x/c"]!, P["x/a"]!, 80, undefined, true]],
  ],
  [
    "namespaceSelector alone admits every pod of the selected namespaces",
    [np("from-y", "x", { ...onB, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }] }] })],
    [[P["y/a"]!, P["x/b"]!, 80, undefined, true], [P["y/c"]!, P["x/b"]!, 80, undefined, true], [P["x/a"]!, P["x/b"]!, 80, undefined, false], [external, P["x/b"]!, 80, undefined, false]],
  ],
  [
    "namespaceSelector AND podSelector in one peer",
    [np("ya", "x", { ...onB, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } }, podSelector: { matchLabels: { pod: "a" } } }] }] })],
    [[P["y/a"]!, P["x/b"]!, 80, undefined, true], [P["y/b"]!, P["x/b"]!, 80, undefined, false], [P["x/a"]!, P["x/b"]!, 80, undefined, false], [P["z/a"]!, P["x/b"]!, 80, undefined, false]],
  ],
  [
    "namespaceSelector and podSelector as two separate peers (OR)",
    [np("y-or-a", "x", { ...onB, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }, { podSelector: { matchLabels: { pod: "a" } } }] }] })],
    [[P["y/b"]!, P["x/b"]!, 80, undefined, true], [P["x/a"]!, P["x/b"]!, 80, undefined, true], [P["z/a"]!, P["x/b"]!, 80, undefined, false], [P["x/c"]!, P["x/b"]!, 80, undefined, false]],
  ],
  [
    "empty namespaceSelector means all namespaces",
    [np("any-a", "x", { ...onB, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: "a" } } }] }] })],
    [[P["z/a"]!, P["x/b"]!, 80, undefined, true], [P["z/b"]!, P["x/b"]!, 80, undefined, false], [external, P["x/b"]!, 80, undefined, false]],
  ],
  [
    "namespaceSelector by kubernetes.io/metadata.name, added to every namespace",
    [np("by-name", "x", { ...onB, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "z" } } }] }] })],
    [[P["z/c"]!, P["x/b"]!, 80, undefined, true], [P["y/c"]!, P["x/b"]!, 80, undefined, false]],
  ],
  [
    "empty podSelector peer: every pod of the policy's namespace, nothing else",
    [np("same-ns", "x", { ...onB, ingress: [{ from: [{ podSelector: {} }] }] })],
    [[P["x/c"]!, P["x/b"]!, 80, undefined, true], [P["y/a"]!, P["x/b"]!, 80, undefined, false], [external, P["x/b"]!, 80, undefined, false]],
  ],
  [
    "ipBlock admits addresses in the block only",
    [np("ext", "x", { ...onB, ingress: [{ from: [{ ipBlock: { cidr: "203.0.113.0/24" } }] }] })],
    [[external, P["x/b"]!, 80, undefined, true], [n2, P["x/b"]!, 80, undefined, false], [P["x/a"]!, P["x/b"]!, 80, undefined, false]],
  ],
  [
    "ipBlock except carves addresses out",
    [np("nodes", "x", { ...onB, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/24", except: ["10.0.0.2/32"] } }] }] })],
    [[n1, P["x/b"]!, 80, undefined, true], [n2, P["x/b"]!, 80, undefined, false], [external, P["x/b"]!, 80, undefined, false]],
  ],
  [
    "ipBlock with an IPv6 CIDR",
    [np("v6", "x", { ...onB, ingress: [{ from: [{ ipBlock: { cidr: "fd00::/64" } }] }] })],
    [[external6, P["x/b"]!, 80, undefined, true], [other6, P["x/b"]!, 80, undefined, false], [external, P["x/b"]!, 80, undefined, false]],
  ],
  [
    "numeric port",
    [np("p80", "x", { ...onB, ingress: [{ ports: [{ port: 80, protocol: "TCP" }] }] })],
    [[P["y/a"]!, P["x/b"]!, 80, undefined, true], [P["y/a"]!, P["x/b"]!, 81, undefined, false]],
  ],
  [
    "protocol is part of the port: UDP 53 does not open TCP 53",
    [np("dns", "x", { ...onB, ingress: [{ ports: [{ port: 53, protocol: "UDP" }] }] })],
    [[P["y/a"]!, P["x/b"]!, 53, "UDP", true], [P["y/a"]!, P["x/b"]!, 53, "TCP", false]],
  ],
  [
    "protocol defaults to TCP",
    [np("p80", "x", { ...onB, ingress: [{ ports: [{ port: 80 }] }] })],
    [[P["y/a"]!, P["x/b"]!, 80, "TCP", true], [P["y/a"]!, P["x/b"]!, 80, "UDP", false]],
  ],
  [
    "endPort: an inclusive range",
    [np("range", "x", { ...onB, ingress: [{ ports: [{ port: 8000, endPort: 8010, protocol: "TCP" }] }] })],
    [[P["y/a"]!, P["x/b"]!, 7999, undefined, false], [P["y/a"]!, P["x/b"]!, 8000, undefined, true], [P["y/a"]!, P["x/b"]!, 8005, undefined, true], [P["y/a"]!, P["x/b"]!, 8010, undefined, true], [P["y/a"]!, P["x/b"]!, 8011, undefined, false]],
  ],
  [
    "named port resolves on the destination pod",
    [np("named", "x", { podSelector: all, policyTypes: ["Ingress"], ingress: [{ ports: [{ port: "serve-82-tcp" }] }] })],
    [[P["y/a"]!, P["x/b"]!, 82, undefined, true], [P["y/a"]!, P["x/b"]!, 80, undefined, false], [P["y/a"]!, P["x/c"]!, 82, undefined, false]],
  ],
  [
    "named port with the wrong protocol matches nothing",
    [np("named", "x", { ...onB, ingress: [{ ports: [{ port: "serve-81-udp", protocol: "TCP" }] }, { ports: [{ port: "serve-81-udp", protocol: "UDP" }] }] })],
    [[P["y/a"]!, P["x/b"]!, 81, "TCP", false], [P["y/a"]!, P["x/b"]!, 81, "UDP", true]],
  ],
  [
    "a port entry with only a protocol admits every port of it",
    [np("udp", "x", { ...onB, ingress: [{ ports: [{ protocol: "UDP" }] }] })],
    [[P["y/a"]!, P["x/b"]!, 4789, "UDP", true], [P["y/a"]!, P["x/b"]!, 4789, "TCP", false]],
  ],
  ["SCTP ports", [np("sctp", "x", { ...onB, ingress: [{ ports: [{ port: 9000, protocol: "SCTP" }] }] })], [[P["y/a"]!, P["x/b"]!, 9000, "SCTP", true], [P["y/a"]!, P["x/b"]!, 9000, "TCP", false]]],
  [
    "empty from with ports: every source on those ports",
    [np("p80", "x", { ...onB, ingress: [{ from: [], ports: [{ port: 80 }] }] })],
    [[external, P["x/b"]!, 80, undefined, true], [external, P["x/b"]!, 443, undefined, false]],
  ],
  [
    "egress-only isolation leaves ingress open",
    [np("no-egress", "x", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"] })],
    [[P["x/a"]!, P["x/b"]!, 80, undefined, false], [P["x/b"]!, P["x/a"]!, 80, undefined, true], [P["x/a"]!, external, 443, undefined, false]],
  ],
  [
    "egress rule to pods and a port",
    [np("to-b", "x", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { pod: "b" } } }], ports: [{ port: 80 }] }] })],
    [[P["x/a"]!, P["x/b"]!, 80, undefined, true], [P["x/a"]!, P["x/b"]!, 81, undefined, false], [P["x/a"]!, P["x/c"]!, 80, undefined, false], [P["x/a"]!, external, 80, undefined, false]],
  ],
  [
    "an egress section without policyTypes defaults to Ingress and Egress",
    [np("implicit", "x", { podSelector: { matchLabels: { pod: "a" } }, egress: [{ to: [{ podSelector: { matchLabels: { pod: "b" } } }] }] })],
    [[P["x/a"]!, P["x/b"]!, 80, undefined, true], [P["x/a"]!, P["x/c"]!, 80, undefined, false], [P["x/b"]!, P["x/a"]!, 80, undefined, false]],
  ],
  [
    "explicit policyTypes [Ingress] ignores egress rules",
    [np("ingress-only", "x", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Ingress"], egress: [{ to: [{ podSelector: { matchLabels: { pod: "b" } } }] }] })],
    [[P["x/a"]!, external, 443, undefined, true], [P["x/b"]!, P["x/a"]!, 80, undefined, false]],
  ],
  ["policyTypes [Ingress, Egress] without rules: both directions closed", [np("closed", "x", { ...onB, policyTypes: ["Ingress", "Egress"] })], [[P["x/a"]!, P["x/b"]!, 80, undefined, false], [P["x/b"]!, P["x/a"]!, 80, undefined, false]]],
  [
    "a connection needs the source's egress and the destination's ingress",
    [
      np("a-out", "x", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ ports: [{ port: 80 }, { port: 81 }] }] }),
      np("b-in", "x", { ...onB, ingress: [{ ports: [{ port: 80 }, { port: 82 }] }] }),
    ],
    [[P["x/a"]!, P["x/b"]!, 80, undefined, true], [P["x/a"]!, P["x/b"]!, 81, undefined, false], [P["x/a"]!, P["x/b"]!, 82, undefined, false], [P["x/c"]!, P["x/b"]!, 82, undefined, true]],
  ],
  [
    "several policies on one pod: the union of their rules, each with its own peers",
    [
      np("a80", "x", { ...onB, ingress: [{ from: [{ podSelector: { matchLabels: { pod: "a" } } }], ports: [{ port: 80 }] }] }),
      np("c81", "x", { ...onB, ingress: [{ from: [{ podSelector: { matchLabels: { pod: "c" } } }], ports: [{ port: 81 }] }] }),
    ],
    [[P["x/a"]!, P["x/b"]!, 80, undefined, true], [P["x/a"]!, P["x/b"]!, 81, undefined, false], [P["x/c"]!, P["x/b"]!, 81, undefined, true], [P["x/c"]!, P["x/b"]!, 80, undefined, false]],
  ],
  ["a policy selects pods of its own namespace only", [np("deny-b", "y", { ...onB, policyTypes: ["Ingress"] })], [[P["x/a"]!, P["x/b"]!, 80, undefined, true], [P["x/a"]!, P["y/b"]!, 80, undefined, false]]],
  [
    "policy podSelector with matchExpressions",
    [np("expr", "x", { podSelector: { matchExpressions: [{ key: "pod", operator: "In", values: ["a", "b"] }, { key: "tier", operator: "DoesNotExist" }] }, policyTypes: ["Ingress"] })],
    [[P["y/a"]!, P["x/a"]!, 80, undefined, false], [P["y/a"]!, P["x/b"]!, 80, undefined, false], [P["y/a"]!, P["x/c"]!, 80, undefined, true]],
  ],
  [
    "peer selector with NotIn and Exists",
    [np("expr", "x", { ...onB, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "team", operator: "Exists" }] }, podSelector: { matchExpressions: [{ key: "pod", operator: "NotIn", values: ["a"] }] } }] }] })],
    [[P["y/b"]!, P["x/b"]!, 80, undefined, true], [P["z/c"]!, P["x/b"]!, 80, undefined, true], [P["y/a"]!, P["x/b"]!, 80, undefined, false], [P["x/c"]!, P["x/b"]!, 80, undefined, false]],
  ],
  ["traffic from the pod's own node is always allowed", [denyIngress("x")], [[n3, P["x/b"]!, 80, undefined, true], [n2, P["x/b"]!, 80, undefined, false]]],
  ["a host-network pod is not governed by policies that select it", [denyIngress("x")], [[P["y/a"]!, P["x/host"]!, 80, undefined, true]]],
  [
    "a host-network source matches ipBlocks of its node, not pod selectors",
    [np("same-ns", "x", { ...onB, ingress: [{ from: [{ podSelector: {} }] }, { from: [{ ipBlock: { cidr: "10.0.0.1/32" } }], ports: [{ port: 3260 }] }] })],
    [[P["x/host"]!, P["x/b"]!, 80, undefined, false], [P["x/host"]!, P["x/b"]!, 3260, undefined, true], [P["x/a"]!, P["x/b"]!, 80, undefined, true]],
  ],
  [
    "egress named ports resolve on destination pods, never on addresses",
    [np("named-out", "x", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ ports: [{ port: "serve-80-tcp" }] }] })],
    [[P["x/a"]!, P["y/b"]!, 80, undefined, true], [P["x/a"]!, external, 80, undefined, false]],
  ],
  ["a peer with no selector and no ipBlock matches nothing", [np("bad", "x", { ...onB, ingress: [{ from: [{}] }] })], [[P["x/a"]!, P["x/b"]!, 80, undefined, false]]],
];

for (const [name, policies, probes] of cases) test(name, () => check(policies, probes));

test("reach gives the exact port set and the isolating policies", () => {
  const evaluator = new Evaluator(cluster, [np("mixed", "x", { ...onB, ingress: [{ ports: [{ port: 8000, endPort: 8010 }, { port: 80 }, { port: 81 }] }] })]);
  const verdict = evaluator.reach(P["y/a"]!, P["x/b"]!, "TCP");
  assert.is(formatPorts(verdict.ports), "80-81, 8000-8010");
  assert.equal(verdict.ingress.policies, ["x/mixed"]);
  assert.is(verdict.ingress.state, "isolated");
  assert.is(verdict.egress.state, "not-isolated");
  assert.is(formatPorts(evaluator.reach(P["y/a"]!, P["x/b"]!, "UDP").ports), "none");
  assert.is(formatPorts(evaluator.reach(P["y/a"]!, P["x/a"]!, "UDP").ports), "all");
});

test("explain names the rules that admit a connection", () => {
  const evaluator = new Evaluator(cluster, [
    np("one", "x", { ...onB, ingress: [{ ports: [{ port: 81 }] }, { ports: [{ port: 80 }] }] }),
    np("two", "x", { ...onB, ingress: [{ from: [{ podSelector: {} }] }] }),
  ]);
  assert.equal(evaluator.explain(P["x/a"]!, P["x/b"]!, 80, "TCP"), ["x/one ingress[1]", "x/two ingress[0]"]);
  assert.equal(evaluator.explain(P["y/a"]!, P["x/b"]!, 80, "TCP"), ["x/one ingress[1]"]);
});

test("policyTypes defaulting", () => {
  assert.equal(effectivePolicyTypes(np("i", "x", { podSelector: all })), ["Ingress"]);
  assert.equal(effectivePolicyTypes(np("i", "x", { podSelector: all, egress: [] })), ["Ingress"]);
  assert.equal(effectivePolicyTypes(np("ie", "x", { podSelector: all, egress: [{}] })), ["Ingress", "Egress"]);
  assert.equal(effectivePolicyTypes(np("e", "x", { podSelector: all, policyTypes: ["Egress"], ingress: [{}] })), ["Egress"]);
});

test.run();
