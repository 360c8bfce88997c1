// The benchmark's synthetic specs: a copy of every real spec version, plus one new version that
// extends the newest real one and adds generated components, listeners and flows until the resolved
// version holds the requested number of flows. The result passes every rule of `netpolgen validate`:
// each generated component has a selector of its own, every listener is reached by a flow, every
// flow to a component ends at one of its open listeners and cites client and listener, and no two
// flows between the same ends share a port.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readText } from "../generator/lib/files.ts";
import { SpecLoader } from "../generator/loader/load.ts";
import { compareVersions, nextMinor } from "../generator/lib/versions.ts";

export interface SyntheticSpec {
  /** The spec directory (holding longhorn/<minor>.yaml), as `--spec-dir` takes it. */
  specDir: string;
  /** The synthetic version's file. */
  file: string;
  version: string;
  extends: string;
  /** Flows of the resolved synthetic version (inherited plus generated). */
  flows: number;
  generatedFlows: number;
  components: number;
  listeners: number;
  bytes: number;
}

/** Ports each generated component listens on: four TCP ports and one UDP port. */
const LISTENER_PORTS: { port: number; protocol: "TCP" | "UDP" }[] = [
  { port: 20001, protocol: "TCP" },
  { port: 20002, protocol: "TCP" },
  { port: 20003, protocol: "TCP" },
  { port: 20004, protocol: "TCP" },
  { port: 20005, protocol: "UDP" },
];
/** Peers that open connections to Longhorn pods, used as sources besides the generated components. */
const PEER_SOURCES = ["nodes", "kube-apiserver", "metrics-scraper"];
/** Flows a generated component receives, on average: the number of components grows with the flows. */
export const FLOWS_PER_COMPONENT = 50;

/** A small deterministic generator (LCG), so every run writes the same spec. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Writes `<root>/spec/longhorn/*.yaml` (the real versions copied from `realSpecDir`) plus the
 * synthetic version, whose resolved flow count is `totalFlows`.
 */
