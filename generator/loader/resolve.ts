// Stage 3, resolve: follow `extends` from a version to its root and apply each version's changes in order.
import { basename } from "node:path";
import type { Diagnostic } from "../lib/diagnostics.ts";
import type { Component, Feature, Flow, FlowSpec, Listener, Origin, Peer, Resolved, ResolvedSpec } from "./model.ts";
import type { SourceDocument } from "./source.ts";

/** A parsed spec file that passed the schema. */
export interface SpecDocument {
  source: SourceDocument;
  spec: FlowSpec;
}

/**
 * Finds the document of a version next to a given file: undefined when there is no such file,
 * null when there is one but it is invalid (its own diagnostics say why).
 */
export type SpecLookup = (version: string, besideFile: string) => SpecDocument | null | undefined;

export interface ResolveResult {
  spec?: ResolvedSpec;
  diagnostics: Diagnostic[];
}

/** What applying a document's chain (root first, the document last) gives: the entries, and the diagnostics on the way. */
interface Applied {
  kubeVersion?: string;
  features: ResolvedSpec["features"];
  components: ResolvedSpec["components"];
  peers: ResolvedSpec["peers"];
  flows: ResolvedSpec["flows"];
  listeners: ResolvedSpec["listeners"];
  diagnostics: Diagnostic[];
}

/**
 * Applied chains by their last document, for a loader that resolves several versions of one line
 * (1.13 extends 1.12 ... extends 1.4): each version is then applied once, not once per version that
 * extends it. Valid for one lookup (a document's chain is found through it).
 */
export type ResolveMemo = Map<SpecDocument, Applied>;

export function resolveSpec(leaf: SpecDocument, lookup: SpecLookup, memo: ResolveMemo = new Map()): ResolveResult {
  const diagnostics: Diagnostic[] = [];
  const chain = extendsChain(leaf, lookup, diagnostics);
  if (!chain) return { diagnostics };

  const leafSpec = leaf.spec;
  const resolved: ResolvedSpec = {
    product: leafSpec.product,
    version: leafSpec.version,
    status: leafSpec.status,
    kubeVersion: undefined,
    docs: leafSpec.docs ?? [],
    notes: leafSpec.notes ?? [],
    chain: chain.map((d) => d.spec.version).reverse(),
    file: leaf.source.file,
    features: new Map(),
    components: new Map(),
    peers: new Map(),
    flows: [],
    listeners: [],
  };
  // Start after the last document of the chain already applied, with what applying it gave.
  let from = 0;
  for (let i = chain.length - 1; i >= 0; i--) {
    const applied = memo.get(chain[i]!);
    if (!applied) continue;
    Object.assign(resolved, copyApplied(applied));
    diagnostics.push(...applied.diagnostics);
    from = i + 1;
    break;
  }
  for (const doc of chain.slice(from)) {
    applyVersion(resolved, doc, diagnostics);
    memo.set(doc, { ...copyApplied(resolved), diagnostics: [...diagnostics] });
  }
  // Entries of their own, as if applied for this version alone.
  const copy = <T extends object>(entry: T): T => ({ ...entry });
  resolved.features = new Map([...resolved.features].map(([id, e]) => [id, copy(e)]));
  resolved.components = new Map([...resolved.components].map(([id, e]) => [id, copy(e)]));
  resolved.peers = new Map([...resolved.peers].map(([id, e]) => [id, copy(e)]));
  resolved.flows = resolved.flows.map(copy);
  resolved.listeners = resolved.listeners.map(copy);
  return { spec: resolved, diagnostics };
}

/** The entries of a resolved or applied chain, in collections of their own (applyVersion changes them). */
function copyApplied(from: Omit<Applied, "diagnostics">): Omit<Applied, "diagnostics"> {
  return {
    kubeVersion: from.kubeVersion,
    features: new Map(from.features),
    components: new Map(from.components),
    peers: new Map(from.peers),
    flows: [...from.flows],
    listeners: [...from.listeners],
  };
}

