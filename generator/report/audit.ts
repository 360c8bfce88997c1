// `netpolgen audit`: the first step of adding a Longhorn release. Given local checkouts of Longhorn's
// repositories at a tag, it extracts what it can mechanically and compares it with one version's spec:
//
// - ports the code opens (container ports in the chart and the deploy manifest; listen addresses,
//   port constants and port ranges in Go sources) that no listener or flow of the spec accounts for;
// - spec listeners whose port is no longer found in the repository their source cites, and cited
//   files (client or listener) that no longer exist;
// - workloads of the deploy manifest whose pods no component selects or names (by workload name);
// - listen calls whose address the tool cannot read (a variable, a flag): for a human to review.
//
// Reading the code is the tool's job; deciding is the reviewer's. Nothing here changes the spec.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { selectorMatches, type Labels } from "../lib/labels.ts";
import type { ResolvedSpec } from "../loader/model.ts";
import { readYamlStream } from "../lib/yaml.ts";
import { PROTOCOLS } from "../loader/inventory.ts";
import { contains, describePort, portsOfProtocol } from "../lib/port-set.ts";

/** A repository checkout, named owner/name. */
export interface Checkout {
  repo: string;
  dir: string;
}

export type FindingKind = "container-port" | "listen" | "loopback" | "constant" | "range";

/** A port found in code. */
export interface Finding {
  repo: string;
  file: string;
  line: number;
  kind: FindingKind;
  port: number;
  endPort?: number;
  text: string;
}

export interface Workload {
  repo: string;
  file: string;
  kind: string;
  name: string;
  labels: Labels;
}

export interface AuditReport {
  version: string;
  repos: string[];
  /** Ports found in code that no listener or flow of the spec covers. */
  unaccounted: Finding[];
  /** Spec listeners whose port the cited repository no longer shows. */
  listenersNotFound: { listener: string; component: string; ports: string; repo: string }[];
  /** Cites (`source.client` / `source.listener`) whose file is gone from the checkout. */
  missingCitedFiles: { entry: string; cite: string }[];
  /** Workloads whose pods nothing in the spec selects or names. */
  podsNotAccounted: Workload[];
  /** Listen calls without a literal address. */
  review: Finding[];
  /** Loopback-only listen addresses the spec does not name: not reachable from other pods, listed for completeness. */
  loopback: Finding[];
  /** How many ports were found in code, per repository. */
  scanned: Record<string, number>;
}

/** Names a checkout by what it holds: go.mod's module path, or Longhorn's chart. */
export function identifyCheckout(dir: string): string | undefined {
  const goMod = join(dir, "go.mod");
  if (existsSync(goMod)) {
    const module = /^module\s+github\.com\/([^/\s]+\/[^/\s]+)/m.exec(readFileSync(goMod, "utf8"))?.[1];
    if (module) return module.replace(/\/v\d+$/, "");
  }
  const chart = join(dir, "chart", "Chart.yaml");
  if (existsSync(chart) && /^name:\s*longhorn\s*$/m.test(readFileSync(chart, "utf8"))) return "longhorn/longhorn";
  return undefined;
}

function walk(dir: string, keep: (path: string) => boolean, skip: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path, keep, skip));
    else if (entry.isFile() && keep(path)) out.push(path);
  }
  return out.sort();
}

const SKIP_DIRS = new Set(["vendor", "node_modules", ".git", "testdata", "test", "tests", "integration", "e2e", "docs", "enhancements"]);

// Patterns, each on one line of Go source.
const GO_PATTERNS: { kind: FindingKind; re: RegExp }[] = [
  // "0.0.0.0:8500", ":9600", "localhost:8000" as a listen address or URL part
  { kind: "listen", re: /"(?:[a-z0-9.\-[\]]*):(\d{2,5})"/g },
  // DefaultPort = 9500, ShareManagerDefaultPort = 9600, SupportBundleURLPort   = 8080 (not PortCount = 10)
  { kind: "constant", re: /\b(?!\w*(?:Count|Num|Timeout|Retry|Interval))\w*Port\w*\s*(?:int(?:32)?\s*)?=\s*(\d{2,5})\b/g },
  // ContainerPort: 9500
  { kind: "container-port", re: /ContainerPort:\s*(\d{2,5})\b/g },
  // "10000-20000" as a flag default
  { kind: "range", re: /"(\d{4,5})-(\d{4,5})"/g },
];

