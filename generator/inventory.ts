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
import type { DocPath } from "./diagnostics.ts";
import { endpointOf, type Flow, type Listener, type Origin, type Port, type Resolved, type ResolvedSpec } from "./model.ts";
import { formatPorts, intersect, isEmpty, portsOfProtocol, subtract, type PortSet } from "./port-set.ts";

type ReportAt = (origin: Origin, subPath: DocPath, message: string, key?: boolean) => void;

export const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;

/** The ports of a list of port entries, per protocol. */
function byProtocol(ports: readonly Port[]): Map<string, PortSet> {
  return new Map(PROTOCOLS.map((p) => [p, portsOfProtocol(ports, p)]));
}

/** The listeners a flow towards `component` may end at. */
function listenersOf(spec: ResolvedSpec, component: string): Resolved<Listener>[] {
  const target = spec.components.get(component);
  if (!target) return [];
  const roles = target.runsIn === undefined ? [...spec.components.values()].filter((c) => c.runsIn === component).map((c) => c.id) : [];
  return spec.listeners.filter((l) => l.component === component || roles.includes(l.component));
}

/** The flows that may reach a listener: towards its component, or towards the pods its role runs in. */
function flowsTowards(spec: ResolvedSpec, listener: Listener): Resolved<Flow>[] {
  const host = spec.components.get(listener.component)?.runsIn;
  return spec.flows.filter((f) => !f.documentedOnly && (f.to === listener.component || (host !== undefined && f.to === host)));
}

function overlaps(a: readonly Port[], b: readonly Port[]): boolean {
  const left = byProtocol(a);
  const right = byProtocol(b);
  return PROTOCOLS.some((p) => !isEmpty(intersect(left.get(p)!, right.get(p)!)));
}

export function checkInventory(spec: ResolvedSpec, report: ReportAt): void {
  for (const listener of spec.listeners) {
    if (!spec.components.has(listener.component)) {
      report(listener.origin, ["component"], `unknown component "${listener.component}" (known: ${[...spec.components.keys()].sort().join(", ")})`);
      continue;
    }
    if (!listener.source.listener) {
      report(listener.origin, ["source"], "cite where the port is opened: source.listener (`owner/repo@ref path:line`)");
    }
    const reaching = flowsTowards(spec, listener).filter((f) => overlaps(f.ports ?? [], listener.ports));
    if (listener.closed !== undefined && reaching.length > 0) {
      report(listener.origin, ["closed"], `is declared closed, but flow "${reaching[0]!.id}" reaches it`);
    }
    if (listener.closed === undefined && reaching.length === 0) {
      report(listener.origin, [], `no flow reaches ${listener.component} on ${describe(listener.ports)}: add the flow that dials it, or declare the listener closed with a reason`, true);
    }
  }

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
    const open = listenersOf(spec, flow.to).filter((l) => l.closed === undefined);
    const declared = byProtocol(open.flatMap((l) => l.ports));
    const wanted = byProtocol(flow.ports ?? []);
    for (const protocol of PROTOCOLS) {
      const missing = subtract(wanted.get(protocol)!, declared.get(protocol)!);
      if (!isEmpty(missing)) {
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
