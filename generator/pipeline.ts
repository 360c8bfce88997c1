// Everything `netpolgen generate` writes, computed in memory; cli.ts writes or compares it.
import { DiagnosticError, type Diagnostic } from "./lib/diagnostics.ts";
import type { ReadText } from "./loader/load.ts";
import { SpecLoader } from "./loader/load.ts";
import type { ParsedSpecs } from "./loader/parsed-specs.ts";
import type { ResolvedSpec } from "./loader/model.ts";
import { CHART_DIR, renderChart } from "./targets/helm/render-chart.ts";
import type { OutputFile } from "./lib/write.ts";
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
  const diagnostics: Diagnostic[] = [];
  const specs: ResolvedSpec[] = [];
  for (const file of specFiles) {
    const result = loader.load(file);
    diagnostics.push(...result.diagnostics);
    if (result.spec) specs.push(result.spec);
  }
  if (diagnostics.length > 0) throw new DiagnosticError(diagnostics);
  return specs;
}

/** Every target's output for the given versions (today the Helm chart). */
export function generatedOutput(specs: readonly ResolvedSpec[], release: string | ChartRelease): GeneratedOutput {
  return {
    files: [],
    trees: [{ dir: CHART_DIR, files: renderChart(specs, release) }],
  };
}
