// `netpolgen new-version 1.14 --from 1.13 [--ga]`: everything a new Longhorn minor changes, computed
// in memory and written by cli.ts at once: the spec file (extends the previous minor, no change yet,
// the audit checklist on top), the chart (templates of the new version, a minor chart version bump,
// the CHANGELOG.md entry as artifacthub.io/changes), docs/upgrades.md, and the new version's golden
// files. `netpolgen new-version 1.14 --ga` makes an existing development version GA: the default
// longhorn.version moves to it. Both entries come from `netpolgen diff`.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareVersions, parseVersion } from "../lib/versions.ts";
import { writeFilesAtomically, type OutputFile } from "../lib/write.ts";
import { loadSpecs } from "../pipeline.ts";
import { upgradesMarkdown, versionDiff, type VersionDiff } from "../report/diff.ts";
import { CHART_DIR, renderChart } from "../targets/helm/render-chart.ts";
import { runHelm } from "../verify/helm.ts";
import { addEntry, type Change } from "./changelog.ts";
import { GOLDEN_CASES, goldenArgs, withoutChartVersion } from "./golden-cases.ts";
import { chartRelease } from "./metadata.ts";

export class NewVersionError extends Error {
  override name = "NewVersionError";
}

export interface NewVersionRequest {
  /** The project folder to update (spec/, chart/, package.json, CHANGELOG.md, docs/, test/golden/). */
  root: string;
  version: string;
  from?: string;
  ga: boolean;
  helm: string;
  readText: (path: string) => string | undefined;
}

export interface NewVersionOutput {
  files: OutputFile[];
  trees: { dir: string; files: OutputFile[] }[];
  chartVersion: { before: string; after: string };
  /** What happened, for the user, one line each. */
  summary: string[];
}

const SPEC_DIR = "spec/longhorn";
const GOLDEN_DIR = "test/golden";

/** The chart version after a change that adds or promotes a Longhorn minor (a new feature: the minor). */
export function bumpMinor(version: string): string {
  const parsed = parseVersion(version);
  if (!parsed || parsed.prerelease.length > 0) throw new NewVersionError(`package.json: version ${version} is not a chart version like 0.2.0`);
  return `${parsed.major}.${parsed.minor + 1}.0`;
}

function specFile(version: string): string {
  return `${SPEC_DIR}/${version}.yaml`;
}

/** The new spec file: only what a maintainer fills in after the audit, with the steps on top. */
export function newSpecText(version: string, from: string, ga: boolean): string {
  return `# Longhorn ${version}${ga ? "" : " (in development)"}: extends ${from}, with no change yet.
# Before this file is done (README, "Adding a Longhorn version"):
#   1. Audit Longhorn's code at the new tag against ${from}'s spec first, with checkouts of longhorn,
#      longhorn-manager, longhorn-instance-manager, longhorn-engine, backing-image-manager and
#      longhorn-share-manager at v${version}.0:
#        npx netpolgen audit --version ${from} <checkouts...>
#   2. Add here only what changed: each new flow with source.client and source.listener at the tag,
#      each new port as a listener (or closed, with the reason).
#   3. npx netpolgen validate, and npx netpolgen audit --version ${version} <checkouts...> until it
#      reports nothing unaccounted.
#   4. When the release's networking page is out: list it in docs, extract its tables.
#   5. make generate; read npx netpolgen diff ${from} ${version} and the golden diffs; write what changed
#      into CHANGELOG.md's entry; make test.
product: longhorn
version: "${version}"
extends: "${from}"
status: ${ga ? "ga" : "development"}
docs: []
`;
}

function existingVersions(request: NewVersionRequest): string[] {
  const dir = join(request.root, SPEC_DIR);
  if (!existsSync(dir)) throw new NewVersionError(`${dir} does not exist: --root must be the project folder`);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.replace(/\.yaml$/, ""))
    .filter((v) => parseVersion(v))
    .sort(compareVersions);
}

