// A problem found in an input file, located by file, line and the path inside the document.
// Stages return diagnostics as values; the CLI prints them once.

/** A path inside a YAML/JSON document: map keys and sequence indices. */
export type DocPath = readonly (string | number)[];

export interface Diagnostic {
  file: string;
  /** 1-based line, or 0 when the position is unknown. */
  line: number;
  path: DocPath;
  message: string;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Characters that would break a diagnostic's one line or hide in it: C0 controls (line breaks,
 * tabs), DEL, C1 controls, zero-width and direction marks, line and paragraph separators,
 * direction embeddings, overrides and isolates, the byte order mark.
 */
const UNPRINTABLE = /[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g;

/** Text from an input file made safe for one line of output: unprintable characters as \uXXXX escapes. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
}

/** Longest text quoted whole in a message; longer text is cut, saying how long it was. */
const QUOTE_LIMIT = 80;

/** Text from an input file quoted for a message: `"longhorn-manager"`, escaped and cut to QUOTE_LIMIT characters. */
export function quoteText(text: string): string {
  const chars = [...text];
  if (chars.length <= QUOTE_LIMIT) return JSON.stringify(text).replace(UNPRINTABLE, (c) => printable(c));
  const cut = JSON.stringify(chars.slice(0, QUOTE_LIMIT).join("")).replace(UNPRINTABLE, (c) => printable(c));
  return `${cut.slice(0, -1)}…" (${chars.length} characters)`;
}

/** Formats a path the way a reader would write it: `flows[7].ports[0].endPort`, `podLabels["app.kubernetes.io/name"]`. */
export function formatPath(path: DocPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${quoteText(segment)}]`;
  }
  return out;
}

/**
 * `spec/longhorn/1.9.yaml:42 flows[7].ports[0].endPort: 80 is below port 9500`. Always one line:
 * whatever a message quotes from the input, its control characters print as escapes.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${printable(d.file)}:${d.line}` : printable(d.file);
  const path = formatPath(d.path);
  const message = printable(d.message);
  return path === "" ? `${where} ${message}` : `${where} ${path}: ${message}`;
}

/** Sorted by file, line and text, without repeats (a parent's error is found again through each child). */
export function uniqueDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Map<string, Diagnostic>();
  for (const d of diagnostics) seen.set(formatDiagnostic(d), d);
  return [...seen.values()].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || formatDiagnostic(a).localeCompare(formatDiagnostic(b)),
  );
}

/** Thrown when a stage cannot go on; carries every diagnostic found so far. */
export class DiagnosticError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    const unique = uniqueDiagnostics(diagnostics);
    super(unique.map(formatDiagnostic).join("\n"));
    this.name = "DiagnosticError";
    this.diagnostics = unique;
  }
}