/** Root first, leaf last; undefined (with diagnostics) when a link is missing, cyclic or of another product. */
function extendsChain(leaf: SpecDocument, lookup: SpecLookup, diagnostics: Diagnostic[]): SpecDocument[] | undefined {
  return followExtends(leaf, {
    nameOf: (d) => d.spec.version,
    lookup,
    mismatch: (parent, child) =>
      parent.spec.product === child.spec.product ? undefined : `"${parent.spec.version}" is a ${parent.spec.product} spec, not ${child.spec.product}`,
    diagnostics,
  });
}

/** A parsed document that may name, in `extends`, another document beside it. */
export interface Extending {
  source: SourceDocument;
  spec: { extends?: string };
}

/**
 * The chain of documents from the root to `leaf` (root first), following `extends`; undefined,
 * with located diagnostics, when a link is missing, makes a cycle, or `mismatch` refuses it. The
 * Longhorn versions and the host profiles (host-resolve.ts) both inherit this way.
 */
export function followExtends<D extends Extending>(
  leaf: D,
  how: {
    nameOf: (d: D) => string;
    lookup: (name: string, besideFile: string) => D | null | undefined;
    mismatch?: (parent: D, child: D) => string | undefined;
    diagnostics: Diagnostic[];
  },
): D[] | undefined {
  const chain: D[] = [leaf];
  let current = leaf;
  while (current.spec.extends !== undefined) {
    const parentName = current.spec.extends;
    const at = { file: current.source.file, line: current.source.lineOf(["extends"]), path: ["extends"] };
    const seen = chain.map(how.nameOf);
    if (seen.includes(parentName)) {
      const cycle = [...seen.slice(seen.indexOf(parentName)), parentName].join(" → ");
      how.diagnostics.push({ ...at, message: `"${parentName}" makes a cycle: ${cycle}` });
      return undefined;
    }
    const parent = how.lookup(parentName, current.source.file);
    if (parent === null) return undefined;
    if (parent === undefined) {
      how.diagnostics.push({ ...at, message: `"${parentName}" is unknown: there is no ${parentName}.yaml beside ${basename(current.source.file)}` });
      return undefined;
    }
    const refused = how.mismatch?.(parent, current);
    if (refused) {
      how.diagnostics.push({ ...at, message: refused });
      return undefined;
    }
    chain.push(parent);
    current = parent;
  }
  return chain.reverse();
}

