// Stage 1, parse: YAML text → plain data plus a way to find the line of any path in it.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import type { Diagnostic, DocPath } from "./diagnostics.ts";

export interface SourceDocument {
  file: string;
  data: unknown;
  /** The line of the value at `path` (of its key, when `key` is true); falls back to the nearest ancestor. */
  lineOf(path: DocPath, options?: { key?: boolean }): number;
}

export interface ParseResult {
  document?: SourceDocument;
  diagnostics: Diagnostic[];
}

export function parseYaml(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined): number => (offset === undefined ? 0 : lineCounter.linePos(offset).line);
  const problems = [...doc.errors, ...doc.warnings];
  if (doc.errors.length > 0) {
    return {
      diagnostics: problems.map((e) => ({
        file,
        line: lineAt(e.pos[0]),
        path: [],
        message: `invalid YAML: ${firstLine(e.message)}`,
      })),
    };
  }

  const lineOf = (path: DocPath, options: { key?: boolean } = {}): number => {
    let node: unknown = doc.contents;
    let best = lineAt(rangeStart(node));
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

  return { document: { file, data: doc.toJS({ maxAliasCount: 100 }), lineOf }, diagnostics: [] };
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}
