// One stage of `make bench`, run by scripts/bench.ts in a process of its own so that the peak memory
// it reports (process.resourceUsage().maxRSS) belongs to that stage alone.
//
//   node --import tsx scripts/bench-stage.ts <stage> '<json arguments>'
//
// Stages: validate (load, schema, checks and resolve of every version in a spec directory), parse
// (the YAML parser alone, on the synthetic file), generate (load, then plan and render the chart in memory, then write it to a directory), verify
// (helm template of that chart and the exact comparison on the model cluster). Prints one JSON line.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as plainParse } from "yaml";
import { PROJECT_ROOT, readText } from "../generator/lib/files.ts";
import { loadSpecs } from "../generator/pipeline.ts";
import { helmBinary } from "../generator/verify/helm.ts";
import { SpecLoader } from "../generator/loader/load.ts";
import type { ResolvedSpec } from "../generator/loader/model.ts";
import { planVersion } from "../generator/plan/plan.ts";
import { renderChart } from "../generator/targets/helm/render-chart.ts";
import { parseYaml } from "../generator/loader/source.ts";
import { compareCase, renderCase } from "../generator/verify/verify.ts";
import { replaceDirectoryAtomically } from "../generator/lib/write.ts";

export interface StageArgs {
  specDir: string;
  /** The synthetic version (its file is <specDir>/longhorn/<version>.yaml). */
  version: string;
  /** generate: where chart/ is written; verify: where it was written. */
  outDir?: string;
}

export interface StageResult {
  stage: string;
  /** Wall time of the stage's work inside the process (no Node.js or tsx start-up), ms. */
  ms: number;
  /** Parts of `ms` (or, where said, measured beside it), ms. */
  parts: Record<string, number>;
  /** Peak resident set size of this process, MB. */
  maxRssMB: number;
  facts: Record<string, number | string | boolean>;
}

/** Spec files of a directory in version order (1.9 before 1.10), as the CLI lists them. */
function specFiles(specDir: string): string[] {
  const dir = join(specDir, "longhorn");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => join(dir, f))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

function clock(): () => number {
  const start = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - start) / 1e6;
}

function synthetic(specs: readonly ResolvedSpec[], version: string): ResolvedSpec {
  const spec = specs.find((s) => s.version === version);
  if (!spec) throw new Error(`no synthetic version ${version} among ${specs.map((s) => s.version).join(", ")}`);
  return spec;
}

function validate(args: StageArgs): Omit<StageResult, "maxRssMB"> {
  const files = specFiles(args.specDir);
  const elapsed = clock();
  const loader = new SpecLoader(readText);
  const results = files.map((file) => loader.load(file));
  const ms = elapsed();
  const problems = results.flatMap((r) => r.diagnostics);
  if (problems.length > 0) throw new Error(`the synthetic spec is invalid:\n${problems.slice(0, 20).map((d) => `${d.file}:${d.line} ${d.message}`).join("\n")}`);
  const spec = synthetic(results.map((r) => r.spec!), args.version);
  return {
    stage: "validate",
    ms,
    parts: {},
    facts: { files: files.length, flows: spec.flows.length, components: spec.components.size, listeners: spec.listeners.length },
  };
}

/** The part of validate that is the YAML parser: every file parsed in order, the synthetic one timed. */
function parse(args: StageArgs): Omit<StageResult, "maxRssMB"> {
  const synthetic = join(args.specDir, "longhorn", `${args.version}.yaml`);
  let ms = 0;
  for (const file of specFiles(args.specDir)) {
    const text = readFileSync(file, "utf8");
    const elapsed = clock();
    if (!parseYaml(file, text).document) throw new Error(`${file} does not parse`);
    if (file === synthetic) ms = elapsed();
  }
  // For comparison, beside the stage: the same package's plain parse (no line counter, no structure checks) on the same text.
  const text = readFileSync(synthetic, "utf8");
  const elapsed = clock();
  plainParse(text);
  return { stage: "parse", ms, parts: { plainParse: elapsed() }, facts: { bytes: Buffer.byteLength(text) } };
}

function chartVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string }).version;
}

function generate(args: StageArgs): Omit<StageResult, "maxRssMB"> {
  if (!args.outDir) throw new Error("generate needs outDir");
  const files = specFiles(args.specDir);
  // The chart of an earlier round made stale (untimed): replaceDirectoryAtomically leaves a directory
  // that already holds exactly the files as it is, and replacing it is what this stage times.
  const earlier = join(args.outDir, "chart");
  if (existsSync(earlier)) writeFileSync(join(earlier, "stale.yaml"), "# an earlier round's chart\n");
  const elapsed = clock();
  const specs = loadSpecs(files, readText);
  const loaded = elapsed();
  const rendered = renderChart(specs, chartVersion());
  const renderedAt = elapsed();
  replaceDirectoryAtomically(args.outDir, "chart", rendered);
  const ms = elapsed();
  // Planning alone, beside the stage (renderChart plans every version itself).
  const planElapsed = clock();
  const plans = specs.map(planVersion);
  const plan = planElapsed();
  const plannedPolicies = plans.find((p) => p.version === args.version)?.policies ?? [];
  return {
    stage: "generate",
    ms,
    parts: { load: loaded, planAndRender: renderedAt - loaded, write: ms - renderedAt, planAlone: plan },
    facts: {
      flows: synthetic(specs, args.version).flows.length,
      files: rendered.length,
      bytes: rendered.reduce((n, f) => n + Buffer.byteLength(f.content), 0),
      syntheticPolicies: plannedPolicies.length,
      syntheticIngressRules: plannedPolicies.reduce((n, p) => n + p.ingress.length, 0),
      syntheticEgressRules: plannedPolicies.reduce((n, p) => n + p.egress.length, 0),
    },
  };
}

function verifyStage(args: StageArgs): Omit<StageResult, "maxRssMB"> {
  if (!args.outDir) throw new Error("verify needs outDir");
  const files = specFiles(args.specDir);
  const elapsed = clock();
  const specs = loadSpecs(files, readText);
  const loaded = elapsed();
  const request = {
    helm: helmBinary(PROJECT_ROOT),
    chart: join(args.outDir, "chart"),
    release: "lhnp",
    namespace: "longhorn-system",
    specs: new Map(specs.map((s) => [s.version, s])),
    version: args.version,
    valueFiles: [],
    // cni generic: under helm template no Node can be read, and the lists stay empty.
    set: { "networkPolicies.enabled": "true", "networkPolicies.cni": "generic" },
    label: "chart defaults with networkPolicies.enabled=true, cni=generic",
  };
  const rendered = renderCase(request);
  const renderedAt = elapsed();
  const result = compareCase(rendered, request);
  const ms = elapsed();
  if (!result.ok) {
    throw new Error(`verify failed: ${result.problems.slice(0, 5).join("; ")} ${result.cells.length} differing cells`);
  }
  return {
    stage: "verify",
    ms,
    parts: { load: loaded, helmAndModel: renderedAt - loaded, compare: ms - renderedAt },
    facts: { policies: result.policies, endpoints: result.endpoints, comparisons: result.comparisons, ok: result.ok },
  };
}

const STAGES: Record<string, (args: StageArgs) => Omit<StageResult, "maxRssMB">> = { validate, parse, generate, verify: verifyStage };

const [stage = "", json = "{}"] = process.argv.slice(2);
const run = STAGES[stage];
if (!run) {
  process.stderr.write(`usage: bench-stage.ts <${Object.keys(STAGES).join("|")}> '<json arguments>'\n`);
  process.exit(2);
}
const result = run(JSON.parse(json) as StageArgs);
const output: StageResult = { ...result, maxRssMB: process.resourceUsage().maxRSS / 1024 };
process.stdout.write(`${JSON.stringify(output)}\n`);
