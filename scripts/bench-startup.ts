// Part of `make bench`: issue 11's targets, each a ratio of two commands timed in the same run,
// alternately, many rounds, the median of each (scripts/bench.ts writes them into the report).
//
//   netpolgen --help          ≤ 2 × `node -e 0`
//   netpolgen generate        ≤ 3 × `node -e 0`   (every version, chart/ up to date)
//   helm template (ours)      ≤ 0.8 × helm template of Longhorn's own chart (BENCH_UPSTREAM_CHART)
//
// netpolgen runs compiled (node generator/bin/netpolgen.mjs, no tsx), in a copy of the project's
// runtime files (what `npm pack` ships, with the build), so that generate never writes the
// repository's chart/. Beside the targets, for the why: generate with every spec file edited (a
// comment appended: the files are parsed and schema-checked, not taken from the build's parsed
// copies), generate writing chart/ anew, and where generate's time goes (bench-startup-phases.mjs).
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../generator/lib/files.ts";

export interface Command {
  label: string;
  argv: string[];
  cwd?: string;
  /** Run before each round, untimed. */
  before?: () => void;
}

export interface Timing {
  label: string;
  /** Every round, ms. */
  times: number[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function run(command: Command): { ms: number; status: number | null; stderr: string } {
  command.before?.();
  const started = process.hrtime.bigint();
  const result = spawnSync(command.argv[0]!, command.argv.slice(1), {
    cwd: command.cwd ?? PROJECT_ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, status: result.status, stderr: result.stderr ?? String(result.error ?? "") };
}

/**
 * Each command once untimed (warming the file cache; a failure stops the bench), then `rounds`
 * rounds of every command in turn, so that a change of load touches all of them alike.
 */
export function interleaved(commands: readonly Command[], rounds: number): Timing[] {
  for (const command of commands) {
    const warm = run(command);
    if (warm.status !== 0) throw new Error(`${command.label}: ${command.argv.join(" ")} failed: ${warm.stderr.trim().split("\n").slice(-5).join(" ")}`);
  }
  const timings = commands.map((c) => ({ label: c.label, times: [] as number[] }));
  for (let i = 0; i < rounds; i++) {
    commands.forEach((command, j) => {
      const result = run(command);
      if (result.status !== 0) throw new Error(`${command.label}: failed in round ${i + 1}: ${result.stderr.trim()}`);
      timings[j]!.times.push(result.ms);
    });
  }
  return timings;
}

/** What `npm pack` ships (package.json "files") plus the build: a project netpolgen runs in. */
const RUNTIME_FILES = ["package.json", "build", "generator/bin", "generator/targets/helm/templates", "spec", "schema/spec.schema.json", "chart"];

/** A copy of the project's runtime files in `dir`, its node_modules a link to the project's. */
export function projectCopy(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const path of RUNTIME_FILES) {
    if (!existsSync(join(PROJECT_ROOT, path))) throw new Error(`${path} is missing: run make build first`);
    cpSync(join(PROJECT_ROOT, path), join(dir, path), { recursive: true });
  }
  // The build's scratch folders of the tests, if any, are not part of it.
  for (const name of readdirSync(join(dir, "build"))) if (name.startsWith("test-")) rmSync(join(dir, "build", name), { recursive: true, force: true });
  symlinkSync(realpathSync(join(PROJECT_ROOT, "node_modules")), join(dir, "node_modules"));
  return dir;
}

export interface StartupResult {
  rounds: number;
  node: Timing;
  help: Timing;
  generate: Timing;
  /** Every spec file edited: parsed and schema-checked in process. */
  generateEdited: Timing;
  /** chart/ deleted before each round: written anew. */
  generateWrite: Timing;
  /** Medians of bench-startup-phases.mjs, ms. */
  phases: Record<string, number>;
  /** Medians of bench-startup-phases.mjs --split-render's parts of rendering, each run alone and cold, ms. */
  split: Record<string, number>;
  /** How many spec files generate took from the build's parsed copies. */
  parsedSpecs: number;
}

export function measureStartup(work: string, rounds: number): StartupResult {
  const bin = (root: string) => join(root, "generator/bin/netpolgen.mjs");
  const main = projectCopy(join(work, "project"));
  const edited = projectCopy(join(work, "edited"));
  for (const file of readdirSync(join(edited, "spec/longhorn"))) appendFileSync(join(edited, "spec/longhorn", file), "\n# edited by make bench\n");
  const writing = projectCopy(join(work, "writing"));
  // Each copy must be current: generate --check passes (the edit adds a comment, no data).
  for (const root of [main, edited]) {
    const check = spawnSync(process.execPath, [bin(root), "generate", "--check"], { cwd: root, encoding: "utf8" });
    if (check.status !== 0) throw new Error(`generate --check in ${root}: ${check.stderr.trim()}`);
  }
  const node = process.execPath;
  const [nodeT, helpT, generateT, editedT, writeT] = interleaved(
    [
      { label: "node -e 0", argv: [node, "-e", "0"], cwd: main },
      { label: "netpolgen --help", argv: [node, bin(main), "--help"], cwd: main },
      { label: "netpolgen generate", argv: [node, bin(main), "generate"], cwd: main },
      { label: "netpolgen generate, spec files edited", argv: [node, bin(edited), "generate"], cwd: edited },
      {
        label: "netpolgen generate, writing chart/",
        argv: [node, bin(writing), "generate"],
        cwd: writing,
        before: () => rmSync(join(writing, "chart"), { recursive: true, force: true }),
      },
    ],
    rounds,
  );
  type Sample = { phases: Record<string, number>; split: Record<string, number>; parsedSpecs: number };
  const samples: Sample[] = [];
  const splits: Sample[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const [flags, into] of [[[], samples], [["--split-render"], splits]] as const) {
      const phases = spawnSync(node, [join(PROJECT_ROOT, "scripts/bench-startup-phases.mjs"), main, ...flags], { cwd: main, encoding: "utf8" });
      if (phases.status !== 0) throw new Error(`bench-startup-phases.mjs: ${phases.stderr.trim()}`);
      into.push(JSON.parse(phases.stdout.trim().split("\n").pop()!) as Sample);
    }
  }
  const phaseNames = Object.keys(samples[0]!.phases);
  const splitNames = Object.keys(splits[0]!.split);
  return {
    rounds,
    node: nodeT!,
    help: helpT!,
    generate: generateT!,
    generateEdited: editedT!,
    generateWrite: writeT!,
    phases: Object.fromEntries(phaseNames.map((name) => [name, median(samples.map((s) => s.phases[name] ?? 0))])),
    split: Object.fromEntries(splitNames.map((name) => [name, median(splits.map((s) => s.split[name] ?? 0))])),
    parsedSpecs: samples[0]!.parsedSpecs,
  };
}

export interface HelmResult {
  rounds: number;
  ours: Timing;
  upstream: Timing;
  /** Ours with only the default version's policy templates: what the other versions' templates cost. */
  oursOneVersion: Timing;
  /** Ours without templates/NOTES.txt (every version's notes in one template). */
  oursNoNotes: Timing;
  /** `helm version`: helm's own start, the floor of any render. */
  helmStart: Timing;
  /** Template files and bytes helm loads for each chart. */
  files: { ours: number; oursBytes: number; upstream: number; upstreamBytes: number; oneVersion: number; oneVersionBytes: number; notesBytes: number };
  upstreamVersion: string;
  defaultVersion: string;
}

function templateFiles(chart: string): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        count++;
        bytes += statSync(path).size;
      }
    }
  };
  walk(join(chart, "templates"));
  return { count, bytes };
}

