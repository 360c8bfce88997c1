// The nftables rulesets enforced for real: a "node" network namespace loads each role's ruleset, a
// "client" namespace opens TCP connections and sends UDP datagrams (and pings) to it from addresses
// inside and outside each peer's CIDRs, over a cluster link and an external link (two veth pairs),
// and a "pod" namespace behind the node receives the traffic the node forwards. What must pass is
// read from the profile and the settings alone (firewall-expect.ts), never from the plan; every probe
// is compared. Only 198.18.0.0/15 addresses, inside namespaces this test creates and always removes.
// Without root, ip, nft or network namespaces the tests say they are skipped and why.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mergeSettings, type FirewallSettings, type FlagSettings } from "../generator/loader/firewall-config.ts";
import type { ResolvedHostProfile } from "../generator/loader/host-model.ts";
import { longhornFor } from "../generator/pipeline.ts";
import { planFirewall } from "../generator/plan/firewall-plan.ts";
import { renderNftables } from "../generator/targets/firewall/nftables.ts";
import { allowances, isAllowed, type Allowance } from "./firewall-expect.ts";
import { loadProfile, loadVersion, missingTool, PROFILES, PROJECT_ROOT, testUnless } from "./helpers.ts";

const PREFIX = `lhnp${process.pid}`;
const NS = { node: `${PREFIX}n`, client: `${PREFIX}c`, pod: `${PREFIX}p` };
const PROBE = join(PROJECT_ROOT, "test/firewall-probe.mjs");

/** The client's source addresses, by the link they leave on (and arrive at the node on). */
const SOURCES: { address: string; side: "cluster" | "external"; who: string }[] = [
  { address: "198.18.0.5", side: "cluster", who: "a node of the first role" },
  { address: "198.18.0.77", side: "cluster", who: "another node" },
  { address: "198.18.128.5", side: "cluster", who: "a pod" },
  { address: "198.18.144.5", side: "cluster", who: "a service address" },
  { address: "198.18.2.9", side: "cluster", who: "no peer, cluster side" },
  { address: "198.19.0.5", side: "external", who: "an external client" },
  { address: "198.19.1.5", side: "external", who: "an administrator" },
  { address: "198.19.255.9", side: "external", who: "no peer, external side" },
];
/** The node's addresses: on the cluster link (eth1), the external link (eth0), and towards the pod (cni0). */
const NODE = { cluster: "198.18.0.1", external: "198.18.1.1" };
const POD = "198.18.130.2";
/** What the pod listens on: a Longhorn manager port, and a UDP port. */
const POD_PORTS = { tcp: 9500, udp: 9999 };
/** Ports no profile opens, probed on every role. */
const UNLISTED = { tcp: [2222, 65000], udp: [40000] };

function settingsFor(profile: ResolvedHostProfile, extra: Partial<FlagSettings>): FirewallSettings {
  const firstRole = [...profile.roles.keys()][0]!;
  return mergeSettings(undefined, {
    nodes: ["198.18.0.0/24"],
    roles: { [firstRole]: ["198.18.0.0/28"] },
    pods: ["198.18.128.0/20"],
    services: ["198.18.144.0/20"],
    external: ["198.19.0.0/24"],
    sets: Object.fromEntries([...profile.sets.keys()].map((id) => [id, ["198.19.1.0/24"]])),
    ...extra,
  });
}

const segregated: Partial<FlagSettings> = { clusterInterface: "eth1", externalInterface: "eth0", drop: true };

