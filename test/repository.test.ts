// `netpolgen package` end to end, with real helm against real servers on 127.0.0.1: a throwaway
// GnuPG key signs the package (helm verify passes, and fails on a tampered package); dist/ served over
// HTTP is a chart repository holding two chart versions (repo add, update, search, pull --verify,
// template); Debian's docker-registry is an OCI registry (push, pull, show values, template). A tool
// that is missing makes its tests report skipped with the reason, never pass.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readYaml } from "../generator/lib/yaml.ts";
import { PROJECT_ROOT, runCli } from "./helpers.ts";
import { HELM4, HELM4_MISSING, helmAt, type HelmRun } from "./helm.ts";
import { serveDirectory, startRegistry, type Server } from "./servers.ts";
import { helmBinary } from "../generator/verify/helm.ts";

const CHART = "longhorn-network-policies";
const work = mkdtempSync(join(tmpdir(), "lhnp-repo-"));
const chartVersion = (readYaml(readFileSync(join(PROJECT_ROOT, "chart/Chart.yaml"), "utf8")) as { version: string }).version;
/** The second version in the repository: this chart with its patch number raised. */
const nextVersion = chartVersion.replace(/\d+$/, (patch) => String(Number(patch) + 1));
const helm3 = helmAt(helmBinary(PROJECT_ROOT));
const helm4 = HELM4_MISSING ? undefined : helmAt(HELM4);
const helms: [string, (...args: string[]) => HelmRun][] = [["helm 3", helm3], ...(helm4 ? [["helm 4", helm4] as [string, (...args: string[]) => HelmRun]] : [])];
const REGISTRY = join(PROJECT_ROOT, ".tools/bin/docker-registry");

const gpgMissing = spawnSync("gpg", ["--version"]).status === 0 ? undefined : "gpg is not installed (make setup installs gnupg from Debian)";
const registryMissing = existsSync(REGISTRY) ? undefined : `${REGISTRY} is not installed (make setup unpacks Debian's docker-registry)`;

/** helm show and template from oci:// print "Pulled:" and "Digest:" lines on stdout before the output. */
const withoutPullLines = (text: string) => text.replace(/^(?:Pulled|Digest): .*\n/gm, "");

/** Registers a test, or reports it skipped with the reason when a tool it needs is missing. */
function check(name: string, missing: (string | undefined)[], body: () => void | Promise<void>): void {
  const reason = missing.find((m) => m !== undefined);
  if (reason) {
    console.log(`SKIP ${name}: ${reason}`);
    test.skip(name, body);
    return;
  }
  test(name, body);
}

const gnupg = join(work, "gnupg");
const secring = join(work, "secring.gpg");
const pubring = join(work, "pubring.gpg");
const KEY = "lhnp throwaway <throwaway@example.invalid>";
const gpg = (...args: string[]) => spawnSync("gpg", ["--batch", "--quiet", ...args], { env: { ...process.env, GNUPGHOME: gnupg }, encoding: "utf8" });

const dist = join(work, "dist");
const servers: Server[] = [];
let registry: Server | undefined;

/** The registry, started by the first test that needs it and stopped after the last. */
async function registryServer(): Promise<Server> {
  if (!registry) {
    registry = await startRegistry(REGISTRY, join(work, "registry"));
    servers.push(registry);
  }
  return registry;
}

test.before(() => {
  if (gpgMissing) return;
  mkdirSync(gnupg, { mode: 0o700 });
  // RSA: the OpenPGP reader of Helm 3 reads it; no passphrase, so nothing waits for a prompt.
  const made = gpg("--passphrase", "", "--quick-gen-key", KEY, "rsa2048", "sign", "never");
  assert.is(made.status, 0, made.stderr);
  // Helm reads GnuPG's legacy keyring format: the exported keys, not the keybox.
  const exported = (what: string) => spawnSync("gpg", ["--batch", what], { env: { ...process.env, GNUPGHOME: gnupg } }).stdout;
  writeFileSync(secring, exported("--export-secret-keys"));
  writeFileSync(pubring, exported("--export"));
});

