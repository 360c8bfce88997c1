// Stage 2, schema: the parsed document against schema/spec.schema.json, with errors a person can act on.
import { Ajv, type ErrorObject } from "ajv";
import specSchema from "../schema/spec.schema.json" with { type: "json" };
import type { Diagnostic, DocPath } from "./diagnostics.ts";
import type { SourceDocument } from "./source.ts";

const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
const validateSpecSchema = ajv.compile(specSchema);

/** What each pattern in the schema asks for, in words. */
const PATTERN_MEANINGS: Record<string, string> = {
  "^[a-z][a-z0-9]*(-[a-z0-9]+)*$": "an id of lower-case words joined by hyphens, like longhorn-manager",
  "^[a-z][a-z0-9-]*$": "a lower-case name, like longhorn",
  "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$": 'a minor version in quotes, like "1.12"',
  "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$": 'a patch version in quotes, like "1.12.1"',
  "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$": "a repository as owner/name, like longhorn/longhorn-manager",
  "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+#[1-9][0-9]*$": "an issue as owner/name#number, like longhorn/longhorn#6317",
};

export function checkSchema(doc: SourceDocument): Diagnostic[] {
  if (validateSpecSchema(doc.data)) return [];
  const errors = validateSpecSchema.errors ?? [];
  const badKeys = new Set(
    errors.filter((e) => e.keyword === "propertyNames").map((e) => `${e.instancePath}\u0000${String(e.params.propertyName)}`),
  );
  return errors
    .filter((e) => !(e.keyword === "pattern" && badKeys.has(`${e.instancePath}\u0000${String(e.data)}`)))
    .map((e) => toDiagnostic(doc, e));
}

function toDiagnostic(doc: SourceDocument, e: ErrorObject): Diagnostic {
  const path = pointerToPath(e.instancePath);
  const at = (p: DocPath, key = false): Pick<Diagnostic, "file" | "line" | "path"> => ({
    file: doc.file,
    line: doc.lineOf(p, { key }),
    path: p,
  });
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { ...at(path), message: `missing required property "${String(params.missingProperty)}"` };
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      return { ...at([...path, key], true), message: `unknown property (expected one of: ${allowed.join(", ")})` };
    }
    case "propertyNames": {
      const key = String(params.propertyName);
      const meaning = PATTERN_MEANINGS[keyPattern(e.schema)] ?? "a valid key";
      return { ...at([...path, key], true), message: `invalid key "${key}": expected ${meaning}` };
    }
    case "type": {
      const hint =
        typeof e.data === "number" && params.type === "string"
          ? ` (write it in quotes: YAML reads ${JSON.stringify(e.data)} as a number)`
          : "";
      return { ...at(path), message: `expected ${String(params.type)}, got ${describeValue(e.data)}${hint}` };
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map((v) => String(v)).join(", ");
      return { ...at(path), message: `expected one of ${allowed}, got ${describeValue(e.data)}` };
    }
    case "pattern": {
      const meaning = PATTERN_MEANINGS[String(params.pattern)] ?? `text matching ${String(params.pattern)}`;
      return { ...at(path), message: `expected ${meaning}, got ${describeValue(e.data)}` };
    }
    case "minItems":
      return { ...at(path), message: `expected at least ${String(params.limit)} item(s)` };
    case "minLength":
      return { ...at(path), message: "must not be empty" };
    case "maxLength":
      return { ...at(path), message: `must be at most ${String(params.limit)} characters` };
    case "uniqueItems":
      return { ...at([...path, Number(params.i)]), message: `repeats item ${String(params.j)}` };
    default:
      return { ...at(path), message: e.message ?? e.keyword };
  }
}

/** The pattern a propertyNames schema asks for, following a local `#/definitions/...` reference. */
function keyPattern(schema: unknown): string {
  const { pattern, $ref } = (schema ?? {}) as { pattern?: string; $ref?: string };
  if (pattern) return pattern;
  const name = $ref?.replace("#/definitions/", "") ?? "";
  const definitions = specSchema.definitions as Record<string, { pattern?: string }>;
  return definitions[name]?.pattern ?? "";
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

/** `/flows/7/ports/0` → ["flows", 7, "ports", 0] */
function pointerToPath(pointer: string): DocPath {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment));
}
