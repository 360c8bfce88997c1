// netpolgen diff: what an operator reads before upgrading Longhorn.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { VersionDiff } from "../generator/report/diff.ts";
import { runCli } from "./helpers.ts";

const row = (...cells: string[]) => `| ${cells.join(" | ")} |`;

test("1.4 → 1.5: the webhook and recovery ports move into the manager (longhorn#6317)", async () => {
  const run = await runCli("diff", "1.4", "1.5");
  assert.is(run.code, 0, run.stderr);
  const md = run.stdout;
  assert.ok(md.startsWith("# Longhorn 1.4 → 1.5\n"));
  assert.match(md, row("kube-apiserver-to-admission-webhook", "ports", "TCP 9443", "TCP 9502"));
  assert.match(md, row("share-manager-to-recovery-backend", "ports", "TCP 9600", "TCP 9503"));
  assert.match(md, row("admission-webhook", "runs in", "its own pods", "longhorn-manager"));
  assert.match(md, row("pre-upgrade", "added", "", ""));
  // Rendered (the chart's ci/defaults-values.yaml): the manager now accepts the webhook ports from
  // itself and the API server's source addresses, and the share manager's recovery calls.
  assert.match(md, row("longhorn-manager", "TCP", "9501-9502", "longhorn-manager, kube-apiserver"));
  // With the generic CNI and empty lists, the webhook ports are open to any source.
  const generic = await runCli("diff", "1.4", "1.5", "-f", "chart/ci/generic-values.yaml");
  assert.match(generic.stdout, row("longhorn-manager", "TCP", "9501-9502", "any source"));
  assert.match(md, row("longhorn-manager", "TCP", "9503", "share-manager"));
  assert.match(md, row("instance-manager", "TCP", "8502-8503", "longhorn-manager"));
  // 1.4's single range splits; the v2 half stays closed until features.v2DataEngine is set.
  assert.match(md, row("instance-manager-to-instance-manager", "ports", "TCP 10000-30000", "TCP 10000-20000"));
  assert.match(md, "- only in 1.4: admission-webhook");
  assert.match(md, "- only in 1.5: pre-upgrade");
});

test("1.9 → 1.10 as JSON: the conversion webhook goes, and 9501 closes", async () => {
  const run = await runCli("diff", "1.9", "v1.10.0", "--output", "json");
  assert.is(run.code, 0, run.stderr);
  const diff = JSON.parse(run.stdout) as VersionDiff;
  assert.is(diff.from, "1.9");
  assert.is(diff.to, "1.10");
  assert.equal(diff.components.removed, ["conversion-webhook"]);
  assert.equal(diff.flows.removed.map((f) => f.id), ["manager-to-conversion-webhook"]);
  assert.ok(diff.flows.changed.some((c) => c.id === "kube-apiserver-to-conversion-webhook" && c.field === "enforced" && c.after === "no (documented only)"));
  assert.equal(diff.reachability.opened, []);
  // 9501 closes for the conversion webhook's two clients: the manager and the API server.
  assert.equal(diff.reachability.closed.map((c) => `${c.source} → ${c.destination} ${c.protocol} ${c.ports}`), [
    "longhorn-manager → longhorn-manager TCP 9501",
    "kube-apiserver → longhorn-manager TCP 9501",
  ]);
});

test("1.6 → 1.7: the role selectors change to runtime labels, and nothing the chart allows changes", async () => {
  const diff = JSON.parse((await runCli("diff", "1.6", "1.7", "--output", "json")).stdout) as VersionDiff;
  assert.equal(
    diff.components.changed.map((c) => [c.id, c.after]),
    [
      ["admission-webhook", "longhorn.io/admission-webhook=longhorn-admission-webhook"],
      ["conversion-webhook", "longhorn.io/conversion-webhook=longhorn-conversion-webhook"],
      ["recovery-backend", "longhorn.io/recovery-backend=longhorn-recovery-backend"],
    ],
  );
  assert.equal(diff.reachability.opened, []);
  assert.equal(diff.reachability.closed, []);
});

test("values files change what the rendered comparison sees: 1.7 → 1.8 opens CSI sidecar metrics to the scrapers", async () => {
  const run = await runCli("diff", "1.7", "1.8", "-f", "chart/ci/all-options-values.yaml");
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, "## Rendered chart (values: chart/ci/all-options-values.yaml)");
  assert.match(run.stdout, row("csi-sidecars", "TCP", "8000", "prometheus, metrics scraper 1"));
});

test("docs/upgrades.md explains every upgrade from 1.4 to 1.13 and is current", async () => {
  const run = await runCli("diff", "--all", "--out", "docs/upgrades.md", "--check");
  assert.is(run.code, 0, run.stderr);
  const all = await runCli("diff", "--all");
  for (const [from, to] of [["1.4", "1.5"], ["1.9", "1.10"], ["1.12", "1.13"]]) assert.match(all.stdout, `# Longhorn ${from} → ${to}\n`);
  assert.is(all.stdout.match(/^# Longhorn /gm)?.length, 9);
});

test("diff usage errors exit 2", async () => {
  assert.is((await runCli("diff", "1.4")).code, 2);
  assert.is((await runCli("diff", "--all", "1.4")).code, 2);
  assert.is((await runCli("diff", "1.4", "1.5", "--check")).code, 2);
  assert.is((await runCli("diff", "1.4", "3.0")).code, 2);
});

test.run();
