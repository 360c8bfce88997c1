// Part of `make build` (after tsc): what netpolgen would otherwise compute at every start, computed
// once into build/generated/:
//   spec-validator.cjs    schema/spec.schema.json compiled by Ajv into standalone code
//   helm-templates.cjs    generator/targets/helm/templates/*.hbs precompiled by Handlebars
// Each file records what it was made from (the schema, the templates' text, the library's version),
// and netpolgen uses it only while that still holds, compiling in process otherwise: a stale or
// missing file costs time, never a different result. Never committed (build/ is ignored).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PROJECT_ROOT } from "../generator/lib/files.ts";
import { standaloneValidatorCode, STANDALONE_VALIDATOR } from "../generator/loader/spec-validator.ts";
import { PRECOMPILED_TEMPLATES, precompiledTemplatesCode } from "../generator/targets/helm/templates.ts";

const artifacts: [string, () => string | Promise<string>][] = [
  [STANDALONE_VALIDATOR, standaloneValidatorCode],
  [PRECOMPILED_TEMPLATES, precompiledTemplatesCode],
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
