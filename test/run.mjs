#!/usr/bin/env node
// Runs the uvu suites (TypeScript through tsx) and closes with the line CI reads:
// "N passed, N failed". uvu prints Total/Passed/Skipped; this wrapper turns them into that line, with
// the number of skipped tests on the line before it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const uvu = join(root, "node_modules", "uvu", "bin.js");
const args = [uvu, "-r", "tsx", "test", "\\.test\\.ts$", ...process.argv.slice(2)];
const run = spawnSync(process.execPath, args, {
  cwd: root,
  env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});
process.stdout.write(run.stdout ?? "");
process.stderr.write(run.stderr ?? "");

const count = (label) => {
  const match = new RegExp(`^\\s*${label}:\\s+(\\d+)\\s*$`, "m").exec(run.stdout ?? "");
  return match ? Number(match[1]) : undefined;
};
const total = count("Total");
const passed = count("Passed");
const skipped = count("Skipped") ?? 0;
if (total === undefined || passed === undefined) {
  // uvu crashed before counting (a suite failed to load): report it as one failure.
  console.log("0 passed, 1 failed");
  process.exit(run.status || 1);
}
// uvu's Total counts the tests that ran: a skipped test is in Skipped only.
const failed = total - passed;
// A suite that cannot run its tool skips the test and prints why ("skipped: <test>: <reason>" or
// "SKIP <test>: <reason>"): the reasons are repeated here, above the closing line CI reads, so that a
// skip is never silent.
const reasons = (run.stdout ?? "").split("\n").filter((line) => line.startsWith("SKIP ") || line.startsWith("skipped: "));
if (skipped) console.log(`${skipped} skipped${reasons.length ? `:\n${reasons.join("\n")}` : ""}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || run.status !== 0 ? 1 : 0);
