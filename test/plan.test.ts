// generator/plan/plan.ts on its own: what each real spec version needs, as data, before any target
// shapes it. The counts were read once off the spec files (and, for 1.12, re-added by hand from
// the rules below); a change to the spec or to how flows merge into rules must show up here.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { normalisePorts, planVersion, type EgressRulePlan, type PolicyPlan, type RulePlan, type VersionPlan } from "../generator/plan/plan.ts";
import type { Port } from "../generator/loader/model.ts";
import { loadVersion, SPEC_VERSIONS } from "./helpers.ts";

const plans = new Map<string, VersionPlan>(SPEC_VERSIONS.map((v) => [v, planVersion(loadVersion(v))]));
const plan = (version: string): VersionPlan => plans.get(version)!;
const policy = (version: string, component: string): PolicyPlan => {
  const found = plan(version).policies.find((p) => p.component === component);
  if (!found) throw new Error(`no policy for ${component} in ${version}`);
  return found;
};

const ports = (list: readonly Port[] | undefined) => (list ?? []).map((p) => `${p.port}${p.endPort ? `-${p.endPort}` : ""}/${p.protocol}`).join(",");
/** One ingress rule as a line: peers, ports, feature. */
const ingressLine = (r: RulePlan) =>
  `${r.peers.map((p) => (p.kind === "pods" ? p.component : p.kind)).join(" + ")} on ${ports(r.ports)}${r.feature ? ` [${r.feature}]` : ""}`;
/** One egress rule as a line: destinations, ports (values-given when absent), feature. */
const egressLine = (r: EgressRulePlan) =>
  `${r.destinations.map((d) => (d.kind === "pods" ? d.component : d.kind === "external" ? `${d.peer} (${d.valueKey})` : d.kind)).join(" + ")} on ${r.ports ? ports(r.ports) : "values"}${r.feature ? ` [${r.feature}]` : ""}`;

test("every version: exact numbers of policies, ingress rules and peers, egress rules and destinations", () => {
  // [version, policies, ingress rules, ingress peers, egress rules, egress destinations, unprotected]
  const expected: [string, number, number, number, number, number, number][] = [
    ["1.4", 18, 15, 24, 42, 42, 2],
    ["1.5", 19, 16, 25, 40, 40, 2],
    ["1.6", 19, 16, 25, 43, 43, 2],
    ["1.7", 19, 16, 25, 44, 44, 2],
    ["1.8", 19, 18, 28, 47, 47, 2],
    ["1.9", 19, 18, 28, 47, 47, 2],
    ["1.10", 18, 17, 26, 46, 46, 2],
    ["1.11", 18, 17, 26, 46, 46, 2],
    ["1.12", 18, 18, 27, 47, 47, 2],
    ["1.13", 18, 18, 27, 47, 47, 2],
  ];
  assert.equal(expected.map(([v]) => v), SPEC_VERSIONS, "one row per version");
  for (const [version, policies, rules, peers, egressRules, destinations, unprotected] of expected) {
    const p = plan(version);
    const actual = [
      version,
      p.policies.length,
      p.policies.reduce((n, x) => n + x.ingress.length, 0),
      p.policies.reduce((n, x) => n + x.ingress.reduce((m, r) => m + r.peers.length, 0), 0),
      p.policies.reduce((n, x) => n + x.egress.length, 0),
      p.policies.reduce((n, x) => n + x.egress.reduce((m, r) => m + r.destinations.length, 0), 0),
      p.unprotected.length,
    ];
    assert.equal(actual, [version, policies, rules, peers, egressRules, destinations, unprotected], version);
  }
});

