// One property case, from its seed to its outcome; run by test/property.test.ts in-process or in
// worker threads (test/property/worker.ts). A case is a random spec (a group of cases shares one,
// and the chart generated from it) and a random set of values:
//  (a) verify must find the generated chart exact for the values;
//  (b) two mutations of the rendered policies must each be reported by compareCase exactly.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import * as assert from "uvu/assert";
import { valuesModel, type ValuesModel } from "../../generator/targets/helm/chart-values.ts";
import { Evaluator } from "../../generator/verify/evaluator.ts";
import { PROTOCOLS } from "../../generator/verify/endpoints.ts";
import type { Expectation } from "../../generator/verify/expectation.ts";
import type { Actor } from "../../generator/verify/model-cluster.ts";
import type { ResolvedSpec } from "../../generator/loader/model.ts";
import { formatPorts, isEmpty, subtract, type PortSet } from "../../generator/lib/port-set.ts";
import { CHART_DIR, renderChart } from "../../generator/targets/helm/render-chart.ts";
import { compareCase, probePairs, renderCase, summary, type Cell, type RenderedCase, type VerifyRequest } from "../../generator/verify/verify.ts";
import { loadVersion, SPEC_VERSIONS } from "../helpers.ts";
import { MUTATION_KINDS, mutate, type Mutation, type MutationKind } from "./mutate.ts";
import { deriveSeed, parseSeed, Random } from "./prng.ts";
import { perturbSpec } from "./spec-perturb.ts";
import { randomValues, type GeneratedValues } from "./values-gen.ts";

/** Value sets rendered against each random spec's chart. */
export const VALUES_PER_SPEC = 4;

export interface RunConfig {
  /** The seed as given (PROPERTY_SEED), for replay commands. */
  seedText: string;
  /** Where charts and values files go. */
  work: string;
  /** The helm binary renderCase runs (the wrapper with the suite's own helm directories). */
  helm: string;
}

export interface CaseOutcome {
  index: number;
  /** Everything needed to understand and replay the failure; undefined when the case passed. */
  failure?: string;
  verified: boolean;
  /** No policy rendered (networkPolicies.enabled false, or every component switched off). */
  noPolicies: boolean;
  mutations: { kind: MutationKind; caught: boolean }[];
  /** Milliseconds spent per stage. */
  spent: Record<"charts" | "render" | "verify" | "mutations", number>;
}

export const groupOf = (index: number) => Math.floor(index / VALUES_PER_SPEC);

interface SpecGroup {
  index: number;
  /** The minor every case of the group verifies. */
  version: string;
  /** The minor its upgrade cases upgrade from. */
  partner?: string;
  /** The specs the chart supports (the perturbed ones among them). */
  specs: Map<string, ResolvedSpec>;
  changes: string[];
  chart: string;
  model: ValuesModel;
}

interface Case {
  index: number;
  group: SpecGroup;
  generated: GeneratedValues;
  valuesFile: string;
  request: VerifyRequest;
}

let realSpecs: Map<string, ResolvedSpec> | undefined;
const groups = new Map<number, SpecGroup>();

