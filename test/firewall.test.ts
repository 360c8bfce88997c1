// netpolgen firewall: every profile × role × settings variant rendered; every nftables ruleset passes
// `nft -c -f`; firewalld scripts applied with firewall-offline-cmd to a scratch configuration list
// exactly the ports, rich rules and interfaces the profile asks for (expected from the profile and the
// settings alone: firewall-expect.ts); Markdown against goldens; the command line's errors; the
// Longhorn rows against the Longhorn spec; `firewall check` on captured `ss` output.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mergeSettings, type FirewallSettings, type FlagSettings } from "../generator/loader/firewall-config.ts";
import type { ResolvedHostProfile } from "../generator/loader/host-model.ts";
import { firewallDocs, firewallOutput, longhornFor } from "../generator/pipeline.ts";
import { longhornRows, planFirewall } from "../generator/plan/firewall-plan.ts";
import { checkListeners, parseSs } from "../generator/report/firewall-check.ts";
import { renderFirewalld, shellQuote } from "../generator/targets/firewall/firewalld.ts";
import { renderNftables } from "../generator/targets/firewall/nftables.ts";
import { allowances } from "./firewall-expect.ts";
import { loadProfile, loadVersion, missingTool, PROFILES, PROJECT_ROOT, runCli, SPEC_VERSIONS, testUnless } from "./helpers.ts";

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const GOLDEN = join(PROJECT_ROOT, "test/golden/firewall");
const FIXTURES = join(PROJECT_ROOT, "test/fixtures/firewall");

const profiles = new Map(PROFILES.map((name) => [name, loadProfile(name)]));
const specs = SPEC_VERSIONS.map(loadVersion);
const roles = [...profiles.values()].flatMap((profile) => [...profile.roles.keys()].map((role) => ({ profile, role })));

/** Settings that exercise each shape: the profile's defaults; addresses (IPv4 and IPv6) on one interface with a drop; two interfaces. */
type Variant = "defaults" | "addressed" | "segregated";

function variants(profile: ResolvedHostProfile): Record<Variant, FirewallSettings> {
  const firstRole = [...profile.roles.keys()][0]!;
  const sets = Object.fromEntries([...profile.sets.keys()].map((id) => [id, ["192.0.2.0/24"]]));
  const addresses: FlagSettings = {
    nodes: ["198.18.0.0/24", "2001:db8:1::/64"],
    roles: { [firstRole]: ["198.18.0.0/28"] },
    sets,
    external: ["198.19.0.0/24", "2001:db8:2::/48"],
  };
  return {
    defaults: mergeSettings(undefined, { roles: {}, sets: {} }),
    addressed: mergeSettings(undefined, { ...addresses, interface: "eth0", drop: true }),
    segregated: mergeSettings(undefined, { ...addresses, clusterInterface: "eth1", externalInterface: "eth0", clusterZone: "k8s-cluster", drop: true }),
  };
}

const longhornOf = (profile: ResolvedHostProfile) => longhornFor(profile, specs);

// ---------------------------------------------------------------- nftables

