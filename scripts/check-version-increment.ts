// ct lint's version-increment rule, with git: when anything under a chart folder of ct.yaml differs
// from the merge base with the target branch (`<remote>/<target-branch>`, else the local branch),
// the chart's version must be higher than the target branch's. Also: CHANGELOG.md holds an entry for
// the chart's version. Run from the project folder (make lint); TARGET_REF overrides the target.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compareVersions, parseVersion } from "../generator/lib/versions.ts";
import { readYaml } from "../generator/lib/yaml.ts";
import { parseChangelog } from "../generator/release/changelog.ts";

const git = (...args: string[]) => spawnSync("git", args, { encoding: "utf8" });

interface CtConfig {
  "target-branch"?: string;
  remote?: string;
  charts?: string[];
  "check-version-increment"?: boolean;
}

const config = (existsSync("ct.yaml") ? readYaml(readFileSync("ct.yaml", "utf8")) : {}) as CtConfig;
const charts = config.charts ?? ["chart"];
const branch = config["target-branch"] ?? "main";
const remote = config.remote ?? "origin";
let failed = false;

function fail(message: string): void {
  console.error(`version increment: ${message}`);
  failed = true;
}

function chartVersion(text: string, where: string): string | undefined {
  const version = (readYaml(text) as { version?: unknown } | null)?.version;
  if (typeof version !== "string" || !parseVersion(version)) {
    fail(`${where}: version ${JSON.stringify(version)} is not a semver string`);
    return undefined;
  }
  return version;
}

/** The ref to compare with: TARGET_REF, else <remote>/<branch>, else <branch>, else none. */
function targetRef(): string | undefined {
  if (process.env.TARGET_REF) return process.env.TARGET_REF;
  for (const ref of [`refs/remotes/${remote}/${branch}`, `refs/heads/${branch}`]) {
    if (git("rev-parse", "--verify", "--quiet", ref).status === 0) return ref.replace(/^refs\/(remotes|heads)\//, "");
  }
  return undefined;
}

if (config["check-version-increment"] === false) {
  console.log("version increment: check-version-increment is false in ct.yaml");
} else if (git("rev-parse", "--is-inside-work-tree").status !== 0) {
  console.log("version increment: not a git checkout, nothing to compare with (skipped)");
} else {
  const target = targetRef();
  const base = target ? git("merge-base", target, "HEAD") : undefined;
  if (!target || !base || base.status !== 0) {
    console.log(
      target
        ? `version increment: ${target} and HEAD have no merge base (a shallow clone? fetch with --depth 0); skipped`
        : `version increment: neither ${remote}/${branch} nor ${branch} exists to compare with (fetch it, or set TARGET_REF); skipped`,
    );
  } else {
    const mergeBase = base.stdout.trim();
    for (const chart of charts) {
      // As ct: tracked files against the merge base, working tree included; plus new untracked files.
      const changed = [
        ...git("diff", "--find-renames", "--name-only", mergeBase, "--", chart).stdout.split("\n"),
        ...git("ls-files", "--others", "--exclude-standard", "--", chart).stdout.split("\n"),
      ].filter(Boolean);
      if (changed.length === 0) {
        console.log(`version increment: ${chart}/ unchanged since ${target} (merge base ${mergeBase.slice(0, 12)})`);
        continue;
      }
      const old = git("show", `${target}:${chart}/Chart.yaml`);
      if (old.status !== 0) {
        console.log(`version increment: ${chart}/ is new on this branch (no ${chart}/Chart.yaml on ${target}); skipped as ct does`);
        continue;
      }
      const before = chartVersion(old.stdout, `${target}:${chart}/Chart.yaml`);
      const now = chartVersion(readFileSync(join(chart, "Chart.yaml"), "utf8"), `${chart}/Chart.yaml`);
      if (!before || !now) continue;
      const sample = changed.slice(0, 3).join(", ") + (changed.length > 3 ? `, … (${changed.length} files)` : "");
      if (compareVersions(now, before) <= 0) {
        fail(
          `${chart}/ changed since ${target} (${sample}) but its version ${now} is not higher than ${target}'s ${before}: ` +
            "raise the version in package.json (patch for a spec fix, minor for a new Longhorn minor or feature; netpolgen new-version does it), " +
            "add its CHANGELOG.md entry, then make generate",
        );
      } else console.log(`version increment: ${chart}/ changed since ${target}; version ${before} → ${now}`);
    }
  }
}

// The entry Artifact Hub shows as the release's changes.
for (const chart of charts) {
  const file = join(chart, "Chart.yaml");
  if (!existsSync(file) || !existsSync("CHANGELOG.md")) continue;
  const version = chartVersion(readFileSync(file, "utf8"), file);
  if (version && !parseChangelog(readFileSync("CHANGELOG.md", "utf8")).some((e) => e.version === version)) {
    fail(`CHANGELOG.md has no entry for chart version ${version}: add "## ${version}" with what changed`);
  }
}

process.exit(failed ? 1 : 0);
