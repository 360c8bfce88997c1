// generator/verify/expectation.ts on its own: what a real spec version and chosen values require,
// between named actors of the model cluster, port by port. No helm and no rendered policy: the
// values are chart/values.yaml merged with each case's overrides (as helm merges -f files: maps
// merge, lists and scalars replace), read by verifyValues as verify reads helm's merge.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { Expectation, type ExpectedReach } from "../generator/verify/expectation.ts";
import type { Protocol } from "../generator/verify/endpoints.ts";
import { buildModel, type Actor, type ModelWorld } from "../generator/verify/model-cluster.ts";
import { verifyValues } from "../generator/verify/verify.ts";
import { formatPorts } from "../generator/lib/port-set.ts";
import type { ResolvedSpec } from "../generator/loader/model.ts";
import { chartValues, loadVersion, mergeValues, PROJECT_ROOT } from "./helpers.ts";

type Tree = Record<string, unknown>;

const specs = new Map<string, ResolvedSpec>();
const spec = (v: string) => specs.get(v) ?? specs.set(v, loadVersion(v)).get(v)!;

interface Case {
  world: ModelWorld;
  expectation: Expectation;
  /** `from → to protocol` as the formatted expected port set. */
  ports(from: string, to: string, protocol?: Protocol): string;
  reach(from: string, to: string, protocol?: Protocol): ExpectedReach;
  actor(name: string): Actor;
}

/**
 * Node and API server addresses given, so that the host and webhook ports are not open to every
 * source (the empty lists have a test of their own).
 */
const BASE: Tree = { enabled: true, nodeCIDRs: ["10.0.0.0/24"], kubeAPIServerSourceCIDRs: ["10.0.0.10/32"] };

/** Longhorn 1.12 (or the given versions) with BASE, then the overrides. */
function expectationFor(networkPolicies: Tree = {}, longhorn: Tree = { version: "1.12" }): Case {
  const merged = mergeValues(chartValues({ longhorn, networkPolicies: BASE }), { networkPolicies });
  const values = verifyValues(merged, "longhorn-system");
  const versions = values.versions.map(spec);
  const world = buildModel(versions, values);
  const expectation = new Expectation(versions, values, world.cluster);
  const actor = (name: string) => {
    const found = world.actors.find((a) => a.name === name);
    if (!found) throw new Error(`no actor "${name}": ${world.actors.map((a) => a.name).join(", ")}`);
    return found;
  };
  const reach = (from: string, to: string, protocol: Protocol = "TCP") => expectation.reach(actor(from), actor(to), protocol);
  return { world, expectation, actor, reach, ports: (from, to, protocol) => formatPorts(reach(from, to, protocol).ports) };
}

const OUTSIDER = "look-alike in lhnp-outsider (manager labels)";

test("defaults, enabled: exact ports between components, and nothing for outsiders", () => {
  const c = expectationFor();
  assert.is(c.ports("longhorn-ui", "longhorn-manager"), "9500");
  assert.is(c.ports("longhorn-ui", "longhorn-manager", "UDP"), "none");
  assert.is(c.ports("longhorn-manager", "longhorn-manager (2nd pod)"), "9500, 9502", "manager to manager, and to the admission webhook it serves");
  assert.is(c.ports("longhorn-manager", "instance-manager"), "8500-8503");
  assert.is(c.ports("instance-manager", "instance-manager (2nd pod)"), "10000-20000");
  assert.is(c.ports("backing-image-manager", "backing-image-manager (2nd pod)"), "8000, 30001-31000");
  assert.is(c.ports("share-manager", "longhorn-manager"), "9503", "the recovery backend runs in the manager's pods");
  assert.is(c.ports("longhorn-csi-plugin", "share-manager"), "9600");
  assert.is(c.ports(OUTSIDER, "longhorn-manager"), "none");
  assert.is(c.ports("unlabelled pod in the Longhorn namespace", "longhorn-manager"), "none");
  assert.is(c.ports("longhorn-manager", "engine-image"), "none", "a component that accepts nothing");
  // Isolated for ingress; egress stays open while egress.enabled is false.
  const r = c.reach("longhorn-ui", "longhorn-manager");
  assert.is(r.isolated, true);
  assert.is(r.egressIsolated, false);
  assert.equal(r.flows.map((f) => `${f.version}/${f.id} ${formatPorts(f.ports)}`), ["1.12/ui-to-manager 9500"]);
  // A Longhorn pod may reach anything that is not isolated (an address, an outsider pod).
  assert.is(c.ports("longhorn-manager", "external host"), "all");
  assert.is(c.ports("longhorn-manager", OUTSIDER, "UDP"), "all");
});

