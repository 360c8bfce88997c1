// Stage 1, parse: YAML text → plain data plus a way to find the line of any path in it.
//
// A spec file is untrusted input: every way it can be malformed ends here as a located diagnostic,
// never as an exception. Before the YAML parser sees it, the text must be UTF-8 and printable; after
// it, the document must be plain data: one document, string keys without repeats, no tags beyond
// YAML's core ones, a bounded depth, and aliases that cannot multiply (no alias bombs).
import { createRequire } from "node:module";
import type { Document, Node, YAMLError } from "yaml";
import type { Diagnostic, DocPath } from "../lib/diagnostics.ts";

const require = createRequire(import.meta.url);
let library: typeof import("yaml") | undefined;

/** The YAML parser, loaded with the first file parsed: files the build parsed already (spec-cache.ts) need none. */
function yaml(): typeof import("yaml") {
  library ??= require("yaml") as typeof import("yaml");
  return library;
}

export interface SourceDocument {
  file: string;
  data: unknown;
  /** The line of the value at `path` (of its key, when `key` is true); falls back to the nearest ancestor. */
  lineOf(path: DocPath, options?: { key?: boolean }): number;
  /**
   * Where every node of the document starts, as plain data (built on first call): what lineIn
   * answers lineOf from, for a document stored by parsed-specs.ts.
   */
  positions(): Positions;
}

/**
 * The lines of a parsed document's nodes, shaped like the document: a node's line (0 when it has
 * none), and for a map its entries in order (key as a string, the key's line, the value), for a list
 * its items. A scalar or an alias is just its line.
 */
export type Positions = number | { line: number; map: [key: string, keyLine: number, value: Positions][] } | { line: number; list: Positions[] };

export interface ParseResult {
  document?: SourceDocument;
  diagnostics: Diagnostic[];
}

/** A spec is at most this many collections deep (the real ones are 6). */
export const MAX_DEPTH = 32;
/** A spec needs no aliases; a few are tolerated, hundreds are an attack. */
export const MAX_ALIASES = 100;

/** YAML's core tags: the only ones a spec may write explicitly (`!!str 1.10`). */
const CORE_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * Parses one spec file. `input` is the file's bytes (decoded here as strict UTF-8) or its text; text
 * decoded leniently elsewhere carries U+FFFD where its bytes were not UTF-8, and that is reported
 * the same way.
 */
