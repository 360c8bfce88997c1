// `netpolgen new-version`, always in a scratch copy of the project (never the real spec/): bad input
// is refused naming what was expected, with nothing written; a new minor yields a releasable chart in
// one command (spec, chart, docs, goldens, chart version, CHANGELOG entry, artifacthub.io/changes),
// which `generate` and `diff --all --check` then find current; --ga moves the default version.
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readText } from "../generator/lib/files.ts";
import { compareVersions } from "../generator/lib/versions.ts";
import { holdsExactly, staleFiles } from "../generator/lib/write.ts";
import { readYaml } from "../generator/lib/yaml.ts";
import { generatedOutput, loadSpecs } from "../generator/pipeline.ts";
import { addEntry, ChangelogError, parseChangelog, renderEntry } from "../generator/release/changelog.ts";
import { chartRelease } from "../generator/release/metadata.ts";
import { bumpMinor } from "../generator/release/new-version.ts";
import { PROJECT_ROOT, runCli, SPEC_VERSIONS } from "./helpers.ts";
import { helm } from "./helm.ts";

const scratch = mkdtempSync(join(tmpdir(), "lhnp-new-version-"));
for (const path of ["spec", "chart", "package.json", "package-lock.json", "CHANGELOG.md", "docs/upgrades.md", "test/golden"]) {
  mkdirSync(join(scratch, path, ".."), { recursive: true });
  cpSync(join(PROJECT_ROOT, path), join(scratch, path), { recursive: true });
}
const newest = SPEC_VERSIONS[SPEC_VERSIONS.length - 1]!;
const next = `${newest.split(".")[0]}.${Number(newest.split(".")[1]) + 1}`;
const chartBefore = (JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string }).version;

/** Every file under the scratch project with its sha256: what "nothing written" compares. */
function snapshot(): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(scratch, { recursive: true, encoding: "utf8" })) {
    const path = join(scratch, name);
    if (statSync(path).isFile()) out.set(relative(scratch, path), createHash("sha256").update(readFileSync(path)).digest("hex"));
  }
  return out;
}

const read = (path: string) => readFileSync(join(scratch, path), "utf8");
const newVersion = (...args: string[]) => runCli("new-version", ...args, "--root", scratch);

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test("bad input: a clear error naming what was expected, exit 2, nothing written", async () => {
  const before = snapshot();
  const cases: [string[], string][] = [
    [[`${next}.1`, "--from", newest], `"${next}.1" is not a Longhorn minor like 1.14`],
    [["v1.99", "--from", newest], `"v1.99" is not a Longhorn minor`],
    [[next], `new-version ${next} needs --from <the minor it extends>, e.g. --from ${newest}`],
    [[next, "--from", "1.99"], `--from 1.99: no spec/longhorn/1.99.yaml; supported: ${SPEC_VERSIONS.join(", ")}`],
    [[next, "--from", SPEC_VERSIONS[0]!], `--from ${SPEC_VERSIONS[0]}: a new minor extends the newest supported version, ${newest}`],
    [[SPEC_VERSIONS[0]!, "--from", newest], `spec/longhorn/${SPEC_VERSIONS[0]}.yaml exists already; drop --from`],
    [[SPEC_VERSIONS[0]!], `spec/longhorn/${SPEC_VERSIONS[0]}.yaml exists already; to make it GA: new-version ${SPEC_VERSIONS[0]} --ga`],
    [[SPEC_VERSIONS[0]!, "--ga"], `Longhorn ${SPEC_VERSIONS[0]} is GA already`],
  ];
  for (const [args, message] of cases) {
    const run = await newVersion(...args);
    assert.is(run.code, 2, `${args.join(" ")}: ${run.stdout}`);
    assert.ok(run.stderr.startsWith("netpolgen: "), run.stderr);
    assert.match(run.stderr, message);
  }
  const noRoot = await runCli("new-version", next, "--from", newest, "--root", join(scratch, "nowhere"));
  assert.is(noRoot.code, 2);
  assert.match(noRoot.stderr, "--root must be the project folder");
  assert.equal(snapshot(), before, "nothing written");
});

test("an entry for the bumped chart version in CHANGELOG.md already: refused before anything is written", async () => {
  const before = snapshot();
  const changelog = join(scratch, "CHANGELOG.md");
  const original = readFileSync(changelog, "utf8");
  const taken = addEntry(original, { version: bumpMinor(chartBefore), title: "", changes: [{ kind: "fixed", description: "x" }] });
  cpSync(changelog, `${changelog}.orig`);
  try {
    writeFileSync(changelog, taken);
    const run = await newVersion(next, "--from", newest);
    assert.is(run.code, 1, run.stdout);
    assert.match(run.stderr, `CHANGELOG.md has an entry for ${bumpMinor(chartBefore)} already`);
    assert.not.ok(existsSync(join(scratch, `spec/longhorn/${next}.yaml`)));
  } finally {
    cpSync(`${changelog}.orig`, changelog);
    rmSync(`${changelog}.orig`);
  }
  assert.equal(snapshot(), before);
});

