// Validates rendered NetworkPolicy objects (and, through native-validate.ts, the CNI-native ones): the Kubernetes OpenAPI schema (kubernetes-models), plus
// the API server's own rules that the schema does not carry (unknown fields, object names, port
// ranges and names, endPort, CIDRs, peers, selectors).
import { NetworkPolicy, type INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { Pod, type IPod } from "kubernetes-models/v1";
import { parseCIDR, strictlyWithin } from "../lib/cidr.ts";
import { pointerPath, unknownFields, type Fields } from "../lib/object-fields.ts";
import type { Diagnostic, DocPath } from "../lib/diagnostics.ts";
import { ANTREA_API_VERSION, CILIUM_API_VERSION, isNativePolicy, validateNative } from "./native-validate.ts";
import { labelKeyProblem, labelValueProblem, selectorProblems, type SelectorLike } from "../lib/labels.ts";

/** One document of `helm template` output, with the template it came from. */
export interface RenderedObject {
  /** The `# Source:` of the document, e.g. `longhorn-network-policies/templates/1.12/longhorn-manager.yaml`. */
  source: string;
  object: unknown;
}


const SELECTOR: Fields = { matchLabels: "leaf", matchExpressions: [{ key: "leaf", operator: "leaf", values: "leaf" }] };
const PORT: Fields = { port: "leaf", endPort: "leaf", protocol: "leaf" };
const PEER: Fields = { podSelector: SELECTOR, namespaceSelector: SELECTOR, ipBlock: { cidr: "leaf", except: "leaf" } };
/** The fields a chart may set on a NetworkPolicy; anything else is a typo the API server would drop or refuse. */
const NETWORK_POLICY: Fields = {
  apiVersion: "leaf",
  kind: "leaf",
  metadata: { name: "leaf", namespace: "leaf", labels: "leaf", annotations: "leaf" },
  spec: {
    podSelector: SELECTOR,
    policyTypes: "leaf",
    ingress: [{ from: [PEER], ports: [PORT] }],
    egress: [{ to: [PEER], ports: [PORT] }],
  },
};

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** IANA service name: at most 15 characters, lower-case letters, digits and single inner hyphens, one letter at least. */
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*$/;

export function validateRendered(rendered: RenderedObject): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (path: DocPath, message: string) => out.push({ file: rendered.source, line: 0, path, message });
  const object = rendered.object;
  if (!isRecord(object)) {
    report([], "is not a mapping");
    return out;
  }
  if (isNativePolicy(object)) {
    validateNative(object, report);
    return out;
  }
  if (isTestPod(object)) {
    validateTestPod(object as unknown as IPod, report);
    return out;
  }
  if (object.apiVersion !== "networking.k8s.io/v1" || object.kind !== "NetworkPolicy") {
    report(["kind"], `expected networking.k8s.io/v1 NetworkPolicy (or ${CILIUM_API_VERSION} CiliumNetworkPolicy, ${ANTREA_API_VERSION} NetworkPolicy), found ${String(object.apiVersion)} ${String(object.kind)}`);
    return out;
  }
  try {
    new NetworkPolicy(object as unknown as INetworkPolicy).validate();
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!errors) throw error;
    for (const e of errors) report(pointerPath(e.instancePath), `${e.message ?? "is invalid"} (Kubernetes schema)`);
  }
  unknownFields(object, NETWORK_POLICY, [], report);
  strictChecks(object as unknown as INetworkPolicy, report);
  return out;
}

/** A `helm test` probe (templates/tests/): a Pod with the helm.sh/hook: test annotation. */
export function isTestPod(object: unknown): boolean {
  if (!isRecord(object) || object.apiVersion !== "v1" || object.kind !== "Pod") return false;
  const metadata = object.metadata;
  return isRecord(metadata) && isRecord(metadata.annotations) && metadata.annotations["helm.sh/hook"] === "test";
}

/** The probe pods: the Kubernetes schema, DNS names, labels, and the restricted Pod Security settings they are written to meet. */
function validateTestPod(pod: IPod, report: (p: DocPath, m: string) => void): void {
  try {
    new Pod(pod).validate();
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!errors) throw error;
    for (const e of errors) report(pointerPath(e.instancePath), `${e.message ?? "is invalid"} (Kubernetes schema)`);
  }
  const name = pod.metadata?.name ?? "";
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) report(["metadata", "name"], `${JSON.stringify(name)} is not a DNS-1123 subdomain`);
  const namespace = pod.metadata?.namespace ?? "";
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) report(["metadata", "namespace"], `${JSON.stringify(namespace)} is not a DNS-1123 label`);
  for (const [key, value] of Object.entries(pod.metadata?.labels ?? {})) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(String(value));
    if (problem) report(["metadata", "labels", key], problem);
  }
  if (pod.spec?.securityContext?.runAsNonRoot !== true) report(["spec", "securityContext", "runAsNonRoot"], "must be true (Pod Security restricted)");
  for (const [i, container] of (pod.spec?.containers ?? []).entries()) {
    const context = container.securityContext;
    if (context?.allowPrivilegeEscalation !== false) report(["spec", "containers", i, "securityContext", "allowPrivilegeEscalation"], "must be false (Pod Security restricted)");
    if (!context?.capabilities?.drop?.includes("ALL")) report(["spec", "containers", i, "securityContext", "capabilities", "drop"], "must drop ALL (Pod Security restricted)");
  }
}


