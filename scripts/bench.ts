// Benchmark: how long loading, validating and resolving every spec version takes, rendering
// `show` for each, and one `verify` case with and without helm. Run with `make bench`; prints the median of several rounds per stage.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT, readText } from "../generator/cli.ts";
import { SpecLoader } from "../generator/load.ts";
import { helmBinary } from "../generator/helm.ts";
import { specAsJson, specAsMarkdown } from "../generator/show.ts";
import { compareCase, renderCase, verify } from "../generator/verify.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const files = readdirSync(join(PROJECT_ROOT, "spec/longhorn"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => `spec/longhorn/${f}`);
const read = (file: string): string | undefined => readText(join(PROJECT_ROOT, file));

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function measure(name: string, run: () => void, rounds = ROUNDS): void {
  run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  console.log(`${name.padEnd(52)} median ${median(samples).toFixed(2)} ms over ${rounds} rounds`);
}

measure(`validate + resolve ${files.length} versions (cold loader)`, () => {
  const loader = new SpecLoader(read);
  for (const file of files) if (loader.load(file).diagnostics.length) throw new Error(file);
});
const loader = new SpecLoader(read);
const specs = files.map((file) => loader.load(file).spec!);
measure(`show markdown + json for ${specs.length} versions`, () => {
  for (const spec of specs) {
    specAsMarkdown(spec);
    specAsJson(spec);
  }
});

// verify: helm template dominates; the exact comparison of every endpoint pair is measured apart.
const specMap = new Map(specs.map((s) => [s.version, s]));
const request = {
  helm: helmBinary(PROJECT_ROOT),
  chart: join(PROJECT_ROOT, "chart"),
  release: "lhnp",
  namespace: "longhorn-system",
  specs: specMap,
  version: "1.12",
  valueFiles: [join(PROJECT_ROOT, "chart/ci/all-options-values.yaml")],
  label: "all-options",
};
const ROUNDS_WITH_HELM = Math.max(3, Math.floor(ROUNDS / 6));
measure("verify 1.12 all-options (helm template + compare)", () => {
  if (!verify(request).ok) throw new Error("verify failed");
}, ROUNDS_WITH_HELM);
const rendered = renderCase(request);
measure("compare only (evaluator + expectation)", () => {
  if (!compareCase(rendered, request).ok) throw new Error("compare failed");
});