test("type picks the ingress controller that reaches the UI, and only the UI's port", () => {
  const k3s = expectationFor();
  assert.is(k3s.ports("traefik", "longhorn-ui"), "8000");
  assert.is(k3s.ports("rke2-ingress-nginx-controller", "longhorn-ui"), "none");
  assert.is(k3s.ports("traefik", "longhorn-manager"), "none");
  const rke2 = expectationFor({ type: "rke2" });
  assert.is(rke2.ports("rke2-ingress-nginx-controller", "longhorn-ui"), "8000");
  assert.is(rke2.ports("rke2-traefik", "longhorn-ui"), "8000");
  assert.is(rke2.ports("traefik", "longhorn-ui"), "none");
  const none = expectationFor({ type: "none" });
  for (const controller of ["traefik", "rke2-ingress-nginx-controller", "rke2-traefik", "ingress-nginx-controller"]) assert.is(none.ports(controller, "longhorn-ui"), "none", controller);
});

test("empty nodeCIDRs / kubeAPIServerSourceCIDRs open the any-node host and webhook ports to any source; set, only to them", () => {
  const open = expectationFor({ nodeCIDRs: [], kubeAPIServerSourceCIDRs: [] });
  assert.is(open.ports("external host", "share-manager"), "2049");
  assert.is(open.ports("node storage-2", "share-manager"), "2049");
  assert.is(open.ports("external host", "instance-manager"), "none", "iSCSI 3260 comes from the pod's own node only (hostScope local-node)");
  assert.is(open.ports("node storage-2", "instance-manager"), "none", "not from another node either");
  assert.is(open.ports("external host", "longhorn-manager"), "9502", "the admission webhook, from any source while no API server CIDR is given");
  assert.is(open.ports(OUTSIDER, "share-manager"), "2049", "any source includes pods");
  assert.is(open.ports(OUTSIDER, "instance-manager"), "none");
  assert.is(open.ports("longhorn-ui", "longhorn-manager"), "9500, 9502", "Longhorn's own pods too");
  assert.is(open.ports("longhorn-manager", "instance-manager"), "8500-8503");
  assert.is(open.ports("external host", "share-manager", "UDP"), "none", "the ports stay the flows' ports");
  const closed = expectationFor();
  assert.is(closed.actor("node storage-2").endpoint.kind, "address");
  assert.is(closed.ports("external host", "share-manager"), "none");
  assert.is(closed.ports("node storage-2", "share-manager"), "2049");
  assert.is(closed.ports("node storage-2", "instance-manager"), "none", "3260 is for the local initiator only");
  assert.is(closed.ports("node storage-1", "instance-manager"), "all", "a pod's own node: no policy can restrict it (Kubernetes)");
  assert.equal(closed.reach("node storage-1", "instance-manager").flows.map((f) => f.id), ["nodes-to-instance-manager"]);
  assert.is(closed.ports(OUTSIDER, "share-manager"), "none");
  assert.is(closed.ports("external host", "longhorn-manager"), "none");
  assert.is(closed.ports("kube-apiserver", "longhorn-manager"), "9502");
  assert.is(closed.ports("node storage-2", "longhorn-manager"), "none");
});

test("features off close their flows; on, open exactly them", () => {
  const off = expectationFor();
  const on = expectationFor({ features: { v2DataEngine: true } });
  assert.is(off.ports("longhorn-manager", "instance-manager"), "8500-8503");
  assert.is(on.ports("longhorn-manager", "instance-manager"), "8500-8504");
  assert.is(off.ports("instance-manager", "instance-manager (2nd pod)"), "10000-20000");
  assert.is(on.ports("instance-manager", "instance-manager (2nd pod)"), "8504, 10000-30000");
  assert.is(off.ports("node storage-2", "instance-manager"), "none");
  assert.is(on.ports("node storage-2", "instance-manager"), "none", "no host client from another node: 3260 is local, NVMe/TCP runs in the pod from 1.6");
  assert.is(off.ports("instance-manager", "backing-image-manager"), "none");
  assert.is(on.ports("instance-manager", "backing-image-manager"), "8001");
  assert.equal(
    on.reach("node storage-1", "instance-manager").flows.map((f) => f.id),
    ["nodes-to-instance-manager"],
  );
});