function strictChecks(policy: INetworkPolicy, report: (p: DocPath, m: string) => void) {
  const meta = policy.metadata ?? {};
  if (!meta.name) report(["metadata", "name"], "is required");
  else if (meta.name.length > 253 || !DNS_SUBDOMAIN.test(meta.name)) {
    report(["metadata", "name"], `"${meta.name}" is not a DNS-1123 subdomain (lower-case alphanumerics, '-' and '.', at most 253 characters)`);
  }
  if (meta.namespace !== undefined && (meta.namespace.length > 63 || !DNS_LABEL.test(meta.namespace))) {
    report(["metadata", "namespace"], `"${meta.namespace}" is not a DNS-1123 label (lower-case alphanumerics and '-', at most 63 characters)`);
  }
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(String(value));
    if (problem) report(["metadata", "labels", key], problem);
  }
  for (const key of Object.keys(meta.annotations ?? {})) {
    const problem = labelKeyProblem(key);
    if (problem) report(["metadata", "annotations", key], problem.replace("label key", "annotation key"));
  }
  const spec = policy.spec;
  if (!spec) {
    report(["spec"], "is required");
    return;
  }
  if (!spec.podSelector) report(["spec", "podSelector"], "is required ({} selects every pod of the namespace)");
  else checkSelector(spec.podSelector, ["spec", "podSelector"], report);
  const types = spec.policyTypes ?? [];
  if (new Set(types).size !== types.length) report(["spec", "policyTypes"], "has duplicates");
  for (const [direction, peersKey] of [
    ["ingress", "from"],
    ["egress", "to"],
  ] as const) {
    (spec[direction] ?? []).forEach((rule, i) => {
      const peers: unknown = (rule as Record<string, unknown>)[peersKey];
      (Array.isArray(peers) ? peers : []).forEach((peer, j) => {
        if (isRecord(peer)) checkPeer(peer, ["spec", direction, i, peersKey, j], report);
      });
      (rule.ports ?? []).forEach((port, j) => checkPort(port, ["spec", direction, i, "ports", j], report));
    });
  }
}

function checkPeer(peer: Record<string, unknown>, path: DocPath, report: (p: DocPath, m: string) => void) {
  const { ipBlock, podSelector, namespaceSelector } = peer;
  if (!ipBlock && !podSelector && !namespaceSelector) {
    report(path, "must set podSelector, namespaceSelector or ipBlock");
    return;
  }
  if (ipBlock && (podSelector || namespaceSelector)) report(path, "ipBlock cannot be combined with podSelector or namespaceSelector");
  if (isRecord(podSelector)) checkSelector(podSelector, [...path, "podSelector"], report);
  if (isRecord(namespaceSelector)) checkSelector(namespaceSelector, [...path, "namespaceSelector"], report);
  if (isRecord(ipBlock)) {
    const cidr = parseCIDR(ipBlock.cidr);
    if (typeof cidr === "string") report([...path, "ipBlock", "cidr"], cidr);
    const except = Array.isArray(ipBlock.except) ? ipBlock.except : [];
    except.forEach((e, k) => {
      const inner = parseCIDR(e);
      if (typeof inner === "string") report([...path, "ipBlock", "except", k], inner);
      else if (typeof cidr !== "string" && !strictlyWithin(inner, cidr)) {
        report([...path, "ipBlock", "except", k], `${String(e)} is not a strict subset of ${String(ipBlock.cidr)}`);
      }
    });
  }
}

function checkSelector(selector: Record<string, unknown> | object, path: DocPath, report: (p: DocPath, m: string) => void) {
  for (const problem of selectorProblems(selector as SelectorLike)) report([...path, ...problem.path], problem.message);
}

function checkPort(port: { port?: number | string; endPort?: number; protocol?: string }, path: DocPath, report: (p: DocPath, m: string) => void) {
  const { port: value, endPort } = port;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 1 || value > 65535) report([...path, "port"], `${value} is outside 1-65535`);
  } else if (typeof value === "string") {
    if (value.length > 15 || !IANA_SVC_NAME.test(value)) {
      report([...path, "port"], `"${value}" is not a port name (IANA service name: at most 15 lower-case letters, digits and inner hyphens, with a letter)`);
    }
  }
  if (endPort !== undefined) {
    if (typeof value !== "number") report([...path, "endPort"], "needs a numeric port");
    else if (endPort < value) report([...path, "endPort"], `${endPort} is below port ${value}`);
    if (endPort > 65535) report([...path, "endPort"], `${endPort} is outside 1-65535`);
  }
}


function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
