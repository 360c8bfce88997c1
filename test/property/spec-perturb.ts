// Random specs for the property suite: a real Longhorn version (resolved), perturbed in memory by a
// few random edits that keep it valid. Every candidate edit is applied to a copy, listeners it
// leaves unreached are declared closed (inventory's rule: a listener is reached by a flow, or closed
// and reached by none), and the copy is kept only when the resolved-spec checks of `netpolgen
// validate` (checkResolved) accept it. The edits are described in words so a failure can say what
// the spec was.
import { checkResolved, portsOverlap, type Locate } from "../../generator/loader/check.ts";
import type { Flow, Listener, Origin, Port, Resolved, ResolvedSpec } from "../../generator/loader/model.ts";
import type { Random } from "./prng.ts";

export interface PerturbedSpec {
  spec: ResolvedSpec;
  /** What was changed, one line per edit (empty: the real version). */
  changes: string[];
}

/** The synthetic feature some edits gate flows behind (added to the spec's features when used). */
export const SYNTHETIC_FEATURE = "property-feature";

const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;

const locate: Locate = (origin, subPath) => ({ file: origin.file, line: origin.line, path: [...origin.path, ...subPath] });

/** Diagnostics of the resolved-spec checks, formatted (empty: valid). */
export function specProblems(spec: ResolvedSpec): string[] {
  return checkResolved(spec, locate).map((d) => `${d.path.join(".")}: ${d.message}`);
}

const EDIT_WEIGHTS = {
  "drop-flows": 3,
  "narrow-ports": 3,
  "add-flow": 4,
  "add-egress-flow": 2,
  "move-listener-port": 3,
  "gate-feature": 2,
  "ungate-feature": 1,
  "unenforce-flow": 1,
  relabel: 2,
  "remove-component": 1,
  unprotect: 1,
} as const;
type EditKind = keyof typeof EDIT_WEIGHTS;

/** `count` valid random edits of `base` (fewer only when no edit applies). */
export function perturbSpec(base: ResolvedSpec, rng: Random, count: number): PerturbedSpec {
  let spec = base;
  const changes: string[] = [];
  let serial = 0;
  for (let attempt = 0; changes.length < count && attempt < count * 12; attempt++) {
    const kind = rng.weighted<EditKind>(EDIT_WEIGHTS);
    const copy = structuredClone(spec);
    serial += 1;
    const described = EDITS[kind](copy, rng, serial);
    if (described === undefined) continue;
    const closed = closeUnreached(copy);
    if (specProblems(copy).length > 0) continue;
    spec = copy;
    changes.push(`${spec.version}: ${described}${closed.length ? `; closed unreached listener${closed.length > 1 ? "s" : ""} ${closed.join(", ")}` : ""}`);
  }
  const problems = specProblems(spec);
  if (problems.length > 0) throw new Error(`perturbed spec ${spec.version} is invalid:\n${problems.join("\n")}`);
  return { spec, changes };
}

type Edit = (spec: ResolvedSpec, rng: Random, serial: number) => string | undefined;

