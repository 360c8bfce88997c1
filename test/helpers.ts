// Shared by the suites: load a real spec version, and run the CLI in-process.
import { readdirSync, readFileSync } from "node:fs";
import { readYaml } from "../generator/lib/yaml.ts";
import { join } from "node:path";
import { main } from "../generator/cli.ts";
import { PROJECT_ROOT, readBytes } from "../generator/lib/files.ts";
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
