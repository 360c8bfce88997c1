// Writes a set of files so that a failure leaves the old ones in place: every file goes to a
// temporary sibling first, and only when all are written are they renamed over the targets.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface OutputFile {
  /** Path relative to the root. */
  path: string;
  content: string;
}

export function writeFilesAtomically(root: string, files: readonly OutputFile[]): void {
  const staged: { temp: string; target: string }[] = [];
  try {
    for (const file of files) {
      const target = join(root, file.path);
      mkdirSync(dirname(target), { recursive: true });
      const temp = `${target}.${process.pid}.tmp`;
      staged.push({ temp, target });
      writeFileSync(temp, file.content);
    }
  } catch (error) {
    for (const { temp } of staged) rmSync(temp, { force: true });
    throw error;
  }
  for (const { temp, target } of staged) renameSync(temp, target);
}

export type Staleness = { path: string; state: "missing" } | { path: string; state: "differs"; firstDifferentLine: number };

/** The files whose content on disk differs from what would be generated. */
export function staleFiles(root: string, files: readonly OutputFile[]): Staleness[] {
  const out: Staleness[] = [];
  for (const file of files) {
    let current: string;
    try {
      current = readFileSync(join(root, file.path), "utf8");
    } catch {
      out.push({ path: file.path, state: "missing" });
      continue;
    }
    if (current === file.content) continue;
    const a = current.split("\n");
    const b = file.content.split("\n");
    let line = 0;
    while (line < a.length && line < b.length && a[line] === b[line]) line++;
    out.push({ path: file.path, state: "differs", firstDifferentLine: line + 1 });
  }
  return out;
}
