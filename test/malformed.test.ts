// Each folder under test/fixtures/malformed/ holds a broken spec (its highest version is the one
// validated, the others are what it extends) and expected.txt: the exact located errors
// `netpolgen validate` must print for it, one per line.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROJECT_ROOT, runCli } from "./helpers.ts";

const FIXTURES = "test/fixtures/malformed";
const cases = readdirSync(join(PROJECT_ROOT, FIXTURES)).sort();

test("there are at least 20 malformed cases", () => {
  assert.ok(cases.length >= 20, `${cases.length} cases`);
});

for (const name of cases) {
  test(`malformed: ${name}`, async () => {
    const dir = join(FIXTURES, name);
    const versions = readdirSync(join(PROJECT_ROOT, dir))
      .filter((f) => f.endsWith(".yaml"))
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    const leaf = join(dir, versions[versions.length - 1]!);
    const expected = readFileSync(join(PROJECT_ROOT, dir, "expected.txt"), "utf8").trimEnd().split("\n");
    const run = await runCli("validate", leaf);
    assert.is(run.code, 1, "exit code");
    assert.is(run.stdout, "");
    const lines = run.stderr.split("\n");
    assert.equal(lines.slice(0, -1), expected);
    assert.match(lines[lines.length - 1]!, new RegExp(`^${expected.length} problems? in 1 file$`));
  });
}

test.run();