/** Why these tests cannot run here, or undefined. */
const skipReason = (() => {
  if (process.getuid?.() !== 0) return "creating network namespaces needs root (CI runs as root)";
  const tool = missingTool("ip", ["-V"]) ?? missingTool("nft", ["--version"]);
  if (tool) return tool;
  const probe = `${PREFIX}x`;
  const add = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (add.status !== 0) return `ip netns add failed: ${add.stderr.trim() || `exit ${add.status}`}`;
  spawnSync("ip", ["netns", "del", probe]);
  return undefined;
})();
const pingMissing = skipReason ?? missingTool("ping", ["-V"]);

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderr.trim() || `exit ${result.status}`}`);
  return result.stdout;
}
const inNs = (ns: string, ...args: string[]): string => run("ip", ["netns", "exec", ns, ...args]);

const servers: ChildProcess[] = [];
let ready = false;

function removeNamespaces(): void {
  for (const server of servers.splice(0)) server.kill("SIGKILL");
  for (const ns of Object.values(NS)) spawnSync("ip", ["netns", "del", ns], { encoding: "utf8" });
}
// Whatever happens to the run, the namespaces go (deleting one that does not exist is harmless).
process.on("exit", removeNamespaces);

/** Every TCP and UDP port some role of some profile opens, first and last of each range. */
function portsToProbe(list: readonly Allowance[]): { tcp: number[]; udp: number[] } {
  const tcp = new Set(UNLISTED.tcp);
  const udp = new Set(UNLISTED.udp);
  for (const a of list) {
    if (a.protocol === "TCP") [a.from, a.to].forEach((p) => tcp.add(p));
    if (a.protocol === "UDP") [a.from, a.to].forEach((p) => udp.add(p));
  }
  return { tcp: [...tcp].sort((a, b) => a - b), udp: [...udp].sort((a, b) => a - b) };
}

const profiles = new Map(PROFILES.map((name) => [name, loadProfile(name)]));
const everyAllowance = [...profiles.values()].flatMap((profile) =>
  [...profile.roles.keys()].flatMap((role) => allowances(profile, role, settingsFor(profile, segregated))),
);
const PORTS = portsToProbe(everyAllowance);

async function setUp(): Promise<void> {
  if (ready) return;
  removeNamespaces();
  for (const ns of Object.values(NS)) run("ip", ["netns", "add", ns]);
  // Two links node↔client (eth1 cluster, eth0 external), one node↔pod; created inside the namespaces.
  run("ip", ["link", "add", "eth1", "netns", NS.node, "type", "veth", "peer", "name", "clu0", "netns", NS.client]);
  run("ip", ["link", "add", "eth0", "netns", NS.node, "type", "veth", "peer", "name", "ext0", "netns", NS.client]);
  run("ip", ["link", "add", "cni0", "netns", NS.node, "type", "veth", "peer", "name", "eth0", "netns", NS.pod]);
  for (const [ns, cmds] of [
    [NS.node, [["addr", "add", `${NODE.cluster}/24`, "dev", "eth1"], ["addr", "add", `${NODE.external}/24`, "dev", "eth0"], ["addr", "add", "198.18.130.1/24", "dev", "cni0"]]],
    [NS.client, [["addr", "add", "198.18.0.2/24", "dev", "clu0"], ["addr", "add", "198.18.1.2/24", "dev", "ext0"], ...SOURCES.map((s) => ["addr", "add", `${s.address}/32`, "dev", s.side === "cluster" ? "clu0" : "ext0"])]],
    [NS.pod, [["addr", "add", `${POD}/24`, "dev", "eth0"]]],
  ] as const) {
    for (const cmd of cmds) inNs(ns, "ip", ...cmd);
    for (const link of ["lo", "eth0", "eth1", "clu0", "ext0", "cni0"]) spawnSync("ip", ["netns", "exec", ns, "ip", "link", "set", link, "up"]);
    inNs(ns, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
  }
  inNs(NS.node, "sysctl", "-qw", "net.ipv4.ip_forward=1");
  for (const route of [["198.18.128.0/20", "eth1"], ["198.18.144.0/20", "eth1"], ["198.18.2.0/24", "eth1"], ["198.19.0.0/16", "eth0"]]) {
    inNs(NS.node, "ip", "route", "add", route[0]!, "dev", route[1]!);
  }
  inNs(NS.client, "ip", "route", "add", "198.18.130.0/24", "via", NODE.cluster, "dev", "clu0");
  inNs(NS.pod, "ip", "route", "add", "default", "via", "198.18.130.1", "dev", "eth0");
  await Promise.all([
    serve(NS.node, { tcp: PORTS.tcp, udp: PORTS.udp }),
    serve(NS.pod, { tcp: [POD_PORTS.tcp], udp: [POD_PORTS.udp] }),
  ]);
  ready = true;
}

function serve(ns: string, ports: { tcp: number[]; udp: number[] }): Promise<void> {
  const child = spawn("ip", ["netns", "exec", ns, process.execPath, PROBE, "serve", JSON.stringify(ports)], { stdio: ["ignore", "pipe", "pipe"] });
  servers.push(child);
  return new Promise((done, fail) => {
    let err = "";
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) done();
    });
    child.on("exit", (code) => fail(new Error(`server in ${ns} exited (${code}): ${err}`)));
  });
}

interface Probe {
  proto: "TCP" | "UDP";
  source: string;
  target: string;
  port: number;
  expected: boolean;
  why: string;
}

/** Runs the probes from the client, all at once; a probe that should pass but timed out is tried again, slowly. */
function runProbes(probes: Probe[]): boolean[] {
  const once = (list: Probe[], timeout: number): boolean[] =>
    JSON.parse(inNs(NS.client, process.execPath, PROBE, "probe", JSON.stringify(list.map(({ proto, source, target, port }) => ({ proto, source, target, port }))), String(timeout))) as boolean[];
  const results = once(probes, 1000);
  const retry = probes.map((p, i) => (p.expected && !results[i] ? i : -1)).filter((i) => i >= 0);
  if (retry.length > 0) {
    const again = once(retry.map((i) => probes[i]!), 5000);
    retry.forEach((i, k) => (results[i] = again[k]!));
  }
  return results;
}

function loadRuleset(text: string): void {
  const dir = mkdtempSync(join(tmpdir(), "lhnp-netns-"));
  try {
    writeFileSync(join(dir, "ruleset.nft"), text);
    inNs(NS.node, "nft", "-f", join(dir, "ruleset.nft"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads the role's ruleset into the node and compares every probe with the expectation; the differing cells, if any. */
function enforce(profile: ResolvedHostProfile, role: string, settings: FirewallSettings): { differences: string[]; probes: number } {
  loadRuleset(renderNftables(planFirewall(profile, role, settings, longhornFor(profile, profile.longhorn ? [loadVersion(profile.longhorn.version)] : []))));
  const list = allowances(profile, role, settings);
  const twoLinks = Boolean(settings.interfaces.cluster);
  // Without a drop nothing is filtered: the policy is accept.
  const expect = (source: (typeof SOURCES)[number], proto: "TCP" | "UDP", port: number, path: "input" | "forward"): boolean =>
    !settings.drop || isAllowed(list, source.address, proto, port, path, twoLinks ? source.side : undefined);
  const probes: Probe[] = [];
  for (const source of SOURCES) {
    const target = NODE[source.side];
    for (const [proto, ports] of [["TCP", PORTS.tcp], ["UDP", PORTS.udp]] as const) {
      for (const port of ports) probes.push({ proto, source: source.address, target, port, expected: expect(source, proto, port, "input"), why: source.who });
    }
    // Routed to the pod behind the node: the forward chain (accept-all when the profile has none).
    const forward = list.some((a) => a.forward);
    for (const [proto, port] of [["TCP", POD_PORTS.tcp], ["UDP", POD_PORTS.udp]] as const) {
      probes.push({ proto, source: source.address, target: POD, port, expected: forward ? expect(source, proto, port, "forward") : true, why: `${source.who}, forwarded to a pod` });
    }
  }
  const observed = runProbes(probes);
  const differences = probes.flatMap((p, i) =>
    observed[i] === p.expected ? [] : [`${p.proto} ${p.source} (${p.why}) → ${p.target}:${p.port}: expected ${p.expected ? "pass" : "drop"}, observed ${observed[i] ? "pass" : "drop"}`],
  );
  return { differences, probes: probes.length };
}

for (const name of PROFILES) {
  const profile = profiles.get(name)!;
  for (const role of profile.roles.keys()) {
    testUnless(skipReason, `namespaces: ${name}/${role} on two interfaces with a drop: every probe passes or is dropped as the profile says`, async () => {
      await setUp();
      const { differences, probes } = enforce(profile, role, settingsFor(profile, segregated));
      assert.equal(differences, [], `${differences.length} of ${probes} probes differ`);
      assert.ok(probes > 100);
    });
  }
}

testUnless(skipReason, "namespaces: k3s-platform/server without interfaces (the drop on every interface), and without a drop (nothing filtered)", async () => {
  await setUp();
  const profile = profiles.get("k3s-platform")!;
  for (const extra of [{ drop: true }, { drop: false }]) {
    const { differences, probes } = enforce(profile, "server", settingsFor(profile, extra));
    assert.equal(differences, [], `drop ${extra.drop}: ${differences.length} of ${probes} probes differ`);
  }
});

testUnless(pingMissing, "namespaces: ICMP echo requests reach a Deckhouse node from the nodes only", async () => {
  await setUp();
  const profile = profiles.get("deckhouse")!;
  const settings = settingsFor(profile, segregated);
  loadRuleset(renderNftables(planFirewall(profile, "node", settings)));
  const list = allowances(profile, "node", settings);
  const pings = await Promise.all(
    SOURCES.map(
      (source) =>
        new Promise<[string, boolean, boolean]>((done) => {
          const child = spawn("ip", ["netns", "exec", NS.client, "ping", "-n", "-q", "-c", "1", "-W", "1", "-I", source.address, NODE[source.side]], { stdio: "ignore" });
          child.on("exit", (code) => done([source.address, code === 0, isAllowed(list, source.address, "ICMP", 0, "input", source.side)]));
        }),
    ),
  );
  assert.equal(
    pings.filter(([, observed, expected]) => observed !== expected),
    [],
  );
  assert.equal(pings.filter(([, , expected]) => expected).map(([address]) => address), ["198.18.0.5", "198.18.0.77"]);
});

testUnless(skipReason, "namespaces: removed at the end", () => {
  removeNamespaces();
  ready = false;
  const list = run("ip", ["netns", "list"]);
  for (const ns of Object.values(NS)) assert.not.match(list, ns);
});

test.run();
