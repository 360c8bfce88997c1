// The spec pipeline for one version: parse → schema → per-file checks → resolve → resolved checks.
// Reading files is injected, so the pipeline itself does no I/O.
import { dirname, join } from "node:path";
import type { Diagnostic } from "../lib/diagnostics.ts";
import { checkDocument, checkResolved, type Locate } from "./check.ts";
import type { FlowSpec, ResolvedSpec } from "./model.ts";
import type { ParsedSpecs } from "./parsed-specs.ts";
import { resolveSpec, type ResolveMemo, type SpecDocument } from "./resolve.ts";
import { checkSchema } from "./schema-check.ts";
import { parseYaml, type SourceDocument } from "./source.ts";

/**
 * Returns a file's bytes (decoded here as strict UTF-8, so a byte that is not UTF-8 is reported
 * with its line) or its text, or undefined when it does not exist. Text decoded leniently carries
 * U+FFFD where its bytes were not UTF-8; the parser reports those the same way.
 */
export type ReadText = (file: string) => string | Uint8Array | undefined;

/**
 * A file's parsed document, once per file (`cache`): undefined when readText knows no such file; a
 * file that cannot be read (a directory named like a version, no read permission) is a finding, not
 * a crash. Shared by the Longhorn spec and host profile loaders.
 */
export function readDocument<D>(
  cache: Map<string, { document?: D; diagnostics: Diagnostic[] }>,
  file: string,
  readText: ReadText,
  parse: (text: string | Uint8Array) => { document?: D; diagnostics: Diagnostic[] },
): { document?: D; diagnostics: Diagnostic[] } | undefined {
  const cached = cache.get(file);
  if (cached) return cached;
  let text: string | Uint8Array | undefined;
  try {
    text = readText(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException)?.code ?? String((error as Error)?.message ?? error).split("\n")[0];
    const entry = { diagnostics: [{ file, line: 0, path: [], message: `cannot read the file (${reason})` }] };
    cache.set(file, entry);
    return entry;
  }
  if (text === undefined) return undefined;
  const entry = parse(text);
  cache.set(file, entry);
  return entry;
}

export interface LoadResult {
  spec?: ResolvedSpec;
  diagnostics: Diagnostic[];
}

export class SpecLoader {
  private readonly documents = new Map<string, { document?: SpecDocument; diagnostics: Diagnostic[] }>();
  /** Each version applied once, however many versions extend it. */
  private readonly resolutions: ResolveMemo = new Map();
  private readonly readText: ReadText;
  private readonly parsed: ParsedSpecs | undefined;

  /** `parsed`: files the build parsed already (parsed-specs.ts), taken from there when the bytes are the same. */
  constructor(readText: ReadText, parsed?: ParsedSpecs) {
    this.readText = readText;
    this.parsed = parsed;
  }

  /** Loads, validates and resolves the version in `file` (and every version it extends). */
  load(file: string): LoadResult {
    const leaf = this.document(file);
    if (!leaf) return { diagnostics: [{ file, line: 0, path: [], message: "no such file" }] };
    if (!leaf.document) return { diagnostics: leaf.diagnostics };

    const diagnostics = [...leaf.diagnostics];
    const lookup = (version: string, besideFile: string): SpecDocument | null | undefined => {
      const parent = this.document(join(dirname(besideFile), `${version}.yaml`));
      if (!parent) return undefined;
      diagnostics.push(...parent.diagnostics);
      return parent.document ?? null;
    };
    const resolved = resolveSpec(leaf.document, lookup, this.resolutions);
    diagnostics.push(...resolved.diagnostics);
    if (!resolved.spec) return { diagnostics };
    diagnostics.push(...checkResolved(resolved.spec, this.locate));
    return { spec: resolved.spec, diagnostics };
  }

  private readonly locate: Locate = (origin, subPath, key = false) => {
    const path = [...origin.path, ...subPath];
    const source = this.documents.get(origin.file)?.document?.source;
    return { file: origin.file, path, line: source ? source.lineOf(path, { key }) : origin.line };
  };

  private document(file: string): { document?: SpecDocument; diagnostics: Diagnostic[] } | undefined {
    return readDocument(this.documents, file, this.readText, (text) => parseSpecDocument(file, text, this.parsed));
  }
}

function parseSpecDocument(file: string, text: string | Uint8Array, prebuilt?: ParsedSpecs): { document?: SpecDocument; diagnostics: Diagnostic[] } {
  // A file the build parsed parses and passes the schema: only the per-file checks remain.
  let source: SourceDocument | undefined = prebuilt?.get(file, text);
  if (!source) {
    const parsed = parseYaml(file, text);
    if (!parsed.document) return { diagnostics: parsed.diagnostics };
    source = parsed.document;
    const schemaProblems = checkSchema(source);
    if (schemaProblems.length > 0) return { diagnostics: schemaProblems };
  }
  const document: SpecDocument = { source, spec: source.data as FlowSpec };
  return { document, diagnostics: checkDocument(document) };
}