test("1.12: one policy per selectable component, in spec order", () => {
  assert.equal(
    plan("1.12").policies.map((p) => `${p.component} ${p.ingress.length}/${p.egress.length}`),
    [
      "longhorn-manager 2/12",
      "longhorn-ui 1/2",
      "longhorn-driver-deployer 0/3",
      "longhorn-csi-plugin 0/4",
      "csi-sidecars 1/1",
      "admission-webhook 1/0",
      "recovery-backend 1/0",
      "instance-manager 4/6",
      "engine-image 0/0",
      "backing-image-manager 3/4",
      "backing-image-data-source 2/4",
      "share-manager 2/3",
      "recurring-job 0/3",
      "support-bundle-manager 1/1",
      "support-bundle-agent 0/1",
      "uninstaller 0/1",
      "post-upgrade 0/1",
      "pre-upgrade 0/1",
    ],
  );
  assert.equal(policy("1.12", "csi-sidecars").valueKey, "csiSidecars");
  assert.equal(policy("1.12", "csi-sidecars").podSelector, { matchExpressions: [{ key: "app", operator: "In", values: ["csi-attacher", "csi-provisioner", "csi-resizer", "csi-snapshotter"] }] });
});

test("1.12 instance-manager: feature-gated rules of their own; no rule for the local iSCSI initiator", () => {
  const im = policy("1.12", "instance-manager");
  // nodes-to-instance-manager (3260) is hostScope local-node: the pod's own node, which no policy can block.
  assert.equal(im.ingress.map(ingressLine), [
    "longhorn-manager on 8500/TCP,8501/TCP,8502/TCP,8503/TCP",
    "backing-image-data-source + instance-manager on 10000-20000/TCP",
    "longhorn-manager on 8504/TCP [v2-data-engine]",
    "instance-manager on 8504/TCP,20001-30000/TCP [v2-data-engine]",
  ]);
  assert.not.ok(im.ingress.some((r) => r.flows.includes("nodes-to-instance-manager")));
  assert.equal(policy("1.5", "instance-manager").ingress.filter((r) => r.peers.some((x) => x.kind === "nodes")), [], "1.5's local NVMe/TCP initiator neither");
  assert.equal(im.egress.map(egressLine), [
    "backing-image-data-source on 8002/TCP",
    "instance-manager on 10000-20000/TCP",
    "dns on 53/TCP,53/UDP",
    "backupstore (backupstore) on values",
    "backing-image-manager on 8001/TCP [v2-data-engine]",
    "instance-manager on 8504/TCP,20001-30000/TCP [v2-data-engine]",
  ]);
});

test("host peers: nodes to the share manager's NFS, the API server beside the manager on the webhook port", () => {
  assert.equal(policy("1.12", "share-manager").ingress.map(ingressLine), ["longhorn-csi-plugin + longhorn-manager on 9600/TCP", "nodes on 2049/TCP"]);
  assert.equal(policy("1.12", "admission-webhook").ingress.map(ingressLine), ["longhorn-manager + kube-apiserver on 9502/TCP"]);
  assert.equal(policy("1.12", "admission-webhook").ingress[0]!.flows, ["kube-apiserver-to-admission-webhook", "manager-to-admission-webhook"]);
  // Components that take no connection from the host network have no host peer.
  const hostPeers = plan("1.12").policies.flatMap((p) => p.ingress.flatMap((r) => r.peers.filter((x) => x.kind === "nodes").map(() => p.component)));
  assert.equal(hostPeers, ["share-manager"], "the one any-node host flow: NFS");
});

test("ingress controllers and metrics scrapers keep rules of their own, even on a port pods share", () => {
  assert.equal(policy("1.12", "longhorn-manager").ingress.map(ingressLine), [
    "longhorn-csi-plugin + longhorn-driver-deployer + longhorn-manager + longhorn-ui + recurring-job on 9500/TCP",
    "metrics-scraper on 9500/TCP",
  ]);
  assert.equal(policy("1.12", "longhorn-ui").ingress.map(ingressLine), ["ingress-controller on 8000/TCP"]);
  assert.equal(policy("1.12", "csi-sidecars").ingress.map(ingressLine), ["metrics-scraper on 8000/TCP"]);
});

