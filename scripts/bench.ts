// Benchmark: how long loading, validating and resolving every spec version takes, and rendering
// `show` for each. Run with `make bench`; prints the median of several rounds per stage.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT, readText } from "../generator/cli.ts";
import { SpecLoader } from "../generator/load.ts";
import { specAsJson, specAsMarkdown } from "../generator/show.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const files = readdirSync(join(PROJECT_ROOT, "spec/longhorn"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => `spec/longhorn/${f}`);
const read = (file: string): string | undefined => readText(join(PROJECT_ROOT, file));

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function measure(name: string, run: () => void): void {
  run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  console.log(`${name.padEnd(44)} median ${median(samples).toFixed(2)} ms over ${ROUNDS} rounds`);
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
