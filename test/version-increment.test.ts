// make lint's version-increment check (scripts/check-version-increment.ts), as ct lint applies it, in a
// scratch git repository: a change under chart/ without a higher version than the target branch's
// fails naming both versions; a bump passes; a missing CHANGELOG.md entry fails; no target branch is
// reported, not passed silently.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROJECT_ROOT } from "./helpers.ts";

const repo = mkdtempSync(join(tmpdir(), "lhnp-bump-check-"));
const git = (...args: string[]) => {
  const run = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd: repo, encoding: "utf8" });
  assert.is(run.status, 0, `git ${args.join(" ")}: ${run.stderr}`);
  return run.stdout;
};
const check = (env: NodeJS.ProcessEnv = {}) =>
  spawnSync(join(PROJECT_ROOT, "node_modules/.bin/tsx"), [join(PROJECT_ROOT, "scripts/check-version-increment.ts")], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, TARGET_REF: "", ...env },
  });
const write = (path: string, text: string) => {
  mkdirSync(join(repo, path, ".."), { recursive: true });
  writeFileSync(join(repo, path), text);
};
const chartYaml = (version: string) => `apiVersion: v2\nname: c\nversion: ${version}\n`;
const changelog = (...versions: string[]) => `# Changelog\n\n${versions.map((v) => `## ${v}\n\n### Fixed\n\n- x\n`).join("\n")}`;

test.before(() => {
  git("init", "-q");
  write("ct.yaml", readFileSync(join(PROJECT_ROOT, "ct.yaml"), "utf8"));
  write("chart/Chart.yaml", chartYaml("0.1.0"));
  write("chart/templates/a.yaml", "a: 1\n");
  write("CHANGELOG.md", changelog("0.1.0"));
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  git("checkout", "-q", "-b", "feature");
});

test.after(() => rmSync(repo, { recursive: true, force: true }));

test("no change under chart/: passes", () => {
  write("README.md", "docs only\n");
  const run = check();
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, "version increment: chart/ unchanged since main");
});

test("a template changed without a bump, committed or not: fails naming the files and both versions", () => {
  write("chart/templates/a.yaml", "a: 2\n");
  let run = check();
  assert.is(run.status, 1, run.stdout);
  assert.match(run.stderr, "version increment: chart/ changed since main (chart/templates/a.yaml) but its version 0.1.0 is not higher than main's 0.1.0: raise the version in package.json");
  git("commit", "-q", "-am", "change");
  run = check();
  assert.is(run.status, 1, run.stdout);
  // A new file nobody added to git counts too.
  write("chart/templates/b.yaml", "b: 1\n");
  run = check();
  assert.match(run.stderr, "chart/templates/b.yaml");
});

test("a lower version fails; a higher one passes only with its CHANGELOG.md entry", () => {
  write("chart/Chart.yaml", chartYaml("0.0.9"));
  let run = check();
  assert.is(run.status, 1);
  assert.match(run.stderr, "its version 0.0.9 is not higher than main's 0.1.0");
  write("chart/Chart.yaml", chartYaml("0.1.1"));
  run = check();
  assert.is(run.status, 1);
  assert.match(run.stderr, 'CHANGELOG.md has no entry for chart version 0.1.1: add "## 0.1.1"');
  write("CHANGELOG.md", changelog("0.1.1", "0.1.0"));
  run = check();
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, "version increment: chart/ changed since main; version 0.1.0 → 0.1.1");
});

test("the remote's branch wins over the local one, as in ct; TARGET_REF overrides both", () => {
  git("add", "-A");
  git("commit", "-q", "-m", "bump");
  // origin/main already at 0.1.1 (someone released it): this branch must go higher.
  git("update-ref", "refs/remotes/origin/main", "HEAD");
  write("chart/templates/a.yaml", "a: 3\n");
  let run = check();
  assert.is(run.status, 1, run.stdout);
  assert.match(run.stderr, "changed since origin/main (chart/templates/a.yaml) but its version 0.1.1 is not higher than origin/main's 0.1.1");
  run = check({ TARGET_REF: "main" });
  assert.is(run.status, 0, run.stderr);
  git("update-ref", "-d", "refs/remotes/origin/main");
});

test("no target branch to compare with: said so, and the CHANGELOG check still runs", () => {
  git("branch", "-q", "-m", "main", "old-main");
  try {
    const run = check();
    assert.is(run.status, 0, run.stderr);
    assert.match(run.stdout, "neither origin/main nor main exists to compare with (fetch it, or set TARGET_REF); skipped");
  } finally {
    git("branch", "-q", "-m", "old-main", "main");
  }
});

test("make lint runs it", () => {
  assert.match(readFileSync(join(PROJECT_ROOT, "scripts/lint-chart.sh"), "utf8"), "npx --no-install tsx scripts/check-version-increment.ts");
});

test.run();