/** The CHANGELOG.md changes of a version that is added or made GA, from the diff against the one before. */
export function versionChanges(diff: VersionDiff | undefined, version: string, options: { created: boolean; ga: boolean; previousDefault: string; from?: string }): Change[] {
  const changes: Change[] = [];
  if (options.created) {
    changes.push({
      kind: "added",
      description: `Longhorn ${version} (${options.ga ? "GA" : "in development"}): policies for \`longhorn.version: ${version}\`, extending ${options.from}.`,
    });
  }
  if (options.ga) {
    changes.push({
      kind: "changed",
      description: `The default \`longhorn.version\` is ${version} (was ${options.previousDefault})${options.created ? "" : `: Longhorn ${version} is GA`}.`,
    });
  }
  if (!diff) return changes;
  const at = `Longhorn ${version}`;
  for (const flow of diff.flows.added) {
    changes.push({ kind: "added", description: `${at}: flow \`${flow.id}\`, ${flow.from} → ${flow.to} on ${flow.ports}${flow.enforced ? "" : " (not enforced)"}: ${flow.purpose}` });
  }
  for (const flow of diff.flows.removed) changes.push({ kind: "removed", description: `${at}: flow \`${flow.id}\` (${flow.from} → ${flow.to} on ${flow.ports}).` });
  for (const change of diff.flows.changed) {
    changes.push({ kind: "changed", description: `${at}: flow \`${change.id}\` ${change.field}: ${change.before} → ${change.after}.` });
  }
  for (const id of diff.components.added) changes.push({ kind: "added", description: `${at}: component \`${id}\`.` });
  for (const id of diff.components.removed) changes.push({ kind: "removed", description: `${at}: component \`${id}\`.` });
  for (const change of diff.components.changed) {
    changes.push({ kind: "changed", description: `${at}: component \`${change.id}\` ${change.field}: ${change.before} → ${change.after}.` });
  }
  const { opened, closed } = diff.reachability;
  if (opened.length + closed.length > 0) {
    changes.push({
      kind: "changed",
      description: `${at} against ${diff.from}, as rendered with ci/defaults-values.yaml: ${opened.length} source → destination pair${opened.length === 1 ? "" : "s"} with ports newly allowed, ${closed.length} with ports no longer allowed (docs/upgrades.md lists them).`,
    });
  }
  const specChanges = diff.flows.added.length + diff.flows.removed.length + diff.flows.changed.length + diff.components.added.length + diff.components.removed.length + diff.components.changed.length;
  if (specChanges === 0 && options.created) {
    changes.push({ kind: "added", description: `${at}: no flow differs from ${diff.from} yet (\`netpolgen diff ${diff.from} ${version}\`).` });
  }
  return changes;
}