test.after(async () => {
  for (const server of servers) await server.stop();
  // The agent gpg started for the throwaway home.
  if (!gpgMissing) spawnSync("gpgconf", ["--kill", "gpg-agent"], { env: { ...process.env, GNUPGHOME: gnupg } });
  rmSync(work, { recursive: true, force: true });
});

/** The chart packaged into `out` with netpolgen package; `version` replaces the chart's version in a copy. */
async function packageInto(out: string, options: { version?: string; sign?: boolean } = {}): Promise<void> {
  let chart = join(PROJECT_ROOT, "chart");
  if (options.version) {
    chart = mkdtempSync(join(work, "chart-"));
    cpSync(join(PROJECT_ROOT, "chart"), chart, { recursive: true });
    const file = join(chart, "Chart.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/^version: .*$/m, `version: ${options.version}`));
  }
  const sign = options.sign ? ["--sign-key", "throwaway@example.invalid", "--keyring", secring] : [];
  const run = await runCli("package", "--chart", chart, "--out", out, ...sign);
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, options.sign ? "signed by lhnp throwaway <throwaway@example.invalid>; helm verify passed" : "unsigned");
}

check("make package's command: the package, a provenance file, index.yaml and artifacthub-repo.yml", [gpgMissing], async () => {
  await packageInto(dist, { sign: true });
  const files = readdirSync(dist).sort();
  assert.equal(files, ["artifacthub-repo.yml", "index.yaml", `${CHART}-${chartVersion}.tgz`, `${CHART}-${chartVersion}.tgz.prov`]);
  const index = readYaml(readFileSync(join(dist, "index.yaml"), "utf8")) as { entries: Record<string, { version: string; urls: string[]; annotations: Record<string, string> }[]> };
  const [entry] = index.entries[CHART]!;
  assert.is(entry!.version, chartVersion);
  // Relative URLs: helm resolves them against the repository's URL, wherever dist/ is served.
  assert.equal(entry!.urls, [`${CHART}-${chartVersion}.tgz`]);
  assert.is(entry!.annotations["artifacthub.io/license"], "Apache-2.0");
  assert.ok(Array.isArray(readYaml(entry!.annotations["artifacthub.io/links"]!)), "artifacthub.io/links is a YAML list");
  assert.ok(Array.isArray(readYaml(entry!.annotations["artifacthub.io/changes"]!)), "artifacthub.io/changes is a YAML list (CHANGELOG.md's entry)");
  // The second version, so that the repository holds two.
  await packageInto(dist, { version: nextVersion, sign: true });
  const versions = (readYaml(readFileSync(join(dist, "index.yaml"), "utf8")) as typeof index).entries[CHART]!.map((e) => e.version);
  assert.equal(versions.sort(), [chartVersion, nextVersion].sort());
});

check("helm verify passes with the public key, under helm 3 and Helm 4", [gpgMissing], () => {
  for (const [name, run] of helms) {
    const verified = run("verify", join(dist, `${CHART}-${chartVersion}.tgz`), "--keyring", pubring);
    assert.is(verified.code, 0, `${name}: ${verified.stderr}`);
    assert.match(verified.stdout, "Signed by: lhnp throwaway <throwaway@example.invalid>");
    assert.match(verified.stdout, "Chart Hash Verified: sha256:");
  }
});

check("helm verify fails on a tampered package and on a stranger's key", [gpgMissing], () => {
  const tampered = mkdtempSync(join(work, "tampered-"));
  const name = `${CHART}-${chartVersion}.tgz`;
  // The package repacked with one value changed, beside the original provenance file.
  const unpacked = join(tampered, "x");
  mkdirSync(unpacked);
  assert.is(spawnSync("tar", ["-xzf", join(dist, name), "-C", unpacked]).status, 0);
  const values = join(unpacked, CHART, "values.yaml");
  writeFileSync(values, readFileSync(values, "utf8").replace(/^(\s*enabled:) false/m, "$1 true"));
  assert.is(spawnSync("tar", ["-czf", join(tampered, name), "-C", unpacked, CHART]).status, 0);
  cpSync(join(dist, `${name}.prov`), join(tampered, `${name}.prov`));
  for (const [helmName, run] of helms) {
    const verified = run("verify", join(tampered, name), "--keyring", pubring);
    assert.is(verified.code, 1, `${helmName} accepted a tampered package: ${verified.stdout}`);
    assert.match(verified.stderr, /sha256 sum does not match|digest/i);
  }
  // A keyring without the signer's key.
  const stranger = join(tampered, "stranger.gpg");
  writeFileSync(stranger, "");
  const unknown = helm3("verify", join(dist, name), "--keyring", stranger);
  assert.is(unknown.code, 1, unknown.stdout);
});