export function parseYaml(file: string, input: string | Uint8Array): ParseResult {
  const fail = (line: number, message: string): ParseResult => ({ diagnostics: [{ file, line, path: [], message }] });

  const decoded = decodeUtf8(input);
  if (typeof decoded !== "string") return fail(decoded.line, `not valid UTF-8 at column ${decoded.column}: save the file as UTF-8`);
  const text = decoded;
  const unprintable = firstUnprintable(text);
  if (unprintable) {
    return fail(
      unprintable.line,
      `invalid YAML: non-printable character ${codePoint(unprintable.char)} at column ${unprintable.column} (YAML allows only printable characters)`,
    );
  }

  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: true,
      stringKeys: true,
      merge: false,
      resolveKnownTags: false,
      // "silent" would also drop the MULTIPLE_DOCS error; "error" keeps errors, prints no warnings.
      logLevel: "error",
    });
  } catch (error) {
    return fail(1, `invalid YAML: ${firstLine(String((error as Error)?.message ?? error))}`);
  }
  const lineAt = (offset: number | undefined): number => (offset === undefined ? 0 : lineCounter.linePos(offset).line);

  let structure: Structure;
  try {
    structure = inspect(doc, lineAt);
  } catch (error) {
    return fail(1, `invalid YAML: ${firstLine(String((error as Error)?.message ?? error))}`);
  }
  if (doc.errors.length > 0 || doc.warnings.length > 0) {
    return {
      // The same words once per place: how many errors the parser's own recursion reports for one
      // too-deep spot depends on the caller's stack depth, the finding does not.
      diagnostics: uniqueDiagnostics([...doc.errors, ...doc.warnings].map((e) => yamlErrorDiagnostic(file, e, lineAt, structure.duplicates))),
    };
  }
  const version = doc.directives?.yaml;
  if (version?.explicit && version.version !== "1.2") {
    return fail(1, `invalid YAML: %YAML ${version.version} is not supported: a spec is YAML 1.2 (drop the directive)`);
  }
  if (structure.problems.length > 0) {
    return { diagnostics: structure.problems.map((p) => ({ file, line: p.line, path: p.path, message: p.message })) };
  }
  if (doc.contents === null) {
    return fail(1, "the file holds no YAML document: a spec is a map with product, version and status");
  }

  let data: unknown;
  try {
    data = plainCopy(doc.toJS({ maxAliasCount: MAX_ALIASES }));
  } catch (error) {
    // Not expected after inspect(): kept so that no input ends in a stack trace.
    return fail(structure.firstAliasLine || 1, `invalid YAML: ${firstLine(String((error as Error)?.message ?? error))}`);
  }

  const { isMap, isPair, isScalar, isSeq } = yaml();
  const lineOf = (path: DocPath, options: { key?: boolean } = {}): number => {
    let node: unknown = doc.contents;
    let best = lineAt(rangeStart(node)) || 1;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return best;
        const keyLine = lineAt(rangeStart(pair.key));
        if (last && options.key) return keyLine || best;
        node = pair.value;
        best = lineAt(rangeStart(node)) || keyLine || best;
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment];
        if (node === undefined) return best;
        best = lineAt(rangeStart(node)) || best;
      } else {
        return best;
      }
    }
    return best;
  };
  // Built only when asked for (by the build, to store the document): it costs a line lookup per node.
  let positions: Positions | undefined;
  const positionsOfDocument = (): Positions => (positions ??= positionsOf(doc.contents, lineAt));

  return { document: { file, data, lineOf, positions: positionsOfDocument }, diagnostics: [] };
}

/** The positions of a parsed node and everything under it. */
function positionsOf(node: unknown, lineAt: (offset: number | undefined) => number): Positions {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  const line = lineAt(rangeStart(node));
  if (isMap(node)) {
    // Entries whose key is not a scalar cannot be named by a path (and make the document invalid).
    const map = node.items.flatMap((pair): [string, number, Positions][] =>
      isPair(pair) && isScalar(pair.key) ? [[String(pair.key.value), lineAt(rangeStart(pair.key)), positionsOf(pair.value, lineAt)]] : [],
    );
    return { line, map };
  }
  if (isSeq(node)) return { line, list: node.items.map((item) => positionsOf(item, lineAt)) };
  return line;
}

/**
 * The line of the value at `path` (of its key, when `key` is true) in stored positions: what lineOf
 * answers from the parsed document (the nearest ancestor's when the path leaves the document; the
 * first entry of a map when a key repeats).
 */
export function lineIn(positions: Positions, path: DocPath, options: { key?: boolean } = {}): number {
  const lineOfNode = (node: Positions | undefined): number => (typeof node === "number" ? node : (node?.line ?? 0));
  let node: Positions | undefined = positions;
  let best = lineOfNode(node) || 1;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (typeof node === "object" && "map" in node) {
      const key = String(segment);
      const entry: [string, number, Positions] | undefined = node.map.find((e) => e[0] === key);
      if (!entry) return best;
      const keyLine = entry[1];
      if (last && options.key) return keyLine || best;
      node = entry[2];
      best = lineOfNode(node) || keyLine || best;
    } else if (typeof node === "object" && "list" in node && typeof segment === "number") {
      node = node.list[segment];
      if (node === undefined) return best;
      best = lineOfNode(node) || best;
    } else {
      return best;
    }
  }
  return best;
}

// ---------------------------------------------------------------- before parsing

interface TextPosition {
  line: number;
  /** 1-based, in characters (code points). */
  column: number;
}

/** The text, or where its first byte sequence that is not UTF-8 (or a U+FFFD left by a lenient decoder) is. */
function decodeUtf8(input: string | Uint8Array): string | TextPosition {
  if (typeof input === "string") {
    const at = input.indexOf("\uFFFD");
    return at < 0 ? input : positionOf(input, at);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(input);
  } catch {
    const bad = firstInvalidUtf8(input);
    const valid = new TextDecoder("utf-8").decode(input.subarray(0, bad));
    return positionOf(valid, valid.length);
  }
}

