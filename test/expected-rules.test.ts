// The expected side's NetworkPolicy semantics (generator/verify/expected-rules.ts) against the
// evaluator's (generator/verify/evaluator.ts): two implementations written apart, which must agree.
// First by hand, corner by corner, each against the answer the API reference gives; then on random
// peers, ports and rules over a model cluster built from a real spec (seeded: EXPECTED_RULES_SEED
// replays a run, a failure prints the seed and the case).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { INetworkPolicy, INetworkPolicyIngressRule, INetworkPolicyPeer, INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1";
import { Evaluator } from "../generator/verify/evaluator.ts";
import { blockHolds, expectedRules, selects } from "../generator/verify/expected-rules.ts";
import { addressEndpoint, endpointName, podEndpoint, PROTOCOLS, type Endpoint, type ModelCluster, type ModelPod, type Protocol } from "../generator/verify/endpoints.ts";
import { buildModel } from "../generator/verify/model-cluster.ts";
import { verifyValues } from "../generator/verify/verify.ts";
import { nthAddress, parseCIDR, strictlyWithin, type CIDR } from "../generator/lib/cidr.ts";
import { selectorMatches, type Labels } from "../generator/lib/labels.ts";
import { equal, formatPorts, type PortSet } from "../generator/lib/port-set.ts";
import { chartValues, loadVersion } from "./helpers.ts";
import { parseSeed, Random } from "./property/prng.ts";

// ---------------------------------------------------------------------------------------------
// A small cluster for the hand-written corners.

const tiny: ModelCluster = {
  namespaces: [
    { name: "longhorn", labels: { team: "storage" } },
    { name: "monitoring", labels: { team: "obs" } },
  ],
  nodes: [
    { name: "n1", ip: "10.0.0.1" },
    { name: "n2", ip: "10.0.0.2" },
  ],
  pods: [
    {
      name: "manager",
      namespace: "longhorn",
      labels: { app: "longhorn-manager" },
      ip: "10.42.0.1",
      node: "n1",
      containerPorts: [
        { name: "manager", port: 9500 },
        { name: "dns", port: 53, protocol: "UDP" },
      ],
    },
    { name: "ui", namespace: "longhorn", labels: { app: "longhorn-ui", tier: "web" }, ip: "10.42.0.2", node: "n1", containerPorts: [{ name: "http", port: 8000 }] },
    { name: "prometheus", namespace: "monitoring", labels: { app: "prometheus" }, ip: "10.42.1.1", node: "n2" },
    { name: "look-alike", namespace: "monitoring", labels: { app: "longhorn-manager" }, ip: "10.42.1.2", node: "n2" },
    { name: "host-agent", namespace: "longhorn", labels: { app: "longhorn-manager" }, ip: "10.42.0.99", node: "n2", hostNetwork: true, containerPorts: [{ name: "manager", port: 9500 }] },
  ],
};
const pod = (name: string): Endpoint => podEndpoint(tiny.pods.find((p) => p.name === name)!);
const manager = pod("manager");
const ui = pod("ui");
const prometheus = pod("prometheus");
const lookAlike = pod("look-alike");
const hostAgent = pod("host-agent");
const node2 = addressEndpoint("node n2", "10.0.0.2");
const outside = addressEndpoint("external", "203.0.113.7");
const outside6 = addressEndpoint("external v6", "fd00:10::7");

const evaluator = new Evaluator(tiny, []);
const expected = expectedRules(tiny);