test(`new-version ${next} --from ${newest}: spec, chart, docs, goldens, chart version and CHANGELOG in one command`, async () => {
  const run = await newVersion(next, "--from", newest);
  assert.is(run.code, 0, run.stderr);
  const chartAfter = bumpMinor(chartBefore);
  assert.match(run.stdout, `chart version ${chartBefore} → ${chartAfter}`);
  // The spec: extends the newest, no change, the audit first in its checklist.
  const spec = read(`spec/longhorn/${next}.yaml`);
  assert.match(spec, `version: "${next}"\nextends: "${newest}"\nstatus: development\n`);
  assert.match(spec, `npx netpolgen audit --version ${newest} <checkouts...>`);
  assert.ok(spec.indexOf("audit") < spec.indexOf("make generate"), "the audit comes first");
  // Chart version: package.json, package-lock.json and Chart.yaml agree.
  assert.is(JSON.parse(read("package.json")).version, chartAfter);
  const lock = JSON.parse(read("package-lock.json"));
  assert.is(lock.version, chartAfter);
  assert.is(lock.packages[""].version, chartAfter);
  const chart = readYaml(read("chart/Chart.yaml")) as { version: string; appVersion: string; annotations: Record<string, string> };
  assert.is(chart.version, chartAfter);
  assert.is(chart.annotations["longhorn-network-policies/longhorn-versions"], [...SPEC_VERSIONS, next].join(","));
  // The CHANGELOG entry is the chart's artifacthub.io/changes.
  const [entry] = parseChangelog(read("CHANGELOG.md"));
  assert.is(entry!.version, chartAfter);
  assert.equal(entry!.changes.map((c) => c.kind), ["added", "added"]);
  assert.match(entry!.changes[0]!.description, `Longhorn ${next} (in development): policies for \`longhorn.version: ${next}\`, extending ${newest}.`);
  assert.match(entry!.changes[1]!.description, `no flow differs from ${newest} yet`);
  assert.equal(readYaml(chart.annotations["artifacthub.io/changes"]!), entry!.changes);
  // Development: the default version does not move.
  const values = readYaml(read("chart/values.yaml")) as { longhorn: { version: string } };
  assert.is(values.longhorn.version, (readYaml(readFileSync(join(PROJECT_ROOT, "chart/values.yaml"), "utf8")) as typeof values).longhorn.version);
  assert.ok(existsSync(join(scratch, `chart/templates/${next}/longhorn-manager.yaml`)));
  assert.match(read("docs/upgrades.md"), `# Longhorn ${newest} → ${next}\n`);
  // Goldens from the same cases as chart.test.ts: with no change yet, the newest's with the version renamed.
  const renamed = (text: string, version: string) => text.replaceAll(version, "X").replaceAll(`v${version.replace(".", "-")}`, "vX");
  const cases = readdirSync(join(PROJECT_ROOT, "test/golden", newest)).sort();
  assert.equal(readdirSync(join(scratch, "test/golden", next)).sort(), cases);
  for (const file of cases.filter((f) => f !== "upgrade.yaml")) {
    assert.fixture(renamed(read(`test/golden/${next}/${file}`), next), renamed(read(`test/golden/${newest}/${file}`), newest), file);
  }
  assert.match(read(`test/golden/${next}/upgrade.yaml`), `longhorn-network-policies/longhorn-version: "${newest}"`);
  // The other versions' goldens are untouched.
  for (const version of SPEC_VERSIONS) {
    for (const file of readdirSync(join(PROJECT_ROOT, "test/golden", version))) {
      assert.is(read(`test/golden/${version}/${file}`), readFileSync(join(PROJECT_ROOT, "test/golden", version, file), "utf8"));
    }
  }
});

test("after new-version, generate and diff --all --check find everything current; helm renders the new version and refuses the next", async () => {
  const versions = readdirSync(join(scratch, "spec/longhorn")).map((f) => f.replace(/\.yaml$/, "")).sort(compareVersions);
  assert.equal(versions, [...SPEC_VERSIONS, next]);
  const specs = loadSpecs(versions.map((v) => `spec/longhorn/${v}.yaml`), (file) => readText(join(scratch, file)));
  const output = generatedOutput(specs, chartRelease(read("package.json"), read("CHANGELOG.md")));
  for (const tree of output.trees) assert.ok(holdsExactly(scratch, tree.dir, tree.files), `${tree.dir}/ is what generate writes`);
  assert.equal(staleFiles(scratch, output.files), []);
  const docs = await runCli("diff", "--all", "--out", join(scratch, "docs/upgrades.md"), "--check", "--chart", join(scratch, "chart"), "--spec-dir", join(scratch, "spec"));
  assert.is(docs.code, 0, docs.stderr);
  const rendered = helm("template", "lhnp", join(scratch, "chart"), "-n", "longhorn-system", "-f", join(scratch, "chart/ci/defaults-values.yaml"), "--set-string", `longhorn.version=v${next}.0`);
  assert.is(rendered.code, 0, rendered.stderr);
  assert.match(rendered.stdout, `longhorn-network-policies/longhorn-version: "${next}"`);
  const after = `${next.split(".")[0]}.${Number(next.split(".")[1]) + 1}`;
  const refused = helm("template", "lhnp", join(scratch, "chart"), "-n", "longhorn-system", "-f", join(scratch, "chart/ci/defaults-values.yaml"), "--set-string", `longhorn.version=${after}`);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, next);
});

