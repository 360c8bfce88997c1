// Upstream's NetworkPolicy breakages as scenarios: each values file passes verify (nothing the spec
// needs is blocked, nothing else is open), and the connection the issue was about is allowed while
// its look-alikes are not.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { addressEndpoint, type Endpoint, type Protocol } from "../generator/verify/endpoints.ts";
import { loadSpecs } from "../generator/pipeline.ts";
import { helmBinary } from "../generator/verify/helm.ts";
import { compareCase, renderCase, type RenderedCase } from "../generator/verify/verify.ts";
import { Evaluator } from "../generator/verify/evaluator.ts";
import { PROJECT_ROOT, SPEC_VERSIONS } from "./helpers.ts";
import { readText } from "../generator/lib/files.ts";

const DIR = join(PROJECT_ROOT, "test/fixtures/scenarios");
const specs = new Map(loadSpecs(SPEC_VERSIONS.map((v) => `spec/longhorn/${v}.yaml`), (f) => readText(join(PROJECT_ROOT, f))).map((s) => [s.version, s]));

/** Renders a scenario for the Longhorn version its header names, and checks verify passes. */
function scenario(file: string): RenderedCase & { endpoint: (name: string) => Endpoint } {
  const path = join(DIR, file);
  const version = /\(Longhorn (\d+\.\d+)/.exec(readFileSync(path, "utf8"))?.[1];
  assert.ok(version, `${file} names its Longhorn version in the header`);
  const request = { helm: helmBinary(PROJECT_ROOT), chart: join(PROJECT_ROOT, "chart"), release: "lhnp", namespace: "longhorn-system", specs, version, valueFiles: [path], label: file };
  const rendered = renderCase(request);
  const result = compareCase(rendered, request);
  assert.ok(result.ok, `${file}: verify failed\n${result.problems.join("\n")}\n${JSON.stringify(result.cells, null, 2)}`);
  const endpoint = (name: string) => {
    const actor = rendered.world.actors.find((a) => a.name === name);
    assert.ok(actor, `no endpoint "${name}" in the model: ${rendered.world.actors.map((a) => a.name).join(", ")}`);
    return actor!.endpoint;
  };
  return { ...rendered, endpoint };
}

function allowed(c: RenderedCase, from: Endpoint, to: Endpoint, port: number, protocol: Protocol = "TCP"): boolean {
  return c.actual.allows(from, to, port, protocol);
}

test("longhorn#13802: the local iSCSI initiator needs no rule; the Istio ambient source is admitted by extraIngress; recovery backend over HBONE 15008", () => {
  const c = scenario("longhorn-13802-cilium-iscsi-istio-ambient.yaml");
  const im = c.endpoint("instance-manager");
  // The initiator runs on the instance manager's own node (hostScope local-node): Kubernetes admits it.
  assert.ok(allowed(c, c.endpoint("node storage-1"), im, 3260));
  assert.is(c.actual.reach(c.endpoint("node storage-1"), im, "TCP").ingress.state, "own-node");
  // Istio ambient SNATs node traffic to 169.254.7.127 (istio.io ambient/usage/networkpolicy); the scenario admits exactly it.
  assert.ok(allowed(c, addressEndpoint("Istio ambient node source", "169.254.7.127"), im, 3260));
  assert.not.ok(allowed(c, addressEndpoint("another link-local source", "169.254.12.7"), im, 3260));
  assert.not.ok(allowed(c, c.endpoint("node storage-2"), im, 3260), "another node's host has no iSCSI client");
  assert.not.ok(allowed(c, c.endpoint("external host"), im, 3260));
  const manager = c.endpoint("longhorn-manager");
  assert.ok(allowed(c, c.endpoint("share-manager"), manager, 15008));
  assert.ok(allowed(c, c.endpoint("share-manager"), manager, 9503));
  assert.not.ok(allowed(c, c.endpoint("longhorn-ui"), manager, 15008), "15008 only for the recovery backend's clients");
  assert.not.ok(allowed(c, c.endpoint("external host"), manager, 15008));
});

test("longhorn#13740, #12505: Prometheus in another namespace scrapes the manager and CSI sidecar metrics", () => {
  const c = scenario("longhorn-13740-prometheus-other-namespace.yaml");
  const scraper = c.endpoint("metrics scraper 1");
  assert.ok(allowed(c, scraper, c.endpoint("longhorn-manager"), 9500));
  assert.ok(allowed(c, scraper, c.endpoint("csi-sidecars"), 8000));
  assert.not.ok(allowed(c, scraper, c.endpoint("longhorn-manager"), 9501));
  assert.not.ok(allowed(c, scraper, c.endpoint("instance-manager"), 8500));
  assert.not.ok(allowed(c, c.endpoint("prometheus"), c.endpoint("longhorn-manager"), 9500), "a Prometheus in another namespace is not admitted");
});

test("longhorn#13653: the UI behind rke2-traefik (and rke2-ingress-nginx), on the UI port only", () => {
  const c = scenario("longhorn-13653-rke2-traefik.yaml");
  const ui = c.endpoint("longhorn-ui");
  assert.ok(allowed(c, c.endpoint("rke2-traefik"), ui, 8000));
  assert.ok(allowed(c, c.endpoint("rke2-ingress-nginx-controller"), ui, 8000));
  assert.not.ok(allowed(c, c.endpoint("rke2-traefik"), ui, 8001));
  assert.not.ok(allowed(c, c.endpoint("traefik"), ui, 8000), "K3s Traefik is not RKE2's");
  assert.not.ok(allowed(c, c.endpoint("ingress-nginx-controller"), ui, 8000));
});

test("longhorn#6317: 1.4 → 1.5 keeps 9443/9600 and opens 9501-9503 while both run", () => {
  const c = scenario("longhorn-6317-upgrade-1.4-to-1.5.yaml");
  assert.equal(c.values.versions, ["1.5", "1.4"]);
  const api = c.endpoint("kube-apiserver");
  const manager = c.endpoint("longhorn-manager");
  assert.ok(allowed(c, api, manager, 9501));
  assert.ok(allowed(c, api, manager, 9502));
  assert.ok(allowed(c, api, c.endpoint("admission-webhook"), 9443));
  assert.ok(allowed(c, api, c.endpoint("conversion-webhook"), 9443));
  assert.ok(allowed(c, c.endpoint("share-manager"), manager, 9503));
  assert.ok(allowed(c, c.endpoint("share-manager"), c.endpoint("recovery-backend"), 9600));
  assert.not.ok(allowed(c, c.endpoint("external host"), manager, 9502), "webhooks only from the API server CIDR");
});

test("longhorn#9223: 1.6 → 1.7 keeps the CSI plugin's access to the manager API", () => {
  const c = scenario("longhorn-9223-upgrade-1.6-to-1.7.yaml");
  assert.equal(c.values.versions, ["1.7", "1.6"]);
  // The manager pods of the two versions differ (1.7 adds the role labels at run time).
  for (const manager of ["longhorn-manager@1.7", "longhorn-manager@1.7 (2nd pod)", "longhorn-manager@1.6"]) {
    assert.ok(allowed(c, c.endpoint("longhorn-csi-plugin"), c.endpoint(manager), 9500), manager);
  }
  assert.not.ok(allowed(c, c.endpoint("longhorn-csi-plugin"), c.endpoint("instance-manager"), 8500));
});

test("harvester#4182: an extra client of the manager on 9500, through extraIngress", () => {
  const c = scenario("harvester-4182-extra-manager-client.yaml");
  const harvester = c.endpoint("longhorn-manager extraIngress 1.1");
  assert.ok(allowed(c, harvester, c.endpoint("longhorn-manager"), 9500));
  assert.not.ok(allowed(c, harvester, c.endpoint("longhorn-manager"), 9501));
  assert.not.ok(allowed(c, harvester, c.endpoint("instance-manager"), 8500));
  assert.not.ok(allowed(c, c.endpoint("look-alike in lhnp-outsider (manager labels)"), c.endpoint("longhorn-manager"), 9500));
});

test("ui.extraFrom: the Rancher proxy reaches the UI port, and no ingress controller does", () => {
  const c = scenario("ui-behind-rancher-proxy.yaml");
  const ui = c.endpoint("longhorn-ui");
  assert.ok(allowed(c, c.endpoint("ui extraFrom 1"), ui, 8000));
  assert.not.ok(allowed(c, c.endpoint("ui extraFrom 1"), ui, 8001));
  assert.not.ok(allowed(c, c.endpoint("ui extraFrom 1"), c.endpoint("longhorn-manager"), 9500));
  for (const controller of ["traefik", "rke2-traefik", "rke2-ingress-nginx-controller", "ingress-nginx-controller"]) {
    assert.not.ok(allowed(c, c.endpoint(controller), ui, 8000), controller);
  }
});

// ---- Features traced to Longhorn's code (each scenario passes verify; these probe the flows the
// feature needs and their look-alikes, on the rendered chart).

/** The address actor the model uses for the API server's endpoints, whichever name it got. */
function apiServer(c: ReturnType<typeof scenario>): Endpoint {
  const actor = c.world.actors.find((a) => a.name === "kube-apiserver endpoint") ?? c.world.actors.find((a) => a.name === "kube-apiserver");
  assert.ok(actor, "an API server endpoint in the model");
  return actor!.endpoint;
}

test("backing image sync between two nodes, download through the manager, upload and URL download", () => {
  const c = scenario("backing-image-sync-and-download.yaml");
  const bim = c.endpoint("backing-image-manager");
  const other = c.endpoint("backing-image-manager (2nd pod)");
  // Sync: the destination calls Send on the source's gRPC port; the source pushes to the receiver.
  assert.ok(allowed(c, other, bim, 8000), "Send on 8000");
  assert.ok(allowed(c, bim, other, 30001) && allowed(c, bim, other, 31000), "push to the receiver range");
  assert.not.ok(allowed(c, bim, other, 8001), "the file server is for the manager and v2 instance managers");
  assert.not.ok(allowed(c, bim, c.endpoint("instance-manager"), 10000), "the backing image manager never dials replicas");
  // Download through the API: any manager prepares on 8000 and proxies to 8001.
  const manager = c.endpoint("longhorn-manager");
  assert.ok(allowed(c, manager, bim, 8000) && allowed(c, manager, bim, 8001));
  assert.not.ok(allowed(c, c.endpoint("longhorn-ui"), bim, 8001), "the UI goes through the manager");
  // Upload: UI → manager 9500 → data source 8000; the data source's own file server stays closed.
  const bids = c.endpoint("backing-image-data-source");
  assert.ok(allowed(c, c.endpoint("longhorn-ui"), manager, 9500) && allowed(c, manager, bids, 8000));
  assert.not.ok(allowed(c, manager, bids, 8001));
  // First copy: the data source fetches the URL and hands the file to a backing image manager.
  assert.ok(allowed(c, bids, c.endpoint("backing image download server"), 443));
  assert.not.ok(allowed(c, bids, c.endpoint("external host"), 443));
  assert.ok(allowed(c, bim, bids, 8000));
});

test("a v2 volume with a replica on another node: NVMe/TCP and the spdk service between instance managers, only with the feature", () => {
  const c = scenario("v2-volume-remote-replica.yaml");
  const im = c.endpoint("instance-manager");
  const remote = c.endpoint("instance-manager (2nd pod)");
  for (const port of [8504, 20001, 30000]) assert.ok(allowed(c, im, remote, port), `${port}`);
  assert.ok(allowed(c, im, c.endpoint("backing-image-manager"), 8001), "v2 backing image download");
  assert.ok(allowed(c, c.endpoint("longhorn-manager"), remote, 8504), "the shard group controller's spdk client (v1.12.1)");
  assert.not.ok(allowed(c, c.endpoint("longhorn-ui"), remote, 8504));
  // Without the feature the v2 ports stay closed between instance managers.
  const defaults = scenario("recurring-backup-egress.yaml");
  assert.not.ok(allowed(defaults, defaults.endpoint("instance-manager"), defaults.endpoint("instance-manager (2nd pod)"), 8504));
  assert.not.ok(allowed(defaults, defaults.endpoint("instance-manager"), defaults.endpoint("instance-manager (2nd pod)"), 20001));
  assert.ok(allowed(defaults, defaults.endpoint("instance-manager"), defaults.endpoint("instance-manager (2nd pod)"), 10000), "v1 replicas");
});

test("a recurring backup with egress on: the job reaches the API server and the manager API; replicas reach the backupstore", () => {
  const c = scenario("recurring-backup-egress.yaml");
  const job = c.endpoint("recurring-job");
  assert.ok(allowed(c, job, apiServer(c), 6443), "in-cluster client (app/recurring_job.go)");
  assert.ok(allowed(c, job, c.endpoint("longhorn-manager"), 9500));
  assert.ok(allowed(c, c.endpoint("instance-manager"), c.endpoint("backupstore"), 443));
  assert.not.ok(allowed(c, job, c.endpoint("backupstore"), 443), "the job itself never writes backups");
  assert.not.ok(allowed(c, job, c.endpoint("instance-manager"), 8500));
});

test("Longhorn 1.4 with kubeAPIServerSourceCIDRs: the manager's init container reaches the admission webhook", () => {
  const c = scenario("longhorn-1.4-webhook-cidrs.yaml");
  const webhook = c.endpoint("admission-webhook");
  assert.ok(allowed(c, c.endpoint("longhorn-manager"), webhook, 9443), "wait-longhorn-admission-webhook");
  assert.ok(allowed(c, c.endpoint("kube-apiserver"), webhook, 9443));
  assert.not.ok(allowed(c, c.endpoint("longhorn-ui"), webhook, 9443));
  assert.not.ok(allowed(c, c.endpoint("external host"), webhook, 9443));
  assert.not.ok(allowed(c, c.endpoint("longhorn-manager"), c.endpoint("conversion-webhook"), 9443), "only the admission webhook's healthz");
});

test("system backup and restore: the manager uploads; the unselected rollout pod reaches the API server and the backupstore", () => {
  const c = scenario("system-backup-and-restore.yaml");
  assert.ok(allowed(c, c.endpoint("longhorn-manager"), c.endpoint("backupstore"), 443));
  const rollout = c.endpoint("system-rollout");
  assert.ok(allowed(c, rollout, apiServer(c), 6443));
  assert.ok(allowed(c, rollout, c.endpoint("backupstore"), 443));
  assert.ok(c.policies.every((policy) => !JSON.stringify(policy).includes("system-rollout")), "no policy names the rollout pods");
});

test("the post-upgrade hook: the API server only, nothing in", () => {
  const c = scenario("post-upgrade-hook.yaml");
  const hook = c.endpoint("post-upgrade");
  assert.ok(allowed(c, hook, apiServer(c), 6443));
  assert.not.ok(allowed(c, hook, c.endpoint("longhorn-manager"), 9500));
  assert.not.ok(allowed(c, hook, c.endpoint("external host"), 443));
  assert.not.ok(allowed(c, c.endpoint("longhorn-manager"), hook, 8080));
});

test("NFS from another node on k3s: its flannel.1 address reaches 2049; its node IP, pods and outsiders do not", () => {
  const c = scenario("cni-k3s-nfs-from-another-node.yaml");
  const sm = c.endpoint("share-manager");
  assert.ok(allowed(c, addressEndpoint("storage-2 flannel.1", "10.42.1.0"), sm, 2049));
  assert.not.ok(allowed(c, addressEndpoint("storage-2 InternalIP", "192.168.1.12"), sm, 2049), "the node IP never carries it on flannel VXLAN");
  assert.not.ok(allowed(c, addressEndpoint("a pod on storage-2", "10.42.1.17"), sm, 2049), "a /32, not the podCIDR: the node's pods stay out");
  assert.not.ok(allowed(c, c.endpoint("external host"), sm, 2049));
  assert.not.ok(allowed(c, addressEndpoint("storage-2 flannel.1", "10.42.1.0"), sm, 9600), "nodes get NFS, not the recovery port");
});

test("a node that joins after install: refused until helm upgrade reads it, then admitted", () => {
  const before = scenario("cni-k3s-nfs-from-another-node.yaml");
  const joined = addressEndpoint("storage-4 flannel.1 (joined later)", "10.42.3.0");
  assert.not.ok(allowed(before, joined, before.endpoint("share-manager"), 2049), "NOTES says: run helm upgrade after adding nodes");
  const after = scenario("cni-canal-webhook-from-second-server.yaml");
  assert.ok(allowed(after, joined, after.endpoint("share-manager"), 2049), "after the upgrade, lookup reads the new Node too");
});

test("RKE2/Canal: the API server on a second control-plane node reaches the admission webhook; a worker's host does not", () => {
  const c = scenario("cni-canal-webhook-from-second-server.yaml");
  const manager = c.endpoint("longhorn-manager");
  assert.ok(allowed(c, addressEndpoint("server-2 flannel.1", "10.42.1.0"), manager, 9502));
  assert.not.ok(allowed(c, addressEndpoint("agent-1 flannel.1", "10.42.3.0"), manager, 9502), "not a control-plane node");
  assert.not.ok(allowed(c, c.endpoint("external host"), manager, 9502));
  assert.not.ok(allowed(c, addressEndpoint("server-2 flannel.1", "10.42.1.0"), manager, 9500), "the webhook port only");
});

test("longhorn#13802 on Cilium: CiliumNetworkPolicy entities admit NFS from every node's host and the webhooks from the API server; no ipBlock could", () => {
  const c = scenario("longhorn-13802-on-cilium.yaml");
  assert.ok(c.native.some((o) => (o as { kind?: string }).kind === "CiliumNetworkPolicy"), "CiliumNetworkPolicies render beside the NetworkPolicies");
  const sm = c.endpoint("share-manager");
  const manager = c.endpoint("longhorn-manager");
  const remote = c.endpoint("node storage-2");
  assert.ok(allowed(c, remote, sm, 2049), "remote-node");
  assert.ok(allowed(c, c.endpoint("kube-apiserver"), manager, 9502), "kube-apiserver");
  assert.not.ok(allowed(c, remote, manager, 9502), "a worker's host is not the API server");
  assert.not.ok(allowed(c, c.endpoint("longhorn-ui"), sm, 2049), "NFS is not open to pods");
  assert.not.ok(allowed(c, c.endpoint("external host"), sm, 2049));
  // An ipBlock holding the remote host's address matches nothing on Cilium: the old way fails.
  const sharePolicy = c.policies.find((p) => p.metadata?.name?.endsWith("share-manager"))!;
  const withBlock = { ...sharePolicy, spec: { ...sharePolicy.spec!, ingress: [{ from: [{ ipBlock: { cidr: `${(remote as { ip: string }).ip}/32` } }], ports: [{ port: 2049, protocol: "TCP" as const }] }] } };
  const old = new Evaluator(c.world.cluster, [withBlock]);
  assert.not.ok(old.allows(remote, sm, 2049), "ipBlocks never match remote-node on Cilium");
  // Istio ambient's SNAT source is world to Cilium: admitted on 3260 by ciliumLocalHostCIDRs, nothing else.
  const ambient = c.endpoint("node storage-1 (iSCSI from 169.254.7.127, Cilium: world)");
  const im = c.endpoint("instance-manager");
  assert.ok(allowed(c, ambient, im, 3260));
  assert.not.ok(allowed(c, ambient, im, 8500), "the link-local source gets iSCSI only");
  assert.not.ok(allowed(c, ambient, sm, 2049));
  // Without the value, upstream's 1.12.1 breakage: the connection is denied.
  const withoutValue = new Evaluator(
    c.world.cluster,
    c.policies,
    c.native.map((o) => {
      const cnp = o as { kind: string; spec: { ingress: { fromCIDR?: string[] }[] } };
      return cnp.kind === "CiliumNetworkPolicy" ? { ...cnp, spec: { ...cnp.spec, ingress: cnp.spec.ingress.filter((r) => !r.fromCIDR) } } : o;
    }),
  );
  assert.not.ok(withoutValue.allows(ambient, im, 3260), "world from 169.254.7.127 is denied without ciliumLocalHostCIDRs");
  assert.ok(withoutValue.allows(c.endpoint("node storage-1"), im, 3260), "the host identity itself is always admitted");
});

test("NFS from another node on Canal: its flannel.1 address reaches 2049; its node IP and its pods do not", () => {
  const c = scenario("cni-canal-nfs-from-another-node.yaml");
  const sm = c.endpoint("share-manager");
  // The model's other worker is the first listed flannel.1 address (its pods' node the second).
  const remote = c.endpoint("node storage-2");
  assert.is((remote as { ip: string }).ip, "10.42.0.0");
  assert.ok(allowed(c, remote, sm, 2049));
  assert.not.ok(allowed(c, addressEndpoint("storage-2 InternalIP", "10.0.0.22"), sm, 2049), "the node IP never carries it on flannel VXLAN");
  assert.not.ok(allowed(c, addressEndpoint("a pod on storage-2", "10.42.0.17"), sm, 2049));
  assert.not.ok(allowed(c, remote, c.endpoint("longhorn-manager"), 9502), "the webhook only from the server");
  assert.ok(allowed(c, addressEndpoint("server-1 flannel.1", "10.42.2.0"), c.endpoint("longhorn-manager"), 9502));
});

test("Antrea: nodeSelector peers admit every node's host to NFS and control-plane hosts to the webhook", () => {
  const c = scenario("cni-antrea-node-selector.yaml");
  assert.ok(c.native.some((o) => (o as { apiVersion?: string }).apiVersion === "crd.antrea.io/v1beta1"));
  const sm = c.endpoint("share-manager");
  const manager = c.endpoint("longhorn-manager");
  assert.ok(allowed(c, c.endpoint("node storage-2"), sm, 2049));
  assert.ok(allowed(c, c.endpoint("kube-apiserver"), manager, 9502));
  assert.not.ok(allowed(c, c.endpoint("node storage-2"), manager, 9502), "a worker is not selected by the control-plane nodeSelector");
  assert.not.ok(allowed(c, c.endpoint("longhorn-ui"), sm, 2049));
  assert.not.ok(allowed(c, c.endpoint("node storage-2"), sm, 9600));
});

test("flannel alone: the policies render as generic; verify notes that nothing is enforced", () => {
  const c = scenario("cni-flannel-alone.yaml");
  const result = compareCase(c, { version: "1.12", label: "flannel" });
  assert.ok(result.notes.some((n) => n.startsWith("cni flannel enforces no policy")), result.notes.join("\n"));
  assert.is(c.native.length, 0);
});

test.run();