test("feature-gated flows: exact rules per version, all of the v2 data engine, none before it existed", () => {
  // [version, ingress rules with a feature, egress rules with a feature]
  const expected: [string, number, number][] = [
    ["1.4", 0, 0],
    ["1.5", 1, 1],
    ["1.6", 1, 1],
    ["1.7", 1, 1],
    ["1.8", 2, 2],
    ["1.9", 2, 2],
    ["1.10", 2, 2],
    ["1.11", 2, 2],
    ["1.12", 3, 3],
    ["1.13", 3, 3],
  ];
  for (const [version, ingress, egress] of expected) {
    const rules = plan(version).policies.flatMap((p) => p.ingress);
    const egressRules = plan(version).policies.flatMap((p) => p.egress);
    assert.equal([rules.filter((r) => r.feature).length, egressRules.filter((r) => r.feature).length], [ingress, egress], version);
    assert.equal([...new Set([...rules, ...egressRules].flatMap((r) => (r.feature ? [r.feature] : [])))], ingress + egress > 0 ? ["v2-data-engine"] : [], version);
  }
  // A feature's flows never share a rule with ungated flows: manager → instance-manager 8504 (1.12) is a rule of its own.
  const gated = plan("1.12").policies.flatMap((p) => p.ingress.filter((r) => r.feature).flatMap((r) => r.flows));
  assert.equal(gated.sort(), [
    "instance-manager-to-backing-image-manager",
    "instance-manager-to-instance-manager-spdk",
    "instance-manager-to-instance-manager-v2",
    "manager-to-instance-manager-spdk",
  ]);
});

test("hosted roles (runsIn): a policy of their own over the host's pods; the host sends on their behalf", () => {
  const manager = (v: string) => policy(v, "longhorn-manager");
  // 1.4: the webhooks are Deployments of their own, with their own egress.
  assert.equal(policy("1.4", "admission-webhook").podSelector, { matchLabels: { app: "longhorn-admission-webhook" } });
  assert.equal(policy("1.4", "admission-webhook").egress.map(egressLine), ["conversion-webhook on 9443/TCP", "dns on 53/TCP,53/UDP", "kube-apiserver on values"]);
  // 1.5 and 1.6: served by the manager's pods, selected by the manager's own selector.
  for (const v of ["1.5", "1.6"]) {
    for (const role of ["admission-webhook", "conversion-webhook", "recovery-backend"]) {
      assert.equal(policy(v, role).podSelector, manager(v).podSelector, `${v} ${role}`);
      assert.equal(policy(v, role).egress, [], `${v} ${role} sends nothing of its own`);
    }
  }
  // 1.7 on: selected by the role labels the manager adds to its pod at run time.
  assert.equal(policy("1.12", "admission-webhook").podSelector, { matchLabels: { "longhorn.io/admission-webhook": "longhorn-admission-webhook" } });
  assert.equal(policy("1.12", "recovery-backend").podSelector, { matchLabels: { "longhorn.io/recovery-backend": "longhorn-recovery-backend" } });
  assert.equal(policy("1.12", "recovery-backend").ingress.map(ingressLine), ["share-manager on 9503/TCP"]);
  // The role's port is in the role's policy only; the host's policy does not repeat it.
  for (const v of ["1.5", "1.12"]) {
    assert.equal(manager(v).ingress.flatMap((r) => r.ports.map((p) => p.port)), [9500, 9500], v);
  }
  // From 1.10 the conversion webhook is gone from the code: no policy.
  assert.equal(plan("1.10").policies.some((p) => p.component === "conversion-webhook"), false);
  assert.equal(plan("1.9").policies.some((p) => p.component === "conversion-webhook"), true);
});

