// netpolgen audit on a fixture tree (test/fixtures/audit): two checkouts and a tiny spec. The
// fixture's code opens a port the spec does not know, drops a file the spec cites, and ships a Job
// nothing selects; the audit must report exactly those, and skip vendored code.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { audit, identifyCheckout, type AuditReport } from "../generator/report/audit.ts";
import { SpecLoader } from "../generator/loader/load.ts";
import { readText } from "../generator/lib/files.ts";
import { PROJECT_ROOT, runCli } from "./helpers.ts";

const FIXTURE = join(PROJECT_ROOT, "test/fixtures/audit");
const MANAGER = join(FIXTURE, "checkouts/longhorn-manager");
const CHART = join(FIXTURE, "checkouts/longhorn");

function fixtureReport(): AuditReport {
  const result = new SpecLoader(readText).load(join(FIXTURE, "spec/longhorn/9.0.yaml"));
  assert.equal(result.diagnostics, []);
  return audit(result.spec!, [
    { repo: "longhorn/longhorn-manager", dir: MANAGER },
    { repo: "longhorn/longhorn", dir: CHART },
  ]);
}

test("checkouts are named by go.mod's module or by Longhorn's chart", () => {
  assert.is(identifyCheckout(MANAGER), "longhorn/longhorn-manager");
  assert.is(identifyCheckout(CHART), "longhorn/longhorn");
  assert.is(identifyCheckout(join(FIXTURE, "spec")), undefined);
});

test("ports in code that the spec does not account for (vendored code skipped)", () => {
  const report = fixtureReport();
  assert.equal(
    report.unaccounted.map((f) => `${f.port} ${f.kind} ${f.repo} ${f.file}:${f.line}`),
    ["6060 constant longhorn/longhorn-manager types/types.go:6", "8000 container-port longhorn/longhorn chart/templates/deployment-ui.yaml:11"],
  );
  assert.ok(!report.unaccounted.some((f) => f.port === 4444), "vendor/ is not Longhorn's code");
  assert.equal(report.scanned, { "longhorn/longhorn-manager": 4, "longhorn/longhorn": 2 });
});

test("spec listeners no longer in the code, and cited files that are gone", () => {
  const report = fixtureReport();
  assert.equal(report.listenersNotFound, [{ listener: "manager-webhook", component: "longhorn-manager", ports: "TCP 9502", repo: "longhorn/longhorn-manager" }]);
  assert.equal(report.missingCitedFiles.map((m) => m.entry), ["flow manager-to-webhook", "listener manager-webhook"]);
  // The UI's cite names a repository that was not checked out: nothing can be said about it.
  assert.ok(!report.missingCitedFiles.some((m) => m.cite.includes("longhorn-ui")));
});

test("workloads nothing selects: a Job with unknown labels; pods a component names are accounted for", () => {
  const report = fixtureReport();
  assert.equal(report.podsNotAccounted.map((w) => `${w.kind} ${w.name}`), ["Job longhorn-mystery"]);
});

test("listen calls without a literal address are listed for review; loopback addresses apart", () => {
  const report = fixtureReport();
  assert.equal(report.review.map((f) => `${f.file}:${f.line}`), ["app/daemon.go:13"]);
  assert.equal(report.loopback.map((f) => `${f.port} ${f.file}:${f.line}`), ["6061 app/proxy.go:11"]);
});

test("a computed port counts as found while its cited file keeps the cited symbol", () => {
  const report = fixtureReport();
  assert.ok(!report.listenersNotFound.some((l) => l.listener === "manager-proxy"));
});

test("CLI: the report, exit 1 when anything is reported; usage errors exit 2", async () => {
  const spec = ["--spec-dir", join(FIXTURE, "spec")];
  const run = await runCli("audit", "--version", "9.0", ...spec, MANAGER, CHART);
  assert.is(run.code, 1, run.stderr);
  assert.match(run.stdout, /^Audit of spec 9\.0 against longhorn\/longhorn-manager, longhorn\/longhorn$/m);
  assert.match(run.stdout, /^Ports in code that the spec does not account for: 2$/m);
  assert.match(run.stdout, /^  6060 \(constant\) longhorn\/longhorn-manager types\/types\.go:6: DebugPprofPort = 6060$/m);
  const json = await runCli("audit", "--version", "9.0", ...spec, "--output", "json", `longhorn/longhorn-manager=${MANAGER}`);
  assert.is(json.code, 1);
  assert.equal((JSON.parse(json.stdout) as AuditReport).repos, ["longhorn/longhorn-manager"]);
  const unnamed = await runCli("audit", "--version", "9.0", ...spec, join(FIXTURE, "spec"));
  assert.is(unnamed.code, 2);
  assert.match(unnamed.stderr, /cannot tell which repository this is/);
  const missing = await runCli("audit", "--version", "9.0", ...spec, join(FIXTURE, "nowhere"));
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /no such directory/);
  const unknown = await runCli("audit", "--version", "8.9", ...spec, MANAGER);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /no longhorn 8\.9 spec/);
});

test.run();
