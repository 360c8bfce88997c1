// The one Markdown table writer (docs tables, the spec's flow tables, the semantic diff, the chart
// README). A library was weighed: markdown-table aligns columns but leaves `|` in cells unescaped,
// which is the part these tables need; the rest is one line.

/** A cell's text on one line, with `|` escaped so it cannot end the cell. */
export function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();
}

export interface TableOptions {
  /** `| a | b |` (GitHub's usual shape, the default) or `a | b` (the shape of Longhorn's docs pages). */
  outerPipes?: boolean;
  /** Per column, right-aligned numbers. */
  alignRight?: readonly boolean[];
  /** Cells are written as given (already escaped Markdown, e.g. code spans with escaped pipes). */
  raw?: boolean;
}

/** A GitHub-flavoured Markdown table, without a trailing newline. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const outer = options.outerPipes ?? true;
  const cell = options.raw ? (text: string) => text : escapeCell;
  const line = (cells: readonly string[]) => (outer ? `| ${cells.join(" | ")} |` : cells.join(" | "));
  const delimiter = header.map((_, i) => (options.alignRight?.[i] ? "---:" : "---"));
  return [line(header), outer ? `|${delimiter.join("|")}|` : delimiter.join(" | "), ...rows.map((row) => line(row.map(cell)))].join("\n");
}