test("extraPorts widen every flow towards the component, for the same sources only; extraIngress adds rules", () => {
  const c = expectationFor({
    components: {
      longhornManager: { extraPorts: [{ port: 15008, protocol: "TCP" }, { port: 4789, protocol: "UDP" }] },
      longhornUi: { extraIngress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "lhnp-outsider" } } }], ports: [{ port: 8443 }] }] },
    },
  });
  assert.is(c.ports("longhorn-ui", "longhorn-manager"), "9500, 15008");
  assert.is(c.ports("longhorn-ui", "longhorn-manager", "UDP"), "4789");
  assert.is(c.ports("share-manager", "longhorn-manager"), "9503", "the recovery backend in the manager's pods has a policy, and extraPorts, of its own");
  assert.is(c.ports(OUTSIDER, "longhorn-manager"), "none", "no flow, nothing to widen");
  assert.is(c.ports("longhorn-ui", "instance-manager"), "none");
  assert.is(c.ports(OUTSIDER, "longhorn-ui"), "8443");
  assert.is(c.ports("longhorn-manager", "longhorn-ui"), "none");
  const hosted = expectationFor({ components: { recoveryBackend: { extraPorts: [{ port: 15008 }] } } });
  assert.is(hosted.ports("share-manager", "longhorn-manager"), "9503, 15008");
  assert.is(hosted.ports("longhorn-ui", "longhorn-manager"), "9500");
  const named = expectationFor({ components: { longhornUi: { extraPorts: [{ port: "http" }] } } });
  assert.is(named.ports("traefik", "longhorn-ui"), "8000", "a named port resolves on the pod, and the model's pods declare none");
});

test("metricsScrapeSources: nothing while empty; the selected pods on the metrics ports", () => {
  assert.is(expectationFor().ports("prometheus", "longhorn-manager"), "none");
  const c = expectationFor({ metricsScrapeSources: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }] });
  assert.is(c.ports("prometheus", "longhorn-manager"), "9500");
  assert.is(c.ports("prometheus", "csi-sidecars"), "8000");
  assert.is(c.ports("prometheus", "instance-manager"), "none");
  assert.is(c.ports(OUTSIDER, "longhorn-manager"), "none");
});

test("egress off: no egress isolation; on: each Longhorn pod sends exactly its flows", () => {
  const off = expectationFor();
  assert.is(off.reach("longhorn-ui", "coredns", "UDP").egressIsolated, false);
  assert.is(off.ports("longhorn-ui", "external host"), "all");
  const on = expectationFor({ egress: { enabled: true } });
  assert.is(on.reach("longhorn-ui", "coredns", "UDP").egressIsolated, true);
  assert.is(on.ports("longhorn-ui", "coredns", "UDP"), "53");
  assert.is(on.ports("longhorn-ui", "coredns", "TCP"), "53");
  assert.is(on.ports("longhorn-ui", "external host"), "none");
  assert.is(on.ports("longhorn-ui", "longhorn-manager"), "9500");
  assert.is(on.ports("longhorn-ui", "instance-manager"), "none");
  // The API server without CIDRs: its ports towards any destination, for the components that talk to it.
  assert.is(on.ports("longhorn-manager", "external host"), "443, 6443");
  assert.is(on.ports("longhorn-manager", "kube-apiserver"), "443, 6443");
  assert.is(on.ports("longhorn-ui", "kube-apiserver"), "none");
  // Backupstore and download server blocked by default; open, on their ports.
  assert.is(on.ports("longhorn-manager", "backupstore"), "443, 6443", "the API server's ports only (it has no CIDRs)");
  assert.is(on.ports("backing-image-data-source", "backupstore"), "none", "no flow to the API server, and the backupstore blocked");
  const external = expectationFor({ egress: { enabled: true, kubeAPIServer: { cidrs: ["10.0.0.10/32"] }, backupstore: { cidrs: ["198.51.100.0/24"], ports: [9000] }, backingImageDownload: { open: true, ports: [] } } });
  assert.is(external.ports("longhorn-manager", "external host"), "none");
  assert.is(external.ports("longhorn-manager", "backupstore"), "9000");
  assert.is(external.ports("backing-image-data-source", "external host"), "all", "open with no ports: every port of every destination");
  assert.is(external.ports("longhorn-ui", "backupstore"), "none");
  // extraEgress, and DNS pods chosen by the values (the model puts CoreDNS where they point).
  const custom = expectationFor({
    egress: {
      enabled: true,
      dns: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dns-system" } }, podSelector: { matchLabels: { app: "dns" } }, nodeLocalAddress: "169.254.20.10" },
    },
    components: { longhornUi: { extraEgress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "lhnp-outsider" } } }], ports: [{ port: 8080 }] }] } },
  });
  const coredns = custom.actor("coredns").endpoint;
  assert.is(coredns.kind === "pod" ? coredns.pod.namespace : coredns.name, "dns-system");
  assert.is(custom.ports("longhorn-ui", "coredns", "UDP"), "53");
  assert.is(custom.ports("longhorn-ui", "NodeLocal DNSCache", "UDP"), "53");
  assert.is(custom.ports("longhorn-ui", OUTSIDER), "8080");
  assert.is(custom.ports("longhorn-manager", OUTSIDER), "443, 6443", "only the API server's ports, open to any destination");
  // A pod that is not Longhorn's is never egress-isolated.
  assert.is(on.reach(OUTSIDER, "external host").egressIsolated, false);
});