export function writeSyntheticSpec(root: string, realSpecDir: string, totalFlows: number): SyntheticSpec {
  const productDir = join(root, "spec", "longhorn");
  mkdirSync(productDir, { recursive: true });
  const realDir = join(realSpecDir, "longhorn");
  const versions = readdirSync(realDir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort(compareVersions);
  for (const v of versions) copyFileSync(join(realDir, `${v}.yaml`), join(productDir, `${v}.yaml`));
  const base = versions[versions.length - 1]!;
  const version = nextMinor(base);

  const baseSpec = new SpecLoader(readText).load(join(productDir, `${base}.yaml`));
  if (!baseSpec.spec) throw new Error(`the real spec ${base} does not load: ${baseSpec.diagnostics.map((d) => d.message).join("; ")}`);
  const inherited = baseSpec.spec.flows.length;
  const feature = [...baseSpec.spec.features.keys()][0];

  const componentCount = Math.max(10, Math.round(totalFlows / FLOWS_PER_COMPONENT));
  const generatedFlows = totalFlows - inherited;
  const egressPerComponent = 2; // to the API server and to DNS
  const ingressFlows = generatedFlows - egressPerComponent * componentCount;
  if (ingressFlows < componentCount * LISTENER_PORTS.length) {
    throw new Error(`${totalFlows} flows are too few for ${componentCount} generated components`);
  }
  const ids = Array.from({ length: componentCount }, (_, i) => `synth-${String(i + 1).padStart(5, "0")}`);
  const sources = [...ids, ...PEER_SOURCES];
  if (Math.ceil(ingressFlows / componentCount) > sources.length * LISTENER_PORTS.length) {
    throw new Error(`${totalFlows} flows do not fit between ${componentCount} components`);
  }

  const ref = `v${version}.0`;
  const lines: string[] = [
    `# Synthetic Longhorn ${version} for \`make bench\`: ${base} plus ${componentCount} generated components and`,
    `# ${generatedFlows} generated flows (${totalFlows} resolved). Written by scripts/bench-spec.ts; not a real version.`,
    "product: longhorn",
    `version: "${version}"`,
    `extends: "${base}"`,
    "status: development",
    `docs: ["${version}.0"]`,
    "notes:",
    "  - Synthetic, for the benchmark only.",
    "",
    "components:",
  ];
  for (const id of ids) {
    lines.push(
      `  ${id}:`,
      `    title: Synthetic ${id}`,
      "    description: A generated component of the benchmark.",
      `    workload: {kind: Deployment, name: ${id}, createdBy: chart}`,
      "    selector:",
      `      matchLabels: {app: ${id}}`,
      "    podLabels:",
      `      app: ${id}`,
      "      app.kubernetes.io/name: longhorn-synthetic",
      "    source:",
      `      code: [{repo: longhorn/longhorn, path: chart/templates/${id}.yaml, ref: ${ref}}]`,
    );
  }
  lines.push("", "listeners:");
  let listeners = 0;
  ids.forEach((id, c) => {
    LISTENER_PORTS.forEach((p, k) => {
      listeners += 1;
      lines.push(
        `  - id: ${id}-l${k + 1}`,
        `    component: ${id}`,
        `    ports: [{port: ${p.port}, protocol: ${p.protocol}, description: service ${k + 1}}]`,
        `    purpose: Generated listener ${k + 1} of ${id}.`,
        "    source:",
        `      listener: [longhorn/synthetic@${ref} pkg/server/server.go:${c * 10 + k + 1} ListenAndServe]`,
      );
    });
  });

  lines.push("", "flows:");
  let flowNumber = 0;
  const flow = (from: string, to: string, body: string[]): void => {
    flowNumber += 1;
    const n = flowNumber;
    lines.push(`  - id: synth-flow-${String(n).padStart(6, "0")}`, `    from: ${from}`, `    to: ${to}`, ...body);
    if (feature && n % 10 === 0 && to.startsWith("synth-")) lines.push(`    feature: ${feature}`);
    // Host clients alternate between the pod's own node and any node, so both kinds are exercised.
    if (from === "nodes") lines.push(`    hostScope: ${n % 2 === 0 ? "any-node" : "local-node"}`);
    lines.push(`    purpose: Generated flow ${n}.`, "    source:");
    if (from.startsWith("synth-")) lines.push(`      client: [longhorn/synthetic@${ref} pkg/client/client.go:${n} Dial]`);
    if (to.startsWith("synth-")) lines.push(`      listener: [longhorn/synthetic@${ref} pkg/server/server.go:${n} ListenAndServe]`);
    if (!from.startsWith("synth-") && !to.startsWith("synth-")) lines.push(`      docs: "${version}.0"`);
  };
  // Egress towards peers: every generated component talks to the API server and resolves names.
  for (const id of ids) {
    flow(id, "kube-apiserver", ["    userDefinedPorts: {label: Kubernetes API server port, protocol: TCP}"]);
    flow(id, "dns", ["    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]"]);
  }
  // Ingress: each destination gets its share of flows from distinct (source, port) pairs, in a
  // seeded random order, first one per listener so that every listener is reached.
  const next = random(42);
  ids.forEach((to, d) => {
    const count = Math.floor(ingressFlows / componentCount) + (d < ingressFlows % componentCount ? 1 : 0);
    const used = new Set<string>();
    const pick = (port: number): void => {
      for (;;) {
        const source = sources[Math.floor(next() * sources.length)]!;
        const key = `${source}|${port}`;
        if (used.has(key)) continue;
        used.add(key);
        const p = LISTENER_PORTS[port]!;
        flow(source, to, [`    ports: [{port: ${p.port}, protocol: ${p.protocol}}]`]);
        return;
      }
    };
    for (let k = 0; k < LISTENER_PORTS.length; k++) pick(k);
    for (let i = LISTENER_PORTS.length; i < count; i++) {
      let port = Math.floor(next() * LISTENER_PORTS.length);
      // Fall over to the next port when every source of this one is taken.
      while (sources.every((s) => used.has(`${s}|${port}`))) port = (port + 1) % LISTENER_PORTS.length;
      pick(port);
    }
  });
  const text = `${lines.join("\n")}\n`;
  const file = join(productDir, `${version}.yaml`);
  writeFileSync(file, text);
  return {
    specDir: join(root, "spec"),
    file,
    version,
    extends: base,
    flows: inherited + flowNumber,
    generatedFlows: flowNumber,
    components: componentCount,
    listeners,
    bytes: Buffer.byteLength(text),
  };
}