/** [what, peer, endpoint, covered] with the policy in namespace longhorn. */
const peerCorners: [string, INetworkPolicyPeer, Endpoint, boolean][] = [
  ["podSelector alone: same namespace as the policy", { podSelector: { matchLabels: { app: "longhorn-manager" } } }, manager, true],
  ["podSelector alone never reaches another namespace", { podSelector: { matchLabels: { app: "longhorn-manager" } } }, lookAlike, false],
  ["empty podSelector: every pod of the policy's namespace", { podSelector: {} }, ui, true],
  ["empty podSelector: no pod elsewhere", { podSelector: {} }, prometheus, false],
  ["empty podSelector: no address", { podSelector: {} }, outside, false],
  ["namespaceSelector alone: every pod of those namespaces", { namespaceSelector: { matchLabels: { team: "obs" } } }, lookAlike, true],
  ["namespaceSelector alone: not the policy's own namespace unless selected", { namespaceSelector: { matchLabels: { team: "obs" } } }, manager, false],
  ["empty namespaceSelector: every pod of every namespace", { namespaceSelector: {} }, prometheus, true],
  ["kubernetes.io/metadata.name is a label of every namespace", { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }, prometheus, true],
  ["namespaceSelector + podSelector: both must hold", { namespaceSelector: { matchLabels: { team: "obs" } }, podSelector: { matchLabels: { app: "prometheus" } } }, prometheus, true],
  ["namespaceSelector + podSelector: the pod's labels alone are not enough", { namespaceSelector: { matchLabels: { team: "obs" } }, podSelector: { matchLabels: { app: "longhorn-manager" } } }, manager, false],
  ["namespaceSelector + podSelector: the namespace alone is not enough", { namespaceSelector: { matchLabels: { team: "obs" } }, podSelector: { matchLabels: { app: "prometheus" } } }, lookAlike, false],
  ["In", { podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["longhorn-ui", "x"] }] } }, ui, true],
  ["NotIn with the key absent matches", { podSelector: { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["web"] }] } }, manager, true],
  ["NotIn with a listed value does not", { podSelector: { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["web"] }] } }, ui, false],
  ["Exists", { podSelector: { matchExpressions: [{ key: "tier", operator: "Exists" }] } }, ui, true],
  ["DoesNotExist", { podSelector: { matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] } }, ui, false],
  ["matchLabels and matchExpressions are ANDed", { podSelector: { matchLabels: { app: "longhorn-ui" }, matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] } }, ui, false],
  ["ipBlock matches an address in the block", { ipBlock: { cidr: "203.0.113.0/24" } }, outside, true],
  ["ipBlock matches a pod by its IP", { ipBlock: { cidr: "10.42.0.0/24" } }, manager, true],
  ["ipBlock matches a pod of another namespace by its IP too", { ipBlock: { cidr: "10.42.1.0/24" } }, prometheus, true],
  ["ipBlock except carves a pod out", { ipBlock: { cidr: "10.42.0.0/16", except: ["10.42.0.1/32"] } }, manager, false],
  ["ipBlock except leaves the rest of the block", { ipBlock: { cidr: "10.42.0.0/16", except: ["10.42.0.1/32"] } }, ui, true],
  ["ipBlock except carves an address out", { ipBlock: { cidr: "203.0.0.0/8", except: ["203.0.112.0/23"] } }, outside, false],
  ["IPv6 ipBlock", { ipBlock: { cidr: "fd00:10::/64" } }, outside6, true],
  ["an IPv4 block never holds an IPv6 address", { ipBlock: { cidr: "0.0.0.0/0" } }, outside6, false],
  ["0.0.0.0/0 holds every IPv4 address", { ipBlock: { cidr: "0.0.0.0/0" } }, prometheus, true],
  ["a hostNetwork pod is its node's address to an ipBlock", { ipBlock: { cidr: "10.0.0.2/32" } }, hostAgent, true],
  ["a hostNetwork pod is not its own pod IP", { ipBlock: { cidr: "10.42.0.99/32" } }, hostAgent, false],
  ["a hostNetwork pod matches no selector", { podSelector: {} }, hostAgent, false],
  ["selectors never match an address", { namespaceSelector: {} }, node2, false],
  ["a peer with nothing in it admits nothing", {}, manager, false],
];

for (const [what, peer, endpoint, covered] of peerCorners) {
  test(`peer: ${what}`, () => {
    assert.is(expected.peerCovers(peer, "longhorn", endpoint), covered, "expected-rules");
    assert.is(evaluator.peerMatches(peer, "longhorn", endpoint), covered, "evaluator");
  });
}

/** [what, ports, destination, protocol, the ports they name] */
const portCorners: [string, INetworkPolicyPort[], Endpoint, Protocol, string][] = [
  ["a numeric port", [{ port: 9500 }], manager, "TCP", "9500"],
  ["protocol defaults to TCP", [{ port: 9500 }], manager, "UDP", "none"],
  ["endPort: an inclusive range", [{ port: 10000, endPort: 30000, protocol: "TCP" }], manager, "TCP", "10000-30000"],
  ["ranges and ports merge", [{ port: 8000, endPort: 8010 }, { port: 8011 }, { port: 80 }], manager, "TCP", "80, 8000-8011"],
  ["no port: every port of the protocol", [{ protocol: "UDP" }], manager, "UDP", "all"],
  ["no port, other protocol: nothing", [{ protocol: "UDP" }], manager, "TCP", "none"],
  ["SCTP", [{ port: 9000, protocol: "SCTP" }], manager, "SCTP", "9000"],
  ["a named port resolves on the destination pod", [{ port: "manager" }], manager, "TCP", "9500"],
  ["a named port the destination lacks names nothing", [{ port: "manager" }], ui, "TCP", "none"],
  ["a named port needs the container port's protocol", [{ port: "dns", protocol: "UDP" }], manager, "UDP", "53"],
  ["a named UDP container port is not a TCP port", [{ port: "dns" }], manager, "TCP", "none"],
  ["an address has no named ports", [{ port: "manager" }], outside, "TCP", "none"],
  ["a hostNetwork pod has no named ports", [{ port: "manager" }], hostAgent, "TCP", "none"],
  ["an empty list names nothing (extraPorts: [])", [], manager, "TCP", "none"],
];

