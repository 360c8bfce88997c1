// `extends`: what a child version inherits, replaces, adds and removes; and the real Longhorn chain.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ResolvedSpec } from "../generator/loader/model.ts";
import { loadSpecFile, loadVersion, SPEC_VERSIONS } from "./helpers.ts";

function fixture(version: string): ResolvedSpec {
  const result = loadSpecFile(`test/fixtures/inheritance/${version}.yaml`);
  assert.equal(result.diagnostics, []);
  return result.spec!;
}

const ids = (spec: ResolvedSpec): string[] => spec.flows.map((f) => f.id);

test("a root version resolves to itself", () => {
  const spec = fixture("2.0");
  assert.equal(spec.chain, ["2.0"]);
  assert.equal(ids(spec), ["worker-to-api", "kube-apiserver-to-legacy", "api-to-worker"]);
  assert.equal([...spec.components.keys()], ["api", "worker", "legacy"]);
});

test("a child removes, replaces in place and adds", () => {
  const spec = fixture("2.1");
  assert.equal(spec.chain, ["2.1", "2.0"]);
  assert.equal([...spec.components.keys()], ["api", "worker", "hook"]);
  assert.equal(ids(spec), ["worker-to-api", "api-to-worker", "kube-apiserver-to-hook"]);
  const replaced = spec.flows.find((f) => f.id === "api-to-worker")!;
  assert.equal(replaced.ports, [{ port: 8500, endPort: 8504, protocol: "TCP" }]);
  assert.is(replaced.feature, "fast-path");
  assert.is(replaced.origin.version, "2.1");
  assert.is(replaced.origin.file, "test/fixtures/inheritance/2.1.yaml");
  assert.is(replaced.origin.line, 26);
  const inherited = spec.flows.find((f) => f.id === "worker-to-api")!;
  assert.is(inherited.origin.version, "2.0");
  assert.is(spec.components.get("hook")!.runsIn, "api");
});

test("docs and notes are not inherited; kubeVersion and features are", () => {
  const child = fixture("2.1");
  assert.equal(child.docs, ["2.1.0"]);
  assert.equal(child.notes, []);
  assert.is(child.kubeVersion, ">=1.25.0-0");
  const grandchild = fixture("2.2");
  assert.equal(grandchild.chain, ["2.2", "2.1", "2.0"]);
  assert.is(grandchild.status, "development");
  assert.is(grandchild.kubeVersion, ">=1.34.0-0");
  assert.equal([...grandchild.features.keys()], ["fast-path"]);
  assert.equal(ids(grandchild), ids(child));
});

test("every Longhorn version resolves, each extending the one before", () => {
  SPEC_VERSIONS.forEach((version, i) => {
    const spec = loadVersion(version);
    assert.equal(spec.chain, SPEC_VERSIONS.slice(0, i + 1).reverse());
    assert.is(spec.status, version === "1.13" ? "development" : "ga");
  });
});

const flow = (version: string, id: string) => loadVersion(version).flows.find((f) => f.id === id);

test("1.4 → 1.5: webhooks and recovery backend move into the manager on 9501-9503", () => {
  assert.equal(flow("1.4", "kube-apiserver-to-admission-webhook")!.ports, [{ port: 9443, protocol: "TCP" }]);
  assert.equal(flow("1.4", "share-manager-to-recovery-backend")!.ports, [{ port: 9600, protocol: "TCP" }]);
  assert.is(loadVersion("1.4").components.get("admission-webhook")!.selector!.matchLabels!.app, "longhorn-admission-webhook");
  const v15 = loadVersion("1.5");
  assert.equal(flow("1.5", "kube-apiserver-to-admission-webhook")!.ports, [{ port: 9502, protocol: "TCP" }]);
  assert.equal(flow("1.5", "kube-apiserver-to-conversion-webhook")!.ports, [{ port: 9501, protocol: "TCP" }]);
  assert.equal(flow("1.5", "share-manager-to-recovery-backend")!.ports, [{ port: 9503, protocol: "TCP" }]);
  for (const role of ["admission-webhook", "conversion-webhook", "recovery-backend"]) {
    assert.is(v15.components.get(role)!.runsIn, "longhorn-manager");
    assert.equal(v15.components.get(role)!.selector, { matchLabels: { app: "longhorn-manager" } });
  }
  const has9443 = v15.flows.some((f) => (f.ports ?? []).some((p) => p.port === 9443));
  assert.not.ok(has9443, "no flow on 9443 in 1.5");
});

