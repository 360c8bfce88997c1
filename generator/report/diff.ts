// `netpolgen diff A B`: what changes between two Longhorn versions, for an operator about to
// upgrade: the spec's flows and components, and what the rendered chart lets through.
import { PROTOCOLS, type Protocol } from "../verify/endpoints.ts";
import type { ResolvedSpec } from "../loader/model.ts";
import { markdownTable as table } from "../lib/markdown.ts";
import { ALL_PORTS, equal, formatPorts, isEmpty, portSet, subtract, type PortSet } from "../lib/port-set.ts";
import { specDiff, type FlowSummary, type SpecDiff } from "./spec-diff.ts";

export { portsText, specDiff, type FlowChange, type FlowSummary } from "./spec-diff.ts";
import { probePairs, renderCase, type VerifyRequest } from "../verify/verify.ts";

export interface ReachChange {
  source: string;
  destination: string;
  protocol: Protocol;
  ports: string;
  ranges: PortSet;
}

export interface VersionDiff {
  from: string;
  to: string;
  flows: SpecDiff["flows"];
  components: SpecDiff["components"];
  reachability: {
    values: string;
    /** Ports the chart of `to` opens that the chart of `from` kept closed. */
    opened: ReachChange[];
    /** Ports the chart of `from` opened that the chart of `to` closes. */
    closed: ReachChange[];
    /** Model endpoints (Longhorn pods) that exist in one version only. */
    onlyBefore: string[];
    onlyAfter: string[];
    /** Every endpoint of the model of each version. */
    endpoints: { before: string[]; after: string[] };
    /**
     * `source → destination protocol` pairs open on every port in both versions (e.g. a pod's own
     * node, which no policy can restrict): no change can involve them.
     */
    alwaysOpen: string[];
  };
}

const pairKey = (source: string, destination: string, protocol: string) => `${source} → ${destination} ${protocol}`;

/** A model pod's name without the replica suffix: the diff speaks of components. */
const component = (name: string) => name.replace(/ \(2nd pod\)$/, "");

function reachTable(request: VerifyRequest): Map<string, { source: string; destination: string; protocol: Protocol; ports: PortSet }> {
  const { world, actual } = renderCase(request);
  const table = new Map<string, { source: string; destination: string; protocol: Protocol; ports: PortSet }>();
  for (const [source, destination] of probePairs(world)) {
    for (const protocol of PROTOCOLS) {
      const key = `${component(source.name)}\u0000${component(destination.name)}\u0000${protocol}`;
      if (table.has(key)) continue;
      table.set(key, { source: component(source.name), destination: component(destination.name), protocol, ports: actual.reach(source.endpoint, destination.endpoint, protocol).ports });
    }
  }
  return table;
}

export function versionDiff(before: ResolvedSpec, after: ResolvedSpec, request: Omit<VerifyRequest, "version">): VersionDiff {
  const a = reachTable({ ...request, version: before.version });
  const b = reachTable({ ...request, version: after.version });
  const endpoints = (t: typeof a) => new Set([...t.values()].flatMap((c) => [c.source, c.destination]));
  const [ea, eb] = [endpoints(a), endpoints(b)];
  const opened: ReachChange[] = [];
  const closed: ReachChange[] = [];
  const alwaysOpen: string[] = [];
  for (const [key, cell] of b) {
    const old = a.get(key);
    if (old && equal(old.ports, ALL_PORTS) && equal(cell.ports, ALL_PORTS)) alwaysOpen.push(pairKey(cell.source, cell.destination, cell.protocol));
    if (!old || equal(old.ports, cell.ports)) continue;
    const more = subtract(cell.ports, old.ports);
    const less = subtract(old.ports, cell.ports);
    const change = (ranges: PortSet) => ({ source: cell.source, destination: cell.destination, protocol: cell.protocol, ports: formatPorts(ranges), ranges });
    if (!isEmpty(more)) opened.push(change(more));
    if (!isEmpty(less)) closed.push(change(less));
  }
  return {
    from: before.version,
    to: after.version,
    ...specDiff(before, after),
    reachability: {
      values: request.label,
      opened,
      closed,
      onlyBefore: [...ea].filter((e) => !eb.has(e)).sort(),
      onlyAfter: [...eb].filter((e) => !ea.has(e)).sort(),
      alwaysOpen: alwaysOpen.sort(),
      endpoints: { before: [...ea].sort(), after: [...eb].sort() },
    },
  };
}

