// Renders a resolved version as the docs' tables (Markdown) or as plain data (JSON). Pure.
import { describeSelector } from "../lib/labels.ts";
import { escapeCell, markdownTable } from "../lib/markdown.ts";
import { portRange } from "../lib/port-set.ts";
import { endpointOf, isEnforceable, type Flow, type Port, type Resolved, type ResolvedSpec } from "../loader/model.ts";

/** A flow as plain data, with where it was written. */
export interface FlowRecord {
  id: string;
  from: string;
  to: string;
  ports?: Port[];
  userDefinedPorts?: Flow["userDefinedPorts"];
  purpose: string;
  feature?: string;
  enforceable: boolean;
  unenforceableReason?: string;
  documented: boolean;
  documentedOnly?: string;
  resolution?: string;
  source: Flow["source"];
  definedIn: { version: string; file: string; line: number };
}

export function flowRecord(flow: Resolved<Flow>): FlowRecord {
  return {
    id: flow.id,
    from: flow.from,
    to: flow.to,
    ...(flow.ports ? { ports: flow.ports } : {}),
    ...(flow.userDefinedPorts ? { userDefinedPorts: flow.userDefinedPorts } : {}),
    purpose: flow.purpose,
    ...(flow.feature ? { feature: flow.feature } : {}),
    enforceable: isEnforceable(flow),
    ...(flow.unenforceableReason ? { unenforceableReason: flow.unenforceableReason } : {}),
    documented: flow.documented !== false,
    ...(flow.documentedOnly ? { documentedOnly: flow.documentedOnly } : {}),
    ...(flow.resolution ? { resolution: flow.resolution } : {}),
    source: flow.source,
    definedIn: { version: flow.origin.version, file: flow.origin.file, line: flow.origin.line },
  };
}

export function specAsJson(spec: ResolvedSpec): string {
  const strip = <T extends { id: string; origin: unknown }>({ id, origin: _origin, ...rest }: T) => ({ id, ...rest });
  const byId = <T extends { id: string }>(entries: Map<string, T>): T[] =>
    [...entries.values()].sort((a, b) => a.id.localeCompare(b.id));
  const data = {
    product: spec.product,
    version: spec.version,
    status: spec.status,
    kubeVersion: spec.kubeVersion ?? null,
    chain: spec.chain,
    docs: spec.docs,
    notes: spec.notes,
    features: byId(spec.features).map(strip),
    components: byId(spec.components).map(strip),
    peers: byId(spec.peers).map(strip),
    flows: sortFlows(spec.flows).map(flowRecord),
  };
  return `${JSON.stringify(data, null, 2)}\n`;
}

/** The docs' Port cell: `8500 (process-manager service); 8501 (proxy service)`. */
export function portCell(ports: readonly Port[]): string {
  return ports
    .map((p) => {
      return p.description ? `${portRange(p)} (${p.description})` : portRange(p);
    })
    .join("; ");
}

/** One table row per protocol: the docs give a single protocol per row. */
interface Row {
  peer: string;
  ports: string;
  protocol: string;
  flow: Resolved<Flow>;
}

function rowsOf(spec: ResolvedSpec, flow: Resolved<Flow>, peerId: string, selfId: string): Row[] {
  const endpoint = endpointOf(spec, peerId);
  const title = endpoint?.entry.title ?? peerId;
  const peer = peerId === selfId ? `Other ${title}` : title;
  if (flow.userDefinedPorts) {
    return [{ peer, ports: flow.userDefinedPorts.label, protocol: flow.userDefinedPorts.protocol, flow }];
  }
  const protocols = [...new Set((flow.ports ?? []).map((p) => p.protocol))];
  return protocols.map((protocol) => ({
    peer,
    ports: portCell((flow.ports ?? []).filter((p) => p.protocol === protocol)),
    protocol,
    flow,
  }));
}

function sourceCell(flow: Flow): string {
  const parts: string[] = [];
  if (flow.source.docs) parts.push(`docs ${flow.source.docs}`);
  for (const c of flow.source.code ?? []) parts.push(`${c.repo} ${c.path}${c.ref ? `@${c.ref}` : ""}`);
  for (const issue of flow.source.issues ?? []) parts.push(issue);
  return parts.join(", ");
}