for (const [what, ports, destination, protocol, named] of portCorners) {
  test(`ports: ${what}`, () => {
    assert.is(formatPorts(expected.listedPorts(ports, destination, protocol)), named, "expected-rules");
    assert.is(formatPorts(evaluator.portsOf(ports, destination, protocol)), named, "evaluator");
  });
}

test("rules: absent from / ports admit everyone on every port; rules add up", () => {
  const rules: INetworkPolicyIngressRule[] = [
    { from: [{ namespaceSelector: { matchLabels: { team: "obs" } } }], ports: [{ port: 9500 }] },
    { ports: [{ port: 8000 }] },
    { from: [{ ipBlock: { cidr: "10.0.0.0/24" } }] },
  ];
  const cases: [Endpoint, Endpoint, Protocol, string][] = [
    [prometheus, manager, "TCP", "8000, 9500"],
    [outside, manager, "TCP", "8000"],
    [outside, manager, "UDP", "none"],
    [node2, manager, "UDP", "all"],
    [hostAgent, manager, "TCP", "all"],
  ];
  for (const [source, destination, protocol, ports] of cases) {
    const what = `${endpointName(source)} → ${endpointName(destination)} ${protocol}`;
    assert.is(formatPorts(expected.ingressAdmits(rules, "longhorn", source, destination, protocol)), ports, `expected-rules ${what}`);
    assert.is(formatPorts(evaluator.ingressRulesAdmit(rules, "longhorn", source, destination, protocol)), ports, `evaluator ${what}`);
  }
  // An egress rule's named ports resolve on the destination.
  const egress = [{ to: [{ podSelector: { matchLabels: { app: "longhorn-manager" } } }], ports: [{ port: "manager" }] }];
  assert.is(formatPorts(expected.egressAdmits(egress, "longhorn", manager, "TCP")), "9500");
  assert.is(formatPorts(evaluator.egressRulesAdmit(egress, "longhorn", manager, "TCP")), "9500");
  assert.is(formatPorts(expected.egressAdmits(egress, "longhorn", lookAlike, "TCP")), "none");
  assert.is(formatPorts(evaluator.egressRulesAdmit(egress, "longhorn", lookAlike, "TCP")), "none");
});

test("selectors the API server refuses select nothing on the expected side", () => {
  assert.not.ok(selects({ matchExpressions: [{ key: "app", operator: "In", values: [] }] }, { app: "x" }));
  assert.not.ok(selects({ matchExpressions: [{ key: "app", operator: "NotIn", values: [] }] }, { app: "x" }));
  assert.not.ok(selects({ matchExpressions: [{ key: "app", operator: "Exists", values: ["x"] }] }, { app: "x" }));
  assert.not.ok(selects({ matchExpressions: [{ key: "app", operator: "Gt", values: ["1"] }] }, { app: "2" }));
  assert.ok(selects({}, {}), "an empty selector selects everything");
  assert.ok(selects({ matchLabels: { app: "" } }, { app: "" }), "an empty value is a value");
  assert.not.ok(selects({ matchLabels: { app: "" } }, {}), "and needs the key");
});

test("blockHolds: prefixes, both families, and what is not a CIDR", () => {
  assert.ok(blockHolds("10.42.0.0/16", "10.42.255.255"));
  assert.not.ok(blockHolds("10.42.0.0/16", "10.43.0.0"));
  assert.ok(blockHolds("10.42.0.5/16", "10.42.9.9"), "host bits of the block are ignored");
  assert.ok(blockHolds("fd00:10::/64", "fd00:10::ffff"));
  assert.not.ok(blockHolds("fd00:10::/64", "fd00:11::1"));
  assert.ok(blockHolds("::/0", "fd00::1"));
  assert.not.ok(blockHolds("::/0", "10.0.0.1"));
  assert.not.ok(blockHolds("10.0.0.0", "10.0.0.0"));
  assert.not.ok(blockHolds("10.0.0.0/33", "10.0.0.0"));
});

