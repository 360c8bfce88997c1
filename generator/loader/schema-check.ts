// Stage 2, schema: the parsed document against schema/spec.schema.json, with errors a person can act on.
import type { ErrorObject } from "ajv";
import { quoteText, type Diagnostic, type DocPath } from "../lib/diagnostics.ts";
import type { SourceDocument } from "./source.ts";
import { loadSpecValidator, type SpecValidator } from "./spec-validator.ts";

export const MINOR = 'a minor version in quotes, like "1.12"';
const PATCH = 'a patch version in quotes, like "1.12.1"';
const NO_TEMPLATE = 'text without "{{", "}}" or "*/" (the generator pastes it into Go-template and YAML comments of the chart)';
export const ONE_LINE = "one line of printable text (no line breaks, tabs, or control or invisible formatting characters)";
export const NO_OUTER_SPACE = "text that neither begins nor ends with white space";

/**
 * What each `pattern` (and `not`) of the schema asks for, in words, keyed by where it sits in the
 * schema: the JSON pointer of the subschema that holds it, so one definition (Id, Text) has one
 * meaning wherever it is referenced. Messages never print a raw pattern: every pattern needs an
 * entry here, and `undescribedPatterns` (checked by test/hostile-spec.test.ts) lists the ones without.
 */
const MEANINGS: Record<string, string> = {
  "#/properties/product": "a lower-case name, like longhorn",
  "#/properties/version": MINOR,
  "#/properties/extends": MINOR,
  "#/properties/kubeVersion": 'a Kubernetes version range in quotes, like ">=1.25.0-0"',
  "#/properties/docs/items": PATCH,
  "#/definitions/Id": "an id of lower-case words joined by hyphens, like longhorn-manager",
  "#/definitions/Text/allOf/0": ONE_LINE,
  "#/definitions/Text/allOf/1": NO_OUTER_SPACE,
  "#/definitions/Text/not": NO_TEMPLATE,
  "#/definitions/Source/properties/docs": PATCH,
  "#/definitions/Source/properties/code/items/properties/repo": "a repository as owner/name, like longhorn/longhorn-manager",
  "#/definitions/Source/properties/code/items/properties/ref": "a tag or commit, like v1.5.0",
  "#/definitions/Source/properties/issues/items": "an issue as owner/name#number, like longhorn/longhorn#6317",
  "#/definitions/CodeCite":
    "a place in code as owner/repo@ref path:line, optionally followed by a space and one line of text, like longhorn/longhorn-manager@v1.5.0 app/daemon.go:214 CheckWebhookServiceAvailability",
  "#/definitions/CodeCite/not": NO_TEMPLATE,
};

/** Patterns whose text may hold any printable character: a non-ASCII character there is no look-alike. */
const UNICODE_TEXT = new Set(["#/definitions/Text/allOf/0", "#/definitions/Text/allOf/1", "#/definitions/Text/not", "#/definitions/CodeCite/not"]);

/**
 * A validator and, by JSON pointer (`#/definitions/Text/allOf/0`), every subschema of the schema it
 * was compiled from; with what its patterns mean (MEANINGS for the spec schema) and which of them
 * take any printable character (UNICODE_TEXT).
 */
export interface IndexedValidator {
  validator: SpecValidator;
  pointers: Map<object, string>;
  meanings: Record<string, string>;
  unicodeText: ReadonlySet<string>;
}

export function indexValidator(
  validator: SpecValidator,
  meanings: Record<string, string> = MEANINGS,
  unicodeText: ReadonlySet<string> = UNICODE_TEXT,
): IndexedValidator {
  const pointers = new Map<object, string>();
  (function index(node: unknown, pointer: string): void {
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      node.forEach((item, i) => index(item, `${pointer}/${i}`));
      return;
    }
    pointers.set(node, pointer);
    for (const [key, value] of Object.entries(node)) {
      if (key === "enum" || key === "const" || key === "examples" || key === "default") continue;
      index(value, `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`);
    }
  })(validator.schema, "#");
  return { validator, pointers, meanings, unicodeText };
}

let loaded: IndexedValidator | undefined;

/** Loaded on first use (spec-validator.ts: the build's standalone code when current). */
function specSchema(): IndexedValidator {
  loaded ??= indexValidator(loadSpecValidator());
  return loaded;
}

