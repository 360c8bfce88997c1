// netpolgen generate: atomic, deterministic, and --check reports what differs.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { extraFiles, replaceDirectoryAtomically, staleFiles } from "../generator/lib/write.ts";
import { PROJECT_ROOT, runCli } from "./helpers.ts";

function treeHash(dir: string): string {
  const hash = createHash("sha256");
  for (const name of readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
    hash.update(name);
    try {
      hash.update(readFileSync(join(dir, name)));
    } catch {
      // a directory
    }
  }
  return hash.digest("hex");
}

test("an invalid spec fails generation and leaves chart/ as it was", async () => {
  const before = treeHash(join(PROJECT_ROOT, "chart"));
  const specDir = mkdtempSync(join(tmpdir(), "lhnp-spec-"));
  try {
    mkdirSync(join(specDir, "longhorn"));
    cpSync(join(PROJECT_ROOT, "test/fixtures/malformed/endport-below-port/1.9.yaml"), join(specDir, "longhorn/1.9.yaml"));
    const run = await runCli("generate", "--spec-dir", specDir);
    assert.is(run.code, 1);
    assert.match(run.stderr, "flows[1].ports[0].endPort: 80 is below port 9500");
  } finally {
    rmSync(specDir, { recursive: true, force: true });
  }
  assert.is(treeHash(join(PROJECT_ROOT, "chart")), before);
});

test("generate refuses to delete a file in chart/ that it did not write, and writes nothing", async () => {
  const foreign = join(PROJECT_ROOT, "chart/templates/my-extra-policy.yaml");
  writeFileSync(foreign, "# hand-written\n");
  try {
    const before = treeHash(join(PROJECT_ROOT, "chart"));
    const run = await runCli("generate");
    assert.is(run.code, 1);
    assert.match(run.stderr, "chart/templates/my-extra-policy.yaml: not written by netpolgen; generate replaces chart/ as a whole and would delete it");
    assert.match(run.stderr, "nothing written");
    assert.is(treeHash(join(PROJECT_ROOT, "chart")), before);
    assert.is(readFileSync(foreign, "utf8"), "# hand-written\n");
  } finally {
    rmSync(foreign, { force: true });
  }
});

test("--check names missing, differing and extra files", () => {
  const root = mkdtempSync(join(tmpdir(), "lhnp-gen-"));
  try {
    const files = [
      { path: "out/a.yaml", content: "a: 1\nb: 2\n" },
      { path: "out/sub/b.yaml", content: "b\n" },
    ];
    replaceDirectoryAtomically(root, "out", files);
    assert.equal(staleFiles(root, files), []);
    writeFileSync(join(root, "out/a.yaml"), "a: 1\nb: 3\n");
    rmSync(join(root, "out/sub/b.yaml"));
    writeFileSync(join(root, "out/old.yaml"), "x\n");
    assert.equal(staleFiles(root, files), [
      { path: "out/a.yaml", state: "differs", firstDifferentLine: 2 },
      { path: "out/sub/b.yaml", state: "missing" },
    ]);
    assert.equal(extraFiles(root, "out", files), ["out/old.yaml"]);
    replaceDirectoryAtomically(root, "out", files);
    assert.equal(staleFiles(root, files), []);
    assert.equal(extraFiles(root, "out", files), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("generation is deterministic: the committed chart is what generate writes", async () => {
  const run = await runCli("generate", "--check");
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, / generated files up to date$/);
});

test.run();