check("HTTP repository: repo add, update, search --versions, pull --verify and template, under helm 3 and Helm 4", [gpgMissing], async () => {
  const server = await serveDirectory(dist);
  servers.push(server);
  const local = helm3("template", "lhnp", join(PROJECT_ROOT, "chart"), "-n", "longhorn-system", "-f", join(PROJECT_ROOT, "chart/ci/defaults-values.yaml"));
  assert.is(local.code, 0, local.stderr);
  for (const [name, run] of helms) {
    const add = run("repo", "add", "lhnp", server.url);
    assert.is(add.code, 0, `${name}: ${add.stderr}`);
    const update = run("repo", "update", "lhnp");
    assert.is(update.code, 0, `${name}: ${update.stderr}`);
    const search = run("search", "repo", `lhnp/${CHART}`, "--versions", "--output", "json");
    assert.is(search.code, 0, `${name}: ${search.stderr}`);
    const found = (JSON.parse(search.stdout) as { name: string; version: string }[]).map((r) => `${r.name}@${r.version}`);
    assert.equal(found, [`lhnp/${CHART}@${nextVersion}`, `lhnp/${CHART}@${chartVersion}`], name);
    const into = mkdtempSync(join(work, "pull-"));
    const pull = run("pull", `lhnp/${CHART}`, "--version", chartVersion, "--destination", into, "--verify", "--keyring", pubring);
    assert.is(pull.code, 0, `${name}: ${pull.stderr}`);
    assert.match(pull.stdout, "Chart Hash Verified");
    assert.equal(readdirSync(into).sort(), [`${CHART}-${chartVersion}.tgz`, `${CHART}-${chartVersion}.tgz.prov`]);
    // From the repository by name, and by --repo URL: the same manifests as the chart folder.
    const values = ["-n", "longhorn-system", "-f", join(PROJECT_ROOT, "chart/ci/defaults-values.yaml")];
    const byName = run("template", "lhnp", `lhnp/${CHART}`, "--version", chartVersion, ...values);
    assert.is(byName.code, 0, `${name}: ${byName.stderr}`);
    const byUrl = run("template", "lhnp", CHART, "--repo", server.url, "--version", chartVersion, ...values);
    assert.is(byUrl.code, 0, `${name}: ${byUrl.stderr}`);
    if (name === "helm 3") {
      assert.fixture(byName.stdout, local.stdout);
      assert.fixture(byUrl.stdout, local.stdout);
    } else assert.ok(byName.stdout.includes("kind: NetworkPolicy"), name);
    // The newest version is what a pull without --version gets.
    const newest = run("pull", `lhnp/${CHART}`, "--destination", into);
    assert.is(newest.code, 0, `${name}: ${newest.stderr}`);
    assert.ok(existsSync(join(into, `${CHART}-${nextVersion}.tgz`)), `${name} did not pull ${nextVersion} as the newest`);
  }
});