const nftMissing = missingTool("nft", ["--version"], true);
for (const { profile, role } of roles) {
  testUnless(nftMissing, `nftables ${profile.profile}/${role}: every variant passes nft -c -f`, () => {
    const dir = mkdtempSync(join(tmpdir(), "lhnp-nft-"));
    try {
      for (const [name, settings] of Object.entries(variants(profile))) {
        const { text } = firewallOutput(profile, role, settings, "nftables", longhornOf(profile));
        assert.not.match(text, /flush ruleset/);
        assert.is(/^\s+(iifname .* )?drop comment "anything else"$/m.test(text), settings.drop, `${name}: a drop only when asked for`);
        const file = join(dir, `${name}.nft`);
        writeFileSync(file, text);
        const run = spawnSync("nft", ["-c", "-f", file], { encoding: "utf8" });
        assert.is(run.status, 0, `${name}: nft -c -f says:\n${run.stderr}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("nftables: one table of its own, replaced whole; inbound before the DNAT; a forward chain only with forwarded traffic", () => {
  const k3s = planFirewall(profiles.get("k3s")!, "agent", variants(profiles.get("k3s")!).addressed);
  const text = renderNftables(k3s);
  assert.match(text, "\ntable inet netpolgen\ndelete table inet netpolgen\n\ntable inet netpolgen {\n");
  assert.match(text, "type filter hook prerouting priority dstnat - 10; policy accept;");
  assert.match(text, '\t\tip saddr @pods_v4 accept comment "pods"\n');
  assert.match(text, '\t\tiifname "eth0" ip6 saddr @nodes_v6 tcp dport 10250 accept comment "kubelet"\n');
  assert.match(text, "chain forward {");
  const deckhouse = renderNftables(planFirewall(profiles.get("deckhouse")!, "frontend", variants(profiles.get("deckhouse")!).segregated));
  assert.not.match(deckhouse, "chain forward {");
  assert.match(deckhouse, '\t\tiifname "eth0" ip saddr @external_v4 tcp dport 30000-32767 accept comment "nodeports"\n');
  assert.match(deckhouse, '\t\tiifname "eth1" ip saddr @nodes_v4 icmp type echo-request accept comment "icmp"\n');
  assert.match(deckhouse, '\t\tiifname "eth1" ip6 saddr @nodes_v6 icmpv6 type echo-request accept comment "icmp"\n');
  assert.match(deckhouse, '\t\tiifname { "eth1", "eth0" } drop comment "anything else"\n');
});

// ---------------------------------------------------------------- firewalld

/** `firewall-offline-cmd --list-all` of a zone or policy: its ports, rich rules and interfaces. */
function listAll(config: string, selector: string): { ports: string[]; rich: string[]; interfaces: string[]; ingress: string[]; egress: string[] } {
  const run = spawnSync("firewall-offline-cmd", ["--system-config", config, selector, "--list-all"], { encoding: "utf8" });
  assert.is(run.status, 0, `${selector} --list-all: ${run.stderr}`);
  const field = (name: string): string[] => (new RegExp(`^  ${name}: ?(.*)$`, "m").exec(run.stdout)?.[1] ?? "").split(" ").filter(Boolean);
  const rich = run.stdout.split("\n").filter((line) => line.startsWith("\trule "));
  return { ports: field("ports"), rich: rich.map((l) => l.slice(1)), interfaces: field("interfaces"), ingress: field("ingress-zones"), egress: field("egress-zones") };
}

/** What each zone and the forward policy must list, from the profile and the settings alone. */
function expectedFirewalld(profile: ResolvedHostProfile, role: string, settings: FirewallSettings) {
  const zones = new Map<string, { ports: Set<string>; rich: Set<string>; interfaces: Set<string> }>();
  const zone = (name: string) => {
    let found = zones.get(name);
    if (!found) zones.set(name, (found = { ports: new Set(), rich: new Set(), interfaces: new Set() }));
    return found;
  };
  const { single, cluster, external } = settings.interfaces;
  if (single) zone(settings.zones.single).interfaces.add(single);
  if (cluster && external) {
    zone(settings.zones.cluster).interfaces.add(cluster);
    zone(settings.zones.external).interfaces.add(external);
  }
  const policy = new Set<string>();
  const rich = (cidr: string, what: string) => `rule family="${cidr.includes(":") ? "ipv6" : "ipv4"}" source address="${cidr}"${what} accept`;
  for (const a of allowances(profile, role, settings)) {
    // The pod and service networks: the default zone (a scratch configuration's is public) and the policy.
    const name = a.forward ? "public" : cluster && external ? settings.zones[a.side] : settings.zones.single;
    const port = a.from === a.to ? String(a.from) : `${a.from}-${a.to}`;
    if (a.sources === "any") {
      if (a.protocol === "TCP" || a.protocol === "UDP") zone(name).ports.add(`${port}/${a.protocol.toLowerCase()}`);
      continue;
    }
    for (const cidr of a.sources) {
      const what = a.protocol === "any" ? "" : a.protocol === "ICMP" ? ' icmp-type name="echo-request"' : ` port port="${port}" protocol="${a.protocol.toLowerCase()}"`;
      zone(name).rich.add(rich(cidr, what));
      if (a.forward) policy.add(rich(cidr, what));
    }
  }
  return { zones, policy };
}

const fwMissing = missingTool("firewall-offline-cmd", ["--version"]);
/**
 * The scripts applied offline (firewall-offline-cmd costs ~0.2 s a call): every role once, the
 * variants spread over them (seed 004's plain ports with the defaults, rich rules per source with
 * addresses, two zones on two interfaces).
 */
const APPLIED: [string, string, Variant][] = [
  ["k3s", "server", "defaults"],
  ["k3s", "agent", "addressed"],
  ["k3s-platform", "server", "addressed"],
  ["k3s-platform", "agent", "segregated"],
  ["deckhouse", "master", "addressed"],
  ["deckhouse", "node", "defaults"],
  ["deckhouse", "frontend", "segregated"],
];

function applyOffline(script: string, config: string): ReturnType<typeof spawnSync> {
  const file = join(config, "..", "firewalld.sh");
  writeFileSync(file, script);
  return spawnSync("sh", [file], { encoding: "utf8", env: { ...process.env, NETPOLGEN_FIREWALLD_OFFLINE: config } });
}

function scratchConfig(): { root: string; config: string } {
  const root = mkdtempSync(join(tmpdir(), "lhnp-firewalld-"));
  const config = join(root, "etc-firewalld");
  mkdirSync(config);
  // firewall-offline-cmd warns without one; its defaults are firewalld's own.
  if (existsSync("/etc/firewalld/firewalld.conf")) cpSync("/etc/firewalld/firewalld.conf", join(config, "firewalld.conf"));
  return { root, config };
}

interface Applied {
  root: string;
  config: string;
  script: string;
  settings: FirewallSettings;
  result: Promise<{ status: number | null; stderr: string }>;
}

/**
 * Every script of APPLIED started at once when this file loads, each in its own scratch
 * configuration: they run beside the other tests (each is a dozen firewall-offline-cmd calls), and
 * their tests wait for them.
 */
const applied = new Map<string, Applied>();
if (!fwMissing) {
  for (const [name, role, variant] of APPLIED) {
    const profile = profiles.get(name)!;
    const settings = variants(profile)[variant];
    const script = renderFirewalld(planFirewall(profile, role, settings, longhornOf(profile)));
    const { root, config } = scratchConfig();
    writeFileSync(join(root, "firewalld.sh"), script);
    const result = new Promise<{ status: number | null; stderr: string }>((done) => {
      const child = spawn("sh", [join(root, "firewalld.sh")], { env: { ...process.env, NETPOLGEN_FIREWALLD_OFFLINE: config }, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("close", (status) => done({ status, stderr }));
    });
    applied.set(`${name}/${role}/${variant}`, { root, config, script, settings, result });
  }
}

for (const [name, role, variant] of APPLIED) {
  testUnless(fwMissing, `firewalld ${name}/${role} (${variant}): applied offline, the zones list exactly what the profile asks`, async () => {
    const profile = profiles.get(name)!;
    const { root, config, script, settings, result } = applied.get(`${name}/${role}/${variant}`)!;
    try {
      const run = await result;
      assert.is(run.status, 0, `the script failed:\n${run.stderr}`);
      const expected = expectedFirewalld(profile, role, settings);
      for (const zone of new Set(["public", ...expected.zones.keys()])) {
        const listed = listAll(config, `--zone=${zone}`);
        const want = expected.zones.get(zone) ?? { ports: new Set(), rich: new Set(), interfaces: new Set() };
        assert.equal(listed.ports.sort(), [...want.ports].sort(), `zone ${zone}: ports`);
        assert.equal(listed.rich.sort(), [...want.rich].sort(), `zone ${zone}: rich rules`);
        assert.equal(listed.interfaces.sort(), [...want.interfaces].sort(), `zone ${zone}: interfaces`);
      }
      const policies = spawnSync("firewall-offline-cmd", ["--system-config", config, "--get-policies"], { encoding: "utf8" }).stdout;
      if (expected.policy.size === 0) assert.not.match(policies, "netpolgen-pods");
      else {
        const listed = listAll(config, "--policy=netpolgen-pods");
        assert.equal(listed.rich.sort(), [...expected.policy].sort(), "policy netpolgen-pods: rich rules");
        assert.equal([listed.ingress, listed.egress], [["ANY"], ["ANY"]]);
      }
      if (name === "k3s-platform" && variant === "segregated") {
        // A second run (the zone exists, the interfaces are bound, the rules are there) succeeds and changes nothing.
        const selectors = [...expected.zones.keys()].map((z) => `--zone=${z}`);
        const before = selectors.map((sel) => listAll(config, sel));
        const again = applyOffline(script, config);
        assert.is(again.status, 0, `the second run failed:\n${again.stderr}`);
        assert.equal(selectors.map((sel) => listAll(config, sel)), before);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test("firewalld: every script is valid sh, quotes every rich rule, and reloads only what it created, when told to", () => {
  for (const { profile, role } of roles) {
    for (const [name, settings] of Object.entries(variants(profile))) {
      const script = renderFirewalld(planFirewall(profile, role, settings, longhornOf(profile)));
      const syntax = spawnSync("sh", ["-n"], { input: script, encoding: "utf8" });
      assert.is(syntax.status, 0, `${profile.profile}/${role}/${name}: ${syntax.stderr}`);
      for (const line of script.split("\n").filter((l) => l.includes("--add-rich-rule"))) assert.match(line, /^set -- "\$@" '--add-rich-rule=rule [^']*'$/);
      // One reload, under the guard that asks for it, after creating something.
      assert.equal(script.split("\n").filter((l) => /^\s*firewall-cmd --reload/.test(l)), ["\t\tfirewall-cmd --reload"]);
      assert.match(script, 'if [ -n "$created" ] && [ "$running" = yes ]; then\n\tif [ "${NETPOLGEN_FIREWALLD_RELOAD:-no}" = yes ]; then\n\t\tfirewall-cmd --reload\n');
    }
  }
  assert.is(shellQuote("it's"), "'it'\\''s'");
  assert.is(shellQuote("--add-port=80/tcp"), "--add-port=80/tcp");
});

// ---------------------------------------------------------------- Markdown

for (const { profile, role } of roles) {
  test(`markdown ${profile.profile}/${role} matches its golden`, () => {
    const { text } = firewallOutput(profile, role, variants(profile).defaults, "markdown", longhornOf(profile));
    const file = join(GOLDEN, `${profile.profile}-${role}.md`);
    if (UPDATE) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, text);
    }
    assert.ok(existsSync(file), `${file} is missing: run UPDATE_GOLDEN=1 node test/run.mjs and review it`);
    assert.fixture(text, readFileSync(file, "utf8"));
  });
}

test("docs/firewall/<profile>.md holds every role's section, as generate writes it", () => {
  const docs = firewallDocs([...profiles.values()], specs);
  assert.equal(docs.map((d) => d.path).sort(), PROFILES.map((p) => `docs/firewall/${p}.md`).sort());
  for (const doc of docs) {
    assert.is(readFileSync(join(PROJECT_ROOT, doc.path), "utf8"), doc.content, `${doc.path} is stale: run make generate`);
    assert.match(doc.content, /^<!-- Generated by netpolgen generate from spec\/hosts\//);
  }
  assert.equal(readdirSync(GOLDEN).length, roles.length);
});

// ---------------------------------------------------------------- Longhorn rows

test("the K3s platform's Longhorn rows come from the Longhorn spec, and no rule of the profile types a Longhorn port", () => {
  const platform = profiles.get("k3s-platform")!;
  const spec = loadVersion("1.12");
  const rows = longhornRows(spec);
  // Every flow to a component with ports (documented-only flows aside) is in exactly one row per port.
  const flows = spec.flows.filter((f) => spec.components.has(f.to) && f.ports && !f.documentedOnly);
  for (const flow of flows) assert.ok(rows.some((r) => r.flows.includes(flow.id)), flow.id);
  assert.is(rows.find((r) => r.flows.includes("nodes-to-instance-manager"))!.path, "within-node");
  assert.is(rows.find((r) => r.flows.includes("nodes-to-share-manager"))!.path, "forwarded");
  assert.is(rows.find((r) => r.flows.includes("manager-to-manager"))!.path, "forwarded");
  const longhornPorts = [9500, 9501, 9502, 9503, 8500, 8501, 8502, 8503, 8504, 3260, 2049, 10000];
  for (const rule of platform.rules) {
    if (rule.ports === "any") continue;
    for (const port of rule.ports) assert.not.ok(port.port !== undefined && longhornPorts.includes(port.port), `${rule.id} opens ${port.port}`);
  }
  // --longhorn picks another version: 1.5's host NVMe/TCP initiator appears, local to its node.
  const older = planFirewall(platform, "agent", variants(platform).defaults, loadVersion("1.5")).longhorn!;
  assert.is(older.version, "1.5");
  assert.is(older.rows.find((r) => r.flows.includes("nodes-to-instance-manager-nvme"))!.path, "within-node");
  assert.not.ok(rows.some((r) => r.flows.includes("nodes-to-instance-manager-nvme")));
});

// ---------------------------------------------------------------- the command line

test("firewall: prints one role in one format; --out writes the file atomically", async () => {
  const run = await runCli("firewall", "--profile", "k3s", "--role", "agent", "--format", "markdown");
  assert.is(run.code, 0, run.stderr);
  assert.is(`${run.stdout}\n`, readFileSync(join(GOLDEN, "k3s-agent.md"), "utf8"));
  assert.is(run.stderr, "netpolgen: note: no node addresses given (--nodes): the ports for All nodes are open to any source");
  const dir = mkdtempSync(join(tmpdir(), "lhnp-fw-out-"));
  try {
    const out = join(dir, "server.nft");
    const written = await runCli("firewall", "--profile", "k3s-platform", "--role", "server", "--format", "nftables", "--nodes", "10.0.0.0/24", "--out", out);
    assert.is(written.code, 0, written.stderr);
    assert.is(written.stderr, "");
    assert.match(readFileSync(out, "utf8"), "elements = { 10.0.0.0/24 }");
    assert.equal(readdirSync(dir), ["server.nft"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("firewall: the config file, with the flags over it", async () => {
  const config = join(FIXTURES, "node-config.yaml");
  const run = await runCli("firewall", "--profile", "k3s-platform", "--role", "server", "--format", "nftables", "--config", config, "--external", "203.0.113.128/25");
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, "\t\telements = { 192.168.10.0/28 }\n");
  assert.match(run.stdout, "\t\telements = { 203.0.113.128/25 }\n");
  assert.not.match(run.stdout, "2001:db8::/32");
  assert.match(run.stdout, '\t\tiifname "eth1" ip saddr @role_server_v4 tcp dport 2379-2380 accept comment "etcd"\n');
  assert.match(run.stdout, '\t\tiifname { "eth1", "eth0" } drop comment "anything else"\n');
});

test("firewall: bad input is refused with the file, the path and what was expected, and nothing is written", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lhnp-fw-bad-"));
  const out = join(dir, "out.nft");
  const fw = (...args: string[]) => runCli("firewall", "--profile", "k3s-platform", "--role", "server", "--format", "nftables", "--out", out, ...args);
  try {
    const config = join(dir, "node.yaml");
    writeFileSync(config, 'addresses:\n  nodes: [10.0.0.1/8]\n  roles: {serve: ["10.0.0.0/8"]}\ninterfaces: {single: "eth0; nft flush ruleset"}\n');
    let run = await fw("--config", config);
    assert.is(run.code, 1);
    assert.is(
      run.stderr,
      `${config}:4 interfaces.single: expected an interface name of letters, digits, _ . and -, at most 15 characters, like eth0, got "eth0; nft flush ruleset"`,
    );
    writeFileSync(config, 'addresses:\n  nodes: [10.0.0.1/8]\n  roles: {serve: ["10.0.0.0/8"]}\nzones: {single: public}\n');
    run = await fw("--config", config);
    assert.is(run.code, 1);
    assert.equal(run.stderr.split("\n"), [
      `${config}:2 addresses.nodes[0]: "10.0.0.1/8" has bits set after its /8 prefix: write the network, 10.0.0.0/8`,
      `${config}:3 addresses.roles.serve: the k3s-platform profile has no role "serve" (known: server, agent)`,
    ]);
    const usage: [string[], string][] = [
      [["--nodes", "10.0.0.0/24,fd00::1/129"], '--nodes: "fd00::1/129" has a prefix longer than 128'],
      [["--interface", 'eth0" accept'], '--interface: expected an interface name of letters, digits, _ . and -, at most 15 characters, like eth0, got "eth0\\" accept"'],
      [["--zone", "$(reboot)"], '--zone: expected a firewalld zone name of letters, digits, _ and -, at most 17 characters, like public, got "$(reboot)"'],
      [["--role-cidrs", "server"], '--role-cidrs: expected NAME=CIDR[,CIDR...], like server=192.0.2.0/24, got "server"'],
      [["--set", "admins=192.0.2.0/24"], '--set: the profile has no set "admins" (sets: none)'],
      [["--interface", "eth0", "--cluster-interface", "eth1"], "interfaces: give either one interface for everything, or a cluster and an external interface, not both"],
      [["--config", join(dir, "missing.yaml")], `--config ${join(dir, "missing.yaml")}: no such file`],
      [["--longhorn", "1.3"], "no longhorn 1.3 spec (spec/longhorn/1.3.yaml); supported: 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 1.10, 1.11, 1.12, 1.13"],
    ];
    for (const [args, message] of usage) {
      run = await fw(...args);
      assert.is(run.code, 2, args.join(" "));
      assert.is(run.stderr, `netpolgen: ${message}`);
    }
    run = await runCli("firewall", "--profile", "k3s-platform", "--role", "worker", "--format", "nftables");
    assert.is(run.stderr, 'netpolgen: --role "worker" is not a role of k3s-platform (roles: server, agent)');
    run = await runCli("firewall", "--profile", "../longhorn/1.12", "--role", "server", "--format", "nftables");
    assert.is(run.code, 2);
    assert.match(run.stderr, 'netpolgen: no host profile "../longhorn/1.12"');
    run = await runCli("firewall", "--profile", "k3s", "--role", "server");
    assert.is(run.stderr, "netpolgen: firewall needs --format firewalld, nftables or markdown");
    assert.equal(readdirSync(dir), ["node.yaml"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("renderers refuse spec text that would end a comment line, even past the schema", () => {
  const profile = loadProfile("k3s");
  const hostile = { ...profile, rules: profile.rules.map((r) => (r.id === "kubelet" ? { ...r, purpose: "kubelet\nflush ruleset" } : r)) };
  const plan = planFirewall(hostile, "agent", variants(profile).defaults);
  assert.throws(() => renderNftables(plan), /would end a comment line/);
  assert.throws(() => renderFirewalld(plan), /would end a comment line/);
});

// ---------------------------------------------------------------- firewall check

test("firewall check: a K3s server's captured sockets against its role", async () => {
  const run = await runCli("firewall", "check", "--profile", "k3s-platform", "--role", "server", "--ss", join(FIXTURES, "ss-k3s-server.txt"));
  assert.is(run.code, 1);
  const lines = run.stdout.split("\n");
  assert.equal(lines.slice(0, 10), [
    "firewall check: profile k3s-platform, role server: 27 listening sockets, 13 on loopback only",
    "Listening, but no rule of the role opens the port (6):",
    "  UDP 0.0.0.0%enp1s0:68 systemd-network (line 3)",
    "  UDP 0.0.0.0:111 rpcbind (line 4)",
    "  TCP 0.0.0.0:22 sshd (line 20)",
    "  TCP 0.0.0.0:111 rpcbind (line 21)",
    "  TCP *:10256 k3s-server (line 24)",
    "  TCP *:9100 node_exporter (line 25)",
    "Opened for a host process, but nothing listens (1):",
    "  5001/TCP spegel: Spegel registry mirror (K3s embedded registry)",
  ]);
  assert.is(lines[10], "Served through a DNAT, no socket expected (14):");
});

test("firewall check: what counts as listening, and which sockets others reach", () => {
  const { listeners, diagnostics } = parseSs(
    "ss.txt",
    [
      "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process",
      "tcp   LISTEN 0      4096   [::ffff:127.0.0.1]:7000 [::]:*",
      "tcp   LISTEN 0      4096   [fe80::1]%eth0:7001 [::]:*",
      "tcp   LISTEN 0      4096   [::1]:7002 [::]:*",
      "udp   ESTAB  0      0      10.0.0.5:40000 10.0.0.9:53",
      "tcp   ESTAB  0      0      10.0.0.5:22 10.0.0.9:50000 users:((\"sshd\",pid=1,fd=3))",
      'udp   UNCONN 0      0      0.0.0.0:8472 0.0.0.0:*',
    ].join("\n"),
  );
  assert.equal(diagnostics, []);
  assert.equal(
    listeners.map((l) => [l.protocol, l.address, l.iface ?? "", l.port, l.loopback]),
    [
      ["TCP", "::ffff:127.0.0.1", "", 7000, true],
      ["TCP", "fe80::1", "eth0", 7001, false],
      ["TCP", "::1", "", 7002, true],
      ["UDP", "0.0.0.0", "", 8472, false],
    ],
  );
  const deckhouse = profiles.get("deckhouse")!;
  const report = checkListeners(planFirewall(deckhouse, "node", variants(deckhouse).defaults), listeners);
  // 7001 is in DRBD's 7000-7999, which the rule opens for a host process: something listens in it.
  assert.equal(report.notOpened, []);
  assert.not.ok(report.notListening.some((p) => p.rule === "drbd"));
  // VXLAN's kernel socket listens on 8472; 8469, the other port of the row, has no socket.
  assert.equal(report.notListening.filter((p) => p.rule === "vxlan"), [{ rule: "vxlan", protocol: "UDP", ports: "8469", purpose: "VXLAN for pod-to-pod traffic encapsulation" }]);
});

test("firewall check reads standard input (the compiled netpolgen, as `ss -Htulpn | netpolgen firewall check` runs it)", () => {
  const run = spawnSync(process.execPath, ["generator/bin/netpolgen.mjs", "firewall", "check", "--profile", "k3s", "--role", "agent", "--output", "json"], {
    cwd: PROJECT_ROOT,
    input: "udp UNCONN 0 0 0.0.0.0:8472 0.0.0.0:*\ntcp LISTEN 0 4096 *:10250 *:* users:((\"k3s-agent\",pid=9,fd=3))\ntcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:((\"sshd\",pid=7,fd=3))\n",
    encoding: "utf8",
  });
  assert.is(run.status, 1, run.stderr);
  const report = JSON.parse(run.stdout) as { notOpened: { port: number; process: string }[]; notListening: unknown[] };
  assert.equal(report.notOpened.map((l) => [l.port, l.process]), [[22, "sshd"]]);
  assert.equal(report.notListening, []);
});

test("--servers is --role-cidrs server=, for the profiles that have servers", async () => {
  const run = await runCli("firewall", "--profile", "k3s", "--role", "server", "--format", "nftables", "--nodes", "10.0.0.0/24", "--servers", "10.0.0.0/28");
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, "\tset role_server_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n\t\telements = { 10.0.0.0/28 }\n");
  const deckhouse = await runCli("firewall", "--profile", "deckhouse", "--role", "master", "--format", "nftables", "--servers", "10.0.0.0/28");
  assert.is(deckhouse.code, 2);
  assert.is(deckhouse.stderr, "netpolgen: --servers: the deckhouse profile has no server role (roles: master, node, frontend): give --role-cidrs ROLE=CIDRS");
});

test("firewall check: output that is not ss's is refused with its lines", async () => {
  const run = await runCli("firewall", "check", "--profile", "k3s", "--role", "agent", "--ss", "test/fixtures/firewall/ss-malformed.txt");
  assert.is(run.code, 1);
  assert.equal(run.stderr.split("\n"), [
    'test/fixtures/firewall/ss-malformed.txt:2 expected a local address and port (0.0.0.0:22, [::]:22, *:22, 127.0.0.53%lo:53), got "0.0.0.0:ssh"',
    'test/fixtures/firewall/ss-malformed.txt:3 expected the protocol tcp or udp (ss -t -u), got "sctp"',
  ]);
});

test.run();