test("networkPolicies.enabled false, or a component switched off: its pods stay open", () => {
  const disabled = expectationFor({ enabled: false });
  assert.is(disabled.ports(OUTSIDER, "longhorn-manager"), "all");
  assert.is(disabled.reach(OUTSIDER, "longhorn-manager").isolated, false);
  const uiOff = expectationFor({ components: { longhornUi: { enabled: false } } });
  assert.is(uiOff.ports(OUTSIDER, "longhorn-ui"), "all");
  assert.is(uiOff.reach(OUTSIDER, "longhorn-ui").isolated, false);
  assert.is(uiOff.ports(OUTSIDER, "longhorn-manager"), "none");
  assert.is(uiOff.expectation.policed("1.12/longhorn-ui"), false);
  // A role that runs in the manager's pods follows the manager's switch, not its own.
  const managerOff = expectationFor({ components: { longhornManager: { enabled: false } } });
  assert.is(managerOff.expectation.policed("1.12/admission-webhook"), false);
  assert.is(managerOff.ports(OUTSIDER, "longhorn-manager"), "all");
  const webhookOff = expectationFor({ components: { admissionWebhook: { enabled: false } } });
  assert.is(webhookOff.expectation.policed("1.12/admission-webhook"), true);
  assert.is(webhookOff.ports("kube-apiserver", "longhorn-manager"), "9502");
});

test("during an upgrade a component's pods accept the flows of both versions", () => {
  const c = expectationFor({}, { version: "1.12", upgradeFrom: "1.11" });
  assert.equal(c.world.actors.filter((a) => a.name.startsWith("longhorn-manager")).map((a) => a.name).sort(), ["longhorn-manager", "longhorn-manager (2nd pod)"]);
  assert.is(c.ports("longhorn-manager", "instance-manager"), "8500-8503");
  assert.equal(c.reach("longhorn-ui", "longhorn-manager").flows.map((f) => `${f.version}/${f.id}`), ["1.12/ui-to-manager", "1.11/ui-to-manager"]);
});

/** The generator modules a module imports, directly or through others (type-only imports included). */
function importsOf(start: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    for (const [, target] of readFileSync(file, "utf8").matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gms)) {
      const path = resolve(dirname(file), target!);
      const rel = relative(PROJECT_ROOT, path);
      if (seen.has(rel)) continue;
      seen.add(rel);
      visit(path);
    }
  };
  visit(join(PROJECT_ROOT, start));
  return seen;
}

test("the expected side reads the spec and the values only: never the evaluator, plan/ or a target", () => {
  for (const module of ["generator/verify/expectation.ts", "generator/verify/expected-rules.ts"]) {
    const imports = [...importsOf(module)].sort();
    assert.ok(imports.includes("generator/lib/port-set.ts"), `${module}: the import scan sees its imports`);
    assert.equal(imports.filter((m) => m === "generator/verify/evaluator.ts" || m.startsWith("generator/plan/") || m.startsWith("generator/targets/")), [], module);
  }
  assert.equal([...importsOf("generator/verify/expected-rules.ts")].sort(), [
    "generator/lib/cidr.ts",
    "generator/lib/labels.ts",
    "generator/lib/port-set.ts",
    "generator/loader/model.ts",
    "generator/verify/endpoints.ts",
    "schema/spec.generated.ts",
  ]);
  // And verify/ as a whole never reads the generator's plan or a target.
  for (const file of readdirSync(join(PROJECT_ROOT, "generator/verify")).filter((f) => f.endsWith(".ts"))) {
    const imports = [...importsOf(`generator/verify/${file}`)];
    assert.equal(imports.filter((m) => m.startsWith("generator/plan/") || m.startsWith("generator/targets/")), [], file);
  }
});

test.run();