/**
 * One row per destination, protocol and set of sources, with the ports those sources gained or
 * lost; "any source" when every other endpoint both models share (and that is not open on every port
 * in both) is one of them.
 */
function groupBySources(changes: readonly ReachChange[], everyone: readonly string[], alwaysOpen: ReadonlySet<string>): string[][] {
  const rows: string[][] = [];
  const targets = new Map<string, ReachChange[]>();
  for (const change of changes) {
    const key = `${change.destination}\u0000${change.protocol}`;
    targets.set(key, [...(targets.get(key) ?? []), change]);
  }
  for (const group of targets.values()) {
    const { destination, protocol } = group[0]!;
    // Cut the ports into segments on which the set of sources is constant.
    const cuts = [...new Set(group.flatMap((c) => c.ranges.flatMap(([lo, hi]) => [lo, hi + 1])))].sort((a, b) => a - b);
    const bySources = new Map<string, [number, number][]>();
    for (const [i, lo] of cuts.slice(0, -1).entries()) {
      const hi = cuts[i + 1]! - 1;
      const sources = group.filter((c) => c.ranges.some(([a, b]) => a <= lo && hi <= b)).map((c) => c.source);
      if (sources.length === 0) continue;
      const others = everyone.filter((e) => e !== destination && !alwaysOpen.has(pairKey(e, destination, protocol)));
      const text = others.every((e) => sources.includes(e)) ? "any source" : sources.join(", ");
      bySources.set(text, [...(bySources.get(text) ?? []), [lo, hi]]);
    }
    for (const [text, ranges] of bySources) rows.push([destination, protocol, formatPorts(portSet(ranges)), text]);
  }
  return rows;
}

export function diffAsMarkdown(diff: VersionDiff): string {
  const out: string[] = [`# Longhorn ${diff.from} → ${diff.to}`, ""];
  const section = (title: string, empty: string, body: string | undefined) => out.push(`### ${title}`, "", body ?? empty, "");
  const flowRows = (flows: FlowSummary[]) => flows.map((f) => [f.id, f.from, f.to, f.ports, f.enforced ? "yes" : "no", f.purpose]);
  const flowHeader = ["Flow", "From", "To", "Ports", "Enforced", "Purpose"];
  out.push("## Spec", "");
  section("Flows added", "None.", diff.flows.added.length ? table(flowHeader, flowRows(diff.flows.added)) : undefined);
  section("Flows removed", "None.", diff.flows.removed.length ? table(flowHeader, flowRows(diff.flows.removed)) : undefined);
  section(
    "Flows changed",
    "None.",
    diff.flows.changed.length ? table(["Flow", "Field", diff.from, diff.to], diff.flows.changed.map((c) => [c.id, c.field, c.before, c.after])) : undefined,
  );
  const components = [
    ...diff.components.added.map((id) => [id, "added", "", ""]),
    ...diff.components.removed.map((id) => [id, "removed", "", ""]),
    ...diff.components.changed.map((c) => [c.id, c.field, c.before, c.after]),
  ];
  section("Components", "No change.", components.length ? table(["Component", "Change", diff.from, diff.to], components) : undefined);
  out.push(`## Rendered chart (${diff.reachability.values})`, "");
  const reachHeader = ["Destination", "Protocol", "Ports", "Sources"];
  const { opened, closed, endpoints } = diff.reachability;
  const common = endpoints.after.filter((e) => endpoints.before.includes(e));
  const alwaysOpen = new Set(diff.reachability.alwaysOpen);
  section(`Newly allowed in ${diff.to}`, "None.", opened.length ? table(reachHeader, groupBySources(opened, common, alwaysOpen)) : undefined);
  section(`No longer allowed in ${diff.to}`, "None.", closed.length ? table(reachHeader, groupBySources(closed, common, alwaysOpen)) : undefined);
  const only = [
    ...diff.reachability.onlyBefore.map((e) => `- only in ${diff.from}: ${e}`),
    ...diff.reachability.onlyAfter.map((e) => `- only in ${diff.to}: ${e}`),
  ];
  section("Pods", "The same pods in both versions.", only.length ? only.join("\n") : undefined);
  return out.join("\n").replace(/\n+$/, "\n");
}

/** docs/upgrades.md: every upgrade's diff, under a header saying it is generated. */
export function upgradesMarkdown(diffs: readonly VersionDiff[]): string {
  return `<!-- Generated by netpolgen diff; do not edit. -->\n\n${diffs.map(diffAsMarkdown).join("\n")}`;
}
