// The `helm test` probes (templates/tests/, tests.enabled): off by default; for every Longhorn version,
// the rendered policies admit the "admitted" probe to longhorn-manager's API and refuse the outsider
// (decided by the evaluator on what helm printed, as verify does); the pods pass the object checks;
// the image, namespace and timeout are values the schema (or the template) holds to their shape.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { readYaml } from "../generator/lib/yaml.ts";
import { splitDocuments } from "../generator/verify/helm.ts";
import { Evaluator } from "../generator/verify/evaluator.ts";
import { podEndpoint, type ModelCluster, type ModelPod } from "../generator/verify/endpoints.ts";
import { isTestPod, validateRendered } from "../generator/verify/k8s-validate.ts";
import { PROJECT_ROOT, SPEC_VERSIONS, loadVersion } from "./helpers.ts";
import { helm, helmTemplate } from "./helm.ts";

interface ProbePod {
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { containers: { image: string; env: { name: string; value?: string }[]; command: string[] }[] };
}

const TESTS = ["-f", "chart/ci/tests-values.yaml"];

function render(...args: string[]) {
  const run = helmTemplate(...args);
  assert.is(run.code, 0, run.stderr);
  return splitDocuments(run.stdout);
}

test("off by default: no pod in any golden case but tests", () => {
  const values = readYaml(readFileSync(join(PROJECT_ROOT, "chart/values.yaml"), "utf8")) as { tests: { enabled: boolean } };
  assert.is(values.tests.enabled, false);
  for (const name of ["defaults", "all-options", "egress", "cni-cilium"]) {
    assert.not.match(readFileSync(join(PROJECT_ROOT, "test/golden/1.12", `${name}.yaml`), "utf8"), "kind: Pod");
  }
  assert.is(render("-f", "chart/ci/tests-values.yaml", "--set", "networkPolicies.enabled=false").filter((r) => isTestPod(r.object)).length, 0);
});

for (const version of SPEC_VERSIONS) {
  test(`${version}: the policies admit the admitted probe to the manager's API and refuse the outsider`, () => {
    const rendered = render(...TESTS, "--set-string", `longhorn.version=${version}`);
    const pods = rendered.filter((r) => isTestPod(r.object)).map((r) => r.object as ProbePod);
    assert.equal(pods.map((p) => p.metadata.labels["longhorn-network-policies/test"]), ["admitted", "outsider"]);
    for (const r of rendered.filter((r) => isTestPod(r.object))) assert.equal(validateRendered(r), [], r.source);
    const [admitted, outsider] = pods as [ProbePod, ProbePod];
    assert.is(admitted.metadata.namespace, "longhorn-system");
    assert.is(outsider.metadata.namespace, "default");
    assert.is(admitted.metadata.annotations["helm.sh/hook"], "test");
    const env = Object.fromEntries(admitted.spec.containers[0]!.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    assert.equal({ TARGET: env.TARGET, PORT: env.PORT, TIMEOUT: env.TIMEOUT }, { TARGET: "longhorn-backend.longhorn-system.svc", PORT: "9500", TIMEOUT: "10" });
    // The flow the admitted probe stands for is one of this version's spec.
    const spec = loadVersion(version);
    const flow = spec.flows.find((f) => f.id === env.FLOW);
    assert.ok(flow && flow.to === "longhorn-manager", `${env.FLOW} is a flow to longhorn-manager`);
    // Both probes on a model cluster: the manager's pod and the two probes, under the rendered policies.
    const manager = spec.components.get("longhorn-manager")!;
    const pod = (name: string, namespace: string, labels: Record<string, string>, ip: string): ModelPod => ({ name, namespace, labels, ip, node: "node-1" });
    const managerPod = pod("manager", "longhorn-system", { ...manager.podLabels }, "10.42.1.10");
    const cluster: ModelCluster = {
      cni: "kube-router",
      namespaces: [{ name: "longhorn-system" }, { name: "default" }],
      nodes: [{ name: "node-1", ip: "192.168.0.1" }, { name: "node-2", ip: "192.168.0.2" }],
      pods: [managerPod, pod("admitted", "longhorn-system", admitted.metadata.labels, "10.42.2.10"), pod("outsider", "default", outsider.metadata.labels, "10.42.2.11")],
    };
    const policies = rendered.map((r) => r.object as INetworkPolicy).filter((o) => o?.kind === "NetworkPolicy" && o.apiVersion === "networking.k8s.io/v1");
    const evaluator = new Evaluator(cluster, policies);
    const [, admittedPod, outsiderPod] = cluster.pods as [ModelPod, ModelPod, ModelPod];
    assert.ok(evaluator.allows(podEndpoint(admittedPod), podEndpoint(managerPod), 9500), "the admitted probe reaches 9500");
    assert.not.ok(evaluator.allows(podEndpoint(outsiderPod), podEndpoint(managerPod), 9500), "the outsider is refused on 9500");
    // Where no policy is enforced (a CNI without NetworkPolicy support), the outsider gets through: what the probe reports.
    assert.ok(new Evaluator(cluster, []).allows(podEndpoint(outsiderPod), podEndpoint(managerPod), 9500));
    // The outsider differs from the admitted probe only by its namespace (and its role label).
    const { ["longhorn-network-policies/test"]: _a, ...a } = admitted.metadata.labels;
    const { ["longhorn-network-policies/test"]: _o, ...o } = outsider.metadata.labels;
    assert.equal(o, a);
  });
}

test("the probe says which of admitted and refused it saw, and that a CNI ignoring NetworkPolicies lets the outsider through", () => {
  const [, outsider] = render(...TESTS).filter((r) => isTestPod(r.object)).map((r) => r.object as ProbePod) as [ProbePod, ProbePod];
  const script = outsider.spec.containers[0]!.command.join("\n");
  assert.match(script, "The NetworkPolicies are not enforced: this cluster's CNI ignores NetworkPolicy");
  assert.match(script, "PASS: refused");
  assert.match(script, "INCONCLUSIVE:");
});

test("the probes render identically under helm lint --strict, and follow longhorn.namespace and the values", () => {
  const lint = helm("lint", "--strict", "chart", ...TESTS);
  assert.is(lint.code, 0, lint.stdout + lint.stderr);
  const pods = render(...TESTS, "--set", "longhorn.namespace=storage", "--set", "tests.outsiderNamespace=probe-outside", "--set", "tests.image=registry.example.com:5000/mirror/busybox:1.36.1@sha256:" + "a".repeat(64))
    .filter((r) => isTestPod(r.object))
    .map((r) => r.object as ProbePod);
  assert.equal(pods.map((p) => p.metadata.namespace), ["storage", "probe-outside"]);
  assert.is(pods[0]!.spec.containers[0]!.image, `registry.example.com:5000/mirror/busybox:1.36.1@sha256:${"a".repeat(64)}`);
});

test("values that are not an image, a namespace or a timeout are refused", () => {
  for (const [value, message] of [
    ["tests.image=busybox:1.36 }}{{ .Release.Name", "tests.image: Does not match pattern"],
    ["tests.image=", "tests.image: String length must be greater than or equal to 1"],
    ["tests.outsiderNamespace=Default", "tests.outsiderNamespace: Does not match pattern"],
    ["tests.timeoutSeconds=0", "tests.timeoutSeconds: Must be greater than or equal to 1"],
  ] as const) {
    const run = helmTemplate(...TESTS, "--set", value);
    assert.is(run.code, 1, value);
    assert.match(run.stderr, message);
  }
});

test.run();
