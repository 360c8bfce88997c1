// Checks every code cite of the spec (`source.client`, `source.listener`: `owner/repo@ref path:line note`)
// against git clones of the cited repositories: the file exists at that ref, the line exists, and the
// note's first word (the symbol) appears within three lines of it. A maintainer's tool: CI has no
// clones of Longhorn's repositories.
//
//   npx tsx scripts/check-cites.ts longhorn/longhorn-manager=/path/to/clone [owner/repo=/path ...]
//
// Cites of repositories not given are counted as unchecked. Exit 1 when any checked cite is wrong.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT, readText } from "../generator/lib/files.ts";
import { SpecLoader } from "../generator/loader/load.ts";
import { parseCite } from "../generator/report/audit.ts";

const clones = new Map(
  process.argv.slice(2).map((arg) => {
    const [repo, dir] = arg.split("=");
    if (!repo || !dir) throw new Error(`expected owner/repo=/path/to/clone, got ${arg}`);
    return [repo, dir] as const;
  }),
);

const files = new Map<string, string[] | null>();
function fileAt(dir: string, ref: string, path: string): string[] | null {
  const key = `${dir}\0${ref}\0${path}`;
  if (!files.has(key)) {
    try {
      files.set(key, execFileSync("git", ["-C", dir, "show", `${ref}:${path}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 << 20 }).split("\n"));
    } catch {
      files.set(key, null);
    }
  }
  return files.get(key)!;
}

const loader = new SpecLoader((file) => readText(join(PROJECT_ROOT, file)));
const dir = "spec/longhorn";
const cites = new Map<string, string>();
for (const name of readdirSync(join(PROJECT_ROOT, dir)).filter((f) => f.endsWith(".yaml"))) {
  const spec = loader.load(join(dir, name)).spec;
  if (!spec) throw new Error(`${dir}/${name} does not load: run netpolgen validate`);
  for (const entry of [...spec.flows, ...spec.listeners]) {
    for (const cite of [...(entry.source.client ?? []), ...(entry.source.listener ?? [])]) {
      cites.set(cite, `${entry.origin.file}:${entry.origin.line}`);
    }
  }
}

let checked = 0;
let unchecked = 0;
const problems: string[] = [];
for (const [cite, where] of cites) {
  const { repo, ref, path, line, symbol } = parseCite(cite)!;
  const clone = clones.get(repo);
  if (!clone) {
    unchecked++;
    continue;
  }
  checked++;
  const lines = fileAt(clone, ref, path);
  if (!lines) problems.push(`${where}: ${cite}: no ${path} at ${ref}`);
  else if (line > lines.length) problems.push(`${where}: ${cite}: ${path} has ${lines.length} lines`);
  else if (symbol) {
    const near = lines.slice(Math.max(0, line - 4), line + 3).join("\n");
    if (!near.includes(symbol)) {
      const found = lines.findIndex((l) => l.includes(symbol));
      problems.push(`${where}: ${cite}: "${symbol}" is not near line ${line}${found >= 0 ? ` (first seen at line ${found + 1})` : ""}`);
    }
  }
}
for (const p of problems) console.log(p);
console.log(`${checked} cites checked, ${problems.length} wrong, ${unchecked} in repositories not given`);
process.exit(problems.length ? 1 : 0);
