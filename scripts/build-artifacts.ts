// Part of `make build` (after tsc): what netpolgen would otherwise compute at every start, computed
// once into build/generated/:
//   spec-validator.cjs    schema/spec.schema.json compiled by Ajv into standalone code
//   helm-templates.cjs    generator/targets/helm/templates/*.hbs precompiled by Handlebars
//   parsed-specs.json     spec/**/*.yaml parsed and schema-checked, by the compiled loader (build/)
// Each file records what it was made from (the schema, the templates' or spec files' text, the
// code, the library's version), and netpolgen uses it only while that still holds, compiling or
// parsing in process otherwise: a stale or missing file costs time, never a different result.
// Never committed (build/ is ignored).
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "../generator/lib/files.ts";
import { standaloneValidatorCode, STANDALONE_VALIDATOR } from "../generator/loader/spec-validator.ts";
import { PRECOMPILED_TEMPLATES, precompiledTemplatesCode } from "../generator/targets/helm/templates.ts";

/** The spec files parsed by the compiled loader, the code that will use them (its record of its code says so). */
async function parsedSpecsJson(): Promise<string> {
  const compiled = pathToFileURL(join(PROJECT_ROOT, "build/generator/loader/parsed-specs.js")).href;
  const module = (await import(compiled)) as typeof import("../generator/loader/parsed-specs.ts");
  const specDir = join(PROJECT_ROOT, "spec");
  const files = readdirSync(specDir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".yaml"))
    .sort()
    .map((name) => ({ path: relative(PROJECT_ROOT, join(specDir, name)), bytes: readFileSync(join(specDir, name)) }));
  return module.parsedSpecsJson(files);
}

// The validator first: the spec files are schema-checked with it.
const artifacts: [string, () => string | Promise<string>][] = [
  [STANDALONE_VALIDATOR, standaloneValidatorCode],
  [PRECOMPILED_TEMPLATES, precompiledTemplatesCode],
  ["build/generated/parsed-specs.json", parsedSpecsJson],
];

for (const [path, code] of artifacts) {
  const file = join(PROJECT_ROOT, path);
  const content = await code();
  let current: string | undefined;
  try {
    current = readFileSync(file, "utf8");
  } catch {
    current = undefined;
  }
  if (current === content) continue;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, content);
  // Renamed into place, so that a netpolgen starting meanwhile never reads half a file.
  renameSync(`${file}.tmp`, file);
  process.stdout.write(`wrote ${path}\n`);
}
