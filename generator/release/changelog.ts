// CHANGELOG.md: one entry per chart version, newest first, in Keep a Changelog's shape
// (`## 0.2.0`, then `### Added` / `### Changed` / ... with one bullet per change). The entry of the
// chart's version becomes Chart.yaml's `artifacthub.io/changes`; `netpolgen new-version` writes new
// entries with `addEntry`.
import { parseVersion } from "../lib/versions.ts";

/** Artifact Hub's change kinds (artifacthub.io/changes), as Keep a Changelog headings. */
export const CHANGE_KINDS = ["added", "changed", "deprecated", "removed", "fixed", "security"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface Change {
  kind: ChangeKind;
  description: string;
}

export interface ChangelogEntry {
  version: string;
  /** Text after the version in the heading ("— Longhorn 1.14"), without the separator. */
  title: string;
  changes: Change[];
}

export class ChangelogError extends Error {
  override name = "ChangelogError";
}

const HEADING = /^## +\[?(\S+?)\]?(?:\s+[-—–]+\s+(.*))?\s*$/;
const KIND_HEADING = /^### +(\S.*?)\s*$/;

/** Every entry of a changelog, in file order; throws ChangelogError naming the line of anything it cannot read. */
export function parseChangelog(text: string): ChangelogEntry[] {
  const entries: ChangelogEntry[] = [];
  let entry: ChangelogEntry | undefined;
  let kind: ChangeKind | undefined;
  let bullet: Change | undefined;
  const lines = text.split("\n");
  for (const [index, line] of lines.entries()) {
    const at = `CHANGELOG.md:${index + 1}`;
    const heading = HEADING.exec(line);
    if (heading) {
      if (!parseVersion(heading[1]!) || heading[1]!.split(".").length !== 3) {
        throw new ChangelogError(`${at}: "${line}" is not a chart version heading like "## 0.2.0"`);
      }
      if (entries.some((e) => e.version === heading[1])) throw new ChangelogError(`${at}: a second entry for ${heading[1]}`);
      entry = { version: heading[1]!, title: heading[2]?.trim() ?? "", changes: [] };
      entries.push(entry);
      kind = undefined;
      bullet = undefined;
      continue;
    }
    if (!entry) continue;
    const kindHeading = KIND_HEADING.exec(line);
    if (kindHeading) {
      const name = kindHeading[1]!.toLowerCase();
      if (!(CHANGE_KINDS as readonly string[]).includes(name)) {
        throw new ChangelogError(`${at}: "### ${kindHeading[1]}" is not one of ${CHANGE_KINDS.map((k) => capitalise(k)).join(", ")}`);
      }
      kind = name as ChangeKind;
      bullet = undefined;
      continue;
    }
    if (line.startsWith("- ")) {
      if (!kind) throw new ChangelogError(`${at}: a change outside a "### Added" (Changed, Removed, ...) section`);
      bullet = { kind, description: line.slice(2).trim() };
      entry.changes.push(bullet);
      continue;
    }
    if (bullet && /^\s{2,}\S/.test(line)) {
      bullet.description = `${bullet.description} ${line.trim()}`;
      continue;
    }
    if (line.trim() !== "") bullet = undefined;
  }
  return entries;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One entry as Markdown, bullets wrapped at 100 columns with two-space continuation lines. */
export function renderEntry(entry: ChangelogEntry): string {
  const out = [`## ${entry.version}${entry.title ? ` — ${entry.title}` : ""}`, ""];
  for (const kind of CHANGE_KINDS) {
    const changes = entry.changes.filter((c) => c.kind === kind);
    if (changes.length === 0) continue;
    out.push(`### ${capitalise(kind)}`, "");
    for (const change of changes) out.push(wrap(`- ${change.description}`, 100));
    out.push("");
  }
  return out.join("\n");
}

function wrap(text: string, width: number): string {
  const words = text.split(" ");
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `  ${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join("\n");
}

/** The changelog with `entry` inserted before the first entry (after the preamble); throws when its version is there already. */
export function addEntry(text: string, entry: ChangelogEntry): string {
  if (parseChangelog(text).some((e) => e.version === entry.version)) {
    throw new ChangelogError(`CHANGELOG.md has an entry for ${entry.version} already`);
  }
  const lines = text.split("\n");
  const first = lines.findIndex((line) => HEADING.test(line));
  const rendered = renderEntry(entry);
  if (first === -1) return `${text.replace(/\n*$/, "\n\n")}${rendered}`;
  return [...lines.slice(0, first), ...rendered.split("\n"), ...lines.slice(first)].join("\n");
}
