// `netpolgen firewall --config FILE`: a node's addresses, interfaces and zones. Parsed like a spec file
// (source.ts: located errors, no aliases bombs, no tags), checked against
// schema/firewall-config.schema.json, then against the profile (its roles and sets); the flags then
// override it key by key (mergeSettings). Every problem names the file, the path and what was expected.
import type { FirewallConfig } from "../../schema/firewall-config.generated.ts";
import type { Diagnostic, DocPath } from "../lib/diagnostics.ts";
import { cidrProblem } from "./host-check.ts";
import type { ResolvedHostProfile } from "./host-model.ts";
import { firewallConfigSchema } from "./host-validator.ts";
import { checkSchema } from "./schema-check.ts";
import { parseYaml } from "./source.ts";

export type { FirewallConfig };

/** A node's addresses, interfaces and choices: the config file with the flags over it (mergeSettings). */
export interface FirewallSettings {
  addresses: {
    nodes?: string[];
    pods?: string[];
    services?: string[];
    external?: string[];
    roles: Record<string, string[]>;
    sets: Record<string, string[]>;
  };
  /** None: the rules apply on every interface; `shared`: one interface; `cluster` + `external`: two. */
  interfaces: { shared?: string; cluster?: string; external?: string };
  zones: { shared: string; cluster: string; external: string };
  /** End the inbound chain (and the forward chain, when the profile lists forwarded traffic) with a drop. */
  drop: boolean;
}

export const DEFAULT_ZONES = { shared: "public", cluster: "cluster", external: "public" } as const;

export interface ConfigResult {
  config?: FirewallConfig;
  diagnostics: Diagnostic[];
}

/** The config file checked on its own and against the profile it is used with. */
export function loadFirewallConfig(file: string, input: string | Uint8Array, profile: ResolvedHostProfile): ConfigResult {
  const parsed = parseYaml(file, input);
  if (!parsed.document) return { diagnostics: parsed.diagnostics };
  const source = parsed.document;
  // An empty map is a valid (if useless) config; YAML's empty document is null.
  if (source.data === null) return { config: {}, diagnostics: [] };
  const schemaProblems = checkSchema(source, firewallConfigSchema());
  if (schemaProblems.length > 0) return { diagnostics: schemaProblems };
  const config = source.data as FirewallConfig;
  const out: Diagnostic[] = [];
  const report = (path: DocPath, message: string, key = false): void => {
    out.push({ file, line: source.lineOf(path, { key }), path, message });
  };
  const addresses = config.addresses ?? {};
  for (const name of ["nodes", "pods", "services", "external"] as const) {
    addresses[name]?.forEach((cidr, i) => {
      const problem = cidrProblem(cidr);
      if (problem) report(["addresses", name, i], problem);
    });
  }
  for (const [kind, known] of [
    ["roles", [...profile.roles.keys()]],
    ["sets", [...profile.sets.keys()]],
  ] as const) {
    for (const [id, cidrs] of Object.entries(addresses[kind] ?? {})) {
      if (!known.includes(id)) {
        report(["addresses", kind, id], `the ${profile.profile} profile has no ${kind.slice(0, -1)} "${id}" (known: ${known.join(", ") || "none"})`, true);
      }
      cidrs.forEach((cidr, i) => {
        const problem = cidrProblem(cidr);
        if (problem) report(["addresses", kind, id, i], problem);
      });
    }
  }
  const problem = interfacesProblem(config.interfaces ?? {});
  if (problem) report(["interfaces"], problem);
  return out.length > 0 ? { diagnostics: out } : { config, diagnostics: [] };
}

/** Why a set of interfaces cannot be used (a shared one beside separate ones, one of the two missing). */
export function interfacesProblem(interfaces: FirewallSettings["interfaces"]): string | undefined {
  if (interfaces.shared && (interfaces.cluster || interfaces.external)) {
    return "give either one shared interface, or a cluster and an external interface, not both";
  }
  if (Boolean(interfaces.cluster) !== Boolean(interfaces.external)) {
    return "separate interfaces need both: the cluster interface and the external interface";
  }
  if (interfaces.cluster && interfaces.cluster === interfaces.external) {
    return `the cluster and the external interface are both ${interfaces.cluster}: for one interface, give it as the shared one`;
  }
  return undefined;
}

/** What the flags say (each already checked); undefined where a flag was not given. */
export interface FlagSettings {
  nodes?: string[];
  pods?: string[];
  services?: string[];
  external?: string[];
  roles: Record<string, string[]>;
  sets: Record<string, string[]>;
  interface?: string;
  clusterInterface?: string;
  externalInterface?: string;
  zone?: string;
  clusterZone?: string;
  externalZone?: string;
  drop?: boolean;
}

/** The flags over the config file, key by key; an interface flag replaces the file's interfaces. */
export function mergeSettings(config: FirewallConfig | undefined, flags: FlagSettings): FirewallSettings {
  const file = config ?? {};
  const byFlags = flags.interface !== undefined || flags.clusterInterface !== undefined || flags.externalInterface !== undefined;
  const interfaces = byFlags
    ? flags.interface !== undefined
      ? { shared: flags.interface }
      : { cluster: flags.clusterInterface ?? file.interfaces?.cluster, external: flags.externalInterface ?? file.interfaces?.external }
    : { ...file.interfaces };
  return {
    addresses: {
      nodes: flags.nodes ?? file.addresses?.nodes,
      pods: flags.pods ?? file.addresses?.pods,
      services: flags.services ?? file.addresses?.services,
      external: flags.external ?? file.addresses?.external,
      roles: { ...file.addresses?.roles, ...flags.roles },
      sets: { ...file.addresses?.sets, ...flags.sets },
    },
    interfaces: Object.fromEntries(Object.entries(interfaces).filter(([, v]) => v !== undefined)),
    zones: {
      shared: flags.zone ?? file.zones?.shared ?? DEFAULT_ZONES.shared,
      cluster: flags.clusterZone ?? file.zones?.cluster ?? DEFAULT_ZONES.cluster,
      external: flags.externalZone ?? file.zones?.external ?? DEFAULT_ZONES.external,
    },
    drop: flags.drop ?? file.drop ?? false,
  };
}