/** Schema locations holding a `pattern` or `not` that its meanings do not put in words (for the tests: none). */
export function undescribedPatterns(indexed: IndexedValidator = specSchema()): string[] {
  const out: string[] = [];
  for (const [schema, pointer] of indexed.pointers) {
    const { pattern, not } = schema as { pattern?: unknown; not?: unknown };
    if (pattern !== undefined && !indexed.meanings[pointer]) out.push(pointer);
    if (not !== undefined && !indexed.meanings[`${pointer}/not`]) out.push(`${pointer}/not`);
  }
  return out;
}

/** The document against the spec schema; `schema` is for the tests (a validator compiled another way). */
export function checkSchema(doc: SourceDocument, schema: IndexedValidator = specSchema()): Diagnostic[] {
  const { validate } = schema.validator;
  if (validate(doc.data)) return [];
  const errors = withoutOtherBranches(validate.errors ?? []);
  // A key that fails propertyNames is reported once, by the propertyNames error, with the reasons
  // its schema gives (Ajv reports those at the map's path, marked with the key as propertyName).
  const isKeyReason = (e: ErrorObject): boolean => e.keyword !== "propertyNames" && typeof keyName(e) === "string";
  const keyOf = (instancePath: string, key: unknown): string => `${instancePath}\u0000${String(key)}`;
  const keyReasons = new Map<string, ErrorObject[]>();
  for (const e of errors.filter(isKeyReason)) {
    const id = keyOf(e.instancePath, keyName(e));
    keyReasons.set(id, [...(keyReasons.get(id) ?? []), e]);
  }
  return errors
    .filter((e) => !isKeyReason(e))
    .flatMap((e) =>
      e.keyword === "propertyNames"
        ? keyDiagnostics(doc, e, keyReasons.get(keyOf(e.instancePath, (e.params as { propertyName?: unknown }).propertyName)) ?? [], schema)
        : [toDiagnostic(doc, e, schema)],
    );
}

/**
 * A value that fails a `oneOf` (`roles: all` or a list) is reported by the branch of its own type
 * alone: a list's errors are the list branch's, not also "expected one of all" from the string
 * branch. When no branch has the value's type, one "type" error names the types the branches take.
 * (The spec schema has no oneOf; the host specs' schema has.)
 */
function withoutOtherBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  const added: ErrorObject[] = [];
  for (const one of errors.filter((e) => e.keyword === "oneOf")) {
    const branches: unknown[] = ((one.parentSchema as { oneOf?: unknown[] } | undefined)?.oneOf ?? []);
    const atValue = errors.filter((e) => e !== one && e.instancePath === one.instancePath && branches.includes(e.parentSchema));
    const wrongType = new Set(atValue.filter((e) => e.keyword === "type").map((e) => e.parentSchema));
    dropped.add(one);
    for (const e of atValue) if (wrongType.has(e.parentSchema)) dropped.add(e);
    if (wrongType.size === branches.length) {
      const types = branches.map((b) => String((b as { type?: unknown }).type ?? "value")).join(",");
      added.push({ ...one, keyword: "type", params: { type: types } });
    }
  }
  return [...errors.filter((e) => !dropped.has(e)), ...added];
}

/** The map key an error inside a propertyNames schema is about. */
function keyName(e: ErrorObject): unknown {
  return (e as ErrorObject & { propertyName?: unknown }).propertyName;
}

function located(doc: SourceDocument, path: DocPath, key = false): Pick<Diagnostic, "file" | "line" | "path"> {
  return { file: doc.file, line: doc.lineOf(path, { key }), path };
}