/** The random spec of a group of cases, and the chart generated from it (written once). */
function specGroup(config: RunConfig, index: number, spent: CaseOutcome["spent"]): SpecGroup {
  const cached = groups.get(index);
  if (cached) return cached;
  const start = performance.now();
  realSpecs ??= new Map(SPEC_VERSIONS.map((v) => [v, loadVersion(v)]));
  const real = realSpecs;
  const rng = new Random(deriveSeed(parseSeed(config.seedText), "spec", index));
  const version = rng.pick(SPEC_VERSIONS);
  // upgradeFrom names the previous minor: Longhorn upgrades one minor at a time, and the chart refuses others.
  const previous = SPEC_VERSIONS[SPEC_VERSIONS.indexOf(version) - 1];
  const partner = previous !== undefined && rng.bool(0.45) ? previous : undefined;
  const specs = new Map<string, ResolvedSpec>();
  const changes: string[] = [];
  for (const v of partner ? [version, partner] : [version]) {
    // Upgrade pairs keep the real specs: when a role label or a hosted role's flows differ between
    // two minors, one minor's role policy selects the other's pods during the upgrade, a known limit
    // of the upgrade model (README, "Proving the chart"); single versions are perturbed.
    const perturbed = perturbSpec(real.get(v)!, rng, partner || rng.bool(0.1) ? 0 : rng.int(1, 4));
    specs.set(v, perturbed.spec);
    changes.push(...perturbed.changes);
  }
  // The chart supports the perturbed minors plus, when needed, the oldest real ones: renderChart
  // needs a GA minor with an older one before it (chart/ci's upgrade case). Fewer versions keep
  // the chart small, and verify copies it for every render; one chart in five supports every
  // minor, as the real one does.
  if (rng.bool(0.2)) for (const v of SPEC_VERSIONS) if (!specs.has(v)) specs.set(v, real.get(v)!);
  const chosen = () => SPEC_VERSIONS.filter((v) => specs.has(v));
  const ready = () => {
    const ga = chosen().filter((v) => specs.get(v)!.status === "ga");
    return ga.length > 0 && chosen().indexOf(ga[ga.length - 1]!) > 0;
  };
  for (const v of SPEC_VERSIONS) {
    if (ready()) break;
    if (!specs.has(v)) specs.set(v, real.get(v)!);
  }
  const ordered = chosen().map((v) => specs.get(v)!);
  const chart = join(config.work, `chart-${index}`);
  for (const file of renderChart(ordered, "0.0.0-property")) {
    const path = join(chart, file.path.slice(CHART_DIR.length + 1));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
  const group: SpecGroup = { index, version, ...(partner ? { partner } : {}), specs: new Map(ordered.map((s) => [s.version, s])), changes, chart, model: valuesModel(ordered) };
  groups.set(index, group);
  spent.charts += performance.now() - start;
  return group;
}

function caseAt(config: RunConfig, index: number, spent: CaseOutcome["spent"]): Case {
  const group = specGroup(config, groupOf(index), spent);
  const rng = new Random(deriveSeed(parseSeed(config.seedText), "values", index));
  const upgradeFrom = group.partner !== undefined && rng.bool(0.75) ? group.partner : undefined;
  const generated = randomValues(rng, { model: group.model, version: group.version, ...(upgradeFrom ? { upgradeFrom } : {}) });
  const valuesFile = join(config.work, `values-${index}.yaml`);
  // As JSON (which is YAML): every string quoted, so Helm's YAML 1.1 reader never turns a label
  // value like 0xE_f or 1_000 into a number.
  writeFileSync(valuesFile, `${JSON.stringify(generated.values, null, 2)}\n`);
  const request: VerifyRequest = {
    helm: config.helm,
    chart: group.chart,
    release: "lhnp",
    namespace: "longhorn-system",
    specs: group.specs,
    version: generated.version,
    valueFiles: [valuesFile],
    ...(generated.upgradeFrom !== undefined ? { upgradeFrom: generated.upgradeFrom } : {}),
    label: `property case ${index}`,
  };
  return { index, group, generated, valuesFile, request };
}

/** Everything needed to understand and replay a case. */
function context(config: RunConfig, c: Case): string {
  const { group, generated } = c;
  const upgrade = generated.upgradeFrom !== undefined ? ` (VerifyRequest.upgradeFrom "${generated.upgradeFrom}")` : "";
  const perturbed = group.partner ? `${group.version} and ${group.partner}` : group.version;
  return [
    `property case ${c.index}, seed ${config.seedText}: replay with`,
    `  PROPERTY_SEED=${config.seedText} PROPERTY_CASE=${c.index} node node_modules/uvu/bin.js -r tsx test property.test`,
    `Longhorn ${generated.version}${upgrade}; random spec ${group.index} (${perturbed} perturbed; the chart supports ${[...group.specs.keys()].join(", ")}):`,
    ...(group.changes.length ? group.changes.map((l) => `  - ${l}`) : ["  (no perturbation: the real specs)"]),
    `values (${c.valuesFile}), as JSON:`,
    `  ${JSON.stringify(generated.values)}`,
  ].join("\n");
}

function clip(text: string, lines = 40): string {
  const all = text.split("\n");
  return all.length <= lines ? text : [...all.slice(0, lines), `… ${all.length - lines} more lines`].join("\n");
}

// ------------------------------------------------------------------ (b) the oracle for mutations

/**
 * The case with an Expectation that remembers its answers. What the spec and values require does
 * not depend on the policies, so the mutated cases ask the same questions; remembering the answers
 * makes a mutation cost an evaluation of the policies, not of the spec. Nothing else changes:
 * compareCase still asks about every pair and protocol.
 */
function withRememberedExpectation(rendered: RenderedCase): RenderedCase {
  type Answer = ReturnType<Expectation["reach"]>;
  const original = rendered.expectation;
  const answers = new Map<Actor, Map<Actor, Map<string, Answer>>>();
  const reach: Expectation["reach"] = (source, destination, protocol) => {
    const bySource = answers.get(source) ?? new Map<Actor, Map<string, Answer>>();
    answers.set(source, bySource);
    const byDestination = bySource.get(destination) ?? new Map<string, Answer>();
    bySource.set(destination, byDestination);
    let answer = byDestination.get(protocol);
    if (!answer) byDestination.set(protocol, (answer = original.reach(source, destination, protocol)));
    return answer;
  };
  // Every other member is the original's, called on the original (private fields included).
  const expectation = new Proxy(original, {
    get(target, key) {
      if (key === "reach") return reach;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { ...rendered, expectation };
}

type Reach = Map<string, PortSet>;

/** What the policies allow for every pair verify probes. */
function reachTable(rendered: RenderedCase, actual: Evaluator): Reach {
  const table: Reach = new Map();
  probePairs(rendered.world).forEach(([source, destination], i) => {
    for (const protocol of PROTOCOLS) table.set(`${i}|${protocol}`, actual.reach(source.endpoint, destination.endpoint, protocol).ports);
  });
  return table;
}

const cellKey = (c: Omit<Cell, "why">) => `${c.source} → ${c.destination} ${c.protocol} ${c.ports}: expected ${c.expected}, actual ${c.actual}`;

/** The cells a correct verify reports for the mutated policies, given that the original verified exactly. */
function expectedCells(rendered: RenderedCase, before: Reach, after: Reach): string[] {
  const out: string[] = [];
  probePairs(rendered.world).forEach(([source, destination], i) => {
    for (const protocol of PROTOCOLS) {
      const was = before.get(`${i}|${protocol}`)!;
      const now = after.get(`${i}|${protocol}`)!;
      const lost = subtract(was, now);
      const gained = subtract(now, was);
      if (!isEmpty(lost)) out.push(cellKey({ source: source.name, destination: destination.name, protocol, ports: formatPorts(lost), expected: "allow", actual: "deny" }));
      if (!isEmpty(gained)) out.push(cellKey({ source: source.name, destination: destination.name, protocol, ports: formatPorts(gained), expected: "deny", actual: "allow" }));
    }
  });
  return out.sort();
}

/** Applies a mutation and checks compareCase reports exactly its effect. Returns whether it had one. */
function checkMutation(where: string, c: Case, rendered: RenderedCase, before: Reach, mutation: Mutation): boolean {
  const actual = new Evaluator(rendered.world.cluster, mutation.policies, rendered.native);
  const mutated: RenderedCase = { ...rendered, policies: mutation.policies, actual };
  const result = compareCase(mutated, c.request);
  const expected = expectedCells(rendered, before, reachTable(rendered, actual));
  const reported = result.cells.map(cellKey).sort();
  const at = `${where}\nmutation: ${mutation.description}\n`;
  assert.equal(reported, expected, `${at}verify did not report exactly what the mutation changed:\n${clip(summary(result))}`);
  assert.equal(result.problems, [], `${at}the mutation changed the problems:\n${result.problems.join("\n")}`);
  for (const cell of result.cells) {
    const line = `${at}cell ${cellKey(cell)} (why: ${cell.why})`;
    if (cell.expected === "allow") {
      assert.ok(mutation.direction !== "widens", `${line}: a widening mutation blocked a flow`);
      assert.match(cell.why, /^needed by [a-z0-9]/, `${line}: a blocked cell names the flows that need it`);
    } else {
      assert.ok(mutation.direction !== "narrows", `${line}: a narrowing mutation opened a port`);
      if (mutation.direction === "widens") {
        assert.ok(cell.why.includes(`${mutation.policy} ${mutation.rule}`), `${line}: the extra ports are admitted by the mutated rule ${mutation.policy} ${mutation.rule}`);
      } else {
        assert.match(cell.why, /^no policy selects /, `${line}: dropping a policy opens only the pods no policy selects any more`);
      }
    }
  }
  return result.cells.length > 0;
}

// ------------------------------------------------------------------ one case

function message(error: unknown): string {
  if (error instanceof assert.Assertion) {
    // uvu's diff of the two sides, without its colours.
    const details = typeof error.details === "string" ? error.details.replace(/\u001b\[[0-9;]*m/g, "") : "";
    return details ? `${error.message}\n${details}` : error.message;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export function runCase(config: RunConfig, index: number): CaseOutcome {
  const outcome: CaseOutcome = { index, verified: false, noPolicies: false, mutations: [], spent: { charts: 0, render: 0, verify: 0, mutations: 0 } };
  const timed = <T>(what: keyof CaseOutcome["spent"], run: () => T): T => {
    const start = performance.now();
    try {
      return run();
    } finally {
      outcome.spent[what] += performance.now() - start;
    }
  };
  let where = `property case ${index}, seed ${config.seedText}`;
  try {
    const c = caseAt(config, index, outcome.spent);
    where = context(config, c);
    let rendered: RenderedCase;
    try {
      rendered = withRememberedExpectation(timed("render", () => renderCase(c.request)));
    } catch (error) {
      throw new Error(`renderCase failed: ${message(error)}`);
    }
    // (a) the generated chart verifies exactly.
    const result = timed("verify", () => compareCase(rendered, c.request));
    assert.ok(result.ok, `${where}\nverify failed:\n${clip(summary(result), 60)}`);
    outcome.verified = true;
    if (rendered.policies.length === 0) {
      outcome.noPolicies = true;
      return outcome;
    }
    // (b) verify is not vacuous: two mutations per case, the kinds taking turns.
    const rng = new Random(deriveSeed(parseSeed(config.seedText), "mutations", index));
    const before = reachTable(rendered, rendered.actual);
    for (const kind of [MUTATION_KINDS[index % 4]!, MUTATION_KINDS[(index + 1) % 4]!]) {
      const mutation = mutate(rendered.policies, kind, rng);
      if (!mutation) continue;
      outcome.mutations.push({ kind, caught: timed("mutations", () => checkMutation(where, c, rendered, before, mutation)) });
    }
  } catch (error) {
    const text = message(error);
    outcome.failure = text.startsWith("property case") ? text : `${where}\n${text}`;
  }
  return outcome;
}