/** A call that opens a listener (not a function declaration, not a log line). */
const LISTEN_CALL = /(?:\b(?:net|tls)\.Listen\(|\.ListenAndServe(?:TLS)?\()/;
const NOT_A_CALL = /^\s*func\b|\blogrus\.|\b(?:Errorf|Fatalf|Infof|Warnf)\(/;
/** Listen addresses bound to the loopback interface: not reachable from other pods. */
const LOOPBACK = /"(?:localhost|127\.0\.0\.1|\[::1\]):\d+"/;

function lineFindings(repo: string, file: string, text: string, patterns: typeof GO_PATTERNS): Finding[] {
  const out: Finding[] = [];
  text.split("\n").forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, "");
    for (const { kind, re } of patterns) {
      for (const match of code.matchAll(re)) {
        const port = Number(match[1]);
        const endPort = match[2] !== undefined ? Number(match[2]) : undefined;
        if (port < 1 || port > 65535 || (endPort !== undefined && (endPort < port || endPort > 65535))) continue;
        const loopback = kind === "listen" && LOOPBACK.test(match[0]);
        out.push({ repo, file, line: i + 1, kind: loopback ? "loopback" : kind, port, ...(endPort !== undefined ? { endPort } : {}), text: line.trim() });
      }
    }
  });
  return out;
}

/** Listen calls with no literal port on their line: the address comes from elsewhere. */
function listenCallsToReview(repo: string, file: string, text: string, found: Finding[]): Finding[] {
  const out: Finding[] = [];
  text.split("\n").forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, "");
    if (!LISTEN_CALL.test(code) || NOT_A_CALL.test(code)) return;
    if (found.some((f) => f.file === file && f.line === i + 1)) return;
    out.push({ repo, file, line: i + 1, kind: "listen", port: 0, text: line.trim() });
  });
  return out;
}

interface Scan {
  findings: Finding[];
  review: Finding[];
  workloads: Workload[];
}

const POD_KINDS = new Set(["Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob", "Pod"]);

function podTemplateOf(doc: Record<string, unknown>): { labels: Labels; spec: Record<string, unknown> } | undefined {
  const spec = doc.spec as Record<string, unknown> | undefined;
  if (doc.kind === "Pod") return { labels: ((doc.metadata as { labels?: Labels })?.labels ?? {}), spec: spec ?? {} };
  const template =
    doc.kind === "CronJob"
      ? ((spec?.jobTemplate as { spec?: { template?: unknown } })?.spec?.template as Record<string, unknown> | undefined)
      : (spec?.template as Record<string, unknown> | undefined);
  if (!template) return undefined;
  return { labels: ((template.metadata as { labels?: Labels })?.labels ?? {}), spec: (template.spec as Record<string, unknown>) ?? {} };
}

/** Container ports and workloads of a rendered manifest (deploy/longhorn.yaml). */
function scanManifest(repo: string, file: string, text: string, scan: Scan): void {
  const lines = text.split("\n");
  let docs: unknown[];
  try {
    docs = readYamlStream(text);
  } catch {
    return;
  }
  for (const doc of docs) {
    if (!doc || typeof doc !== "object") continue;
    const object = doc as Record<string, unknown>;
    if (!POD_KINDS.has(String(object.kind))) continue;
    const template = podTemplateOf(object);
    if (!template) continue;
    const name = String((object.metadata as { name?: string })?.name ?? "");
    scan.workloads.push({ repo, file, kind: String(object.kind), name, labels: template.labels });
    const containers = [
      ...((template.spec.containers as unknown[]) ?? []),
      ...((template.spec.initContainers as unknown[]) ?? []),
    ] as { ports?: { containerPort?: number }[] }[];
    for (const container of containers) {
      for (const { containerPort } of container.ports ?? []) {
        if (typeof containerPort !== "number") continue;
        const line = lines.findIndex((l) => new RegExp(`containerPort:\\s*${containerPort}\\b`).test(l)) + 1;
        scan.findings.push({ repo, file, line, kind: "container-port", port: containerPort, text: `${object.kind} ${name} containerPort ${containerPort}` });
      }
    }
  }
}

