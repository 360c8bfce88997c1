// Shared by the suites: load a real spec version, and run the CLI in-process.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "uvu";
import { readYaml } from "../generator/lib/yaml.ts";
import { join } from "node:path";
import { main } from "../generator/cli.ts";
import { PROJECT_ROOT, readBytes } from "../generator/lib/files.ts";
import { HostSpecLoader } from "../generator/loader/host-load.ts";
import type { ResolvedHostProfile } from "../generator/loader/host-model.ts";
import { compareVersions } from "../generator/lib/versions.ts";
import { SpecLoader, type LoadResult } from "../generator/loader/load.ts";
import type { ResolvedSpec } from "../generator/loader/model.ts";

export { PROJECT_ROOT };

/** Every Longhorn minor with a spec file, oldest first (netpolgen new-version adds one). */
export const SPEC_VERSIONS = readdirSync(join(PROJECT_ROOT, "spec/longhorn"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.replace(/\.yaml$/, ""))
  .sort(compareVersions);

const loader = new SpecLoader((file) => readBytes(join(PROJECT_ROOT, file)));

/** Loads a spec file given relative to the project root. */
export function loadSpecFile(file: string): LoadResult {
  return loader.load(file);
}

export function loadVersion(version: string): ResolvedSpec {
  const result = loadSpecFile(`spec/longhorn/${version}.yaml`);
  if (!result.spec || result.diagnostics.length > 0) {
    throw new Error(`spec ${version} is invalid:\n${JSON.stringify(result.diagnostics, null, 2)}`);
  }
  return result.spec;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs netpolgen in-process with the project root as working directory. */
export async function runCli(...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t), cwd: PROJECT_ROOT });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === "object" && v !== null && !Array.isArray(v);

/** Values merged as Helm merges them (maps key by key, lists and scalars replaced): the base, then the override. */
export function mergeValues(base: unknown, over: unknown): unknown {
  if (!isTree(base) || !isTree(over)) return over === undefined ? base : over;
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeValues(base[k], v);
  return out;
}

let defaults: unknown;
/** chart/values.yaml with the given values over it: what Helm hands the templates (and verify). */
export function chartValues(over: unknown): unknown {
  defaults ??= readYaml(readFileSync(join(PROJECT_ROOT, "chart", "values.yaml"), "utf8"));
  return mergeValues(defaults, over);
}

/**
 * A test that needs what this machine may lack (a tool, root, network namespaces): registered as
 * usual when `missing` is undefined; otherwise registered as skipped, and its reason printed as
 * "skipped: <test>: <reason>", so that a run says what it did not check (uvu counts it as skipped,
 * and test/run.mjs prints the count beside passed and failed).
 */
export function testUnless(missing: string | undefined, name: string, fn: () => void | Promise<void>): void {
  if (missing === undefined) {
    test(name, fn);
    return;
  }
  console.log(`skipped: ${name}: ${missing}`);
  test.skip(name, fn);
}

/** Why `command` cannot run here (not installed, not root), or undefined when it can. */
export function missingTool(command: string, args: string[] = ["--version"], needsRoot = false): string | undefined {
  if (needsRoot && process.getuid?.() !== 0) return `${command} needs root here (run as root, as CI does)`;
  const run = spawnSync(command, args, { encoding: "utf8" });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return `${command} is not installed (make setup installs it from Debian)`;
  return undefined;
}

/** The host profiles under spec/hosts/. */
export const PROFILES = ["deckhouse", "k3s", "k3s-platform"];

/** A host profile of spec/hosts/, resolved; throws on any diagnostic. */
export function loadProfile(name: string): ResolvedHostProfile {
  const hosts = new HostSpecLoader((file) => readBytes(join(PROJECT_ROOT, file)), SPEC_VERSIONS);
  const result = hosts.load(`spec/hosts/${name}.yaml`);
  if (!result.profile || result.diagnostics.length > 0) throw new Error(`${name}: ${JSON.stringify(result.diagnostics, null, 2)}`);
  return result.profile;
}
