// Issue 10: validate, generate and verify are indexed instead of scanning every flow per flow,
// listener or probed pair. These cases pin down what the indices must keep exactly as the scans
// had it (the order of diagnostics, which flow a message names, how ports merge), and that the
// benchmark's synthetic spec stays valid as the rules evolve.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readText } from "../generator/lib/files.ts";
import { SpecLoader } from "../generator/loader/load.ts";
import type { Port } from "../generator/loader/model.ts";
import { normalisePorts, planVersion } from "../generator/plan/plan.ts";
import { writeSyntheticSpec } from "../scripts/bench-spec.ts";
import { PROJECT_ROOT } from "./helpers.ts";

/** Loads one in-memory spec file (product demo, version 3.0). */
function load(yaml: string) {
  return new SpecLoader((file) => (file === "demo/3.0.yaml" ? yaml : undefined)).load("demo/3.0.yaml");
}

const HEAD = `product: demo
version: "3.0"
status: ga
`;

const component = (id: string, extra = "") => `  ${id}:
    title: ${id}
    workload: {kind: Deployment, createdBy: chart}
    selector:
      matchLabels: {app: ${id}}
    podLabels: {app: ${id}}
    source: {docs: "3.0.0"}
${extra}`;

const flow = (id: string, from: string, to: string, ports: string) => `  - id: ${id}
    from: ${from}
    to: ${to}
    ports: [${ports}]
    purpose: Test.
    source: {client: ["example/app@v1.0.0 client.go:1 Dial"], listener: ["example/app@v1.0.0 server.go:1 Listen"]}
`;

test("overlapping flows are reported in the order of a scan over every earlier flow", () => {
  const yaml = `${HEAD}components:
${component("a")}${component("b")}${component("c")}
listeners:
  - {id: b-web, component: b, ports: [{port: 80, endPort: 81, protocol: TCP}], purpose: Web., source: {listener: ["example/app@v1.0.0 server.go:1 Listen"]}}
flows:
${flow("f1", "a", "b", "{port: 80, protocol: TCP}")}${flow("f2", "c", "b", "{port: 80, protocol: TCP}")}${flow("f3", "a", "b", "{port: 80, endPort: 81, protocol: TCP}")}${flow("f4", "c", "b", "{port: 80, protocol: TCP}")}${flow("f5", "a", "b", "{port: 81, protocol: TCP}")}`;
  const overlaps = load(yaml)
    .diagnostics.filter((d) => d.message.includes("overlaps flow"))
    .map((d) => d.message.replace(/ \(.*$/, ""));
  // Grouped by pair of ends, f5/f3 would come before f4/f2.
  assert.equal(overlaps, ['flow "f3" overlaps flow "f1"', 'flow "f4" overlaps flow "f2"', 'flow "f5" overlaps flow "f3"']);
});

function closedRoleSpec(flows: string): string {
  return `${HEAD}components:
${component("host")}  role:
    title: role
    workload: {kind: Deployment, createdBy: chart}
    runsIn: host
    selector:
      matchLabels: {app: host}
    podLabels: {app: host}
    source: {docs: "3.0.0"}
${component("client")}
listeners:
  - {id: host-api, component: host, ports: [{port: 8000, protocol: TCP}], purpose: API., source: {listener: ["example/app@v1.0.0 server.go:1 Listen"]}}
  - {id: role-debug, component: role, ports: [{port: 9000, protocol: TCP}], purpose: Debug., closed: Loopback only., source: {listener: ["example/app@v1.0.0 server.go:1 Listen"]}}
flows:
${flows}`;
}

test("a closed listener of a role names the first flow in spec order that reaches it, towards the role or its host", () => {
  const toHost = flow("to-host", "client", "host", "{port: 8000, protocol: TCP}, {port: 9000, protocol: TCP}");
  const toRole = flow("to-role", "client", "role", "{port: 9000, protocol: TCP}");
  const closed = (flows: string) =>
    load(closedRoleSpec(flows))
      .diagnostics.filter((d) => d.message.startsWith("is declared closed"))
      .map((d) => d.message);
  assert.equal(closed(toHost + toRole), ['is declared closed, but flow "to-host" reaches it']);
  assert.equal(closed(toRole + toHost), ['is declared closed, but flow "to-role" reaches it']);
});

test("normalising ports once equals normalising after each flow's ports", () => {
  let state = 0x5eed;
  const next = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;
  const randomPort = (): Port => {
    const port = 1 + next(40);
    const width = next(4) === 0 ? next(12) : 0;
    return { port, ...(width || next(5) === 0 ? { endPort: port + width } : {}), protocol: PROTOCOLS[next(3)]!, ...(next(3) === 0 ? { description: "d" } : {}) };
  };
  for (let round = 0; round < 500; round++) {
    const flows = Array.from({ length: 1 + next(6) }, () => Array.from({ length: 1 + next(4) }, randomPort));
    let incremental: Port[] = [];
    for (const ports of flows) incremental = normalisePorts([...incremental, ...ports]);
    assert.equal(normalisePorts(flows.flat()), incremental, JSON.stringify(flows));
  }
});

test("the benchmark's synthetic spec is valid under every rule of validate, and plans", () => {
  const work = mkdtempSync(join(tmpdir(), "netpolgen-scaling-"));
  try {
    const spec = writeSyntheticSpec(work, join(PROJECT_ROOT, "spec"), 1500);
    assert.is(spec.flows, 1500);
    const loader = new SpecLoader(readText);
    const dir = join(spec.specDir, "longhorn");
    const diagnostics = readdirSync(dir).flatMap((f) => loader.load(join(dir, f)).diagnostics);
    assert.equal(diagnostics.slice(0, 5), []);
    const resolved = loader.load(spec.file).spec!;
    assert.is(resolved.flows.length, 1500);
    const plan = planVersion(resolved);
    const generated = plan.policies.filter((p) => p.component.startsWith("synth-"));
    assert.is(generated.length, spec.components);
    assert.ok(generated.every((p) => p.ingress.length > 0 && p.egress.length > 0));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test.run();
