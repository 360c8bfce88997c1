// The resolved host profile (spec/hosts/<profile>.yaml): inheritance applied, every entry tagged
// with where it was written.
import type { AddressSet, Document, HostSpec, Longhorn, Network, Port, Role, Rule, SeedRow } from "../../schema/host-spec.generated.ts";

export type { AddressSet, Document, HostSpec, Longhorn, Network, Port as HostPort, Role, Rule, SeedRow };

/** Where an entry of a resolved profile was written. */
export interface HostOrigin {
  file: string;
  line: number;
  /** The profile whose file holds the entry. */
  profile: string;
  path: readonly (string | number)[];
}

export type HostResolved<T> = T & { id: string; origin: HostOrigin };

export interface ResolvedHostProfile {
  profile: string;
  title: string;
  notes: string[];
  /** This profile first, then each profile it extends. */
  chain: string[];
  file: string;
  documents: Map<string, HostResolved<Document>>;
  roles: Map<string, HostResolved<Role>>;
  networks: { pods?: HostResolved<Network>; services?: HostResolved<Network> };
  sets: Map<string, HostResolved<AddressSet>>;
  rules: HostResolved<Rule>[];
  longhorn?: HostResolved<Longhorn>;
}

/** What a peer string names. */
export type PeerRef =
  | { kind: "nodes" | "pods" | "services" | "external" | "own-node" }
  | { kind: "role"; id: string }
  | { kind: "set"; id: string };

/** `role:server` → { kind: "role", id: "server" } (the schema has checked the form). */
export function parsePeer(peer: string): PeerRef {
  const colon = peer.indexOf(":");
  if (colon < 0) return { kind: peer as "nodes" | "pods" | "services" | "external" | "own-node" };
  const kind = peer.slice(0, colon);
  return { kind: kind === "role" ? "role" : "set", id: peer.slice(colon + 1) };
}

/** The roles a rule applies to, `all` expanded in the profile's order. */
export function rolesOf(roles: Rule["roles"], profile: ResolvedHostProfile): string[] {
  return roles === "all" ? [...profile.roles.keys()] : [...roles];
}