check("OCI registry: push the signed package; Helm 4 pulls it with --verify, shows values and templates from oci://", [gpgMissing, registryMissing, HELM4_MISSING], async () => {
  const host = (await registryServer()).url.replace(/^http:\/\//, "");
  const name = `${CHART}-${chartVersion}.tgz`;
  // helm push uploads the .prov beside the package as a layer of the artifact.
  const push = helm3("push", join(dist, name), `oci://${host}/charts`, "--plain-http");
  assert.is(push.code, 0, push.stderr);
  assert.match(push.stderr + push.stdout, `Pushed: ${host}/charts/${CHART}:${chartVersion}`);
  const ref = `oci://${host}/charts/${CHART}`;
  const into = mkdtempSync(join(work, "oci-pull-"));
  const pull = helm4!("pull", ref, "--version", chartVersion, "--plain-http", "--destination", into, "--verify", "--keyring", pubring);
  assert.is(pull.code, 0, pull.stderr);
  assert.match(pull.stdout, "Chart Hash Verified");
  const values = helm4!("show", "values", ref, "--version", chartVersion, "--plain-http");
  assert.is(values.code, 0, values.stderr);
  assert.fixture(withoutPullLines(values.stdout).trimEnd(), readFileSync(join(PROJECT_ROOT, "chart/values.yaml"), "utf8").trimEnd());
  const rendered = helm4!("template", "lhnp", ref, "--version", chartVersion, "--plain-http", "-n", "longhorn-system", "-f", join(PROJECT_ROOT, "chart/ci/defaults-values.yaml"));
  assert.is(rendered.code, 0, rendered.stderr);
  const local = helm3("template", "lhnp", join(PROJECT_ROOT, "chart"), "-n", "longhorn-system", "-f", join(PROJECT_ROOT, "chart/ci/defaults-values.yaml"));
  assert.fixture(withoutPullLines(rendered.stdout), local.stdout);
  // Helm 3.18.0 (the pinned helm 3) refuses any OCI chart that carries a provenance layer
  // (helm/helm#30890, fixed after 3.18.0): the README tells Helm 3.18.0 users to pull without it.
  const old = helm3("pull", ref, "--version", chartVersion, "--plain-http", "--destination", mkdtempSync(join(work, "oci-old-")));
  if (old.code !== 0) assert.match(old.stderr, 'media type "application/vnd.cncf.helm.chart.provenance.v1.prov" is not allowed');
});

check("OCI registry: an unsigned push; helm 3 pulls it, shows values and templates from oci://", [registryMissing], async () => {
  const host = (await registryServer()).url.replace(/^http:\/\//, "");
  const unsigned = mkdtempSync(join(work, "unsigned-"));
  await packageInto(unsigned);
  const push = helm3("push", join(unsigned, `${CHART}-${chartVersion}.tgz`), `oci://${host}/unsigned`, "--plain-http");
  assert.is(push.code, 0, push.stderr);
  const ref = `oci://${host}/unsigned/${CHART}`;
  for (const [name, run] of helms) {
    const into = mkdtempSync(join(work, "oci-pull-"));
    const pull = run("pull", ref, "--version", chartVersion, "--plain-http", "--destination", into);
    assert.is(pull.code, 0, `${name}: ${pull.stderr}`);
    assert.equal(readdirSync(into), [`${CHART}-${chartVersion}.tgz`]);
    const values = run("show", "values", ref, "--version", chartVersion, "--plain-http");
    assert.is(values.code, 0, `${name}: ${values.stderr}`);
    assert.fixture(withoutPullLines(values.stdout).trimEnd(), readFileSync(join(PROJECT_ROOT, "chart/values.yaml"), "utf8").trimEnd());
    const rendered = run("template", "lhnp", ref, "--version", chartVersion, "--plain-http", "-n", "longhorn-system", "--set", "networkPolicies.enabled=true", "--set", "networkPolicies.cni=generic");
    assert.is(rendered.code, 0, `${name}: ${rendered.stderr}`);
    assert.match(rendered.stdout, "kind: NetworkPolicy");
  }
});

test("package refuses a keyring that does not exist, and a keyring without a key name, writing nothing", async () => {
  const out = join(work, "refused");
  const missing = await runCli("package", "--out", out, "--sign-key", "x", "--keyring", join(work, "no-such.gpg"));
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /keyring .*no-such\.gpg does not exist/);
  const nameless = await runCli("package", "--out", out, "--keyring", secring);
  assert.is(nameless.code, 2);
  assert.match(nameless.stderr, "--keyring and --passphrase-file sign with --sign-key <name>");
  assert.not.ok(existsSync(out) && readdirSync(out).length > 0, "nothing written");
});

test.run();
