// Part of `make bench` (scripts/bench-startup.ts): where the time of `netpolgen generate` goes, in one
// process, with the compiled netpolgen of a project copy: the same steps as the generate command
// (cli.ts), each timed. Plain JavaScript run by node, as the netpolgen bin is: no tsx.
//
//   node scripts/bench-startup-phases.mjs <project root> [--split-render]
//
// Prints one JSON line: milliseconds per phase, `boot` being the time from the start of the
// process to this script's first line (Node.js itself). With --split-render, parts of rendering
// are first run alone, cold, each timed (`split`), before the render that the phases time: what
// those parts cost in a start (not comparable with a run without the flag: they then run warm).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const boot = performance.now();
const root = process.argv[2];
if (!root) throw new Error("usage: bench-startup-phases.mjs <project root>");
const phases = { boot };
let last = boot;
const lap = (name) => {
  const now = performance.now();
  phases[name] = now - last;
  last = now;
};
const load = (path) => import(pathToFileURL(join(root, "build", path)).href);

await load("generator/cli.js");
lap("cli");
const [{ generatedOutput, loadSpecs }, { loadParsedSpecs }, { readBytes }, write] = await Promise.all([
  load("generator/pipeline.js"),
  load("generator/loader/parsed-specs.js"),
  load("generator/lib/files.js"),
  load("generator/lib/write.js"),
]);
lap("modules");
const parsed = loadParsedSpecs();
lap("parsedSpecs");
// Named relative to the project, as the CLI names them run from there (the chart quotes the names).
const files = readdirSync(join(root, "spec/longhorn"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => `spec/longhorn/${f}`)
  .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
const specs = loadSpecs(files, (file) => readBytes(join(root, file)), parsed);
lap("load");
const { loadTemplates } = await load("generator/targets/helm/templates.js");
loadTemplates();
lap("templates");
const split = {};
if (process.argv.includes("--split-render")) {
  const [values, readme, { planVersion }, { valueRows }] = await Promise.all([
    load("generator/targets/helm/chart-values.js"),
    load("generator/targets/helm/chart-readme.js"),
    load("generator/plan/plan.js"),
    load("generator/targets/helm/values-model.js"),
  ]);
  let at = performance.now();
  const part = (name) => {
    const now = performance.now();
    split[name] = now - at;
    at = now;
  };
  const model = values.valuesModel(specs);
  part("valuesModel");
  const plans = specs.map(planVersion);
  part("plans");
  values.renderValues(model);
  part("valuesYaml");
  readme.renderChartReadme(valueRows(values.valueTree(model)), {
    name: "x",
    versions: model.versions,
    newestGA: model.newestGA,
    unprotected: plans.map((plan) => ({ version: plan.version, pods: plan.unprotected })),
  });
  part("readme");
  values.renderValuesSchema(model);
  part("valuesSchema");
  last = performance.now();
}
const output = generatedOutput(specs, JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
lap("render");
const tree = output.trees[0];
if (!write.holdsExactly(root, tree.dir, tree.files)) throw new Error(`${root}/chart is not up to date`);
lap("compare");
process.stdout.write(`${JSON.stringify({ phases, split, parsedSpecs: parsed?.size ?? 0 })}\n`);
