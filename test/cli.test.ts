// The netpolgen command line: exit codes, output formats, and the generated files.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderTypes, TYPES } from "../scripts/types.ts";
import { loadVersion, PROFILES, PROJECT_ROOT, runCli, SPEC_VERSIONS } from "./helpers.ts";

/** Every Longhorn version and every host profile. */
const SPEC_FILES = SPEC_VERSIONS.length + PROFILES.length;

test("validate: every spec file is valid (exit 0), Longhorn versions and host profiles", async () => {
  const run = await runCli("validate");
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout, `${SPEC_FILES} spec files valid`);
  const hosts = await runCli("validate", "spec/hosts");
  assert.is(hosts.stdout, `${PROFILES.length} spec files valid`);
  const mixed = await runCli("validate", "spec/hosts/k3s-platform.yaml", "spec/longhorn/1.12.yaml");
  assert.is(mixed.stdout, "2 spec files valid");
});

test("validate: named files", async () => {
  const run = await runCli("validate", "spec/longhorn/1.9.yaml", "spec/longhorn/1.4.yaml");
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout, "2 spec files valid");
});

test("validate: a missing file is a usage error (exit 2)", async () => {
  const run = await runCli("validate", "spec/longhorn/9.9.yaml");
  assert.is(run.code, 2);
  assert.is(run.stderr, "netpolgen: spec/longhorn/9.9.yaml: no such file or directory");
});

test("--version prints netpolgen's version; verify --version stays verify's option", async () => {
  const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string }).version;
  const run = await runCli("--version");
  assert.is(run.code, 0);
  assert.is(run.stdout, `netpolgen ${version}`);
  const show = await runCli("show", "--version", "1.12");
  assert.is(show.code, 0, show.stderr);
  assert.match(show.stdout, "# Longhorn 1.12 network flows");
});

test("validate: a directory stands for the spec files under it", async () => {
  const run = await runCli("validate", "spec");
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout, `${SPEC_FILES} spec files valid`);
  const empty = await runCli("validate", "docs");
  assert.is(empty.code, 2);
  assert.match(empty.stderr, "docs: a directory with no .yaml spec file");
});

test("unknown options and commands are usage errors (exit 2)", async () => {
  assert.is((await runCli("validate", "--frobnicate")).code, 2);
  assert.is((await runCli("frobnicate")).code, 2);
  assert.is((await runCli("show", "--version", "1.9", "--output", "xml")).code, 2);
  assert.is((await runCli("show")).code, 2);
  assert.is((await runCli("show", "--version", "latest")).code, 2);
});

test("show: an unsupported version lists the supported ones (exit 2)", async () => {
  const run = await runCli("show", "--version", "1.3");
  assert.is(run.code, 2);
  assert.is(run.stderr, `netpolgen: no longhorn 1.3 spec (spec/longhorn/1.3.yaml); supported: ${SPEC_VERSIONS.join(", ")}`);
});

test("show: patch versions name their minor", async () => {
  const minor = await runCli("show", "--version", "1.12", "--output", "json");
  const patch = await runCli("show", "--version", "v1.12.1", "--output", "json");
  assert.is(patch.code, 0);
  assert.is(patch.stdout, minor.stdout);
});

for (const version of SPEC_VERSIONS) {
  test(`show ${version}: JSON lists every resolved flow; Markdown has the docs' tables`, async () => {
    const json = await runCli("show", "--version", version, "--output", "json");
    assert.is(json.code, 0, json.stderr);
    const data = JSON.parse(json.stdout) as { version: string; flows: { id: string; definedIn: { file: string } }[] };
    assert.is(data.version, version);
    assert.is(data.flows.length, loadVersion(version).flows.length, "every resolved flow, once");
    assert.ok(data.flows.every((f) => f.definedIn.file.startsWith("spec/longhorn/")));
    const markdown = await runCli("show", "--version", version);
    assert.is(markdown.code, 0);
    assert.match(markdown.stdout, `# Longhorn ${version} network flows`);
    assert.match(markdown.stdout, "## Longhorn Manager\n");
    assert.match(markdown.stdout, "`Other Longhorn Manager` | 9500 | TCP |");
    assert.match(markdown.stdout, "`Node in the Cluster` | 3260 (iSCSI target) | TCP |");
    assert.match(markdown.stdout, "## Flows NetworkPolicy cannot govern");
  });
}

test("show 1.5: instance manager services and ranges as the docs write them, the clientless 8504 as docs-only", async () => {
  const run = await runCli("show", "--version", "1.5");
  assert.match(
    run.stdout,
    "`Instance Manager` | 8500 (process-manager service); 8501 (proxy service); 8502 (disk service); 8503 (instance service) | TCP |",
  );
  assert.match(run.stdout, /`Instance Manager` \| 8504 \(spdk service\) \| TCP \| [^\n]*Listed by the docs only: The manager has no SPDK service client before v1\.12\.1/);
  assert.match(run.stdout, "`Other Instance Manager` | 10000-20000 (v1 engine and replica processes) | TCP |");
  assert.match(run.stdout, /`Other Instance Manager` \| 20001-30000 \(v2 NVMe-oF\/TCP\) \| TCP \| [^\n]*Needs: V2 data engine \(SPDK\)/);
});

test("generate --check: the committed generated files are current", async () => {
  const run = await runCli("generate", "--check");
  assert.is(run.code, 0, run.stderr);
});

test("the spec, values, host profile and firewall config types are what json-schema-to-typescript makes of the schemas", async () => {
  assert.equal(TYPES.map((t) => t.path), [
    "schema/spec.generated.ts",
    "schema/values.generated.ts",
    "schema/host-spec.generated.ts",
    "schema/firewall-config.generated.ts",
  ]);
  for (const file of TYPES) assert.fixture(readFileSync(join(PROJECT_ROOT, file.path), "utf8"), await renderTypes(file));
});

test("the netpolgen bin runs from another directory", () => {
  const run = spawnSync(process.execPath, [join(PROJECT_ROOT, "generator/bin/netpolgen.mjs"), "validate"], {
    cwd: "/",
    encoding: "utf8",
  });
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout.trim(), `${SPEC_FILES} spec files valid`);
});

test("the netpolgen bin exits 1 on an invalid spec and prints the located error", () => {
  const run = spawnSync(
    process.execPath,
    ["generator/bin/netpolgen.mjs", "validate", "test/fixtures/malformed/endport-below-port/1.9.yaml"],
    { cwd: PROJECT_ROOT, encoding: "utf8" },
  );
  assert.is(run.status, 1);
  assert.match(run.stderr, "test/fixtures/malformed/endport-below-port/1.9.yaml:32 flows[1].ports[0].endPort: 80 is below port 9500");
});

test("make setup installed helm 3.18.0", () => {
  const run = spawnSync(join(PROJECT_ROOT, ".tools/bin/helm"), ["version", "--short"], { encoding: "utf8" });
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /^v3\.18\.0\+g/);
});

test.run();
