// Everything `netpolgen generate` writes, computed in memory; cli.ts writes or compares it. And the
// node firewalls: a host profile loaded, planned for a role and rendered.
import { DiagnosticError, type Diagnostic } from "./lib/diagnostics.ts";
import type { ReadText } from "./loader/load.ts";
import { SpecLoader } from "./loader/load.ts";
import type { ParsedSpecs } from "./loader/parsed-specs.ts";
import type { ResolvedSpec } from "./loader/model.ts";
import { CHART_DIR, renderChart } from "./targets/helm/render-chart.ts";
import type { OutputFile } from "./lib/write.ts";
import { mergeSettings, type FirewallSettings } from "./loader/firewall-config.ts";
import { HostSpecLoader } from "./loader/host-load.ts";
import type { ResolvedHostProfile } from "./loader/host-model.ts";
import { planFirewall } from "./plan/firewall-plan.ts";
import { checkListeners, type CheckReport, type Listener } from "./report/firewall-check.ts";
import { renderFirewalld } from "./targets/firewall/firewalld.ts";
import { renderMarkdown, renderProfileMarkdown } from "./targets/firewall/markdown.ts";
import { renderNftables } from "./targets/firewall/nftables.ts";
import type { ChartRelease } from "./release/metadata.ts";

export interface GeneratedOutput {
  /** Files written one by one. */
  files: OutputFile[];
  /** Directories replaced as a whole, with their files (paths include the directory). */
  trees: { dir: string; files: OutputFile[] }[];
}

/**
 * Loads every given spec version; throws every diagnostic at once when any is invalid. `parsed`: the
 * files the build parsed already (loader/parsed-specs.ts).
 */
export function loadSpecs(specFiles: readonly string[], readText: ReadText, parsed?: ParsedSpecs): ResolvedSpec[] {
  const loader = new SpecLoader(readText, parsed);
  return loadAll(specFiles, (file) => {
    const { spec, diagnostics } = loader.load(file);
    return { value: spec, diagnostics };
  });
}

/** Loads each file; throws every file's diagnostics at once when any has one. */
function loadAll<T>(files: readonly string[], load: (file: string) => { value?: T; diagnostics: readonly Diagnostic[] }): T[] {
  const diagnostics: Diagnostic[] = [];
  const values: T[] = [];
  for (const file of files) {
    const result = load(file);
    diagnostics.push(...result.diagnostics);
    if (result.value) values.push(result.value);
  }
  if (diagnostics.length > 0) throw new DiagnosticError(diagnostics);
  return values;
}

/** Every target's output: the Helm chart for the Longhorn versions, and the host profiles' tables. */
export function generatedOutput(specs: readonly ResolvedSpec[], release: string | ChartRelease, profiles: readonly ResolvedHostProfile[] = []): GeneratedOutput {
  return {
    files: firewallDocs(profiles, specs),
    trees: [{ dir: CHART_DIR, files: renderChart(specs, release) }],
  };
}

// ---------------------------------------------------------------- node firewalls (spec/hosts/)

/** Where `generate` writes each host profile's tables (checked by `generate --check`). */
export const FIREWALL_DOCS_DIR = "docs/firewall";

/** Loads host profiles (every diagnostic thrown at once); `longhornVersions` are the minors with a spec file. */
export function loadHostProfiles(files: readonly string[], readText: ReadText, longhornVersions: readonly string[]): ResolvedHostProfile[] {
  const loader = new HostSpecLoader(readText, longhornVersions);
  return loadAll(files, (file) => {
    const { profile, diagnostics } = loader.load(file);
    return { value: profile, diagnostics };
  });
}

/** The Longhorn spec a profile's Longhorn rows come from (`version` overrides the profile's). */
export function longhornFor(profile: ResolvedHostProfile, specs: readonly ResolvedSpec[], version?: string): ResolvedSpec | undefined {
  const wanted = version ?? profile.longhorn?.version;
  return profile.longhorn ? specs.find((s) => s.version === wanted) : undefined;
}

/** One role of a profile in one format. */
export function firewallOutput(
  profile: ResolvedHostProfile,
  role: string,
  settings: FirewallSettings,
  format: "firewalld" | "nftables" | "markdown",
  longhorn?: ResolvedSpec,
): { text: string; warnings: string[] } {
  const plan = planFirewall(profile, role, settings, longhorn);
  const render = { firewalld: renderFirewalld, nftables: renderNftables, markdown: renderMarkdown }[format];
  return { text: render(plan), warnings: plan.warnings };
}

/** `firewall check`: a node's listening sockets against its role's plan. */
export function firewallCheck(
  profile: ResolvedHostProfile,
  role: string,
  settings: FirewallSettings,
  listeners: readonly Listener[],
  longhorn?: ResolvedSpec,
): CheckReport {
  return checkListeners(planFirewall(profile, role, settings, longhorn), listeners);
}

/** docs/firewall/<profile>.md for each profile: every role with the profile's default addresses. */
export function firewallDocs(profiles: readonly ResolvedHostProfile[], specs: readonly ResolvedSpec[]): OutputFile[] {
  const defaults = mergeSettings(undefined, { roles: {}, sets: {} });
  return profiles.map((profile) => ({
    path: `${FIREWALL_DOCS_DIR}/${profile.profile}.md`,
    content: renderProfileMarkdown([...profile.roles.keys()].map((role) => planFirewall(profile, role, defaults, longhornFor(profile, specs)))),
  }));
}
