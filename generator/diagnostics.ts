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

/** Formats a path the way a reader would write it: `flows[7].ports[0].endPort`, `podLabels["app.kubernetes.io/name"]`. */
export function formatPath(path: DocPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** `spec/longhorn/1.9.yaml:42 flows[7].ports[0].endPort: 80 is below port 9500` */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}` : d.file;
  const path = formatPath(d.path);
  return path === "" ? `${where} ${d.message}` : `${where} ${path}: ${d.message}`;
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
