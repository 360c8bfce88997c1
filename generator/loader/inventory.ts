// Stage 4b, the evidence checks of a resolved version: the listener inventory, and the code cites of
// every flow.
//
// - every listener belongs to a component and is reached by at least one flow, or is `closed`
//   with a reason (and then no flow may reach it);
// - every port of every flow towards a component lies inside that component's listeners (a role
//   that runs in another component's pods is reached on its own listeners; the host's pods also
//   listen on their roles' ports);
// - a flow from a component cites the client's dial site, a flow to a component the listener;
//   documented-only flows, which nothing serves, are exempt;
import type { DocPath } from "../lib/diagnostics.ts";
import { endpointOf, type Flow, type Listener, type Origin, type Port, type Resolved, type ResolvedSpec } from "./model.ts";
import { formatPorts, intersect, isEmpty, portsOfProtocol, subtract, type PortSet } from "../lib/port-set.ts";

type ReportAt = (origin: Origin, subPath: DocPath, message: string, key?: boolean) => void;

export const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;

/** The ports of a list of port entries, per protocol. */
function byProtocol(ports: readonly Port[]): Map<string, PortSet> {
  return new Map(PROTOCOLS.map((p) => [p, portsOfProtocol(ports, p)]));
}

/**
 * Indices of a resolved version, built once per check: flows by destination and listeners by
 * component, so that no check scans every flow for every listener or every listener for every flow.
 */
class InventoryIndex {
  private readonly flowsTo = new Map<string, number[]>();
  private readonly listenersAt = new Map<string, number[]>();
  private readonly rolesIn = new Map<string, string[]>();
  private readonly openListeners = new Map<string, Resolved<Listener>[]>();
  private readonly portsByProtocol = new Map<readonly Port[], Map<string, PortSet>>();

  constructor(private readonly spec: ResolvedSpec) {
    const push = <K, V>(map: Map<K, V[]>, key: K, value: V): void => {
      const list = map.get(key);
      if (list) list.push(value);
      else map.set(key, [value]);
    };
    spec.flows.forEach((f, i) => {
      if (!f.documentedOnly) push(this.flowsTo, f.to, i);
    });
    spec.listeners.forEach((l, i) => push(this.listenersAt, l.component, i));
    for (const c of spec.components.values()) if (c.runsIn !== undefined) push(this.rolesIn, c.runsIn, c.id);
  }

  /** The ports of a list of port entries, per protocol (computed once per list). */
  byProtocol(ports: readonly Port[]): Map<string, PortSet> {
    let sets = this.portsByProtocol.get(ports);
    if (!sets) this.portsByProtocol.set(ports, (sets = byProtocol(ports)));
    return sets;
  }

  /** The open listeners a flow towards `component` may end at, in spec order. */
  openListenersOf(component: string): Resolved<Listener>[] {
    let open = this.openListeners.get(component);
    if (!open) {
      open = this.listenersOf(component).filter((l) => l.closed === undefined);
      this.openListeners.set(component, open);
    }
    return open;
  }

  /** The listeners a flow towards `component` may end at: its own and its roles', in spec order. */
  private listenersOf(component: string): Resolved<Listener>[] {
    const target = this.spec.components.get(component);
    if (!target) return [];
    const roles = target.runsIn === undefined ? (this.rolesIn.get(component) ?? []) : [];
    const at = [component, ...roles].flatMap((id) => this.listenersAt.get(id) ?? []);
    return [...new Set(at)].sort((a, b) => a - b).map((i) => this.spec.listeners[i]!);
  }

  /** The first flow (in spec order) that may reach a listener, towards its component or the pods its role runs in, on one of its ports. */
  firstFlowReaching(listener: Listener): Resolved<Flow> | undefined {
    const host = this.spec.components.get(listener.component)?.runsIn;
    const towards = this.flowsTo.get(listener.component) ?? [];
    const candidates = host !== undefined && host !== listener.component ? mergeSorted(towards, this.flowsTo.get(host) ?? []) : towards;
    const wanted = this.byProtocol(listener.ports);
    for (const i of candidates) {
      const flow = this.spec.flows[i]!;
      if (overlaps(this.byProtocol(flow.ports ?? []), wanted)) return flow;
    }
    return undefined;
  }
}

const NO_PORT_ENTRIES: readonly Port[] = [];

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

function overlaps(left: Map<string, PortSet>, right: Map<string, PortSet>): boolean {
  return PROTOCOLS.some((p) => !isEmpty(intersect(left.get(p)!, right.get(p)!)));
}

export function checkInventory(spec: ResolvedSpec, report: ReportAt): void {
  const index = new InventoryIndex(spec);
  for (const listener of spec.listeners) {
    if (!spec.components.has(listener.component)) {
      report(listener.origin, ["component"], `unknown component "${listener.component}" (known: ${[...spec.components.keys()].sort().join(", ")})`);
      continue;
    }
    if (!listener.source.listener) {
      report(listener.origin, ["source"], "cite where the port is opened: source.listener (`owner/repo@ref path:line`)");
    }
    const reaching = index.firstFlowReaching(listener);
    if (listener.closed !== undefined && reaching) {
      report(listener.origin, ["closed"], `is declared closed, but flow "${reaching.id}" reaches it`);
    }
    if (listener.closed === undefined && !reaching) {
      report(listener.origin, [], `no flow reaches ${listener.component} on ${describe(listener.ports)}: add the flow that dials it, or declare the listener closed with a reason`, true);
    }
  }

  /** Per destination component: its open listeners' ports, per protocol. */
  const declaredAt = new Map<string, Map<string, PortSet>>();
  for (const flow of spec.flows) {
    const to = endpointOf(spec, flow.to);
    const from = endpointOf(spec, flow.from);
    if (flow.documentedOnly) continue;
    if (from?.kind === "component" && !flow.source.client) {
      report(flow.origin, ["source"], `cite the client's dial site in "${flow.from}": source.client (\`owner/repo@ref path:line\`)`);
    }
    if (to?.kind !== "component") continue;
    if (!flow.source.listener) {
      report(flow.origin, ["source"], `cite where "${flow.to}" listens: source.listener (\`owner/repo@ref path:line\`)`);
    }
    let declared = declaredAt.get(flow.to);
    if (!declared) declaredAt.set(flow.to, (declared = byProtocol(index.openListenersOf(flow.to).flatMap((l) => l.ports))));
    const wanted = index.byProtocol(flow.ports ?? NO_PORT_ENTRIES);
    for (const protocol of PROTOCOLS) {
      const missing = subtract(wanted.get(protocol)!, declared.get(protocol)!);
      if (!isEmpty(missing)) {
        const open = index.openListenersOf(flow.to);
        report(flow.origin, ["ports"], `"${flow.to}" declares no open listener on ${protocol} ${formatPorts(missing)} (its listeners: ${describe(open.flatMap((l) => l.ports)) || "none"})`);
      }
    }
    if (flow.userDefinedPorts && !flow.ports) {
      report(flow.origin, ["userDefinedPorts"], `a flow to the component "${flow.to}" names its listener's ports; userDefinedPorts is for peers`, true);
    }
  }
}

function describe(ports: readonly Port[]): string {
  const sets = byProtocol(ports);
  return PROTOCOLS.filter((p) => !isEmpty(sets.get(p)!))
    .map((p) => `${p} ${formatPorts(sets.get(p)!)}`)
    .join("; ");
}
