// The spec files parsed at build time. Parsing YAML (with the `yaml` package, which keeps the
// positions the diagnostics need) is most of what `netpolgen generate` and `validate` do, and the
// spec files change far less often than the commands run: `make build` (scripts/build-artifacts.ts)
// parses and schema-checks every file under spec/ into build/generated/parsed-specs.json, each with
// its exact text, its data and the line of every node.
//
// A file is taken from there only when its bytes are exactly the text that was parsed, and only
// while the code that parsed it is the code running now: the parsed file records the text of every
// module that decides a parse and a schema check (this folder's source, schema-check, spec-validator
// and this module, lib/diagnostics), the schema and the versions of yaml and Ajv, and is ignored
// when any of them differs. Anything else (another file, an edited one, bytes that are not UTF-8)
// is parsed as before. What a file gets either way is the same: the same data, the same lines
// (lineIn answers from the stored positions as lineOf does from the parsed document; the tests
// compare every path of every spec), the same per-file checks after it (check.ts).
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PROJECT_ROOT } from "../lib/files.ts";
import { checkSchema } from "./schema-check.ts";
import { lineIn, parseYaml, type Positions, type SourceDocument } from "./source.ts";
import { ajvVersion, schemaText } from "./spec-validator.ts";

const require = createRequire(import.meta.url);

/** Where `make build` writes the parsed files, relative to the project root. */
export const PARSED_SPECS = "build/generated/parsed-specs.json";

/** Bumped when the layout of the file changes. */
const FORMAT = "1";

/** The modules whose code decides what a parse and a schema check give, beside this one. */
const MODULES = ["./source", "./schema-check", "./spec-validator", "./parsed-specs", "../lib/diagnostics"];

interface ParsedSpecsFile {
  /** What the parses were made with: see madeWith(). */
  madeWith: Record<string, string>;
  /** Each file's exact text, and its document as JSON: `{ data, positions }`. */
  files: { text: string; document: string }[];
}

/**
 * The code, schema and libraries running now, as text: this module's own extension picks the
 * sources (.ts, under tsx) or the compiled modules (.js, from build/), so files parsed by the build
 * are used by the build's code only.
 */
function madeWith(): Record<string, string> {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const out: Record<string, string> = { format: FORMAT, schema: schemaText(), yaml: yamlVersion(), ajv: ajvVersion() };
  for (const module of MODULES) out[module] = readFileSync(fileURLToPath(new URL(`${module}${ext}`, import.meta.url)), "utf8");
  return out;
}

function yamlVersion(): string {
  return (require("yaml/package.json") as { version: string }).version;
}

/** A file's bytes as text, exactly (a byte order mark kept); undefined when they are not UTF-8. */
function exactText(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export class ParsedSpecs {
  private readonly byText: Map<string, string>;

  constructor(file: ParsedSpecsFile) {
    this.byText = new Map(file.files.map((f) => [f.text, f.document]));
  }

  /**
   * The document of `file` when the build parsed exactly these bytes (fresh objects at every call),
   * else undefined. Text given as a string is never looked up: the loader reads files as bytes.
   */
  get(file: string, input: string | Uint8Array): SourceDocument | undefined {
    if (typeof input === "string") return undefined;
    const text = exactText(input);
    const json = text === undefined ? undefined : this.byText.get(text);
    if (json === undefined) return undefined;
    const { data, positions } = JSON.parse(json) as { data: unknown; positions: Positions };
    return { file, data, lineOf: (path, options) => lineIn(positions, path, options), positions: () => positions };
  }

  get size(): number {
    return this.byText.size;
  }
}

let loaded: ParsedSpecs | null | undefined;

/** The build's parsed files when they were made by the code running now; undefined otherwise. */
export function loadParsedSpecs(): ParsedSpecs | undefined {
  if (loaded === undefined) loaded = parsedSpecsFrom(join(PROJECT_ROOT, PARSED_SPECS)) ?? null;
  return loaded ?? undefined;
}

/** The parsed files in `file` when they were made by the code running now (for the tests: any file). */
export function parsedSpecsFrom(file: string): ParsedSpecs | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: ParsedSpecsFile;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as ParsedSpecsFile;
  } catch {
    return undefined; // a build interrupted half-way: parse as before
  }
  const now = madeWith();
  const then = parsed.madeWith ?? {};
  const same = Object.keys(now).length === Object.keys(then).length && Object.entries(now).every(([key, value]) => then[key] === value);
  return same && Array.isArray(parsed.files) ? new ParsedSpecs(parsed) : undefined;
}

/**
 * The content of build/generated/parsed-specs.json (for scripts/build-artifacts.ts, which runs it
 * with the compiled modules): every given file that parses and passes the schema with no
 * diagnostic, and whose data JSON carries exactly (no .nan, .inf or -0). Other files are left out,
 * and are parsed, with their diagnostics, when they are loaded.
 */
export function parsedSpecsJson(files: readonly { path: string; bytes: Uint8Array }[]): string {
  const out: ParsedSpecsFile = { madeWith: madeWith(), files: [] };
  for (const { path, bytes } of files) {
    const text = exactText(bytes);
    if (text === undefined) continue;
    const parsed = parseYaml(path, bytes);
    if (!parsed.document || parsed.diagnostics.length > 0 || checkSchema(parsed.document).length > 0) continue;
    const positions = parsed.document.positions();
    const document = JSON.stringify({ data: parsed.document.data, positions });
    const copy = JSON.parse(document) as { data: unknown; positions: Positions };
    if (!sameData(copy.data, parsed.document.data) || !sameData(copy.positions, positions)) continue;
    out.files.push({ text, document });
  }
  return `${JSON.stringify(out)}\n`;
}

/** Equal as data: the same keys in the same order, the same items, the same primitives (Object.is). */
function sameData(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameData(item, b[i]));
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
    const keys = Object.keys(a);
    const other = Object.keys(b);
    return (
      keys.length === other.length &&
      keys.every((key, i) => key === other[i] && sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
    );
  }
  return Object.is(a, b);
}
