// Validates the CNI-native objects the chart renders beside its NetworkPolicies (cni cilium, antrea):
// - CiliumNetworkPolicy (cilium.io/v2): the CRD's OpenAPI schema as @kubernetes-models/cilium ships
//   it, plus the fields this chart may set and the checks the schema leaves out (port numbers and
//   names, endPort, selectors);
// - Antrea NetworkPolicy (crd.antrea.io/v1beta1): no package ships its schema, so these are our own
//   checks of the fields the chart sets, written from Antrea's docs/antrea-network-policy.md and the
//   CRD (priority 1.0-10000, tier, appliedTo, rule action, peers, ports), each with a test.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { CiliumNetworkPolicy as CiliumNetworkPolicyClass } from "@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy";
import { PROJECT_ROOT } from "../lib/files.ts";
import type { DocPath } from "../lib/diagnostics.ts";
import { parseCIDR } from "../lib/cidr.ts";
import { pointerPath, unknownFields, type Fields } from "../lib/object-fields.ts";
import { labelKeyProblem, labelValueProblem, selectorProblems, type SelectorLike } from "../lib/labels.ts";

/** `make build`'s CommonJS bundle of @kubernetes-models/cilium's CiliumNetworkPolicy (scripts/build-artifacts.ts). */
export const CILIUM_MODEL = "build/generated/cilium-network-policy.cjs";

/**
 * The package is ES modules with import-only exports, which neither tsx's CommonJS hooks (tests) nor
 * a synchronous validator can load; the build bundles it, and it is loaded once, when first needed.
 */
let ciliumModel: typeof CiliumNetworkPolicyClass | undefined;
function ciliumNetworkPolicy(): typeof CiliumNetworkPolicyClass {
  if (!ciliumModel) {
    const file = join(PROJECT_ROOT, CILIUM_MODEL);
    if (!existsSync(file)) throw new Error(`${CILIUM_MODEL} is missing: run \`make build\` to validate CiliumNetworkPolicies`);
    ciliumModel = (createRequire(import.meta.url)(file) as { CiliumNetworkPolicy: typeof CiliumNetworkPolicyClass }).CiliumNetworkPolicy;
  }
  return ciliumModel;
}

export const CILIUM_API_VERSION = "cilium.io/v2";
export const ANTREA_API_VERSION = "crd.antrea.io/v1beta1";

type Report = (path: DocPath, message: string) => void;

const SELECTOR: Fields = { matchLabels: "leaf", matchExpressions: [{ key: "leaf", operator: "leaf", values: "leaf" }] };
const METADATA: Fields = { name: "leaf", namespace: "leaf", labels: "leaf", annotations: "leaf" };

/** What the chart may set on a CiliumNetworkPolicy. */
const CILIUM_FIELDS: Fields = {
  apiVersion: "leaf",
  kind: "leaf",
  metadata: METADATA,
  spec: {
    endpointSelector: SELECTOR,
    ingress: [{ fromEntities: "leaf", fromCIDR: "leaf", toPorts: [{ ports: [{ port: "leaf", endPort: "leaf", protocol: "leaf" }] }] }],
    egress: [{ toEntities: "leaf", toPorts: [{ ports: [{ port: "leaf", endPort: "leaf", protocol: "leaf" }] }] }],
  },
};

/** What the chart may set on an Antrea NetworkPolicy. */
const ANTREA_FIELDS: Fields = {
  apiVersion: "leaf",
  kind: "leaf",
  metadata: METADATA,
  spec: {
    tier: "leaf",
    priority: "leaf",
    appliedTo: [{ podSelector: SELECTOR }],
    ingress: [{ action: "leaf", name: "leaf", from: [{ nodeSelector: SELECTOR, ipBlock: { cidr: "leaf" } }], ports: [{ protocol: "leaf", port: "leaf", endPort: "leaf" }] }],
  },
};

/** Cilium's entities (pkg/policy/api/entity.go). */
export const CILIUM_ENTITIES = ["all", "world", "world-ipv4", "world-ipv6", "cluster", "host", "init", "ingress", "unmanaged", "remote-node", "health", "none", "kube-apiserver"];
const PROTOCOLS = ["TCP", "UDP", "SCTP"];
const ANTREA_ACTIONS = ["Allow", "Drop", "Reject", "Pass"];
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*$/;

/** Whether the object is one of the CNI-native kinds this module validates. */
export function isNativePolicy(object: Record<string, unknown>): boolean {
  return (
    (object.apiVersion === CILIUM_API_VERSION && object.kind === "CiliumNetworkPolicy") ||
    (object.apiVersion === ANTREA_API_VERSION && object.kind === "NetworkPolicy")
  );
}

export function validateNative(object: Record<string, unknown>, report: Report): void {
  metadataChecks(object.metadata, report);
  if (object.kind === "CiliumNetworkPolicy") validateCilium(object, report);
  else validateAntrea(object, report);
}

