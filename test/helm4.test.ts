// Helm 4 (.tools/bin/helm4, pinned by make setup) renders every golden case byte for byte as Helm 3
// did (the golden files are Helm 3's output), and refuses every invalid values file that Helm 3
// refuses. Its schema messages differ: JSON pointers for dotted paths, and no path at all for a bad
// property name, so a fixture may state `# expect (helm 4): ...`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { GOLDEN_CASES, goldenArgs, withoutChartVersion } from "../generator/release/golden-cases.ts";
import { PROJECT_ROOT, SPEC_VERSIONS } from "./helpers.ts";
import { helm4, HELM4_MISSING } from "./helm.ts";

const template = (...args: string[]) => helm4("template", "lhnp", "chart", "--namespace", "longhorn-system", ...args);

function check(name: string, body: () => void): void {
  if (HELM4_MISSING) {
    console.log(`SKIP ${name}: ${HELM4_MISSING}`);
    test.skip(name, body);
  } else test(name, body);
}

check("Helm 4 is the pinned v4.2.3", () => {
  const run = helm4("version", "--short");
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /^v4\.2\.3\+g/);
  assert.match(readFileSync(join(PROJECT_ROOT, "scripts/setup.sh"), "utf8"), 'HELM4_VERSION="v4.2.3"');
});

for (const version of SPEC_VERSIONS) {
  check(`Helm 4 renders the goldens of ${version} byte for byte`, () => {
    for (const c of GOLDEN_CASES) {
      const args = goldenArgs(c, "chart", version, SPEC_VERSIONS);
      if (!args) continue;
      const run = template(...args);
      assert.is(run.code, 0, `${c.name}: ${run.stderr}`);
      assert.fixture(withoutChartVersion(run.stdout), readFileSync(join(PROJECT_ROOT, "test/golden", version, `${c.name}.yaml`), "utf8"));
    }
  });
}

const BAD_VALUES = join(PROJECT_ROOT, "test/fixtures/bad-values");

check("Helm 4 refuses every invalid values file, naming the value", () => {
  const files = readdirSync(BAD_VALUES).filter((f) => f.endsWith(".yaml")).sort();
  assert.ok(files.length > 50, "the fixtures are there");
  for (const file of files) {
    const text = readFileSync(join(BAD_VALUES, file), "utf8");
    const helm3 = /^# expect: (.+)$/m.exec(text)![1]!;
    const explicit = /^# expect \(helm 4\): (.+)$/m.exec(text)?.[1];
    const run = template("-f", join(BAD_VALUES, file));
    assert.is(run.code, 1, `${file}: Helm 4 rendered it`);
    assert.is(run.stdout, "", file);
    if (explicit) {
      assert.ok(run.stderr.includes(explicit), `${file}: expected "${explicit}" in:\n${run.stderr}`);
      continue;
    }
    if (run.stderr.includes(helm3)) continue;
    // A schema error: Helm 4 names the value by its JSON pointer.
    const key = helm3.split(": ")[0]!;
    assert.match(key, /^[A-Za-z0-9.]+$/, `${file}: give "# expect (helm 4): ..." (Helm 4 said:\n${run.stderr})`);
    const pointer = `'/${key.replaceAll(".", "/")}`;
    assert.ok(run.stderr.includes(pointer), `${file}: expected ${pointer} in:\n${run.stderr}`);
  }
});

test.run();