const EDITS: Record<EditKind, Edit> = {
  "drop-flows"(spec, rng) {
    if (spec.flows.length === 0) return undefined;
    const dropped = rng.sample(spec.flows, rng.int(1, 3)).map((f) => f.id);
    spec.flows = spec.flows.filter((f) => !dropped.includes(f.id));
    return `drop flow${dropped.length > 1 ? "s" : ""} ${dropped.join(", ")}`;
  },

  "narrow-ports"(spec, rng) {
    const candidates = spec.flows.filter((f) => spec.components.has(f.to) && f.ports && (f.ports.length > 1 || f.ports.some((p) => (p.endPort ?? p.port) > p.port)));
    if (candidates.length === 0) return undefined;
    const flow = rng.pick(candidates);
    const ports = flow.ports!;
    const ranges = ports.filter((p) => (p.endPort ?? p.port) > p.port);
    let narrowed: Port[];
    if (ports.length > 1 && (ranges.length === 0 || rng.bool())) {
      narrowed = rng.sample(ports, rng.int(1, ports.length - 1));
    } else {
      const range = rng.pick(ranges);
      let sub = subRange(rng, range);
      while (sub.port === range.port && sub.endPort === range.endPort) sub = subRange(rng, range);
      narrowed = ports.map((p) => (p === range ? sub : p));
    }
    flow.ports = narrowed as [Port, ...Port[]];
    return `narrow flow ${flow.id} to ${describePorts(narrowed)} (was ${describePorts(ports)})`;
  },

  "add-flow"(spec, rng, serial) {
    const sources = [
      ...[...spec.components.values()].filter((c) => selectable(spec, c.id)).map((c) => c.id),
      ...[...spec.peers.values()].filter((p) => ["nodes", "kube-apiserver", "ingress-controller", "metrics-scraper"].includes(p.kind)).map((p) => p.id),
    ];
    const destinations = [...spec.components.values()].filter((c) => selectable(spec, c.id) && listenersOf(spec, c.id).length > 0).map((c) => c.id);
    if (sources.length === 0 || destinations.length === 0) return undefined;
    const from = rng.pick(sources);
    const to = rng.pick(destinations);
    const listener = rng.pick(listenersOf(spec, to));
    const ports = rng
      .sample(listener.ports, rng.int(1, listener.ports.length))
      .map((p) => (rng.bool(0.6) ? plainPort(p) : subRange(rng, p)));
    const reopened = listener.closed !== undefined;
    if (reopened) delete listener.closed;
    const flow = newFlow(spec, serial, { from, to, ports: ports as [Port, ...Port[]] });
    const feature = rng.bool(0.25) ? gateWithFeature(spec, flow, rng) : undefined;
    spec.flows.push(flow);
    return `add flow ${flow.id}: ${from} → ${to} ${describePorts(ports)}${feature ? ` (feature ${feature})` : ""}${reopened ? `, reopening closed listener ${listener.id}` : ""}`;
  },

  "add-egress-flow"(spec, rng, serial) {
    const sources = [...spec.components.values()].filter((c) => selectable(spec, c.id)).map((c) => c.id);
    const targets = [...spec.peers.values()].filter((p) => ["dns", "kube-apiserver", "external"].includes(p.kind));
    if (sources.length === 0 || targets.length === 0) return undefined;
    const from = rng.pick(sources);
    const target = rng.pick(targets);
    let shape: Pick<Flow, "ports" | "userDefinedPorts">;
    if (target.kind === "dns") {
      shape = { ports: rng.sample([{ port: 53, protocol: "UDP" as const }, { port: 53, protocol: "TCP" as const }], rng.int(1, 2)) as [Port, ...Port[]] };
    } else if (target.kind === "external" && rng.bool(0.4)) {
      shape = { ports: [{ port: rng.pick([443, 9000, 8443, 2049]), protocol: "TCP" }] };
    } else {
      shape = { userDefinedPorts: { label: "User defined", protocol: "TCP" } };
    }
    const flow = newFlow(spec, serial, { from, to: target.id, ...shape });
    const feature = rng.bool(0.25) ? gateWithFeature(spec, flow, rng) : undefined;
    spec.flows.push(flow);
    return `add flow ${flow.id}: ${from} → ${target.id} ${flow.ports ? describePorts(flow.ports) : "user-defined TCP"}${feature ? ` (feature ${feature})` : ""}`;
  },

  "move-listener-port"(spec, rng) {
    // An open single-port listener entry moves to another port (and maybe protocol); every flow
    // reaching it on exactly that port follows.
    const entries = spec.listeners.flatMap((l) =>
      l.closed === undefined && selectable(spec, l.component) ? l.ports.filter((p) => p.endPort === undefined || p.endPort === p.port).map((p) => ({ l, p })) : [],
    );
    if (entries.length === 0) return undefined;
    const { l, p } = rng.pick(entries);
    const moved: Port = { port: rng.int(1024, 65000), protocol: rng.bool(0.3) ? rng.pick(PROTOCOLS) : p.protocol };
    const host = spec.components.get(l.component)?.runsIn;
    for (const flow of spec.flows) {
      if (flow.to !== l.component && flow.to !== host) continue;
      for (const [i, fp] of (flow.ports ?? []).entries()) {
        if (!portsOverlap(fp, p)) continue;
        // A flow range covering the port cannot follow it: give up on this edit.
        if ((fp.endPort ?? fp.port) !== fp.port) return undefined;
        flow.ports![i] = { ...moved };
      }
    }
    const i = l.ports.indexOf(p);
    l.ports[i] = { ...moved };
    return `move listener ${l.id} from ${p.protocol} ${p.port} to ${moved.protocol} ${moved.port} (flows follow)`;
  },

  "gate-feature"(spec, rng) {
    const candidates = spec.flows.filter((f) => f.feature === undefined && f.enforceable !== false && !f.documentedOnly);
    if (candidates.length === 0) return undefined;
    const flow = rng.pick(candidates);
    const feature = gateWithFeature(spec, flow, rng);
    return `gate flow ${flow.id} behind feature ${feature}`;
  },

  "ungate-feature"(spec, rng) {
    const candidates = spec.flows.filter((f) => f.feature !== undefined);
    if (candidates.length === 0) return undefined;
    const flow = rng.pick(candidates);
    const feature = flow.feature;
    delete flow.feature;
    return `ungate flow ${flow.id} (was feature ${feature})`;
  },

  "unenforce-flow"(spec, rng) {
    const candidates = spec.flows.filter((f) => f.enforceable !== false && !f.documentedOnly);
    if (candidates.length === 0) return undefined;
    const flow = rng.pick(candidates);
    flow.enforceable = false;
    flow.unenforceableReason = "property test: marked unenforceable";
    return `mark flow ${flow.id} enforceable: false`;
  },

  relabel(spec, rng) {
    // One matchLabels value of a component's selector changes, with the label on the pods that
    // carry it (the host's pods for a role running in another component).
    const candidates = [...spec.components.values()].filter((c) => c.selector?.matchLabels && Object.keys(c.selector.matchLabels).length > 0 && c.unprotected === undefined);
    if (candidates.length === 0) return undefined;
    const component = rng.pick(candidates);
    const key = rng.pick(Object.keys(component.selector!.matchLabels!));
    const holder = component.runsIn ? spec.components.get(component.runsIn) : component;
    if (!holder) return undefined;
    const value = `${rng.pick(["p", "x", "lh", "relabelled"])}-${rng.int(0, 99999)}`;
    const before = component.selector!.matchLabels![key];
    component.selector!.matchLabels![key] = value;
    if (holder.runtimeLabels && Object.hasOwn(holder.runtimeLabels, key)) holder.runtimeLabels[key] = value;
    else holder.podLabels[key] = value;
    return `relabel ${component.id}: ${key}=${before} → ${key}=${value} (selector and ${holder.id}'s pods)`;
  },

  "remove-component"(spec, rng) {
    const candidates = [...spec.components.values()].filter((c) => c.runsIn === undefined);
    if (candidates.length === 0) return undefined;
    const component = rng.pick(candidates);
    const gone = new Set([component.id, ...[...spec.components.values()].filter((c) => c.runsIn === component.id).map((c) => c.id)]);
    for (const id of gone) spec.components.delete(id);
    for (const c of spec.components.values()) if (gone.has(c.workload.createdBy)) c.workload.createdBy = "chart";
    spec.flows = spec.flows.filter((f) => !gone.has(f.from) && !gone.has(f.to));
    spec.listeners = spec.listeners.filter((l) => !gone.has(l.component));
    return `remove component${gone.size > 1 ? "s" : ""} ${[...gone].join(", ")} with their flows and listeners`;
  },

  unprotect(spec, rng) {
    // A component whose pods lose their selector (like the system-rollout Job's): unprotected,
    // and every flow from or to it unenforceable, as validate requires.
    const candidates = [...spec.components.values()].filter((c) => c.runsIn === undefined && c.selector && c.unprotected === undefined && !c.hostNetwork);
    if (candidates.length === 0) return undefined;
    const component = rng.pick(candidates);
    delete component.selector;
    component.unprotected = "property test: no selector";
    const touched: string[] = [];
    for (const flow of spec.flows) {
      if ((flow.from === component.id || flow.to === component.id) && flow.enforceable !== false) {
        flow.enforceable = false;
        flow.unenforceableReason = `property test: ${component.id} is unprotected`;
        touched.push(flow.id);
      }
    }
    return `unprotect ${component.id} (selector removed${touched.length ? `; unenforceable: ${touched.join(", ")}` : ""})`;
  },
};