function validateCilium(object: Record<string, unknown>, report: Report): void {
  try {
    const CiliumNetworkPolicy = ciliumNetworkPolicy();
    new CiliumNetworkPolicy(object as never).validate();
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!errors) throw error;
    for (const e of errors) report(pointerPath(e.instancePath), `${e.message ?? "is invalid"} (CiliumNetworkPolicy CRD schema)`);
  }
  unknownFields(object, CILIUM_FIELDS, [], report);
  const spec = record(object.spec);
  if (!spec) return report(["spec"], "is required");
  const selector = record(spec.endpointSelector);
  if (!selector) report(["spec", "endpointSelector"], "is required ({} selects every pod of the namespace)");
  else selectorChecks(selector, ["spec", "endpointSelector"], report);
  const ingress = Array.isArray(spec.ingress) ? spec.ingress : [];
  const egress = Array.isArray(spec.egress) ? spec.egress : [];
  if (ingress.length === 0 && egress.length === 0) report(["spec", "ingress"], "is empty: the object would only isolate the pods (an empty rule list admits nothing)");
  egress.forEach((rule, i) => {
    const at: DocPath = ["spec", "egress", i];
    const r = record(rule) ?? {};
    const entities = Array.isArray(r.toEntities) ? r.toEntities : [];
    if (entities.length === 0) report([...at, "toEntities"], "is empty: a rule without peers admits every destination");
    ciliumEntities(entities, [...at, "toEntities"], "the API server or the node", report);
    ciliumToPorts(r.toPorts, at, report);
  });
  ingress.forEach((rule, i) => {
    const at: DocPath = ["spec", "ingress", i];
    const r = record(rule) ?? {};
    const entities = Array.isArray(r.fromEntities) ? r.fromEntities : [];
    const cidrs = Array.isArray(r.fromCIDR) ? r.fromCIDR : [];
    if (entities.length === 0 && cidrs.length === 0) report([...at, "fromEntities"], "is empty: a rule without peers admits every source");
    cidrs.forEach((c, j) => {
      const cidr = parseCIDR(c);
      if (typeof cidr === "string") report([...at, "fromCIDR", j], cidr);
      else if (cidr.bits !== (cidr.family === 4 ? 32 : 128)) report([...at, "fromCIDR", j], `${String(c)} is a range; the chart admits single addresses only`);
    });
    ciliumEntities(entities, [...at, "fromEntities"], "nodes or the API server", report);
    ciliumToPorts(r.toPorts, at, report);
  });
}

/** Entities: Cilium's, and none wider than the chart's peers (`meant`, for the message). */
function ciliumEntities(entities: unknown[], at: DocPath, meant: string, report: Report): void {
  entities.forEach((e, j) => {
    if (!CILIUM_ENTITIES.includes(String(e))) report([...at, j], `"${String(e)}" is not a Cilium entity (${CILIUM_ENTITIES.join(", ")})`);
    if (e === "all" || e === "world" || e === "cluster") report([...at, j], `"${String(e)}" admits far more than ${meant}`);
  });
}

/** A rule's toPorts: present, each with ports, each port valid. */
function ciliumToPorts(value: unknown, at: DocPath, report: Report): void {
  const toPorts = Array.isArray(value) ? value : [];
  if (toPorts.length === 0) report([...at, "toPorts"], "is empty: the rule would admit every port");
  toPorts.forEach((tp, k) => {
    const ports = Array.isArray(record(tp)?.ports) ? (record(tp)!.ports as unknown[]) : [];
    if (ports.length === 0) report([...at, "toPorts", k, "ports"], "is empty: the rule would admit every port");
    ports.forEach((p, m) => ciliumPort(record(p) ?? {}, [...at, "toPorts", k, "ports", m], report));
  });
}

/** Cilium's PortProtocol: port a string, a number 0-65535 (0: every port) or a port name; endPort from a numeric port. */
function ciliumPort(port: Record<string, unknown>, at: DocPath, report: Report): void {
  const value = port.port;
  if (typeof value !== "string") return; // the CRD schema reports it
  const numeric = /^\d+$/.test(value);
  if (numeric && Number(value) > 65535) report([...at, "port"], `${value} is outside 0-65535`);
  if (!numeric && (value.length > 15 || !IANA_SVC_NAME.test(value))) report([...at, "port"], `"${value}" is neither a port number nor a port name`);
  if (port.endPort !== undefined) {
    if (!numeric) report([...at, "endPort"], "needs a numeric port");
    else if (typeof port.endPort !== "number" || port.endPort < Number(value) || port.endPort > 65535) report([...at, "endPort"], `must be a number from port ${value} to 65535`);
  }
  if (port.protocol !== undefined && !PROTOCOLS.includes(String(port.protocol))) report([...at, "protocol"], `must be one of ${PROTOCOLS.join(", ")}`);
}