function toDiagnostic(doc: SourceDocument, e: ErrorObject, schema: IndexedValidator): Diagnostic {
  const path = pointerToPath(e.instancePath);
  const at = (p: DocPath, key = false) => located(doc, p, key);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { ...at(path), message: `missing required property "${String(params.missingProperty)}"` };
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      return { ...at([...path, key], true), message: `unknown property (expected one of: ${allowed.join(", ")})${lookAlikeHint(key)}` };
    }
    case "type": {
      const hint =
        typeof e.data === "number" && params.type === "string"
          ? ` (write it in quotes: YAML reads ${describeNumber(e.data)} as a number)`
          : "";
      return { ...at(path), message: `expected ${typeName(String(params.type))}, got ${describeValue(e.data)}${hint}` };
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map((v) => String(v)).join(", ");
      return { ...at(path), message: `expected one of ${allowed}, got ${describeValue(e.data)}${lookAlikeHint(e.data)}` };
    }
    case "pattern":
    case "not": {
      const where = schemaLocation(e, schema.pointers);
      const hint = schema.unicodeText.has(where) ? "" : lookAlikeHint(e.data);
      return { ...at(path), message: `expected ${meaningOf(where, e, schema.meanings)}, got ${describeValue(e.data)}${hint}` };
    }
    case "minItems":
      return { ...at(path), message: `expected at least ${String(params.limit)} item(s)` };
    case "minLength":
      return { ...at(path), message: "must not be empty" };
    case "maxLength":
      return { ...at(path), message: `must be at most ${String(params.limit)} characters (it has ${characters(e.data)})` };
    case "uniqueItems":
      return { ...at([...path, Number(params.i)]), message: `repeats item ${String(params.j)}` };
    default:
      return { ...at(path), message: e.message ?? e.keyword };
  }
}

/** An invalid map key: one diagnostic per reason its propertyNames schema gives. */
function keyDiagnostics(doc: SourceDocument, e: ErrorObject, reasons: ErrorObject[], schema: IndexedValidator): Diagnostic[] {
  const key = String((e.params as { propertyName?: unknown }).propertyName);
  const at = located(doc, [...pointerToPath(e.instancePath), key], true);
  const prefix = `invalid key ${quoteText(key)}`;
  if (reasons.length === 0) return [{ ...at, message: `${prefix}: ${e.message ?? "not allowed here"}` }];
  return reasons.map((reason) => {
    switch (reason.keyword) {
      case "pattern":
      case "not": {
        const where = schemaLocation(reason, schema.pointers);
        const hint = schema.unicodeText.has(where) ? "" : lookAlikeHint(key);
        return { ...at, message: `${prefix}: expected ${meaningOf(where, reason, schema.meanings)}${hint}` };
      }
      case "maxLength":
        return { ...at, message: `${prefix}: must be at most ${String(reason.params.limit)} characters (it has ${characters(key)})` };
      case "minLength":
        return { ...at, message: `${prefix}: must not be empty` };
      default:
        return { ...at, message: `${prefix}: ${reason.message ?? reason.keyword}` };
    }
  });
}

/**
 * Where the failing keyword sits in the schema, as MEANINGS keys it. Ajv's schemaPath restarts at
 * a definition it compiled separately, so the location comes from the schema object itself.
 */
function schemaLocation(e: ErrorObject, pointers: Map<object, string>): string {
  const pointer = pointers.get(e.parentSchema as object) ?? e.schemaPath.replace(/\/(pattern|not)$/, "");
  return e.keyword === "not" ? `${pointer}/not` : pointer;
}

/** The schema's meanings, else the description of the schema that holds the pattern: never the raw pattern. */
function meaningOf(where: string, e: ErrorObject, meanings: Record<string, string>): string {
  const meaning = meanings[where];
  if (meaning) return meaning;
  const description = (e.parentSchema as { description?: unknown } | undefined)?.description;
  return typeof description === "string" ? `what the schema describes as: ${description}` : "a value of another form";
}

function typeName(type: string): string {
  if (type.includes(",")) return type.split(",").map(typeName).join(" or ");
  if (type === "object") return "a map";
  if (type === "array") return "a list";
  return type;
}

/** Character count as the schema counts it (code points). */
function characters(value: unknown): number {
  return typeof value === "string" ? [...value].length : 0;
}

/**
 * For ASCII-only forms (ids, versions, names): the first character that is not ASCII, since a
 * look-alike (U+2010 hyphen, Cyrillic а) prints just like the character it imitates.
 */
function lookAlikeHint(value: unknown): string {
  if (typeof value !== "string") return "";
  const chars = [...value];
  const index = chars.findIndex((c) => c.codePointAt(0)! > 0x7f);
  if (index < 0) return "";
  const char = chars[index]!;
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  return ` (character ${index + 1} is ${code}, not ASCII: a look-alike of an ASCII character?)`;
}

function describeNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf";
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return quoteText(value);
  if (typeof value === "number" && Number.isNaN(value)) return "number .nan (not a number)";
  if (typeof value === "number" && !Number.isFinite(value)) return `number ${describeNumber(value)} (infinite: .inf, or a number beyond 1.8e308)`;
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
