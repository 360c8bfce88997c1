// Longhorn versions: a minor ("1.12"), a patch ("1.12.1") or a tag ("v1.12.1", "v1.12.1-rc1"), read
// and ordered with semver. Only the functions used are imported: all of semver takes three times as
// long to load, and the CLI loads this module for --help too.
import type { SemVer } from "semver";
import compare from "semver/functions/compare.js";
import parse from "semver/functions/parse.js";

/**
 * The version as semver, a minor read as its .0 patch; undefined when it is not one by semver's rules
 * (numbers without leading zeros, an optional "v", a pre-release or build only after the patch, no
 * blanks around it).
 */
export function parseVersion(text: string): SemVer | undefined {
  if (text !== text.trim()) return undefined;
  return parse(text) ?? (text.split(".").length === 2 ? parse(`${text}.0`) : null) ?? undefined;
}

/** The minor a version names ("1.12" for 1.12, 1.12.1 and v1.12.1-rc1), or undefined when it is not a version. */
export function minorOf(version: string): string | undefined {
  const parsed = parseVersion(version);
  return parsed ? `${parsed.major}.${parsed.minor}` : undefined;
}

function parsed(version: string): SemVer {
  const result = parseVersion(version);
  if (!result) throw new Error(`"${version}" is not a version like 1.12, 1.12.1 or v1.12.1`);
  return result;
}

/** Orders versions and minors as semver does: 1.9 before 1.10, 1.12 (= 1.12.0) before 1.12.1. Throws on a non-version. */
export function compareVersions(a: string, b: string): number {
  return compare(parsed(a), parsed(b));
}

/**
 * The minor after a version's minor: 1.13 after 1.12, 1.12.3 and 1.12.0-rc1 (semver's inc would give
 * 1.12.0 for the last: the release a pre-release leads to).
 */
export function nextMinor(version: string): string {
  const { major, minor } = parsed(version);
  return `${major}.${minor + 1}`;
}
