// Writes a set of files so that a failure leaves the old ones in place: every file goes to a
// temporary sibling first, and only when all are written are they renamed over the targets.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
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

/**
 * Replaces a whole directory: the new tree is written beside it and swapped in by renames, so a
 * failure leaves the old directory as it was and files no longer generated disappear. A directory
 * that holds exactly these files already is left as it is (nothing to replace, no file rewritten).
 */
export function replaceDirectoryAtomically(root: string, dir: string, files: readonly OutputFile[]): void {
  if (holdsExactly(root, dir, files)) return;
  const target = join(root, dir);
  const staging = `${target}.${process.pid}.new`;
  const old = `${target}.${process.pid}.old`;
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const file of files) {
      const path = join(staging, relativeTo(dir, file.path));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  const hadOld = existsSync(target);
  if (hadOld) renameSync(target, old);
  renameSync(staging, target);
  if (hadOld) rmSync(old, { recursive: true, force: true });
}

/**
 * Whether `dir` holds exactly `files` and nothing else: each a regular file with the same bytes, no
 * other file, link or folder (a folder only as the parent of a file), as replacing it would leave it.
 */
export function holdsExactly(root: string, dir: string, files: readonly OutputFile[]): boolean {
  const target = join(root, dir);
  const expected = new Map<string, string>();
  const folders = new Set<string>();
  for (const file of files) {
    if (!file.path.startsWith(`${dir}/`)) return false;
    const rel = file.path.slice(dir.length + 1);
    expected.set(rel, file.content);
    for (let parent = dirname(rel); parent !== "."; parent = dirname(parent)) folders.add(parent);
  }
  try {
    if (!lstatSync(target).isDirectory()) return false;
    let found = 0;
    for (const name of readdirSync(target, { recursive: true, encoding: "utf8" })) {
      const stat = lstatSync(join(target, name));
      if (stat.isDirectory()) {
        if (!folders.has(name)) return false;
        continue;
      }
      const content = expected.get(name);
      if (!stat.isFile() || content === undefined) return false;
      if (!readFileSync(join(target, name)).equals(Buffer.from(content, "utf8"))) return false;
      found++;
    }
    return found === expected.size;
  } catch {
    // Missing, or not readable: replacing it is what settles it.
    return false;
  }
}

/** Files under `dir` on disk that the generator would not write. */
export function extraFiles(root: string, dir: string, files: readonly OutputFile[]): string[] {
  const target = join(root, dir);
  if (!existsSync(target)) return [];
  const expected = new Set(files.map((f) => f.path));
  return readdirSync(target, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => statSync(join(root, path)).isFile() && !expected.has(path))
    .sort();
}

function relativeTo(dir: string, path: string): string {
  if (!path.startsWith(`${dir}/`)) throw new Error(`${path} is not under ${dir}/`);
  return path.slice(dir.length + 1);
}