function applyVersion(target: ResolvedSpec, doc: SpecDocument, diagnostics: Diagnostic[]): void {
  const { spec, source } = doc;
  const origin = (path: (string | number)[], key = false): Origin => ({
    file: source.file,
    line: source.lineOf(path, { key }),
    version: spec.version,
    path,
  });
  if (spec.kubeVersion !== undefined) target.kubeVersion = spec.kubeVersion;

  // Removals first, so that a version can drop an entry and define a new one with the same id.
  const removed = { components: new Map<string, Origin>(), peers: new Map<string, Origin>() };
  const removeFrom = <T>(kind: "features" | "components" | "peers", entries: Map<string, T>): void => {
    (spec.remove?.[kind] ?? []).forEach((id, i) => {
      const at = origin(["remove", kind, i]);
      if (!entries.delete(id)) {
        diagnostics.push({ ...at, message: `cannot remove ${kindName(kind)} "${id}": ${notInherited(spec)}` });
      } else if (kind === "components" || kind === "peers") {
        removed[kind].set(id, at);
      }
    });
  };
  removeFrom("features", target.features);
  removeFrom("components", target.components);
  removeFrom("peers", target.peers);
  // Ids of resolved flows and listeners are unique (mergeListed keeps them so), and the schema makes
  // each remove list unique: dropping every listed id in one pass equals splicing them one by one.
  const removeListed = <T extends { id: string }>(kind: "flows" | "listeners", entries: T[]): T[] => {
    const ids = spec.remove?.[kind] ?? [];
    if (ids.length === 0) return entries;
    const present = new Set(entries.map((e) => e.id));
    const drop = new Set<string>();
    ids.forEach((id, i) => {
      if (!present.has(id) || drop.has(id)) {
        const at = origin(["remove", kind, i]);
        diagnostics.push({ ...at, message: `cannot remove ${kindName(kind)} "${id}": ${notInherited(spec)}` });
      } else {
        drop.add(id);
      }
    });
    return drop.size === 0 ? entries : entries.filter((e) => !drop.has(e.id));
  };
  target.flows = removeListed("flows", target.flows);
  target.listeners = removeListed("listeners", target.listeners);

  const merge = <T>(kind: "features" | "components" | "peers", entries: Map<string, Resolved<T>>): void => {
    for (const [id, value] of Object.entries((spec[kind] ?? {}) as Record<string, T | undefined>)) {
      if (value !== undefined) entries.set(id, { ...value, id, origin: origin([kind, id], true) });
    }
  };
  merge<Feature>("features", target.features);
  merge<Component>("components", target.components);
  merge<Peer>("peers", target.peers);

  // Listed entries (flows, listeners): an inherited id is replaced in place, a new one appended.
  const mergeListed = <T extends { id: string }>(kind: "flows" | "listeners", entries: Resolved<T>[]): void => {
    const firstInThisFile = new Map<string, number>();
    /** Where each id sits in `entries`: resolved ids are unique, so the first match is the only one. */
    const indexOf = new Map<string, number>();
    entries.forEach((e, i) => {
      if (!indexOf.has(e.id)) indexOf.set(e.id, i);
    });
    ((spec[kind] ?? []) as unknown as T[]).forEach((item, i) => {
      const earlier = firstInThisFile.get(item.id);
      if (earlier !== undefined) {
        diagnostics.push({
          ...origin([kind, i, "id"]),
          message: `duplicate ${kindName(kind)} id "${item.id}" (also ${kind}[${earlier}] at line ${source.lineOf([kind, earlier])})`,
        });
        return;
      }
      firstInThisFile.set(item.id, i);
      const entry = { ...item, origin: origin([kind, i]) } as Resolved<T>;
      const inherited = indexOf.get(item.id);
      if (inherited !== undefined) {
        entries[inherited] = entry;
      } else {
        indexOf.set(item.id, entries.length);
        entries.push(entry);
      }
    });
  };
  mergeListed<Flow>("flows", target.flows);
  mergeListed<Listener>("listeners", target.listeners);

  // A removed component or peer must not leave flows behind that still use it.
  for (const kind of ["components", "peers"] as const) {
    for (const [id, at] of removed[kind]) {
      if (target[kind].has(id)) continue;
      const users = target.flows.filter((f) => f.from === id || f.to === id);
      if (users.length === 0) continue;
      for (const flow of users) {
        diagnostics.push({
          ...at,
          message: `${kindName(kind)} "${id}" is still used by flow "${flow.id}" (${basename(flow.origin.file)}:${flow.origin.line}): remove or replace that flow too`,
        });
      }
      // Reported here, where the fix belongs; drop the flows so they are not reported again as dangling.
      target.flows = target.flows.filter((f) => f.from !== id && f.to !== id);
    }
  }
  // A component's listeners go with it.
  for (const id of removed.components.keys()) {
    if (!target.components.has(id)) target.listeners = target.listeners.filter((l) => l.component !== id);
  }
}

function kindName(kind: "features" | "components" | "peers" | "flows" | "listeners"): string {
  return kind.slice(0, -1);
}

function notInherited(spec: FlowSpec): string {
  return spec.extends === undefined
    ? `${spec.version} extends no version, so there is nothing to remove`
    : `not defined in ${spec.extends} or the versions it extends`;
}