test("unprotected components: no policy, listed with their reason, their flows in no rule", () => {
  const p = plan("1.12");
  assert.equal(p.unprotected.map((u) => u.id), ["discover-proc-kubelet-cmdline", "system-rollout"]);
  const spec = loadVersion("1.12");
  for (const u of p.unprotected) assert.is(u.reason, spec.components.get(u.id)!.unprotected, `${u.id}: the spec's reason, as written`);
  assert.not.ok(p.policies.some((x) => x.component === "system-rollout" || x.component === "discover-proc-kubelet-cmdline"));
  const flows = new Set(p.policies.flatMap((x) => [...x.ingress.flatMap((r) => r.flows), ...x.egress.flatMap((r) => r.flows)]));
  for (const id of ["system-rollout-to-kube-apiserver", "system-rollout-to-backupstore", "system-rollout-to-dns"]) assert.not.ok(flows.has(id), id);
});

test("a selectable component that takes and sends nothing still gets a policy, with no rules", () => {
  assert.equal(policy("1.12", "engine-image"), {
    component: "engine-image",
    title: policy("1.12", "engine-image").title,
    valueKey: "engineImage",
    podSelector: { matchLabels: { "longhorn.io/component": "engine-image" } },
    ingress: [],
    localHost: [],
    egress: [],
  });
});

test("flows no policy can govern, and rows the docs list that no code serves, are in no rule", () => {
  const p = plan("1.12");
  const flows = p.policies.flatMap((x) => [...x.ingress.flatMap((r) => r.flows), ...x.egress.flatMap((r) => r.flows)]);
  for (const id of [
    "kubelet-to-manager",
    "kubelet-to-csi-plugin",
    "kubelet-to-backing-image-manager",
    "kube-apiserver-to-conversion-webhook",
    "backing-image-manager-to-instance-manager",
    "backing-image-data-source-to-instance-manager-v2-range",
  ]) {
    assert.not.ok(flows.includes(id), id);
  }
  // Of 1.12's 66 flows: 30 in ingress rules, 50 in egress rules (a flow between two components is in both).
  assert.is(loadVersion("1.12").flows.length, 66);
  assert.is(p.policies.flatMap((x) => x.ingress.flatMap((r) => r.flows)).length, 30);
  assert.is(p.policies.flatMap((x) => x.egress.flatMap((r) => r.flows)).length, 50);
});

test("egress destinations: pods with their ports; DNS fixed; API server and external targets shaped by values", () => {
  assert.equal(policy("1.12", "backing-image-data-source").egress.map(egressLine), [
    "instance-manager on 10000-20000/TCP",
    "dns on 53/TCP,53/UDP",
    "backupstore (backupstore) on values",
    "backing-image-download-server (backingImageDownload) on values",
  ]);
  assert.equal(policy("1.12", "longhorn-manager").egress.map(egressLine), [
    "backing-image-data-source on 8000/TCP",
    "backing-image-manager on 8000/TCP,8001/TCP",
    "support-bundle-manager on 8080/TCP",
    "instance-manager on 8500/TCP,8501/TCP,8502/TCP,8503/TCP",
    "longhorn-manager on 9500/TCP",
    "admission-webhook on 9502/TCP",
    "share-manager on 9600/TCP",
    "dns on 53/TCP,53/UDP",
    "kube-apiserver on values",
    "backupstore (backupstore) on values",
    "upgrade-responder (upgradeResponder) on values",
    "instance-manager on 8504/TCP [v2-data-engine]",
  ]);
});

test("normalisePorts: sorted by protocol then port, duplicates and covered ranges dropped, descriptions gone", () => {
  assert.equal(
    normalisePorts([
      { port: 9500, protocol: "TCP", description: "api" },
      { port: 53, protocol: "UDP" },
      { port: 10000, endPort: 20000, protocol: "TCP" },
      { port: 12000, protocol: "TCP" },
      { port: 9500, protocol: "TCP" },
      { port: 53, protocol: "TCP" },
      { port: 8000, endPort: 8000, protocol: "TCP" },
    ]),
    [
      { port: 53, protocol: "TCP" },
      { port: 8000, protocol: "TCP" },
      { port: 9500, protocol: "TCP" },
      { port: 10000, endPort: 20000, protocol: "TCP" },
      { port: 53, protocol: "UDP" },
    ],
  );
});

test.run();
