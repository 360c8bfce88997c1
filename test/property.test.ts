// Property tests of generate + verify (issue 10): seeded random specs (real Longhorn versions
// perturbed in memory and kept valid, test/property/spec-perturb.ts) and random values
// (test/property/values-gen.ts), generated into a chart with renderChart and rendered by the
// project's helm, then
//  (a) verify finds the generated chart exact: nothing the spec needs is denied, nothing else is
//      allowed, for every endpoint pair and port;
//  (b) verify is not vacuous: each case's rendered policies are mutated twice (a port dropped or
//      added, a peer widened, a policy dropped; test/property/mutate.ts) and compareCase must
//      report exactly what each mutation changed, in its direction, naming the rule or the flows.
// Four value sets share each random spec's chart; cases run in a few worker threads.
//
// Deterministic by default. PROPERTY_SEED (decimal, 0x-hex or any text) changes the seed,
// PROPERTY_CASES the number of cases (default 200), PROPERTY_CASE=<n> runs case n alone (in
// process), PROPERTY_WORKERS the number of worker threads (default: up to 4, one per CPU; 0 or 1:
// in process), PROPERTY_KEEP=1 keeps the generated charts and values files (their directory is
// printed). Every failure prints the seed, the case, the spec perturbations and the values, with
// the command that replays it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { helmBinary } from "../generator/verify/helm.ts";
import { PROJECT_ROOT } from "./helpers.ts";
import { groupOf, type CaseOutcome } from "./property/case.ts";
import { helmWithOwnHome } from "./property/helm-home.ts";
import { MUTATION_KINDS, type MutationKind } from "./property/mutate.ts";
import { CaseRunner } from "./property/pool.ts";

const DEFAULT_SEED = "0x5eed0010";
const SEED_TEXT = process.env.PROPERTY_SEED?.trim() || DEFAULT_SEED;
const CASES = integer("PROPERTY_CASES", 200, 1);
const ONLY = process.env.PROPERTY_CASE?.trim() ? integer("PROPERTY_CASE", 0, 0) : undefined;
const WORKERS = ONLY !== undefined ? 0 : integer("PROPERTY_WORKERS", Math.min(4, availableParallelism()), 0);
const KEEP = process.env.PROPERTY_KEEP === "1";

function integer(name: string, fallback: number, min: number): number {
  const text = process.env[name]?.trim();
  if (!text) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}=${text}: expected an integer of at least ${min}`);
  return n;
}

const work = mkdtempSync(join(tmpdir(), "lhnp-property-"));
const config = { seedText: SEED_TEXT, work, helm: helmWithOwnHome(helmBinary(PROJECT_ROOT), work) };
const indices = ONLY !== undefined ? [ONLY] : Array.from({ length: CASES }, (_, i) => i);
const runner = new CaseRunner(config, indices, WORKERS);
const outcomes: CaseOutcome[] = [];
let started: number | undefined;

for (const index of indices) {
  test(`property case ${index}`, async () => {
    started ??= performance.now();
    const outcome = await runner.outcome(index);
    outcomes.push(outcome);
    if (outcome.failure !== undefined) assert.unreachable(outcome.failure);
  });
}

test("property: the mutations changed what verify probes, and verify reported them", () => {
  const seconds = ((started !== undefined ? performance.now() - started : 0) / 1000).toFixed(1);
  const mutations = new Map<MutationKind, { tried: number; caught: number }>(MUTATION_KINDS.map((k) => [k, { tried: 0, caught: 0 }]));
  const spent = { charts: 0, render: 0, verify: 0, mutations: 0 };
  for (const o of outcomes) {
    for (const m of o.mutations) {
      const s = mutations.get(m.kind)!;
      s.tried += 1;
      if (m.caught) s.caught += 1;
    }
    for (const key of Object.keys(spent) as (keyof typeof spent)[]) spent[key] += o.spent[key];
  }
  const failed = outcomes.filter((o) => o.failure !== undefined).length;
  console.log(
    `\nproperty: seed ${SEED_TEXT}, ${indices.length} cases (${failed} failed, ${outcomes.filter((o) => o.noPolicies).length} rendering no policy) ` +
      `over ${new Set(indices.map(groupOf)).size} random specs; mutations reported/applied: ` +
      `${[...mutations].map(([kind, s]) => `${kind} ${s.caught}/${s.tried}`).join(", ")}; ${seconds} s with ${WORKERS > 1 ? `${WORKERS} workers` : "no workers"} ` +
      `(${Object.entries(spent).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(", ")})${KEEP ? `; kept ${work}` : ""}`,
  );
  if (indices.length < 100) return; // a replayed case or a short run says little about the rates
  for (const [kind, s] of mutations) {
    assert.ok(s.tried >= 20, `only ${s.tried} ${kind} mutations were applied`);
    // Most mutations change what some probed pair may reach; the others are shadowed (another rule
    // or policy admits the same, or the other end is isolated too: an added egress port towards an
    // isolated pod changes nothing).
    assert.ok(s.caught >= s.tried / 2, `only ${s.caught} of ${s.tried} ${kind} mutations changed anything verify probes`);
  }
});

test.after(async () => {
  await runner.close();
  if (!KEEP) rmSync(work, { recursive: true, force: true });
});

test.run();
