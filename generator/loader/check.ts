// Stage 4, semantic checks: what the schema cannot say. Per file (ports, labels, names) and on the
// resolved version (references, overlaps, which pods each selector picks).
import { basename } from "node:path";
import type { Diagnostic, DocPath } from "../lib/diagnostics.ts";
import {
  describeSelector,
  labelKeyProblem,
  labelValueProblem,
  selectorIsWellFormed,
  selectorProblems,
  selectorMatches,
  type LabelSelector,
  type Labels,
} from "../lib/labels.ts";
import { endpointOf, isEnforceable, type Flow, type Origin, type Port, type Resolved, type ResolvedSpec } from "./model.ts";
import type { Source } from "../../schema/spec.generated.ts";
import { describePort } from "../lib/port-set.ts";
import type { SpecDocument } from "./resolve.ts";
import { checkInventory } from "./inventory.ts";

// ---------------------------------------------------------------- per file

export function checkDocument({ source, spec }: SpecDocument): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (path: DocPath, message: string, key = false): void => {
    out.push({ file: source.file, line: source.lineOf(path, { key }), path, message });
  };

  const expectedFile = `${spec.version}.yaml`;
  if (basename(source.file) !== expectedFile) {
    report(["version"], `"${spec.version}" does not match the file name: a ${spec.version} spec lives in ${expectedFile}`);
  }
  (spec.docs ?? []).forEach((docsVersion, i) => {
    if (!docsVersion.startsWith(`${spec.version}.`)) report(["docs", i], `"${docsVersion}" is not a ${spec.version} release`);
  });

  const checkSource = (source: Source | undefined, path: DocPath): void => {
    if (source && !source.docs && !(source.code ?? []).length && !(source.issues ?? []).length && !source.client && !source.listener) {
      report(path, "name where the fact comes from: docs, code, issues, client or listener");
    }
  };
  for (const [id, peer] of Object.entries(spec.peers ?? {})) checkSource(peer?.source, ["peers", id, "source"]);
  for (const [id, component] of Object.entries(spec.components ?? {})) {
    if (!component) continue;
    const base = ["components", id];
    checkSource(component.source, [...base, "source"]);
    checkLabels(component.podLabels, [...base, "podLabels"], report);
    checkLabels(component.runtimeLabels ?? {}, [...base, "runtimeLabels"], report);
    if (component.selector) checkSelectorSyntax(component.selector, [...base, "selector"], report);
  }

  (spec.flows ?? []).forEach((flow, i) => {
    checkFlowShape(flow, ["flows", i], report);
    checkSource(flow.source, ["flows", i, "source"]);
  });
  (spec.listeners ?? []).forEach((listener, i) => {
    listener.ports.forEach((port, j) => checkPort(port, ["listeners", i, "ports", j], report));
    checkSource(listener.source, ["listeners", i, "source"]);
  });
  return out;
}

type Report = (path: DocPath, message: string, key?: boolean) => void;

function checkLabels(labels: Labels, path: DocPath, report: Report): void {
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) report([...path, key], keyProblem, true);
    const valueProblem = labelValueProblem(value);
    if (valueProblem) report([...path, key], valueProblem);
  }
}

function checkSelectorSyntax(selector: LabelSelector, path: DocPath, report: Report): void {
  for (const problem of selectorProblems(selector, { nonEmpty: true })) report([...path, ...problem.path], problem.message);
}

function checkFlowShape(flow: Flow, path: DocPath, report: Report): void {
  if (flow.ports && flow.userDefinedPorts) report([...path, "userDefinedPorts"], "give either ports or userDefinedPorts, not both", true);
  if (!flow.ports && !flow.userDefinedPorts) report(path, 'missing "ports" (or "userDefinedPorts" for a port the operator chooses)');
  if (flow.enforceable === false && !flow.unenforceableReason) {
    report([...path, "enforceable"], "a flow that NetworkPolicy cannot govern needs an unenforceableReason");
  }
  if (flow.documentedOnly && flow.documented === false) {
    report([...path, "documentedOnly"], "a documented-only flow is documented: drop documented: false", true);
  }
  if (flow.enforceable !== false && flow.unenforceableReason) {
    report([...path, "unenforceableReason"], "only a flow with enforceable: false has an unenforceableReason", true);
  }
  const ports = flow.ports ?? [];
  ports.forEach((port, j) => checkPort(port, [...path, "ports", j], report));
  for (let j = 0; j < ports.length; j++) {
    for (let k = 0; k < j; k++) {
      if (portsOverlap(ports[j]!, ports[k]!)) {
        report([...path, "ports", j], `${describePort(ports[j]!)} overlaps ports[${k}] (${describePort(ports[k]!)})`);
      }
    }
  }
  (flow.userDefinedPorts?.examples ?? []).forEach((port, j) => checkPort(port, [...path, "userDefinedPorts", "examples", j], report));
}

