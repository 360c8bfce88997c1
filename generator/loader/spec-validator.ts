// The validator of schema/spec.schema.json. Compiling the schema with Ajv costs more than everything
// else a start of netpolgen does, so `make build` compiles it once (scripts/build-artifacts.ts) into
// Ajv's standalone code, build/generated/spec-validator.cjs, and this module loads that. The file
// carries the schema it was made from: when it is missing, or the schema (or Ajv) has changed since,
// the schema is compiled here as before. Either way the errors are the same objects, down to
// `parentSchema`, which is the schema's own subschema in both (schema-check.ts locates errors by it).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { ValidateFunction } from "ajv";
import specSchema from "../../schema/spec.schema.json" with { type: "json" };
import { PROJECT_ROOT } from "../lib/files.ts";

const require = createRequire(import.meta.url);

/** How the schema is compiled, at build time and here alike. */
const AJV_OPTIONS = { allErrors: true, strict: true, verbose: true } as const;

/** Where `make build` writes the standalone validator, relative to the project root. */
export const STANDALONE_VALIDATOR = "build/generated/spec-validator.cjs";

export interface SpecValidator {
  validate: ValidateFunction;
  /** The schema the validator was compiled from: its subschemas are the errors' `parentSchema`s. */
  schema: object;
  /** standalone: the build's compiled code; runtime: compiled in this process. */
  origin: "standalone" | "runtime";
}

/** The standalone module's exports, beside the validate function itself. */
interface StandaloneModule extends ValidateFunction {
  schema: object;
  ajvVersion: string;
}

export function ajvVersion(): string {
  return (require("ajv/package.json") as { version: string }).version;
}

/** The schema as JSON text: what a compiled form of it must have been made from. */
export function schemaText(): string {
  return JSON.stringify(specSchema);
}

/**
 * The build's validator when it was made from this schema with this Ajv, else one compiled now.
 * `file` is for the tests.
 */
export function loadSpecValidator(file = join(PROJECT_ROOT, STANDALONE_VALIDATOR)): SpecValidator {
  const standalone = existsSync(file) ? loadStandalone(file) : undefined;
  if (standalone && standalone.ajvVersion === ajvVersion() && JSON.stringify(standalone.schema) === schemaText()) {
    return { validate: standalone, schema: standalone.schema, origin: "standalone" };
  }
  return compileSpecValidator();
}

/** The module, or undefined when it does not load (a build interrupted half-way): then Ajv compiles. */
function loadStandalone(file: string): StandaloneModule | undefined {
  try {
    return require(file) as StandaloneModule;
  } catch {
    return undefined;
  }
}

/** The schema compiled in this process (Ajv loaded only now). */
export function compileSpecValidator(): SpecValidator {
  const { Ajv } = require("ajv") as typeof import("ajv");
  const ajv = new Ajv(AJV_OPTIONS);
  return { validate: ajv.compile(specSchema), schema: specSchema, origin: "runtime" };
}

/**
 * The code of build/generated/spec-validator.cjs (for scripts/build-artifacts.ts): Ajv's standalone
 * code, with one change. Ajv writes every subschema it compiled separately (each `$ref`'d
 * definition) as a copy of its own; here each is a path into one copy of the whole schema, which
 * the module exports, so that an error's `parentSchema` is a node of that schema, as it is when Ajv
 * compiles in process.
 */
export function standaloneValidatorCode(): string {
  const { Ajv } = require("ajv") as typeof import("ajv");
  const standaloneCode = (require("ajv/dist/standalone") as { default: (ajv: unknown, validate: ValidateFunction) => string }).default;
  const { _Code } = require("ajv/dist/compile/codegen/code") as { _Code: new (code: string) => unknown };
  // A copy, so that nothing here can touch the imported schema.
  const schema = structuredClone(specSchema) as object;
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: false } });
  const validate = ajv.compile(schema);

  const pointers = new Map<object, (string | number)[]>();
  (function index(node: unknown, path: (string | number)[]): void {
    if (node === null || typeof node !== "object" || pointers.has(node)) return;
    pointers.set(node, path);
    if (Array.isArray(node)) node.forEach((item, i) => index(item, [...path, i]));
    else for (const [key, value] of Object.entries(node)) index(value, [...path, key]);
  })(schema, []);

  const ROOT = "SPEC_SCHEMA";
  // Ajv's scope of named values (internal API; checked by loading the result below and by the tests).
  const scope = (ajv as unknown as { scope: { _values: Record<string, Map<unknown, { value?: { ref: unknown; code?: unknown } }>> } }).scope;
  const schemaNames = scope._values.schema;
  if (!schemaNames || schemaNames.size === 0) throw new Error("spec validator: Ajv's scope holds no schema values (has Ajv changed?)");
  // (The scope also holds the JSON Schema meta-schema, which Ajv compiled to check ours: the
  // validator's code does not use it.)
  for (const name of schemaNames.values()) {
    const ref = name.value?.ref;
    const path = typeof ref === "object" && ref !== null ? pointers.get(ref) : undefined;
    if (name.value && path) name.value.code = new _Code(`${ROOT}${path.map((segment) => `[${JSON.stringify(segment)}]`).join("")}`);
  }

  const code = standaloneCode(ajv, validate);
  const strict = '"use strict";';
  if (!code.startsWith(strict)) throw new Error("spec validator: Ajv's standalone code does not start with \"use strict\"");
  const copy = /\bconst (schema\d+) = \{/.exec(code);
  if (copy) throw new Error(`spec validator: ${copy[1]} is a copy of a schema, not a node of ours (has Ajv changed?)`);
  return [
    strict,
    "// Generated by `make build` (scripts/build-artifacts.ts) from schema/spec.schema.json with Ajv's standalone code; do not edit.",
    `const ${ROOT} = ${JSON.stringify(schema)};`,
    code.slice(strict.length),
    `module.exports.schema = ${ROOT};`,
    `module.exports.ajvVersion = ${JSON.stringify(ajvVersion())};`,
    "",
  ].join("\n");
}