export function measureHelm(helm: string, upstreamChart: string, work: string, rounds: number): HelmResult {
  const ours = join(PROJECT_ROOT, "chart");
  // cni generic: under helm template no Node can be read (the default, auto, would fail asking for the lists).
  const values = ["-n", "longhorn-system", "--set", "networkPolicies.enabled=true", "--set", "networkPolicies.cni=generic"];
  // The chart with only the default version's templates (a copy; what the other versions' files cost).
  const chartYaml = spawnSync(helm, ["show", "chart", ours], { encoding: "utf8" }).stdout;
  const defaultVersion = /^appVersion: "?([0-9.]+)"?$/m.exec(chartYaml)?.[1] ?? "";
  const oneVersion = join(work, "one-version", "chart");
  cpSync(ours, oneVersion, { recursive: true });
  for (const name of readdirSync(join(oneVersion, "templates"))) {
    if (/^\d+\.\d+$/.test(name) && name !== defaultVersion) rmSync(join(oneVersion, "templates", name), { recursive: true });
  }
  const noNotes = join(work, "no-notes", "chart");
  cpSync(ours, noNotes, { recursive: true });
  rmSync(join(noNotes, "templates/NOTES.txt"));
  const upstreamChartYaml = spawnSync(helm, ["show", "chart", upstreamChart], { encoding: "utf8" }).stdout;
  const [oursT, upstreamT, oneT, noNotesT, startT] = interleaved(
    [
      { label: "helm template (ours)", argv: [helm, "template", "lhnp", ours, ...values] },
      { label: "helm template (Longhorn's chart)", argv: [helm, "template", "longhorn", upstreamChart, ...values] },
      { label: "helm template (ours, default version's templates only)", argv: [helm, "template", "lhnp", oneVersion, ...values] },
      { label: "helm template (ours without NOTES.txt)", argv: [helm, "template", "lhnp", noNotes, ...values] },
      { label: "helm version (helm's own start)", argv: [helm, "version"] },
    ],
    rounds,
  );
  const a = templateFiles(ours);
  const b = templateFiles(upstreamChart);
  const c = templateFiles(oneVersion);
  return {
    rounds,
    ours: oursT!,
    upstream: upstreamT!,
    oursOneVersion: oneT!,
    oursNoNotes: noNotesT!,
    helmStart: startT!,
    files: {
      ours: a.count,
      oursBytes: a.bytes,
      upstream: b.count,
      upstreamBytes: b.bytes,
      oneVersion: c.count,
      oneVersionBytes: c.bytes,
      notesBytes: statSync(join(ours, "templates/NOTES.txt")).size,
    },
    upstreamVersion: /^version: "?([^"\n]+)"?$/m.exec(upstreamChartYaml)?.[1] ?? "unknown",
    defaultVersion,
  };
}
