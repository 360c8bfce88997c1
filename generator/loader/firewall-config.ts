// `netpolgen firewall --config FILE`: a node's addresses, interfaces and zones. Parsed like a spec file
// (source.ts: located errors, no alias bombs, no tags), checked against
// schema/firewall-config.schema.json, then against the profile (its roles and sets); the flags then
// override it key by key (mergeSettings). Every problem names the file, the path and what was expected.
import type { FirewallConfig } from "../../schema/firewall-config.generated.ts";
import type { Diagnostic, DocPath } from "../lib/diagnostics.ts";
import { cidrProblem } from "./host-check.ts";
import type { ResolvedHostProfile } from "./host-model.ts";
import configSchema from "../../schema/firewall-config.schema.json" with { type: "json" };
import { CONFIG_MEANINGS, firewallConfigSchema } from "./host-validator.ts";
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
  /** None: the rules apply on every interface; `single`: one interface; `cluster` + `external`: two. */
  interfaces: { single?: string; cluster?: string; external?: string };
  zones: { single: string; cluster: string; external: string };
  /** End the inbound chain (and the forward chain, when the profile lists forwarded traffic) with a drop. */
  drop: boolean;
}

export const DEFAULT_ZONES = { single: "public", cluster: "cluster", external: "public" } as const;

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

const ONE_OR_TWO = "give either one interface for everything, or a cluster and an external interface, not both";

/** Why a set of interfaces cannot be used (a single one beside separate ones, one of the two missing). */
export function interfacesProblem(interfaces: FirewallSettings["interfaces"]): string | undefined {
  if (interfaces.single && (interfaces.cluster || interfaces.external)) return ONE_OR_TWO;
  if (Boolean(interfaces.cluster) !== Boolean(interfaces.external)) {
    return "separate interfaces need both: the cluster interface and the external interface";
  }
  if (interfaces.cluster && interfaces.cluster === interfaces.external) {
    return `the cluster and the external interface are both ${interfaces.cluster}: for one interface, give it as interfaces.single (--interface)`;
  }
  return undefined;
}

/** The command line's address, interface and zone flags as typed (`--nodes 10.0.0.0/24,10.1.0.0/24`). */
export interface FirewallFlags {
  nodes?: string;
  /** `--servers CIDRS`: `--role-cidrs server=CIDRS` for the profiles with a server role. */
  servers?: string;
  pods?: string;
  services?: string;
  external?: string;
  /** `ROLE=CIDR[,CIDR...]`, repeatable. */
  roleCidrs: string[];
  /** `SET=CIDR[,CIDR...]`, repeatable. */
  set: string[];
  interface?: string;
  clusterInterface?: string;
  externalInterface?: string;
  zone?: string;
  clusterZone?: string;
  externalZone?: string;
  drop?: boolean;
}

/** A flag the command line cannot take, phrased for it (`--nodes: "10.0.0.1/24" has bits set ...`). */
class FlagProblem extends Error {}

/** The names the config file takes, checked by the schema's own patterns and in its words. */
const NAME_FORMS = {
  interface: { pattern: new RegExp(configSchema.definitions.Interface.pattern), meaning: CONFIG_MEANINGS["#/definitions/Interface"]! },
  zone: { pattern: new RegExp(configSchema.definitions.Zone.pattern), meaning: CONFIG_MEANINGS["#/definitions/Zone"]! },
};

/**
 * The flags checked and merged over the config file (key by key; an interface flag replaces the
 * file's interfaces): the settings, or the first problem, naming the flag.
 */
export function settingsFromFlags(flags: FirewallFlags, config: FirewallConfig | undefined, profile: ResolvedHostProfile): { settings: FirewallSettings } | { problem: string } {
  try {
    const roles = [...profile.roles.keys()];
    const list = (flag: string, value: string | undefined): string[] | undefined => (value === undefined ? undefined : cidrList(flag, value));
    const name = (flag: string, value: string | undefined, form: keyof typeof NAME_FORMS): string | undefined => {
      if (value !== undefined && !NAME_FORMS[form].pattern.test(value)) throw new FlagProblem(`${flag}: expected ${NAME_FORMS[form].meaning}, got ${JSON.stringify(value)}`);
      return value;
    };
    if (flags.interface !== undefined && (flags.clusterInterface !== undefined || flags.externalInterface !== undefined)) {
      throw new FlagProblem(`interfaces: ${ONE_OR_TWO}`);
    }
    if (flags.servers !== undefined && !roles.includes("server")) {
      throw new FlagProblem(`--servers: the ${profile.profile} profile has no server role (roles: ${roles.join(", ")}): give --role-cidrs ROLE=CIDRS`);
    }
    const settings = mergeSettings(config, {
      nodes: list("--nodes", flags.nodes),
      pods: list("--pods", flags.pods),
      services: list("--services", flags.services),
      external: list("--external", flags.external),
      roles: namedCidrs("--role-cidrs", [...(flags.servers !== undefined ? [`server=${flags.servers}`] : []), ...flags.roleCidrs], roles, "role"),
      sets: namedCidrs("--set", flags.set, [...profile.sets.keys()], "set"),
      interface: name("--interface", flags.interface, "interface"),
      clusterInterface: name("--cluster-interface", flags.clusterInterface, "interface"),
      externalInterface: name("--external-interface", flags.externalInterface, "interface"),
      zone: name("--zone", flags.zone, "zone"),
      clusterZone: name("--cluster-zone", flags.clusterZone, "zone"),
      externalZone: name("--external-zone", flags.externalZone, "zone"),
      ...(flags.drop !== undefined ? { drop: flags.drop } : {}),
    });
    const problem = interfacesProblem(settings.interfaces);
    if (problem) throw new FlagProblem(`interfaces: ${problem}`);
    return { settings };
  } catch (error) {
    if (error instanceof FlagProblem) return { problem: error.message };
    throw error;
  }
}

/** `10.0.0.0/24,10.1.0.0/24`: the CIDRs, each checked. */
function cidrList(flag: string, value: string): string[] {
  const cidrs = value.split(",").map((c) => c.trim());
  for (const cidr of cidrs) {
    const problem = cidrProblem(cidr);
    if (problem) throw new FlagProblem(`${flag}: ${problem}`);
  }
  return cidrs;
}

/** `server=10.0.0.0/28,...` (repeatable) by name, each name one of `known`. */
function namedCidrs(flag: string, values: readonly string[], known: readonly string[], kind: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const value of values) {
    const match = /^([a-z][a-z0-9-]*)=(.+)$/.exec(value);
    if (!match) throw new FlagProblem(`${flag}: expected NAME=CIDR[,CIDR...], like ${kind === "set" ? "administrators" : "server"}=192.0.2.0/24, got ${JSON.stringify(value)}`);
    if (!known.includes(match[1]!)) throw new FlagProblem(`${flag}: the profile has no ${kind} ${JSON.stringify(match[1])} (${kind}s: ${known.join(", ") || "none"})`);
    out[match[1]!] = cidrList(`${flag} ${match[1]}`, match[2]!);
  }
  return out;
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
      ? { single: flags.interface }
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
      single: flags.zone ?? file.zones?.single ?? DEFAULT_ZONES.single,
      cluster: flags.clusterZone ?? file.zones?.cluster ?? DEFAULT_ZONES.cluster,
      external: flags.externalZone ?? file.zones?.external ?? DEFAULT_ZONES.external,
    },
    drop: flags.drop ?? file.drop ?? false,
  };
}
