// The chart README's per-version sections, from the resolved specs: the flow tables in the shape of
// Longhorn's networking page (per component, From/To | Port | Protocol, plus what the chart does with
// the row), a Mermaid flowchart of the flows (GitHub and Artifact Hub render it), and the notes of
// each upgrade from one supported minor to the next. Pure.
import { markdownTable } from "../../lib/markdown.ts";
import { portRange } from "../../lib/port-set.ts";
import { camelCase } from "../../lib/values-keys.ts";
import { endpointOf, isEnforceable, type Flow, type Port, type Resolved, type ResolvedSpec } from "../../loader/model.ts";
import { specDiff } from "../../report/spec-diff.ts";

const DOCS_SHAPE = { outerPipes: false } as const;

function titleOf(spec: ResolvedSpec, id: string): string {
  return endpointOf(spec, id)?.entry.title ?? id;
}

function portsOf(ports: readonly Port[]): string {
  return ports.map((p) => (p.description ? `${portRange(p)} (${p.description})` : portRange(p))).join("; ");
}

/** Ports for a diagram label; with the protocol when the flow has more than one (DNS: 53/UDP, 53/TCP). */
function shortPorts(flow: Flow): string {
  if (flow.userDefinedPorts) return flow.userDefinedPorts.label;
  const ports = flow.ports ?? [];
  const mixed = new Set(ports.map((p) => p.protocol)).size > 1;
  return ports.map((p) => (mixed ? `${portRange(p)}/${p.protocol}` : portRange(p))).join(", ");
}

/** Traffic no policy can restrict: not enforceable, or from the host of the pod's own node. */
function ungoverned(flow: Flow): boolean {
  return !isEnforceable(flow) || flow.hostScope === "local-node";
}

/** What the chart does with the row. */
function policyCell(spec: ResolvedSpec, flow: Flow): string {
  if (flow.documentedOnly) return "closed: the docs list it, no code serves it";
  if (flow.hostScope === "local-node" && isEnforceable(flow)) return "always allowed: from the pod's own node, no rule needed";
  if (!isEnforceable(flow)) return "not governed by NetworkPolicy";
  const from = spec.peers.get(flow.from)?.kind;
  const to = spec.peers.get(flow.to)?.kind;
  const who =
    from === "metrics-scraper"
      ? " from `metricsScrapeSources`"
      : from === "ingress-controller"
        ? " from the `type` preset and `ui.extraFrom`"
        : from === "nodes" || from === "kube-apiserver"
          ? " (see CNI caveats)"
          : to === "external" || to === "kube-apiserver" || to === "dns"
            ? " (egress: see `egress`)"
            : "";
  return `allowed${who}${flow.feature ? ` with \`features.${camelCase(flow.feature)}\`` : ""}`;
}

/** Per component, the docs page's Ingress and Egress tables. */
export function flowTables(spec: ResolvedSpec): string {
  const out: string[] = [];
  const flows = [...spec.flows].sort((a, b) => a.id.localeCompare(b.id));
  for (const component of spec.components.values()) {
    out.push(`#### ${component.title}`, "");
    for (const [heading, peer, own] of [
      ["Ingress", "From", (f: Resolved<Flow>) => f.to === component.id],
      ["Egress", "To", (f: Resolved<Flow>) => f.from === component.id],
    ] as const) {
      // One row per protocol, as the docs write them.
      const rows = flows.filter(own).flatMap((f) => {
        const other = heading === "Ingress" ? f.from : f.to;
        const peerCell = other === component.id ? `Other ${component.title}` : titleOf(spec, other);
        if (f.userDefinedPorts) return [[peerCell, f.userDefinedPorts.label, f.userDefinedPorts.protocol, policyCell(spec, f)]];
        return [...new Set((f.ports ?? []).map((p) => p.protocol))].map((protocol) => [peerCell, portsOf(f.ports!.filter((p) => p.protocol === protocol)), protocol, policyCell(spec, f)]);
      });
      out.push(`${heading}:`, "", rows.length ? markdownTable([peer, "Port", "Protocol", "This chart"], rows, DOCS_SHAPE) : "None", "");
    }
  }
  return out.join("\n");
}

/** A Mermaid node id: letters, digits and underscores only. */
const nodeId = (id: string) => id.replace(/[^A-Za-z0-9]/g, "_");
/** Text inside a quoted Mermaid label: quotes and angle brackets as Mermaid's entity codes. */
const label = (text: string) => text.replace(/[\r\n]+/g, " ").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;").replace(/\|/g, "#124;");

/**
 * The flows as a Mermaid flowchart: one arrow per client and server with their ports, solid where a
 * policy allows it, dotted where no policy can restrict it (kubelet probes, the pod's own node);
 * documented-only rows are left out.
 */
export function flowDiagram(spec: ResolvedSpec): string {
  const edges = new Map<string, { from: string; to: string; ports: string[]; governed: boolean }>();
  for (const flow of spec.flows) {
    if (flow.documentedOnly) continue;
    const governed = !ungoverned(flow);
    const key = `${flow.from}\u0000${flow.to}\u0000${governed}`;
    const edge = edges.get(key) ?? { from: flow.from, to: flow.to, ports: [], governed };
    const ports = shortPorts(flow);
    if (!edge.ports.includes(ports)) edge.ports.push(ports);
    edges.set(key, edge);
  }
  const used = new Set([...edges.values()].flatMap((e) => [e.from, e.to]));
  const lines = ["```mermaid", "flowchart LR"];
  for (const id of [...used].sort()) lines.push(`  ${nodeId(id)}["${label(titleOf(spec, id))}"]`);
  for (const edge of [...edges.values()].sort((a, b) => `${a.from} ${a.to}`.localeCompare(`${b.from} ${b.to}`))) {
    lines.push(`  ${nodeId(edge.from)} ${edge.governed ? "-->" : "-.->"}|"${label(edge.ports.join("; "))}"| ${nodeId(edge.to)}`);
  }
  lines.push("```");
  return lines.join("\n");
}

/** What an operator reads before moving from one minor to the next: the spec's changes, as bullets. */
export function upgradeNotes(before: ResolvedSpec, after: ResolvedSpec): string[] {
  const diff = specDiff(before, after);
  const notes: string[] = [];
  const route = (f: { from: string; to: string; ports: string }) => `${titleOf(after, f.from)} → ${titleOf(after, f.to)}, ${f.ports}`;
  for (const f of diff.flows.added) notes.push(`New flow \`${f.id}\` (${route(f)})${f.enforced ? "" : ", not enforced"}: ${f.purpose}`);
  for (const f of diff.flows.removed) notes.push(`Flow \`${f.id}\` is gone (${titleOf(before, f.from)} → ${titleOf(before, f.to)}, ${f.ports}).`);
  for (const c of diff.flows.changed) notes.push(`Flow \`${c.id}\`: ${c.field} ${c.before} → ${c.after}.`);
  for (const id of diff.components.added) notes.push(`New component: ${titleOf(after, id)} (\`${id}\`).`);
  for (const id of diff.components.removed) notes.push(`Component gone: ${titleOf(before, id)} (\`${id}\`).`);
  for (const c of diff.components.changed) notes.push(`Component \`${c.id}\`: ${c.field} ${c.before} → ${c.after}.`);
  if (notes.length === 0) notes.push("No flow or component changes.");
  return notes;
}