test("1.5: the instance manager range is v1 10000-20000 plus v2 20001-30000 (v2 behind its feature)", () => {
  const ranges = (version: string, id: string) => flow(version, id)!.ports!.map((p) => [p.port, p.endPort]);
  assert.equal(ranges("1.5", "instance-manager-to-instance-manager"), [[10000, 20000]]);
  assert.equal(ranges("1.5", "instance-manager-to-instance-manager-v2"), [[20001, 30000]]);
  assert.equal(ranges("1.5", "instance-manager-to-instance-manager-spdk"), [[8504, undefined]]);
  for (const id of ["instance-manager-to-instance-manager-v2", "instance-manager-to-instance-manager-spdk"]) assert.is(flow("1.5", id)!.feature, "v2-data-engine");
  assert.equal(ranges("1.4", "instance-manager-to-instance-manager"), [[10000, 30000]]);
  const nvme = flow("1.5", "nodes-to-instance-manager-nvme")!;
  assert.is(nvme.feature, "v2-data-engine");
  assert.is(nvme.documented, false);
});

test("1.7: webhook and recovery roles select the labels the manager adds at run time", () => {
  const v17 = loadVersion("1.7");
  assert.equal(v17.components.get("recovery-backend")!.selector, {
    matchLabels: { "longhorn.io/recovery-backend": "longhorn-recovery-backend" },
  });
  assert.is(v17.components.get("longhorn-manager")!.runtimeLabels!["longhorn.io/admission-webhook"], "longhorn-admission-webhook");
  assert.ok(flow("1.7", "share-manager-to-kube-apiserver"));
  assert.not.ok(flow("1.6", "share-manager-to-kube-apiserver"));
});

test("1.8: CSI sidecar metrics on 8000", () => {
  assert.not.ok(flow("1.7", "metrics-scraper-to-csi-sidecars"));
  assert.equal(flow("1.8", "metrics-scraper-to-csi-sidecars")!.ports!.map((p) => p.port), [8000]);
});

test("1.10: the conversion webhook is gone; its docs row stays documented-only", () => {
  const v110 = loadVersion("1.10");
  assert.not.ok(v110.components.has("conversion-webhook"));
  assert.not.ok(flow("1.10", "manager-to-conversion-webhook"));
  const row = flow("1.10", "kube-apiserver-to-conversion-webhook")!;
  assert.is(row.to, "longhorn-manager");
  assert.ok(row.documentedOnly);
  assert.equal(flow("1.10", "kubelet-to-manager")!.ports!.map((p) => p.port), [9502]);
  assert.equal(flow("1.9", "kubelet-to-manager")!.ports!.map((p) => p.port), [9501]);
  assert.equal(flow("1.4", "kubelet-to-manager")!.ports!.map((p) => p.port), [9500]);
});

test("flows no NetworkPolicy can govern are stated with a reason: kubelet probes and the unselectable system rollout", () => {
  const probes14 = ["kubelet-to-admission-webhook", "kubelet-to-conversion-webhook", "kubelet-to-recovery-backend", "kubelet-to-instance-manager"];
  const always = ["kubelet-to-backing-image-data-source", "kubelet-to-backing-image-manager", "kubelet-to-csi-plugin", "kubelet-to-manager"];
  const rollout = ["system-rollout-to-backupstore", "system-rollout-to-dns", "system-rollout-to-kube-apiserver"];
  for (const version of SPEC_VERSIONS) {
    const unenforceable = loadVersion(version).flows.filter((f) => f.enforceable === false);
    const probes = version === "1.4" ? probes14 : version === "1.5" ? ["kubelet-to-instance-manager"] : [];
    assert.equal(unenforceable.map((f) => f.id).sort(), [...always, ...probes, ...rollout].sort(), version);
    for (const f of unenforceable) assert.ok(f.unenforceableReason);
  }
});

test("the undocumented flows of longhorn-facts §1.4 are in the spec", () => {
  const v112 = loadVersion("1.12");
  const pairs = new Set(v112.flows.map((f) => `${f.from}→${f.to}:${(f.ports ?? []).map((p) => p.port).join(",")}`));
  for (const expected of [
    "longhorn-manager→share-manager:9600",
    "longhorn-csi-plugin→share-manager:9600",
    "share-manager→recovery-backend:9503",
    "share-manager→kube-apiserver:",
    "longhorn-manager→support-bundle-manager:8080",
    "metrics-scraper→csi-sidecars:8000",
    "metrics-scraper→longhorn-manager:9500",
    "longhorn-csi-plugin→dns:53,53",
    "nodes→instance-manager:3260",
    "kube-apiserver→admission-webhook:9502",
  ]) {
    assert.ok(pairs.has(expected), expected);
  }
  // §1.4 item 9 (the v2 NVMe/TCP initiator in the host namespaces) holds for 1.5.0 and 1.5.1 only:
  // from 1.5.2 nvme-cli runs in the instance manager pod (longhorn/longhorn#6798).
  assert.not.ok(pairs.has("nodes→instance-manager:20001"));
  assert.ok(loadVersion("1.5").flows.some((f) => f.id === "nodes-to-instance-manager-nvme" && f.hostScope === "local-node"));
  assert.ok(loadVersion("1.6").flows.every((f) => f.id !== "nodes-to-instance-manager-nvme"));
});

test.run();