function checkPort(port: Port, path: DocPath, report: Report): void {
  const inRange = (n: number): boolean => n >= 1 && n <= 65535;
  if (!inRange(port.port)) report([...path, "port"], `${port.port} is outside 1-65535`);
  if (port.endPort !== undefined) {
    if (!inRange(port.endPort)) report([...path, "endPort"], `${port.endPort} is outside 1-65535`);
    else if (port.endPort < port.port) report([...path, "endPort"], `${port.endPort} is below port ${port.port}`);
  }
}

// ---------------------------------------------------------------- resolved version

/** Turns an entry's origin plus a path inside the entry into a located diagnostic. */
export type Locate = (origin: Origin, subPath: DocPath, key?: boolean) => Omit<Diagnostic, "message">;

export function checkResolved(spec: ResolvedSpec, locate: Locate): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (origin: Origin, subPath: DocPath, message: string, key = false): void => {
    out.push({ ...locate(origin, subPath, key), message });
  };
  const known = [...spec.components.keys(), ...spec.peers.keys()].sort();

  for (const [id, peer] of spec.peers) {
    if (spec.components.has(id)) report(peer.origin, [], `peer id "${id}" is also a component id`, true);
  }

  const podComponents = [...spec.components.values()].filter((c) => c.runsIn === undefined);
  // Each component's labels, merged once: the selector checks below compare every pair of components.
  const podLabels = new Map<string, Labels>();
  const podLabelsOf = (c: { id: string; podLabels: Labels; runtimeLabels?: Labels }): Labels => {
    let labels = podLabels.get(c.id);
    if (!labels) podLabels.set(c.id, (labels = { ...c.podLabels, ...c.runtimeLabels }));
    return labels;
  };
  const podsByLabel = podComponentsByLabel(podComponents.map((c) => ({ id: c.id, labels: podLabelsOf(c) })));

  for (const component of spec.components.values()) {
    const { origin } = component;
    const creator = component.workload.createdBy;
    if (creator !== "chart" && !spec.components.has(creator)) {
      report(origin, ["workload", "createdBy"], `"${creator}" is neither "chart" nor a component (known: ${[...spec.components.keys()].sort().join(", ")})`);
    }
    if (component.runsIn !== undefined) {
      const host = spec.components.get(component.runsIn);
      if (!host) {
        report(origin, ["runsIn"], `unknown component "${component.runsIn}"`);
      } else if (host.runsIn !== undefined) {
        report(origin, ["runsIn"], `"${component.runsIn}" itself runs in "${host.runsIn}": name the component that owns the pods`);
      } else if (!component.selector) {
        report(origin, [], `a role running in "${host.id}" needs a selector`, true);
      } else if (selectorIsWellFormed(component.selector) && !selectorMatches(component.selector, podLabelsOf(host))) {
        report(origin, ["selector"], `selects no pod of "${host.id}" (its labels: ${describeLabels(podLabelsOf(host))})`);
      }
      continue;
    }
    if (!component.selector) {
      if (component.unprotected === undefined) report(origin, [], "a component without a selector is unprotected: say why in `unprotected`", true);
      continue;
    }
    if (!selectorIsWellFormed(component.selector)) continue; // reported by checkDocument
    if (!selectorMatches(component.selector, podLabelsOf(component))) {
      report(origin, ["selector"], `${describeSelector(component.selector)} does not match the component's own podLabels and runtimeLabels`);
    }
    const candidates = podsByLabel(component.selector);
    for (const other of podComponents) {
      if (other.id !== component.id && (!candidates || candidates.has(other.id)) && selectorMatches(component.selector, podLabelsOf(other))) {
        report(origin, ["selector"], `${describeSelector(component.selector)} also selects pods of "${other.id}"`);
      }
    }
  }

  spec.flows.forEach((flow) => checkFlowReferences(spec, flow, known, report));
  checkOverlaps(spec.flows, report);
  checkInventory(spec, report);
  return out;
}

type ReportAt = (origin: Origin, subPath: DocPath, message: string, key?: boolean) => void;