// ---------------------------------------------------------------------------------------------
// Random peers, ports and rules over a model cluster built from a real spec, as verify builds it.

const SEED_TEXT = process.env.EXPECTED_RULES_SEED ?? "0x5eed1e55";
const CASES = 500;

/** The model cluster of Longhorn 1.12 with peers in the values, plus named ports, hostNetwork pods and IPv6 addresses. */
function randomWorld(random: Random): { cluster: ModelCluster; endpoints: Endpoint[] } {
  const values = verifyValues(
    chartValues({
      longhorn: { version: "1.12" },
      networkPolicies: {
        enabled: true,
        type: "k3s",
        nodeCIDRs: ["10.0.0.0/24"],
        metricsScrapeSources: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { app: "prom" } } }],
        ui: { extraFrom: [{ namespaceSelector: { matchLabels: { team: "edge" } } }, { ipBlock: { cidr: "192.168.0.0/16", except: ["192.168.0.0/20"] } }] },
        egress: { enabled: true },
      },
    }),
    "longhorn-system",
  );
  const world = buildModel([loadVersion("1.12")], values);
  const names = ["http", "grpc", "metrics", "dns", "webhook"];
  const pods: ModelPod[] = world.cluster.pods.map((p) => ({
    ...p,
    containerPorts: random.sample(names, random.int(0, 3)).map((name) => ({
      name,
      port: random.pick([53, 80, 443, 8000, 9500, 9502, 10000 + random.int(0, 20000)]),
      ...(random.bool(0.3) ? { protocol: random.pick(PROTOCOLS) } : {}),
    })),
  }));
  const [first, second] = world.cluster.nodes;
  pods.push(
    { name: "host-network on the pods' node", namespace: values.namespace, labels: { app: "longhorn-manager" }, ip: "10.42.9.1", node: first!.name, hostNetwork: true, containerPorts: [{ name: "http", port: 80 }] },
    { name: "host-network elsewhere", namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ip: "10.42.9.2", node: second!.name, hostNetwork: true },
  );
  const cluster = { ...world.cluster, pods };
  const addresses: Endpoint[] = world.actors.flatMap((a) => (a.endpoint.kind === "address" ? [a.endpoint] : []));
  addresses.push(addressEndpoint("v6 node", "fd00:10::7"), addressEndpoint("v6 elsewhere", "2001:db8::1"));
  return { cluster, endpoints: [...pods.map(podEndpoint), ...addresses] };
}

/** A selector as kubernetes-models types it (mutable lists). */
type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

function randomSelector(random: Random, labels: readonly Labels[]): Selector {
  const pairs = labels.flatMap((l) => Object.entries(l));
  const keys = [...new Set([...pairs.map(([k]) => k), "absent-key"])];
  const valuesOf = (key: string) => [...new Set([...pairs.filter(([k]) => k === key).map(([, v]) => v), "other-value"])];
  const selector: Selector = {};
  if (random.bool(0.6) && pairs.length > 0) {
    selector.matchLabels = {};
    for (let i = random.int(1, 2); i > 0; i--) {
      const [key, value] = random.pick(pairs);
      selector.matchLabels[key] = random.bool(0.9) ? value : "other-value";
    }
  }
  if (random.bool(0.4)) {
    selector.matchExpressions = [];
    for (let i = random.int(1, 2); i > 0; i--) {
      const key = random.pick(keys);
      const operator = random.pick(["In", "NotIn", "Exists", "DoesNotExist"]);
      if (operator === "In" || operator === "NotIn") selector.matchExpressions.push({ key, operator, values: random.sample(valuesOf(key), random.int(1, 3)) });
      else selector.matchExpressions.push({ key, operator });
    }
  }
  return selector;
}

const block = (ip: string, bits: number): CIDR => parseCIDR(`${nthAddress(parseCIDR(`${ip}/${bits}`) as CIDR, 0)}/${bits}`) as CIDR;
const text = (cidr: CIDR): string => `${nthAddress(cidr, 0)}/${cidr.bits}`;