/** The byte offset of the first sequence that is not well-formed UTF-8 (Unicode's table 3-7). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b <= 0x7f) length = 1;
    else if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    if (i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k]!;
      if (k === 1 ? c < low || c > high : c < 0x80 || c > 0xbf) return i;
    }
    i += length;
  }
  return bytes.length;
}

/**
 * The first character YAML does not allow in a stream (YAML 1.2 §5.1: C0 controls other than tab,
 * line feed and carriage return, DEL, C1 controls other than NEL, surrogates, U+FFFE and U+FFFF).
 * Escapes inside double-quoted strings are not raw characters: the schema judges what they produce.
 */
function firstUnprintable(text: string): (TextPosition & { char: string }) | undefined {
  const match = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFFFE\uFFFF]|\p{Surrogate}/u.exec(text);
  return match ? { ...positionOf(text, match.index), char: match[0] } : undefined;
}

function positionOf(text: string, index: number): TextPosition {
  const before = text.slice(0, index);
  const lineStart = before.lastIndexOf("\n") + 1;
  let line = 1;
  for (let i = before.indexOf("\n"); i >= 0; i = before.indexOf("\n", i + 1)) line++;
  return { line, column: [...before.slice(lineStart)].length + 1 };
}

// ---------------------------------------------------------------- the parsed tree

interface Problem {
  line: number;
  path: DocPath;
  message: string;
}

interface Structure {
  problems: Problem[];
  /** Duplicate keys by the offset of the repeated key, with what to say about them. */
  duplicates: Map<number, { path: DocPath; message: string }>;
  /** The line of the first alias, 0 when there is none. */
  firstAliasLine: number;
}

/**
 * Walks the document in order, finding what the YAML parser accepts but a spec must not hold:
 * non-core tags, keys that repeat once read as strings, nesting deeper than MAX_DEPTH, aliases
 * without an anchor, more than MAX_ALIASES aliases, and aliases to nodes that hold aliases (the way
 * an alias bomb grows exponentially).
 */
function inspect(doc: Document.Parsed, lineAt: (offset: number | undefined) => number): Structure {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yaml();
  const problems: Problem[] = [];
  const duplicates = new Map<number, { path: DocPath; message: string }>();
  const anchors = new Map<string, Node>();
  const holdsAlias = new Map<Node, boolean>();
  let aliasCount = 0;
  let firstAliasLine = 0;
  let tooDeepReported = false;
  /** Anchors already reported as holding aliases: one diagnostic each, not one per use. */
  const nestedReported = new Set<string>();

  const containsAlias = (node: unknown): boolean => {
    if (isAlias(node)) return true;
    if (!isMap(node) && !isSeq(node)) return false;
    const known = holdsAlias.get(node);
    if (known !== undefined) return known;
    const result = node.items.some((item) => (isPair(item) ? containsAlias(item.key) || containsAlias(item.value) : containsAlias(item)));
    holdsAlias.set(node, result);
    return result;
  };

  const walk = (node: unknown, path: DocPath, depth: number): void => {
    if (node === null || node === undefined) return;
    const line = lineAt(rangeStart(node));
    if (isAlias(node)) {
      aliasCount++;
      if (aliasCount === 1) firstAliasLine = line;
      const target = anchors.get(node.source);
      if (!target) {
        problems.push({ line, path, message: `invalid YAML: alias *${node.source} names no anchor (&${node.source}) before it` });
      } else if (aliasCount === MAX_ALIASES + 1) {
        problems.push({ line, path, message: `invalid YAML: more than ${MAX_ALIASES} aliases: a spec needs none (an alias bomb?)` });
      } else if (containsAlias(target) && !nestedReported.has(node.source)) {
        nestedReported.add(node.source);
        problems.push({
          line,
          path,
          message: `invalid YAML: alias *${node.source} repeats a node that itself holds aliases: nested aliases can multiply without bound (an alias bomb?)`,
        });
      }
      return;
    }
    const n = node as Node;
    if (n.anchor) anchors.set(n.anchor, n);
    if (n.tag && !CORE_TAGS.has(n.tag)) {
      problems.push({ line, path, message: tagMessage(n.tag) });
    }
    if (!isMap(node) && !isSeq(node)) return;
    if (depth >= MAX_DEPTH) {
      if (!tooDeepReported) problems.push({ line, path, message: `invalid YAML: nested more than ${MAX_DEPTH} levels deep` });
      tooDeepReported = true;
      return;
    }
    if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i], depth + 1));
      return;
    }
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const keyLine = lineAt(rangeStart(pair.key));
      if (!isScalar(pair.key)) {
        walk(pair.key, path, depth + 1);
        problems.push({ line: keyLine || line, path, message: "invalid YAML: a key must be a plain string, not a list, map or alias" });
        walk(pair.value, path, depth + 1);
        continue;
      }
      const n = pair.key as Node;
      if (n.tag && !CORE_TAGS.has(n.tag)) {
        problems.push({ line: keyLine, path, message: tagMessage(n.tag) });
      }
      const key = String(pair.key.value);
      const first = seen.get(key);
      if (first !== undefined) {
        const entry = { path: [...path, key], message: `duplicate key ${JSON.stringify(key)} (first on line ${first})` };
        duplicates.set(rangeStart(pair.key) ?? -1, entry);
        problems.push({ line: keyLine, ...entry });
      } else {
        seen.set(key, keyLine);
      }
      walk(pair.value, [...path, key], depth + 1);
    }
  };
  walk(doc.contents, [], 0);
  return { problems, duplicates, firstAliasLine };
}

function uniqueDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = JSON.stringify([d.line, d.path, d.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A YAML error or warning as a diagnostic, in words a spec author can act on. */
function yamlErrorDiagnostic(
  file: string,
  e: YAMLError,
  lineAt: (offset: number | undefined) => number,
  duplicates: Map<number, { path: DocPath; message: string }>,
): Diagnostic {
  const line = lineAt(e.pos[0]) || 1;
  switch (e.code) {
    case "DUPLICATE_KEY": {
      const known = duplicates.get(e.pos[0]);
      if (known) return { file, line, ...known };
      return { file, line, path: [], message: "invalid YAML: a key repeats in the same map" };
    }
    case "MULTIPLE_DOCS":
      return { file, line, path: [], message: 'invalid YAML: a second document starts here: a spec file holds one document (drop the "---")' };
    case "RESOURCE_EXHAUSTION":
      return { file, line, path: [], message: `invalid YAML: nested too deeply to parse (a spec is at most ${MAX_DEPTH} levels deep)` };
    case "TAG_RESOLVE_FAILED": {
      const tag = /Unresolved tag: (\S+)/.exec(e.message)?.[1];
      return { file, line, path: [], message: tag ? tagMessage(tag) : `invalid YAML: ${firstLine(e.message)}` };
    }
    case "NON_STRING_KEY":
      return { file, line, path: [], message: "invalid YAML: a key must be a plain string, not a list, map or alias" };
    default:
      // The parser's own recursion can run out of stack before its depth limit, depending on how deep the caller's stack already is.
      if (/maximum call stack size exceeded/i.test(e.message)) {
        return { file, line, path: [], message: `invalid YAML: nested too deeply to parse (a spec is at most ${MAX_DEPTH} levels deep)` };
      }
      return { file, line, path: [], message: `invalid YAML: ${firstLine(e.message)}` };
  }
}

/**
 * The parsed data as fresh plain objects and arrays: an alias yields a copy, never a second
 * reference to the same object, so no later stage can change two places at once.
 */
function plainCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainCopy);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: plainCopy(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function tagMessage(tag: string): string {
  return `invalid YAML: tag ${shortTag(tag)} is not allowed: a spec holds plain maps, lists, strings, numbers and booleans`;
}

function shortTag(tag: string): string {
  return tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice("tag:yaml.org,2002:".length)}` : tag;
}

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}