export function scanCheckout({ repo, dir }: Checkout): Scan {
  const scan: Scan = { findings: [], review: [], workloads: [] };
  const goFiles = walk(dir, (p) => p.endsWith(".go") && !p.endsWith("_test.go"), (name) => SKIP_DIRS.has(name) || name.startsWith("."));
  for (const path of goFiles) {
    const file = relative(dir, path);
    const text = readFileSync(path, "utf8");
    const found = lineFindings(repo, file, text, GO_PATTERNS);
    scan.findings.push(...found);
    scan.review.push(...listenCallsToReview(repo, file, text, found));
  }
  const manifest = join(dir, "deploy", "longhorn.yaml");
  if (existsSync(manifest)) scanManifest(repo, "deploy/longhorn.yaml", readFileSync(manifest, "utf8"), scan);
  const templates = join(dir, "chart", "templates");
  if (existsSync(templates) && statSync(templates).isDirectory()) {
    for (const path of walk(templates, (p) => /\.ya?ml$/.test(p), (name) => name.startsWith("."))) {
      const file = relative(dir, path);
      scan.findings.push(...lineFindings(repo, file, readFileSync(path, "utf8"), [{ kind: "container-port", re: /containerPort:\s*(\d{2,5})\b/g }]));
    }
  }
  return scan;
}

/**
 * `owner/repo@ref path:line note` → its parts; `symbol` is the note's first word without a
 * qualifier (`http.Post` → `Post`), when it is long enough to look for in the file.
 */