function notesCell(spec: ResolvedSpec, flow: Flow): string {
  const notes: string[] = [flow.purpose];
  if (!isEnforceable(flow)) notes.push(`Not enforceable: ${flow.unenforceableReason}`);
  if (flow.documentedOnly) notes.push(`Listed by the docs only: ${flow.documentedOnly}`);
  if (flow.documented === false) notes.push("Not in the docs.");
  if (flow.feature) notes.push(`Needs: ${spec.features.get(flow.feature)?.title ?? flow.feature}.`);
  return notes.join(" ");
}

/** The docs' shape: no outer pipes. */
const DOCS_SHAPE = { outerPipes: false } as const;

function table(header: string, rows: Row[], spec: ResolvedSpec): string[] {
  if (rows.length === 0) return ["None", ""];
  const cells = rows.map((row) => [`\`${row.peer}\``, row.ports, row.protocol, notesCell(spec, row.flow), sourceCell(row.flow)]);
  return [markdownTable([header, "Port", "Protocol", "Notes", "Source"], cells, DOCS_SHAPE), ""];
}

export function sortFlows(flows: readonly Resolved<Flow>[]): Resolved<Flow>[] {
  return [...flows].sort((a, b) => a.id.localeCompare(b.id));
}

export function specAsMarkdown(spec: ResolvedSpec): string {
  const flows = [...spec.flows];
  const lines: string[] = [];
  const product = spec.product.charAt(0).toUpperCase() + spec.product.slice(1);
  lines.push(`# ${product} ${spec.version} network flows`, "");
  const chain = spec.chain.length > 1 ? ` (extends ${spec.chain.slice(1).join(" → ")})` : "";
  lines.push(`Resolved from \`${spec.file}\`${chain}. Status: ${spec.status}.`);
  if (spec.kubeVersion) lines.push(`Kubernetes: \`${spec.kubeVersion}\`.`);
  if (spec.docs.length > 0) lines.push(`Docs versions: ${spec.docs.join(", ")}.`);
  lines.push("");
  for (const note of spec.notes) lines.push(`- ${escapeCell(note)}`);
  if (spec.notes.length > 0) lines.push("");

  for (const component of spec.components.values()) {
    lines.push(`## ${component.title}`, "");
    const facts: string[] = [`Id \`${component.id}\``];
    if (component.runsIn) facts.push(`runs in the \`${component.runsIn}\` pods`);
    facts.push(component.selector ? `selector \`${describeSelector(component.selector)}\`` : "no selector");
    lines.push(`${facts.join("; ")}.`, "");
    for (const note of component.notes ?? []) lines.push(`> ${escapeCell(note)}`, "");
    const ingress = flows.filter((f) => f.to === component.id).flatMap((f) => rowsOf(spec, f, f.from, component.id));
    const egress = flows.filter((f) => f.from === component.id).flatMap((f) => rowsOf(spec, f, f.to, component.id));
    lines.push("### Ingress", "", ...table("From", ingress, spec));
    lines.push("### Egress", "", ...table("To", egress, spec));
  }

  const peers = [...spec.peers.values()].map((peer) => [`\`${peer.id}\``, peer.title, peer.kind, peer.description ?? ""]);
  lines.push("## Peers", "", markdownTable(["Id", "Title", "Kind", "Description"], peers, DOCS_SHAPE), "");
  if (spec.features.size > 0) {
    const features = [...spec.features.values()].map((f) => [`\`${f.id}\``, f.title, f.defaultEnabled ? "yes" : "no", f.description ?? ""]);
    lines.push("## Features", "", markdownTable(["Id", "Title", "Enabled by default", "Description"], features, DOCS_SHAPE), "");
  }
  const unenforceable = flows.filter((f) => !isEnforceable(f));
  if (unenforceable.length > 0) {
    const rows = unenforceable.map((f) => [`\`${f.id}\``, f.from, f.to, portCell(f.ports ?? []), f.unenforceableReason ?? ""]);
    lines.push("## Flows NetworkPolicy cannot govern", "", markdownTable(["Flow", "From", "To", "Ports", "Why"], rows, DOCS_SHAPE), "");
  }
  return lines.join("\n");
}