function checkFlowReferences(spec: ResolvedSpec, flow: Resolved<Flow>, known: string[], report: ReportAt): void {
  const ends = (["from", "to"] as const).map((side) => {
    const endpoint = endpointOf(spec, flow[side]);
    if (!endpoint) report(flow.origin, [side], `unknown component or peer "${flow[side]}" (known: ${known.join(", ")})`);
    return endpoint;
  });
  if (flow.feature !== undefined && !spec.features.has(flow.feature)) {
    report(flow.origin, ["feature"], `unknown feature "${flow.feature}" (known: ${[...spec.features.keys()].sort().join(", ") || "none"})`);
  }
  const [from, to] = ends;
  if (!from || !to) return;
  if (from.kind === "peer" && to.kind === "peer") {
    report(flow.origin, [], `both ends ("${from.id}", "${to.id}") are peers: a flow needs a component at one end at least`);
  }
  const fromNodes = from.kind === "peer" && from.entry.kind === "nodes";
  if (fromNodes && flow.hostScope === undefined) {
    report(flow.origin, [], 'a flow from a nodes peer needs hostScope: "local-node" (the client always runs on the destination pod\'s node) or "any-node"');
  }
  if (!fromNodes && flow.hostScope !== undefined) report(flow.origin, ["hostScope"], "hostScope is only for flows from a nodes peer");
  if (!isEnforceable(flow)) return;
  for (const end of [from, to]) {
    if (end.kind === "peer" && end.entry.kind === "kubelet") {
      report(flow.origin, [end === from ? "from" : "to"], `the kubelet reaches pods on their own node, which NetworkPolicy always allows: set enforceable: false`);
    }
    if (end.kind === "component" && end.entry.hostNetwork) {
      report(flow.origin, [end === from ? "from" : "to"], `"${end.id}" uses the host network, which NetworkPolicy does not govern: set enforceable: false`);
    }
    if (end.kind === "component" && end.entry.runsIn === undefined && (!end.entry.selector || end.entry.unprotected !== undefined)) {
      report(flow.origin, [end === from ? "from" : "to"], `"${end.id}" is unprotected (no policy selects its pods), so no NetworkPolicy governs this flow: set enforceable: false`);
    }
  }
}

/**
 * An index of pods by label: for a selector, the ids of the only pods it can match (those carrying
 * one of its matchLabels, or a label an In or Exists expression requires), or undefined when the
 * selector requires no label (NotIn and DoesNotExist only): then every pod is a candidate.
 */
function podComponentsByLabel(pods: readonly { id: string; labels: Labels }[]): (selector: LabelSelector) => ReadonlySet<string> | undefined {
  const byKeyValue = new Map<string, Set<string>>();
  const byKey = new Map<string, Set<string>>();
  const add = (index: Map<string, Set<string>>, key: string, id: string): void => {
    let ids = index.get(key);
    if (!ids) index.set(key, (ids = new Set()));
    ids.add(id);
  };
  for (const { id, labels } of pods) {
    for (const [key, value] of Object.entries(labels)) {
      add(byKeyValue, `${key}\u0000${value}`, id);
      add(byKey, key, id);
    }
  }
  const none: ReadonlySet<string> = new Set();
  return (selector) => {
    const [key, value] = Object.entries(selector.matchLabels ?? {})[0] ?? [];
    if (key !== undefined) return byKeyValue.get(`${key}\u0000${value}`) ?? none;
    for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
      if (operator === "Exists") return byKey.get(key) ?? none;
      if (operator === "In") return new Set(values.flatMap((v) => [...(byKeyValue.get(`${key}\u0000${v}`) ?? [])]));
    }
    return undefined;
  };
}

/** Two flows between the same ends must not share a port: that is one flow written twice. */
function checkOverlaps(flows: Resolved<Flow>[], report: ReportAt): void {
  // Only flows between the same ends can overlap: compare each flow with the earlier flows of its
  // pair of ends, in the order a scan over every earlier flow would meet them.
  const earlier = new Map<string, number[]>();
  for (let i = 0; i < flows.length; i++) {
    const a = flows[i]!;
    const ends = `${a.from}\u0000${a.to}`;
    let same = earlier.get(ends);
    if (!same) earlier.set(ends, (same = []));
    for (const j of same) {
      const b = flows[j]!;
      const shared = sharedPort(a, b);
      if (shared) {
        report(a.origin, [], `flow "${a.id}" overlaps flow "${b.id}" (${basename(b.origin.file)}:${b.origin.line}) on ${shared}`);
      }
    }
    same.push(i);
  }
}

function sharedPort(a: Flow, b: Flow): string | undefined {
  if (a.userDefinedPorts && b.userDefinedPorts && a.userDefinedPorts.protocol === b.userDefinedPorts.protocol) {
    return `the user-defined ${a.userDefinedPorts.protocol} port`;
  }
  for (const pa of a.ports ?? []) {
    for (const pb of b.ports ?? []) {
      if (portsOverlap(pa, pb)) return describePort(pa.port >= pb.port ? pa : pb);
    }
  }
  return undefined;
}

export function portsOverlap(a: Port, b: Port): boolean {
  return a.protocol === b.protocol && a.port <= (b.endPort ?? b.port) && b.port <= (a.endPort ?? a.port);
}

function describeLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? "none" : entries.map(([k, v]) => `${k}=${v}`).join(", ");
}
