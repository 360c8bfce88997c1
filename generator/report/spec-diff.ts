// What changed in the spec between two versions (flows and components), without rendering anything:
// `netpolgen diff` adds the rendered chart's reachability to it; the chart README's upgrade notes use
// it as it is. Pure.
import { describeSelector } from "../lib/labels.ts";
import type { Flow, Resolved, ResolvedSpec } from "../loader/model.ts";
import { describePort } from "../lib/port-set.ts";

export interface FlowChange {
  id: string;
  field: string;
  before: string;
  after: string;
}

export interface FlowSummary {
  id: string;
  from: string;
  to: string;
  ports: string;
  purpose: string;
  enforced: boolean;
}

export interface SpecDiff {
  flows: { added: FlowSummary[]; removed: FlowSummary[]; changed: FlowChange[] };
  components: { added: string[]; removed: string[]; changed: FlowChange[] };
}

export function portsText(flow: Flow): string {
  if (!flow.ports) return flow.userDefinedPorts ? "user-defined" : "none";
  return flow.ports.map(describePort).join(", ");
}

function summarise(flow: Resolved<Flow>): FlowSummary {
  return {
    id: flow.id,
    from: flow.from,
    to: flow.to,
    ports: portsText(flow),
    purpose: flow.purpose,
    enforced: flow.enforceable !== false && !flow.documentedOnly,
  };
}

const FLOW_FIELDS: [string, (f: Flow) => string][] = [
  ["from", (f) => f.from],
  ["to", (f) => f.to],
  ["ports", portsText],
  ["feature", (f) => f.feature ?? "-"],
  ["enforced", (f) => (f.enforceable === false ? "no (NetworkPolicy cannot govern it)" : f.documentedOnly ? "no (documented only)" : "yes")],
];

export function specDiff(before: ResolvedSpec, after: ResolvedSpec): SpecDiff {
  const a = new Map(before.flows.map((f) => [f.id, f]));
  const b = new Map(after.flows.map((f) => [f.id, f]));
  const changed: FlowChange[] = [];
  for (const [id, flow] of b) {
    const old = a.get(id);
    if (!old) continue;
    for (const [field, text] of FLOW_FIELDS) {
      if (text(old) !== text(flow)) changed.push({ id, field, before: text(old), after: text(flow) });
    }
  }
  const componentChanges: FlowChange[] = [];
  for (const [id, component] of after.components) {
    const old = before.components.get(id);
    if (!old) continue;
    const selector = (c: typeof component) => (c.selector ? describeSelector(c.selector) : "none");
    if (selector(old) !== selector(component)) componentChanges.push({ id, field: "selector", before: selector(old), after: selector(component) });
    if ((old.runsIn ?? "-") !== (component.runsIn ?? "-")) {
      componentChanges.push({ id, field: "runs in", before: old.runsIn ?? "its own pods", after: component.runsIn ?? "its own pods" });
    }
  }
  return {
    flows: {
      added: [...b.values()].filter((f) => !a.has(f.id)).map(summarise),
      removed: [...a.values()].filter((f) => !b.has(f.id)).map(summarise),
      changed,
    },
    components: {
      added: [...after.components.keys()].filter((id) => !before.components.has(id)),
      removed: [...before.components.keys()].filter((id) => !after.components.has(id)),
      changed: componentChanges,
    },
  };
}