function randomIpBlock(random: Random, endpoints: readonly Endpoint[]): INetworkPolicyPeer {
  const ips = endpoints.map((e) => (e.kind === "pod" ? e.pod.ip : e.ip));
  const ip = random.pick(ips);
  const width = ip.includes(":") ? 128 : 32;
  const outer = block(ip, random.pick(width === 32 ? [0, 8, 16, 24, 28, 32] : [0, 32, 64, 120, 128]));
  const except: string[] = [];
  if (outer.bits < width) {
    for (let i = random.int(0, 2); i > 0; i--) {
      // Another endpoint's address inside the block when there is one, else the block's own.
      const inside = ips.filter((other) => other.includes(":") === (width === 128) && strictlyWithin(block(other, width), outer));
      const hole = block(inside.length > 0 ? random.pick(inside) : ip, random.int(outer.bits + 1, width));
      if (strictlyWithin(hole, outer)) except.push(text(hole));
    }
  }
  return { ipBlock: { cidr: text(outer), ...(except.length > 0 ? { except } : {}) } };
}

function randomPeer(random: Random, cluster: ModelCluster, endpoints: readonly Endpoint[]): INetworkPolicyPeer {
  const podLabels = cluster.pods.map((p) => p.labels);
  const namespaceLabels = cluster.namespaces.map((n) => ({ ...n.labels, "kubernetes.io/metadata.name": n.name }));
  switch (random.weighted({ pods: 3, namespaces: 2, both: 3, ipBlock: 3 })) {
    case "pods":
      return { podSelector: randomSelector(random, podLabels) };
    case "namespaces":
      return { namespaceSelector: randomSelector(random, namespaceLabels) };
    case "both":
      return { namespaceSelector: randomSelector(random, namespaceLabels), podSelector: randomSelector(random, podLabels) };
    default:
      return randomIpBlock(random, endpoints);
  }
}

function randomPorts(random: Random): INetworkPolicyPort[] {
  return Array.from({ length: random.int(0, 3) }, (): INetworkPolicyPort => {
    const protocol = random.bool(0.5) ? {} : { protocol: random.pick(PROTOCOLS) };
    switch (random.weighted({ number: 4, range: 2, named: 3, none: 1 })) {
      case "number":
        return { port: random.pick([53, 80, 443, 8000, 9500, 1, 65535]), ...protocol };
      case "range": {
        const port = random.int(1, 60000);
        return { port, endPort: port + random.int(0, 5000), ...protocol };
      }
      case "named":
        return { port: random.pick(["http", "grpc", "metrics", "dns", "webhook", "nowhere"]), ...protocol };
      default:
        return protocol;
    }
  });
}

function randomRules(random: Random, cluster: ModelCluster, endpoints: readonly Endpoint[]): INetworkPolicyIngressRule[] {
  return Array.from({ length: random.int(1, 3) }, () => {
    // Empty lists are rare: the chart's schema refuses them, though the API reads them as absent.
    const rule: INetworkPolicyIngressRule = {};
    if (random.bool(0.8)) rule.from = Array.from({ length: random.int(random.bool(0.05) ? 0 : 1, 3) }, () => randomPeer(random, cluster, endpoints));
    if (random.bool(0.7)) {
      const ports = randomPorts(random);
      if (ports.length > 0 || random.bool(0.1)) rule.ports = ports;
    }
    return rule;
  });
}

const np = (name: string, namespace: string, spec: INetworkPolicy["spec"]): INetworkPolicy => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec });

test(`differential: ${CASES} random rule sets, the evaluator and expected-rules agree`, () => {
  const seed = parseSeed(SEED_TEXT);
  const random = new Random(seed);
  const { cluster, endpoints } = randomWorld(random);
  const ordinaryPods = cluster.pods.filter((p) => !p.hostNetwork);
  const namespaces = cluster.namespaces.map((n) => n.name);
  const expectedSide = expectedRules(cluster);
  const bare = new Evaluator(cluster, []);
  /** What the cases exercised, so that a generator change cannot quietly stop covering a corner. */
  const seen = { covered: 0, notCovered: 0, namedPortResolved: 0, ipBlockPod: 0, exceptHit: 0, isolatedIngress: 0, isolatedEgress: 0 };
  const fail = (n: number, what: string, detail: unknown, got: string, want: string) =>
    assert.unreachable(`case ${n} (EXPECTED_RULES_SEED=${SEED_TEXT}): ${what}: evaluator ${got}, expected-rules ${want}\n${JSON.stringify(detail, null, 1)}`);
  const samePorts = (n: number, what: string, detail: unknown, got: PortSet, want: PortSet) => {
    if (!equal(got, want)) fail(n, what, detail, formatPorts(got), formatPorts(want));
  };

  for (let n = 0; n < CASES; n++) {
    const rules = randomRules(random, cluster, endpoints);
    const policyNamespace = random.pick(namespaces);
    // Every peer against every endpoint.
    for (const peer of rules.flatMap((r) => r.from ?? [])) {
      for (const endpoint of endpoints) {
        const got = bare.peerMatches(peer, policyNamespace, endpoint);
        const want = expectedSide.peerCovers(peer, policyNamespace, endpoint);
        if (got !== want) fail(n, `peer in ${policyNamespace} vs ${endpointName(endpoint)}`, peer, String(got), String(want));
        if (want) seen.covered += 1;
        else seen.notCovered += 1;
        if (want && peer.ipBlock && endpoint.kind === "pod") seen.ipBlockPod += 1;
        const ip = endpoint.kind === "pod" ? (endpoint.pod.hostNetwork ? undefined : endpoint.pod.ip) : endpoint.ip;
        if (!want && peer.ipBlock && ip !== undefined && blockHolds(peer.ipBlock.cidr, ip)) seen.exceptHit += 1;
      }
    }
    // Every port list on every endpoint, per protocol (as extraPorts: an empty list names nothing).
    for (const ports of rules.map((r) => r.ports ?? [])) {
      for (const destination of endpoints) {
        for (const protocol of PROTOCOLS) {
          const want = expectedSide.listedPorts(ports, destination, protocol);
          samePorts(n, `ports on ${endpointName(destination)} ${protocol}`, ports, bare.portsOf(ports, destination, protocol), want);
          if (want.length > 0 && ports.some((p) => typeof p.port === "string")) seen.namedPortResolved += 1;
        }
      }
    }
    // The rules as the evaluator runs them in verify: in a policy that selects a pod, reached
    // through reach(), against the expected side's ingressAdmits / egressAdmits.
    const subject = random.pick(ordinaryPods);
    const policies = [
      np("in", subject.namespace, { podSelector: { matchLabels: subject.labels }, policyTypes: ["Ingress"], ingress: rules }),
      np("out", subject.namespace, { podSelector: { matchLabels: subject.labels }, policyTypes: ["Egress"], egress: rules.map((r) => ({ ...(r.from ? { to: r.from } : {}), ...(r.ports ? { ports: r.ports } : {}) })) }),
    ];
    // Other pods of the namespace with the subject's labels are selected too; the subject is the one asked about.
    const actual = new Evaluator(cluster, policies);
    const subjectEndpoint = podEndpoint(subject);
    for (const other of endpoints) {
      if (other.kind === "pod" && other.pod === subject) continue;
      for (const protocol of PROTOCOLS) {
        const verdict = actual.reach(other, subjectEndpoint, protocol);
        if (verdict.ingress.state === "isolated") {
          seen.isolatedIngress += 1;
          samePorts(n, `ingress ${endpointName(other)} → ${endpointName(subjectEndpoint)} ${protocol}`, rules, verdict.ingress.ports, expectedSide.ingressAdmits(rules, subject.namespace, other, subjectEndpoint, protocol));
        } else if (verdict.ingress.state !== "own-node") {
          fail(n, `ingress state towards ${endpointName(subjectEndpoint)}`, rules, verdict.ingress.state, "isolated");
        }
        const out = actual.reach(subjectEndpoint, other, protocol).egress;
        assert.is(out.state, "isolated");
        seen.isolatedEgress += 1;
        samePorts(n, `egress ${endpointName(subjectEndpoint)} → ${endpointName(other)} ${protocol}`, rules, out.ports, expectedSide.egressAdmits(policies[1]!.spec!.egress!, subject.namespace, other, protocol));
      }
    }
  }
  // Each corner was exercised (how often depends on the seed: at least once is what can be asked).
  for (const [corner, count] of Object.entries(seen)) assert.ok(count > 0, `no case exercised ${corner} (EXPECTED_RULES_SEED=${SEED_TEXT})`);
});

test("selectors: lib/labels (the evaluator's) and expected-rules agree on 200 random selectors × every pod", () => {
  // selectorMatches (lib/labels.ts) is what the evaluator uses; the expected side has its own.
  const random = new Random(parseSeed(SEED_TEXT));
  const { cluster } = randomWorld(random);
  for (let i = 0; i < 200; i++) {
    const selector = randomSelector(random, cluster.pods.map((p) => p.labels));
    for (const p of cluster.pods) assert.is(selects(selector, p.labels), selectorMatches(selector, p.labels), JSON.stringify({ selector, labels: p.labels }));
  }
});

test.run();