function validateAntrea(object: Record<string, unknown>, report: Report): void {
  unknownFields(object, ANTREA_FIELDS, [], report);
  const spec = record(object.spec);
  if (!spec) return report(["spec"], "is required");
  if (typeof spec.priority !== "number" || spec.priority < 1 || spec.priority > 10000) report(["spec", "priority"], "must be a number from 1.0 to 10000.0");
  if (spec.tier !== undefined && (typeof spec.tier !== "string" || spec.tier.length > 63 || !DNS_LABEL.test(spec.tier))) report(["spec", "tier"], "must be a Tier name");
  const appliedTo = Array.isArray(spec.appliedTo) ? spec.appliedTo : [];
  if (appliedTo.length === 0) report(["spec", "appliedTo"], "is required: at least one appliedTo (policy-level; the chart sets no rule-level appliedTo)");
  appliedTo.forEach((a, i) => {
    const selector = record(record(a)?.podSelector);
    if (!selector) report(["spec", "appliedTo", i, "podSelector"], "is required");
    else selectorChecks(selector, ["spec", "appliedTo", i, "podSelector"], report);
  });
  const ingress = Array.isArray(spec.ingress) ? spec.ingress : [];
  if (ingress.length === 0) report(["spec", "ingress"], "is empty");
  const names = new Set<string>();
  ingress.forEach((rule, i) => {
    const at: DocPath = ["spec", "ingress", i];
    const r = record(rule) ?? {};
    if (!ANTREA_ACTIONS.includes(String(r.action))) report([...at, "action"], `must be one of ${ANTREA_ACTIONS.join(", ")}`);
    if (r.name !== undefined) {
      if (typeof r.name !== "string" || names.has(r.name)) report([...at, "name"], "rule names must be unique strings");
      else names.add(r.name);
    }
    const from = Array.isArray(r.from) ? r.from : [];
    if (from.length === 0) report([...at, "from"], "is empty: an Allow rule without peers admits every source");
    from.forEach((peer, j) => {
      const p = record(peer) ?? {};
      const set = Object.keys(p);
      if (set.length !== 1) report([...at, "from", j], `must set exactly one of nodeSelector, ipBlock (found ${set.join(", ") || "none"}); nodeSelector cannot be combined with other peer fields`);
      const nodeSelector = record(p.nodeSelector);
      if (nodeSelector) selectorChecks(nodeSelector, [...at, "from", j, "nodeSelector"], report);
    });
    const ports = Array.isArray(r.ports) ? r.ports : [];
    if (ports.length === 0) report([...at, "ports"], "is empty: the rule would admit every port");
    ports.forEach((p, k) => antreaPort(record(p) ?? {}, [...at, "ports", k], report));
  });
}

/** Antrea's NetworkPolicyPort: protocol, port (number 1-65535 or name), endPort from a numeric port. */
function antreaPort(port: Record<string, unknown>, at: DocPath, report: Report): void {
  if (!PROTOCOLS.includes(String(port.protocol ?? "TCP"))) report([...at, "protocol"], `must be one of ${PROTOCOLS.join(", ")}`);
  const value = port.port;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 1 || value > 65535) report([...at, "port"], `${value} is outside 1-65535`);
  } else if (typeof value === "string") {
    if (value.length > 15 || !IANA_SVC_NAME.test(value)) report([...at, "port"], `"${value}" is not a port name`);
  } else if (value !== undefined) report([...at, "port"], "must be a number or a port name");
  if (port.endPort !== undefined) {
    if (typeof value !== "number") report([...at, "endPort"], "needs a numeric port");
    else if (typeof port.endPort !== "number" || port.endPort < value || port.endPort > 65535) report([...at, "endPort"], `must be a number from port ${value} to 65535`);
  }
}

function metadataChecks(metadata: unknown, report: Report): void {
  const meta = record(metadata) ?? {};
  const name = meta.name;
  if (typeof name !== "string" || name.length > 253 || !DNS_SUBDOMAIN.test(name)) report(["metadata", "name"], "must be a DNS-1123 subdomain");
  if (meta.namespace !== undefined && (typeof meta.namespace !== "string" || meta.namespace.length > 63 || !DNS_LABEL.test(meta.namespace))) {
    report(["metadata", "namespace"], "must be a DNS-1123 label");
  }
  for (const [key, value] of Object.entries(record(meta.labels) ?? {})) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(String(value));
    if (problem) report(["metadata", "labels", key], problem);
  }
}

function selectorChecks(selector: Record<string, unknown>, path: DocPath, report: Report): void {
  for (const problem of selectorProblems(selector as SelectorLike)) report([...path, ...problem.path], problem.message);
}


function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