/** Components a policy selects: a selector, not unprotected, not on the host network. */
function selectable(spec: ResolvedSpec, id: string): boolean {
  const c = spec.components.get(id);
  if (!c || !c.selector || c.unprotected !== undefined || c.hostNetwork) return false;
  if (c.runsIn === undefined) return true;
  const host = spec.components.get(c.runsIn);
  return host !== undefined && !host.hostNetwork;
}

/** The listeners a flow towards `component` may end at (as generator/inventory.ts reads them). */
function listenersOf(spec: ResolvedSpec, component: string): Resolved<Listener>[] {
  const target = spec.components.get(component);
  if (!target) return [];
  const roles = target.runsIn === undefined ? [...spec.components.values()].filter((c) => c.runsIn === component).map((c) => c.id) : [];
  return spec.listeners.filter((l) => l.component === component || roles.includes(l.component));
}

/** Declares closed every open listener no flow reaches any more; returns their ids. */
function closeUnreached(spec: ResolvedSpec): string[] {
  const closed: string[] = [];
  for (const listener of spec.listeners) {
    if (listener.closed !== undefined) continue;
    const host = spec.components.get(listener.component)?.runsIn;
    const reached = spec.flows.some(
      (f) =>
        !f.documentedOnly &&
        (f.to === listener.component || (host !== undefined && f.to === host)) &&
        (f.ports ?? []).some((fp) => listener.ports.some((lp) => portsOverlap(fp, lp))),
    );
    if (!reached) {
      listener.closed = "property test: no flow reaches it after the perturbation";
      closed.push(listener.id);
    }
  }
  return closed;
}

