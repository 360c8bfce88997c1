// Each folder under test/fixtures/malformed/ holds a broken or hostile spec (its highest version is
// the one validated, the others are what it extends) and expected.txt: the exact located errors
// `netpolgen validate` must print for it, one per line. A folder may hold exit-code: the exit code
// when it is not 1 (with 0, expected.txt is what validate prints on stdout; with another code, all
// of stderr). Folders named bytes-* hold files whose exact bytes matter (invalid UTF-8, NUL, BOM):
// .gitattributes keeps git from touching them.
//
// After every failure, `netpolgen generate --spec-dir` pointed at a copy of the case must fail with
// the same code and the same located errors, and leave chart/ and the spec types byte for byte as
// they were, with no staging file or directory behind.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROJECT_ROOT, runCli } from "./helpers.ts";

const FIXTURES = "test/fixtures/malformed";
const cases = readdirSync(join(PROJECT_ROOT, FIXTURES))
  .filter((name) => statSync(join(PROJECT_ROOT, FIXTURES, name)).isDirectory())
  .sort();

/** What `generate` writes: the chart and the spec types. */
const GENERATED = ["chart", "schema/spec.generated.ts"];

/** A hash of every generated file (paths and bytes), plus the names of any staging leftovers beside them. */
function generatedState(): string {
  const hash = createHash("sha256");
  const add = (rel: string): void => {
    const abs = join(PROJECT_ROOT, rel);
    if (statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs).sort()) add(`${rel}/${name}`);
      return;
    }
    hash.update(`${rel}\u0000`).update(readFileSync(abs)).update("\u0000");
  };
  for (const path of GENERATED) add(path);
  // writeFilesAtomically stages `<file>.<pid>.tmp`; replaceDirectoryAtomically `chart.<pid>.new` / `.old`.
  const leftovers = [
    ...readdirSync(PROJECT_ROOT).filter((name) => /^chart\.\d+\.(new|old)$/.test(name)),
    ...readdirSync(join(PROJECT_ROOT, "schema")).filter((name) => /\.\d+\.tmp$/.test(name)),
  ];
  hash.update(leftovers.sort().join("\n"));
  return hash.digest("hex");
}

test("there are 119 malformed cases", () => {
  assert.is(cases.length, 119);
});

test("files whose bytes matter are kept as bytes by git", () => {
  const attributes = readFileSync(join(PROJECT_ROOT, FIXTURES, ".gitattributes"), "utf8");
  assert.match(attributes, /^bytes-\*\/\*\.yaml binary$/m);
});

for (const name of cases) {
  test(`malformed: ${name}`, async () => {
    const dir = join(FIXTURES, name);
    const versions = readdirSync(join(PROJECT_ROOT, dir))
      .filter((f) => f.endsWith(".yaml"))
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    const leaf = join(dir, versions[versions.length - 1]!);
    const expected = readFileSync(join(PROJECT_ROOT, dir, "expected.txt"), "utf8").trimEnd().split("\n");
    const codeFile = join(PROJECT_ROOT, dir, "exit-code");
    const code = existsSync(codeFile) ? Number(readFileSync(codeFile, "utf8").trim()) : 1;

    const run = await runCli("validate", leaf);
    assert.is(run.code, code, "exit code");
    if (code === 0) {
      assert.is(run.stderr, "");
      assert.equal(run.stdout.split("\n"), expected);
      return; // a valid spec: generate would rewrite chart/, so it is not run
    }
    assert.is(run.stdout, "");
    const lines = run.stderr.split("\n");
    assert.not.match(run.stderr, /^\s+at /m, "no stack trace");
    if (code === 1) {
      assert.equal(lines.slice(0, -1), expected);
      assert.match(lines[lines.length - 1]!, new RegExp(`^${expected.length} problems? in 1 file$`));
    } else {
      assert.equal(lines, expected);
    }

    // generate reads <spec-dir>/longhorn/*.yaml: point it at a copy of the case.
    const specDir = mkdtempSync(join(tmpdir(), "netpolgen-malformed-"));
    try {
      mkdirSync(join(specDir, "longhorn"));
      for (const file of versions) copyFileSync(join(PROJECT_ROOT, dir, file), join(specDir, "longhorn", file));
      const before = generatedState();
      const generate = await runCli("generate", "--spec-dir", specDir);
      assert.is(generatedState(), before, "generate left chart/ and the spec types untouched");
      assert.is(generate.code, code, "generate's exit code");
      assert.is(generate.stdout, "");
      assert.not.match(generate.stderr, /^\s+at /m, "no stack trace");
      const printed = new Set(generate.stderr.split("\n"));
      for (const line of expected) {
        const copy = line.split(`${dir}/`).join(`${specDir}/longhorn/`);
        assert.ok(printed.has(copy), `generate prints: ${copy}\n${generate.stderr}`);
      }
    } finally {
      rmSync(specDir, { recursive: true, force: true });
    }
  });
}

test.run();
