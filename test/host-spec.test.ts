// The host profiles (spec/hosts/): loaded like the Longhorn spec, with `extends`, located errors for
// every broken case under test/fixtures/malformed-hosts/ (each a hosts/ folder, the last file by name
// validated, and expected.txt: the exact lines `netpolgen validate` prints), and the rows each
// profile holds, counted from the seed tables they cite.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hostSpecSchema, firewallConfigSchema } from "../generator/loader/host-validator.ts";
import type { ResolvedHostProfile } from "../generator/loader/host-model.ts";
import { undescribedPatterns } from "../generator/loader/schema-check.ts";
import { loadProfile, PROFILES, PROJECT_ROOT, runCli } from "./helpers.ts";

test("every host profile loads without a diagnostic", () => {
  const files = readdirSync(join(PROJECT_ROOT, "spec/hosts")).sort();
  assert.equal(files, PROFILES.map((p) => `${p}.yaml`).sort());
  for (const name of PROFILES) loadProfile(name);
});

test("every pattern of the host and config schemas has its meaning in words", () => {
  assert.equal(undescribedPatterns(hostSpecSchema()), []);
  assert.equal(undescribedPatterns(firewallConfigSchema()), []);
});

test("k3s-platform extends k3s: K3s's rules first, in order, then the platform's; documents merged", () => {
  const k3s = loadProfile("k3s");
  const platform = loadProfile("k3s-platform");
  assert.equal(platform.chain, ["k3s-platform", "k3s"]);
  assert.equal(k3s.rules.map((r) => r.id), ["etcd", "kube-apiserver", "flannel-vxlan", "kubelet", "spegel", "pods", "services"]);
  assert.equal(platform.rules.slice(0, 7).map((r) => r.id), k3s.rules.map((r) => r.id));
  assert.is(platform.rules.length, 20);
  assert.equal([...platform.documents.keys()], ["002", "004"]);
  // The platform's file restates 004 with a note: its entry replaces the inherited one.
  assert.ok(platform.documents.get("004")!.note);
  assert.is(platform.documents.get("004")!.origin.profile, "k3s-platform");
  assert.is(platform.rules[0]!.origin.profile, "k3s");
  assert.equal(platform.networks.pods!.cidrs, ["10.42.0.0/16"]);
  assert.is(platform.longhorn!.version, "1.12");
  assert.is(k3s.longhorn, undefined);
});

test("every seed row of 002, 003 and 004 is cited by a rule, a network or the Longhorn rows", () => {
  const rows = (profile: ResolvedHostProfile) => [
    ...profile.rules.flatMap((r) => r.seedRows),
    ...[profile.networks.pods, profile.networks.services].flatMap((n) => n?.seedRows ?? []),
    ...(profile.longhorn?.seedRows ?? []),
  ];
  const cited = (profile: ResolvedHostProfile, document: string, table: string) =>
    new Set(rows(profile).filter((r) => r.document === document && r.table === table).map((r) => r.row));
  const platform = loadProfile("k3s-platform");
  // 002: Inter-Node Communication has 10 rows, Application Services 4, External Access 5, the network table 2.
  assert.is(cited(platform, "002", "Inter-Node Communication").size, 10);
  assert.is(cited(platform, "002", "Application Services Ports").size, 4);
  assert.is(cited(platform, "002", "External Access Ports").size, 5);
  assert.is(cited(platform, "002", "Overlay Network").size, 2);
  // 004: Port Usage has 11 rows, the manager application's table 6.
  assert.is(cited(platform, "004", "Port Usage").size, 11);
  assert.is(cited(platform, "004", "Manager application ports").size, 6);
  // 003: 4 + 4 + 5 + 24 rows between nodes, 2 + 5 from outside, 4 for all nodes, and the local-traffic condition.
  const deckhouse = loadProfile("deckhouse");
  assert.is(cited(deckhouse, "003", "Master to master nodes traffic").size, 4);
  assert.is(cited(deckhouse, "003", "Master to nodes traffic").size, 4);
  assert.is(cited(deckhouse, "003", "Nodes to masters traffic").size, 5);
  assert.is(cited(deckhouse, "003", "Nodes to nodes traffic").size, 24);
  assert.is(cited(deckhouse, "003", "External traffic to masters").size, 2);
  assert.is(cited(deckhouse, "003", "External traffic to frontends").size, 5);
  assert.is(cited(deckhouse, "003", "External traffic for all nodes").size, 4);
  assert.is(cited(deckhouse, "003", "Conditions for limiting host-to-host traffic").size, 1);
  assert.is(deckhouse.rules.length, 49);
});

test("the Deckhouse roles and where their rules apply", () => {
  const deckhouse = loadProfile("deckhouse");
  assert.equal([...deckhouse.roles.keys()], ["master", "node", "frontend"]);
  const rule = (id: string) => deckhouse.rules.find((r) => r.id === id)!;
  assert.equal(rule("etcd").roles, ["master"]);
  assert.is(rule("etcd").peer, "role:master");
  assert.is(rule("kubelet").roles, "all");
  assert.equal(rule("nodeports").roles, ["frontend"]);
  assert.is(rule("nodeports").path, "service");
  assert.is(rule("dns-udp").direction, "outbound");
  assert.is(rule("ssh-initialization").peer, "set:administrators");
});

const FIXTURES = "test/fixtures/malformed-hosts";
const cases = readdirSync(join(PROJECT_ROOT, FIXTURES))
  .filter((name) => statSync(join(PROJECT_ROOT, FIXTURES, name)).isDirectory())
  .sort();

test("there are 27 malformed host profiles", () => {
  assert.is(cases.length, 27);
});

for (const name of cases) {
  test(`malformed host profile: ${name}`, async () => {
    const dir = join(FIXTURES, name, "hosts");
    const files = readdirSync(join(PROJECT_ROOT, dir)).filter((f) => f.endsWith(".yaml")).sort();
    const expected = readFileSync(join(PROJECT_ROOT, FIXTURES, name, "expected.txt"), "utf8").trimEnd().split("\n");
    const run = await runCli("validate", join(dir, files[files.length - 1]!));
    assert.is(run.code, 1, "exit code");
    assert.is(run.stdout, "");
    assert.not.match(run.stderr, /^\s+at /m, "no stack trace");
    const lines = run.stderr.split("\n");
    assert.equal(lines.slice(0, -1), expected);
    assert.match(lines[lines.length - 1]!, new RegExp(`^${expected.length} problems? in 1 file$`));
  });
}

test.run();