function origin(spec: ResolvedSpec, path: (string | number)[]): Origin {
  return { file: spec.file, line: 0, version: spec.version, path };
}

function newFlow(spec: ResolvedSpec, serial: number, shape: Pick<Flow, "from" | "to" | "ports" | "userDefinedPorts">): Resolved<Flow> {
  const id = `property-flow-${serial}`;
  const cite = `longhorn/property-test@v0.0.0 property.go:${serial} propertyTest`;
  return {
    id,
    ...shape,
    purpose: "added by the property suite",
    documented: false,
    source: {
      ...(spec.components.has(shape.from) ? { client: [cite] as [string] } : {}),
      ...(spec.components.has(shape.to) ? { listener: [cite] as [string] } : {}),
      ...(!spec.components.has(shape.from) && !spec.components.has(shape.to) ? { issues: ["longhorn/longhorn#0"] } : {}),
    },
    origin: origin(spec, ["flows", id]),
  };
}

/** Gates the flow behind an existing feature or the synthetic one (added to the spec when new). */
function gateWithFeature(spec: ResolvedSpec, flow: Flow, rng: Random): string {
  const existing = [...spec.features.keys()];
  const feature = existing.length > 0 && rng.bool() ? rng.pick(existing) : SYNTHETIC_FEATURE;
  if (!spec.features.has(feature)) {
    spec.features.set(feature, {
      id: feature,
      title: "Property test feature",
      defaultEnabled: false,
      description: "A feature the property suite gates random flows behind.",
      origin: origin(spec, ["features", feature]),
    });
  }
  flow.feature = feature;
  return feature;
}

function plainPort(p: Port): Port {
  return { port: p.port, ...(p.endPort !== undefined && p.endPort !== p.port ? { endPort: p.endPort } : {}), protocol: p.protocol };
}

/** A random sub-range of a port entry (a single port stays itself). */
function subRange(rng: Random, p: Port): Port {
  const end = p.endPort ?? p.port;
  const a = rng.int(p.port, end);
  const b = rng.bool(0.4) ? a : rng.int(a, end);
  return { port: a, ...(b > a ? { endPort: b } : {}), protocol: p.protocol };
}

export function describePorts(ports: readonly Port[]): string {
  return ports.map((p) => `${p.protocol} ${p.endPort !== undefined && p.endPort !== p.port ? `${p.port}-${p.endPort}` : p.port}`).join(", ");
}
