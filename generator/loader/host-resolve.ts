// Resolve a host profile: follow `extends` to the root profile (resolve.ts's followExtends, as the
// Longhorn versions do) and apply each profile's changes in order. Maps (documents, roles, sets,
// networks) merge by key; rules replace an inherited id in place or are appended; `remove` drops
// inherited ids first.
import type { Diagnostic } from "../lib/diagnostics.ts";
import type { HostDocument } from "./host-check.ts";
import type { HostOrigin, HostResolved, ResolvedHostProfile, Rule } from "./host-model.ts";
import { followExtends } from "./resolve.ts";

export type HostLookup = (profile: string, besideFile: string) => HostDocument | null | undefined;

export interface HostResolveResult {
  profile?: ResolvedHostProfile;
  diagnostics: Diagnostic[];
}

export function resolveHostProfile(leaf: HostDocument, lookup: HostLookup): HostResolveResult {
  const diagnostics: Diagnostic[] = [];
  const chain = followExtends(leaf, { nameOf: (d) => d.spec.profile, lookup, diagnostics });
  if (!chain) return { diagnostics };
  const resolved: ResolvedHostProfile = {
    profile: leaf.spec.profile,
    title: leaf.spec.title,
    notes: leaf.spec.notes ?? [],
    chain: chain.map((d) => d.spec.profile).reverse(),
    file: leaf.source.file,
    documents: new Map(),
    roles: new Map(),
    networks: {},
    sets: new Map(),
    rules: [],
  };
  for (const doc of chain) applyProfile(resolved, doc, diagnostics);
  return { profile: resolved, diagnostics };
}

function applyProfile(target: ResolvedHostProfile, { source, spec }: HostDocument, diagnostics: Diagnostic[]): void {
  const origin = (path: (string | number)[], key = false): HostOrigin => ({
    file: source.file,
    line: source.lineOf(path, { key }),
    profile: spec.profile,
    path,
  });
  const notInherited = spec.extends === undefined ? `${spec.profile} extends no profile` : `not defined in ${spec.extends} or the profiles it extends`;

  for (const kind of ["roles", "sets"] as const) {
    (spec.remove?.[kind] ?? []).forEach((id, i) => {
      if (!target[kind].delete(id)) diagnostics.push({ ...origin(["remove", kind, i]), message: `cannot remove ${kind.slice(0, -1)} "${id}": ${notInherited}` });
    });
  }
  const dropRules = new Set<string>();
  (spec.remove?.rules ?? []).forEach((id, i) => {
    if (!target.rules.some((r) => r.id === id)) diagnostics.push({ ...origin(["remove", "rules", i]), message: `cannot remove rule "${id}": ${notInherited}` });
    dropRules.add(id);
  });
  target.rules = target.rules.filter((r) => !dropRules.has(r.id));
  if (spec.remove?.longhorn) {
    if (!target.longhorn) diagnostics.push({ ...origin(["remove", "longhorn"], true), message: `cannot remove the Longhorn rows: ${notInherited}` });
    delete target.longhorn;
  }

  for (const [id, value] of Object.entries(spec.documents)) target.documents.set(id, { ...value, id, origin: origin(["documents", id], true) });
  for (const [id, value] of Object.entries(spec.roles ?? {})) target.roles.set(id, { ...value, id, origin: origin(["roles", id], true) });
  for (const [id, value] of Object.entries(spec.sets ?? {})) target.sets.set(id, { ...value, id, origin: origin(["sets", id], true) });
  for (const name of ["pods", "services"] as const) {
    const network = spec.networks?.[name];
    if (network) target.networks[name] = { ...network, id: name, origin: origin(["networks", name]) };
  }
  if (spec.longhorn) target.longhorn = { ...spec.longhorn, id: "longhorn", origin: origin(["longhorn"]) };

  const inThisFile = new Map<string, number>();
  (spec.rules ?? []).forEach((rule, i) => {
    const earlier = inThisFile.get(rule.id);
    if (earlier !== undefined) {
      diagnostics.push({ ...origin(["rules", i, "id"]), message: `duplicate rule id "${rule.id}" (also rules[${earlier}] at line ${source.lineOf(["rules", earlier])})` });
      return;
    }
    inThisFile.set(rule.id, i);
    const entry: HostResolved<Rule> = { ...rule, origin: origin(["rules", i]) };
    const inherited = target.rules.findIndex((r) => r.id === rule.id);
    if (inherited >= 0) target.rules[inherited] = entry;
    else target.rules.push(entry);
  });
}