/** Everything the command writes; reads the project and runs helm, writes only into a temporary folder. */
export function planNewVersion(request: NewVersionRequest): NewVersionOutput {
  const { root, version } = request;
  if (!/^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/.test(version)) {
    throw new NewVersionError(`"${version}" is not a Longhorn minor like 1.14 (one spec file per minor; patch releases share it)`);
  }
  const versions = existingVersions(request);
  const exists = versions.includes(version);
  const readSpec = (v: string) => request.readText(join(root, specFile(v)));
  const overlay = new Map<string, string>();
  let from: string;
  if (exists) {
    if (request.from !== undefined) throw new NewVersionError(`${specFile(version)} exists already; drop --from (to make ${version} GA: new-version ${version} --ga)`);
    if (!request.ga) throw new NewVersionError(`${specFile(version)} exists already; to make it GA: new-version ${version} --ga`);
    const text = readSpec(version)!;
    const status = text.match(/^status: *(\S+) *$/gm);
    if (!status || status.length !== 1) throw new NewVersionError(`${specFile(version)}: no single top-level "status:" line to change`);
    if (/ga$/.test(status[0]!)) throw new NewVersionError(`Longhorn ${version} is GA already`);
    overlay.set(specFile(version), text.replace(/^status: *development *$/m, "status: ga").replace(/^(# Longhorn \S+) \(in development\)/m, "$1"));
    from = versions[versions.indexOf(version) - 1] ?? version;
  } else {
    if (request.from === undefined) throw new NewVersionError(`new-version ${version} needs --from <the minor it extends>, e.g. --from ${versions[versions.length - 1] ?? "1.13"}`);
    from = request.from;
    if (!versions.includes(from)) throw new NewVersionError(`--from ${from}: no ${specFile(from)}; supported: ${versions.join(", ")}`);
    const newest = versions[versions.length - 1]!;
    if (from !== newest) throw new NewVersionError(`--from ${from}: a new minor extends the newest supported version, ${newest}`);
    if (compareVersions(version, newest) <= 0) throw new NewVersionError(`${version} must be newer than every supported version (newest: ${newest})`);
    overlay.set(specFile(version), newSpecText(version, from, request.ga));
  }
  const all = exists ? versions : [...versions, version];
  const specs = loadSpecs(
    all.map(specFile),
    (file) => overlay.get(file) ?? request.readText(join(root, file)),
  );
  const byVersion = new Map(specs.map((s) => [s.version, s]));
  const before = byVersion.get(from)!;
  const after = byVersion.get(version)!;
  if (request.ga && !exists && before.status !== "ga") {
    throw new NewVersionError(`Longhorn ${from} is still in development: make it GA first (new-version ${from} --ga), or drop --ga`);
  }
  // The default longhorn.version before this command: the newest GA version other than this one.
  const previousDefault = specs.filter((s) => s.status === "ga" && s.version !== version).pop()?.version ?? "-";

  // Package version and the CHANGELOG entry.
  const packageText = request.readText(join(root, "package.json"));
  if (!packageText) throw new NewVersionError(`${join(root, "package.json")} does not exist`);
  const pkg = JSON.parse(packageText) as { version: string };
  const chartBefore = pkg.version;
  const chartAfter = bumpMinor(chartBefore);
  const changelogText = request.readText(join(root, "CHANGELOG.md")) ?? "# Changelog\n";

  // A first render (without the entry) gives helm a chart to diff and to render goldens with.
  const staging = mkdtempSync(join(tmpdir(), "netpolgen-new-version-"));
  try {
    const draft = renderChart(specs, { version: chartAfter, changes: [] });
    writeFilesAtomically(staging, draft);
    const chart = join(staging, CHART_DIR);
    const base = { helm: request.helm, chart, release: "lhnp", namespace: "longhorn-system", specs: byVersion };
    const diffRequest = { ...base, valueFiles: [join(chart, "ci", "defaults-values.yaml")], upgradeFrom: "", label: "the chart's ci/defaults-values.yaml" };
    const diffs = specs.slice(1).map((spec, i) => versionDiff(specs[i]!, spec, diffRequest));
    const diff = from === version ? undefined : diffs.find((d) => d.from === before.version && d.to === after.version);
    const changes = versionChanges(diff, version, { created: !exists, ga: request.ga, previousDefault, from });
    const entry = { version: chartAfter, title: `Longhorn ${version}${request.ga ? " GA" : ""}`, changes };
    const changelog = addEntry(changelogText, entry);
    const newPackage = { ...JSON.parse(packageText), version: chartAfter };
    const packageOut = `${JSON.stringify(newPackage, null, 2)}\n`;
    const files: OutputFile[] = [
      ...[...overlay].map(([path, content]) => ({ path, content })),
      { path: "package.json", content: packageOut },
      { path: "CHANGELOG.md", content: changelog },
      { path: "docs/upgrades.md", content: upgradesMarkdown(diffs) },
    ];
    const lockText = request.readText(join(root, "package-lock.json"));
    if (lockText) {
      const lock = JSON.parse(lockText) as { version?: string; packages?: Record<string, { version?: string }> };
      lock.version = chartAfter;
      if (lock.packages?.[""]) lock.packages[""].version = chartAfter;
      files.push({ path: "package-lock.json", content: `${JSON.stringify(lock, null, 2)}\n` });
    }
    // Goldens of the version added (or made GA) from the same cases test/chart.test.ts renders.
    const summary: string[] = [];
    if (existsSync(join(root, GOLDEN_DIR))) {
      for (const c of GOLDEN_CASES) {
        const args = goldenArgs(c, chart, version, all);
        if (!args) continue;
        const run = runHelm(request.helm, ["template", "lhnp", chart, "--namespace", "longhorn-system", ...args]);
        if (run.code !== 0) throw new NewVersionError(`helm template of the golden case ${c.name} for ${version} failed: ${run.stderr.trim()}`);
        const path = `${GOLDEN_DIR}/${version}/${c.name}.yaml`;
        const content = withoutChartVersion(run.stdout);
        if (request.readText(join(root, path)) !== content) files.push({ path, content });
      }
    }
    const release = chartRelease(packageOut, changelog);
    const chartFiles = renderChart(specs, release);
    summary.push(
      exists ? `Longhorn ${version} is GA: the default longhorn.version moves from ${previousDefault} to ${version}` : `Longhorn ${version} ${request.ga ? "(GA)" : "(in development)"} extends ${from}`,
      `chart version ${chartBefore} → ${chartAfter}`,
    );
    return { files, trees: [{ dir: CHART_DIR, files: chartFiles }], chartVersion: { before: chartBefore, after: chartAfter }, summary };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