test(`--ga: refused on top of a development version; new-version ${next} --ga makes it the default`, async () => {
  const defaults = readYaml(read("chart/values.yaml")) as { longhorn: { version: string } };
  const after = `${next.split(".")[0]}.${Number(next.split(".")[1]) + 1}`;
  const refused = await newVersion(after, "--from", next, "--ga");
  assert.is(refused.code, 2);
  assert.match(refused.stderr, `Longhorn ${next} is still in development: make it GA first (new-version ${next} --ga), or drop --ga`);
  const chartVersion = JSON.parse(read("package.json")).version as string;
  const run = await newVersion(next, "--ga");
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, `Longhorn ${next} is GA: the default longhorn.version moves from ${defaults.longhorn.version} to ${next}`);
  assert.match(read(`spec/longhorn/${next}.yaml`), /^status: ga$/m);
  assert.match(read(`spec/longhorn/${next}.yaml`), new RegExp(`^# Longhorn ${next}: extends`));
  const values = readYaml(read("chart/values.yaml")) as typeof defaults;
  assert.is(values.longhorn.version, next);
  const chart = readYaml(read("chart/Chart.yaml")) as { version: string; appVersion: string };
  assert.is(chart.appVersion, next);
  assert.is(chart.version, bumpMinor(chartVersion));
  const [entry] = parseChangelog(read("CHANGELOG.md"));
  assert.equal(entry!.changes[0], { kind: "changed", description: `The default \`longhorn.version\` is ${next} (was ${defaults.longhorn.version}): Longhorn ${next} is GA.` });
  const again = await newVersion(next, "--ga");
  assert.is(again.code, 2);
  assert.match(again.stderr, `Longhorn ${next} is GA already`);
});

test("CHANGELOG.md: entries parsed by heading and kind, wrapped bullets joined; bad headings named by line", () => {
  const text = "# Changelog\n\nIntro.\n\n## 1.2.0 — Longhorn 1.14\n\n### Added\n\n- One\n  continued.\n- Two\n\n### Fixed\n\n- Three\n\n## 1.1.0\n\n### Security\n\n- Four\n";
  assert.equal(parseChangelog(text), [
    { version: "1.2.0", title: "Longhorn 1.14", changes: [{ kind: "added", description: "One continued." }, { kind: "added", description: "Two" }, { kind: "fixed", description: "Three" }] },
    { version: "1.1.0", title: "", changes: [{ kind: "security", description: "Four" }] },
  ]);
  assert.throws(() => parseChangelog("## 1.2\n"), (e: Error) => e instanceof ChangelogError && /CHANGELOG.md:1: "## 1.2" is not a chart version heading/.test(e.message));
  assert.throws(() => parseChangelog("## 1.2.0\n### Improved\n"), /CHANGELOG.md:2: "### Improved" is not one of Added, Changed/);
  assert.throws(() => parseChangelog("## 1.2.0\n- loose\n"), /CHANGELOG.md:2: a change outside/);
  const added = addEntry(text, { version: "1.3.0", title: "x", changes: [{ kind: "removed", description: "Five" }] });
  assert.is(parseChangelog(added)[0]!.version, "1.3.0");
  assert.ok(added.startsWith("# Changelog\n\nIntro.\n\n## 1.3.0 — x\n"), added);
  assert.is(renderEntry(parseChangelog(added)[0]!), "## 1.3.0 — x\n\n### Removed\n\n- Five\n");
});

test("release metadata: the chart version's entry, the signing key and home page checked before they reach Chart.yaml", () => {
  const pkg = (extra: object) => JSON.stringify({ version: "1.2.0", ...extra });
  const changelog = "## 1.2.0\n\n### Added\n\n- A\n\n## 1.1.0\n\n### Added\n\n- B\n";
  assert.equal(chartRelease(pkg({}), changelog), { version: "1.2.0", changes: [{ kind: "added", description: "A" }] });
  assert.equal(chartRelease(pkg({}), undefined).changes, []);
  const key = { fingerprint: "E54047D6C0AFC404EE696EF46D0A534221BD8CCB", url: "https://example.org/key.asc" };
  assert.equal(chartRelease(pkg({ netpolgen: { signKey: key } }), changelog).signKey, key);
  assert.throws(() => chartRelease(pkg({ netpolgen: { signKey: { ...key, fingerprint: "abc" } } }), changelog), /40 upper-case hex digits/);
  assert.throws(() => chartRelease(pkg({ netpolgen: { signKey: { ...key, url: "https://x/{{ .Values }}" } } }), changelog), /https URL of the public key/);
  assert.throws(() => chartRelease(pkg({ homepage: "javascript:alert(1)" }), changelog), /homepage must be an https URL/);
  assert.throws(() => chartRelease(JSON.stringify({ version: "v1" }), changelog), /not a chart version/);
});

test.run();