export function parseCite(cite: string): { repo: string; ref: string; path: string; line: number; symbol?: string } | undefined {
  const match = /^([^@\s]+)@(\S+) ([^\s:]+):(\d+)(?: (\S+))?/.exec(cite);
  if (!match) return undefined;
  const symbol = match[5]?.replace(/^.*[.(]/, "").replace(/[^A-Za-z0-9_-].*$/, "");
  return { repo: match[1]!, ref: match[2]!, path: match[3]!, line: Number(match[4]), ...(symbol && symbol.length > 2 ? { symbol } : {}) };
}

export function audit(spec: ResolvedSpec, checkouts: readonly Checkout[]): AuditReport {
  const scans = new Map(checkouts.map((c) => [c.repo, scanCheckout(c)]));
  const repos = [...scans.keys()];

  // Every port the spec names: listeners (open or closed) and the flows the code serves (a port only
  // the docs list does not account for code that opens it).
  const specPorts = PROTOCOLS.map((p) =>
    portsOfProtocol([...spec.listeners.flatMap((l) => l.ports), ...spec.flows.filter((f) => !f.documentedOnly).flatMap((f) => f.ports ?? [])], p),
  );
  const accounted = (f: Finding): boolean =>
    specPorts.some((set) => contains(set, f.port) && (f.endPort === undefined || contains(set, f.endPort)));

  const findings = [...scans.values()].flatMap((s) => s.findings);
  const unaccounted = findings.filter((f) => f.kind !== "loopback" && !accounted(f));
  const loopback = findings.filter((f) => f.kind === "loopback" && !accounted(f));

  const listenersNotFound: AuditReport["listenersNotFound"] = [];
  for (const listener of spec.listeners) {
    const citedRepos = new Set((listener.source.listener ?? []).map((c) => parseCite(c)?.repo).filter((r): r is string => r !== undefined));
    for (const repo of citedRepos) {
      const scan = scans.get(repo);
      const checkout = checkouts.find((c) => c.repo === repo);
      if (!scan || !checkout) continue;
      const literal = listener.ports.some((p) =>
        scan.findings.some((f) => f.port === p.port || (p.endPort !== undefined && f.port <= p.endPort && (f.endPort ?? f.port) >= p.port)),
      );
      // Computed ports (listen port + 1) have no literal: the cited file still holding the cited symbol counts.
      const symbolKept = (listener.source.listener ?? []).some((cite) => {
        const parsed = parseCite(cite);
        if (parsed?.repo !== repo || !parsed.symbol) return false;
        const file = join(checkout.dir, parsed.path);
        return existsSync(file) && readFileSync(file, "utf8").includes(parsed.symbol);
      });
      const shown = literal || symbolKept;
      if (!shown) {
        listenersNotFound.push({
          listener: listener.id,
          component: listener.component,
          ports: listener.ports.map(describePort).join(", "),
          repo,
        });
      }
    }
  }

  const missingCitedFiles: AuditReport["missingCitedFiles"] = [];
  const entries = [
    ...spec.flows.filter((f) => !f.documentedOnly).map((f) => ({ entry: `flow ${f.id}`, source: f.source })),
    ...spec.listeners.map((l) => ({ entry: `listener ${l.id}`, source: l.source })),
  ];
  for (const { entry, source } of entries) {
    for (const cite of [...(source.client ?? []), ...(source.listener ?? [])]) {
      const parsed = parseCite(cite);
      const checkout = checkouts.find((c) => c.repo === parsed?.repo);
      if (parsed && checkout && !existsSync(join(checkout.dir, parsed.path))) missingCitedFiles.push({ entry, cite });
    }
  }

  const components = [...spec.components.values()].filter((c) => c.runsIn === undefined);
  const podsNotAccounted = [...scans.values()]
    .flatMap((s) => s.workloads)
    .filter((w) => {
      const selected = components.some((c) => c.selector && selectorMatches(c.selector, { ...w.labels, ...jobLabels(w) }));
      const named = components.some((c) => c.workload.name === w.name);
      return !selected && !named;
    });

  return {
    version: spec.version,
    repos,
    unaccounted,
    listenersNotFound,
    missingCitedFiles,
    podsNotAccounted,
    review: [...scans.values()].flatMap((s) => s.review),
    loopback,
    scanned: Object.fromEntries([...scans].map(([repo, s]) => [repo, s.findings.length])),
  };
}

/** The Job controller adds job-name to every pod of a Job. */
function jobLabels(w: Workload): Labels {
  return w.kind === "Job" ? { "job-name": w.name } : {};
}

export function auditHasFindings(report: AuditReport): boolean {
  return report.unaccounted.length + report.listenersNotFound.length + report.missingCitedFiles.length + report.podsNotAccounted.length > 0;
}

export function auditAsText(report: AuditReport): string {
  const out: string[] = [`Audit of spec ${report.version} against ${report.repos.join(", ")}`];
  const at = (f: Finding): string => `${f.repo} ${f.file}:${f.line}`;
  const section = (title: string, lines: string[]): void => {
    out.push("", `${title}: ${lines.length === 0 ? "none" : lines.length}`);
    out.push(...lines.map((l) => `  ${l}`));
  };
  section(
    "Ports in code that the spec does not account for",
    report.unaccounted.map((f) => `${f.endPort !== undefined ? `${f.port}-${f.endPort}` : f.port} (${f.kind}) ${at(f)}: ${f.text}`),
  );
  section(
    "Spec listeners no longer found in the cited repository",
    report.listenersNotFound.map((l) => `${l.listener} (${l.component}, ${l.ports}) in ${l.repo}`),
  );
  section("Cited files missing from the checkout", report.missingCitedFiles.map((m) => `${m.entry}: ${m.cite}`));
  section(
    "Workloads no component selects or names",
    report.podsNotAccounted.map((w) => `${w.kind} ${w.name} (${w.repo} ${w.file}) labels ${JSON.stringify(w.labels)}`),
  );
  section("Listen calls without a literal address (review by hand)", report.review.map((f) => `${at(f)}: ${f.text}`));
  section("Loopback-only listen addresses (not reachable from other pods)", report.loopback.map((f) => `${f.port} ${at(f)}: ${f.text}`));
  out.push("", `Scanned: ${Object.entries(report.scanned).map(([repo, n]) => `${repo} ${n} ports`).join(", ")}`);
  return out.join("\n");
}
