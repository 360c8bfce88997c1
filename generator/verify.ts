// `netpolgen verify`: renders the chart with helm, validates every object, evaluates the rendered
// NetworkPolicies on a model cluster, and compares what they allow with what the spec requires,
// exactly, for every pair of endpoints, over every port (1-65535) of TCP, UDP and SCTP.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import type { INetworkPolicy, INetworkPolicyEgressRule, INetworkPolicyIngressRule, INetworkPolicyPeer, INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1";
import type { SelectorLike } from "./labels.ts";
import { formatDiagnostic } from "./diagnostics.ts";
import { Evaluator, PROTOCOLS, endpointName, type Protocol } from "./evaluator.ts";
import { Expectation } from "./expectation.ts";
import { helmTemplate } from "./helm.ts";
import { validateRendered } from "./k8s-validate.ts";
import { buildModel, type Actor, type ModelWorld, type VerifyValues } from "./model-cluster.ts";
import type { ResolvedSpec } from "./model.ts";
import { camelCase } from "./plan.ts";
import { equal, formatPorts, intersect, isEmpty, subtract, type PortSet } from "./port-set.ts";

export interface VerifyRequest {
  helm: string;
  chart: string;
  release: string;
  namespace: string;
  /** Spec of every supported minor. */
  specs: ReadonlyMap<string, ResolvedSpec>;
  /** The minor to verify; overrides longhorn.version. */
  version: string;
  valueFiles: readonly string[];
  /** Overrides longhorn.upgradeFrom ("" to drop it). */
  upgradeFrom?: string;
  /** `--set` pairs applied after the files (e.g. networkPolicies.enabled=true). */
  set?: Readonly<Record<string, string>>;
  /** A name for the values case in reports. */
  label: string;
}

/** A pair of endpoints where the rendered policies and the spec disagree. */
export interface Cell {
  source: string;
  destination: string;
  protocol: Protocol;
  ports: string;
  expected: "allow" | "deny";
  actual: "allow" | "deny";
  /** allowed-but-denied: the spec flows that need the ports; denied-but-allowed: the rules that admit them. */
  why: string;
}

export interface VerifyResult {
  version: string;
  case: string;
  /** Minors whose policies rendered (the version, plus upgradeFrom). */
  versions: string[];
  policies: number;
  endpoints: number;
  /** Source × destination × protocol port sets compared. */
  comparisons: number;
  /** Object validation problems and flows the model could not exercise. */
  problems: string[];
  /** Facts worth saying that are not failures. */
  notes: string[];
  cells: Cell[];
  ok: boolean;
}

/** A values case rendered by helm, with its model cluster and both evaluations. */
export interface RenderedCase {
  values: VerifyValues;
  specs: ResolvedSpec[];
  world: ModelWorld;
  policies: INetworkPolicy[];
  /** What the rendered policies allow. */
  actual: Evaluator;
  /** What the spec and values require. */
  expectation: Expectation;
  /** Object validation problems, formatted. */
  problems: string[];
}

export function renderCase(request: VerifyRequest): RenderedCase {
  const setString: Record<string, string> = { "longhorn.version": request.version };
  if (request.upgradeFrom !== undefined) setString["longhorn.upgradeFrom"] = request.upgradeFrom;
  const rendered = helmTemplate(request.helm, {
    chart: request.chart,
    release: request.release,
    namespace: request.namespace,
    valueFiles: request.valueFiles,
    set: request.set,
    setString,
  });
  const problems = rendered.flatMap(validateRendered).map(formatDiagnostic);
  const policies = rendered.map((r) => r.object as INetworkPolicy).filter((o) => o?.kind === "NetworkPolicy");
  const values = readValues(request, { ...request.set, ...setString });
  const specs = values.versions.map((v) => {
    const spec = request.specs.get(v);
    if (!spec) throw new Error(`no spec for Longhorn ${v}`);
    return spec;
  });
  const world = buildModel(specs, values);
  return {
    values,
    specs,
    world,
    policies,
    actual: new Evaluator(world.cluster, policies),
    expectation: new Expectation(specs, values, new Evaluator(world.cluster, [])),
    problems,
  };
}

/** Every ordered pair of distinct endpoints that a policy could govern (not address to address). */
export function probePairs(world: ModelWorld): [Actor, Actor][] {
  return world.actors.flatMap((source) =>
    world.actors
      .filter((destination) => destination !== source && !(source.endpoint.kind === "address" && destination.endpoint.kind === "address"))
      .map((destination): [Actor, Actor] => [source, destination]),
  );
}

export function verify(request: VerifyRequest): VerifyResult {
  return compareCase(renderCase(request), request);
}

/** Compares what the rendered policies allow with what the spec requires, pair by pair. */
export function compareCase(rendered: RenderedCase, request: Pick<VerifyRequest, "version" | "label">): VerifyResult {
  const { values, specs, world, policies, actual, expectation } = rendered;
  const problems = [...rendered.problems];
  const cells: Cell[] = [];
  const exercised = new Set<string>();
  let comparisons = 0;
  for (const [source, destination] of probePairs(world)) {
    for (const protocol of PROTOCOLS) {
      comparisons += 1;
      const want = expectation.reach(source, destination, protocol);
      want.flows.forEach((f) => exercised.add(`${f.version}/${f.id}`));
      const got = actual.reach(source.endpoint, destination.endpoint, protocol);
      if (equal(want.ports, got.ports)) continue;
      const blocked = subtract(want.ports, got.ports);
      if (!isEmpty(blocked)) {
        const flows = want.flows.filter((f) => !isEmpty(intersect(f.ports, blocked))).map((f) => f.id);
        cells.push(cell(source, destination, protocol, blocked, "allow", "deny", `needed by ${[...new Set(flows)].join(", ")}`));
      }
      const extra = subtract(got.ports, want.ports);
      if (!isEmpty(extra)) {
        const unselected =
          got.ingress.state !== "isolated" && want.isolated
            ? destination
            : got.egress.state !== "isolated" && want.egressIsolated
              ? source
              : undefined;
        const why = unselected
          ? `no policy selects ${endpointName(unselected.endpoint)} (${unselected === source ? got.egress.state : got.ingress.state})`
          : `admitted by ${actual.explain(source.endpoint, destination.endpoint, extra[0]![0], protocol).join(", ") || got.ingress.state}`;
        cells.push(cell(source, destination, protocol, extra, "deny", "allow", why));
      }
    }
  }
  // Every flow the values switch on towards a policed component, or (with egress) from one, must have been probed.
  for (const spec of specs) {
    for (const flow of spec.flows) {
      const ingress = spec.components.has(flow.to) && expectation.policed(`${spec.version}/${flow.to}`) && expectation.active(spec, flow);
      const egress = expectation.egressActive(spec, flow);
      if (!ingress && !egress) continue;
      if (!exercised.has(`${spec.version}/${flow.id}`)) problems.push(`flow ${flow.id} (Longhorn ${spec.version}) has no source and destination in the model cluster`);
    }
  }
  return {
    version: request.version,
    case: request.label,
    versions: values.versions,
    policies: policies.length,
    endpoints: world.actors.length,
    comparisons,
    problems,
    notes: values.enabled ? [] : ["networkPolicies.enabled is false: no policy renders and every connection stays open"],
    cells,
    ok: problems.length === 0 && cells.length === 0,
  };
}

function cell(source: Actor, destination: Actor, protocol: Protocol, ports: PortSet, expected: Cell["expected"], actual: Cell["actual"], why: string): Cell {
  return { source: source.name, destination: destination.name, protocol, ports: formatPorts(ports), expected, actual, why };
}

/** values.yaml of the chart, then each -f file, then the overrides: helm's merge of maps (null deletes a key). */
function readValues(request: VerifyRequest, overrides: Record<string, string>): VerifyValues {
  let merged: Record<string, unknown> = {};
  for (const file of [join(request.chart, "values.yaml"), ...request.valueFiles]) {
    const data = load(readFileSync(file, "utf8"));
    if (data !== null && data !== undefined && !isRecord(data)) throw new Error(`${file}: values must be a mapping`);
    merged = mergeValues(merged, data ?? {});
  }
  for (const [path, text] of Object.entries(overrides)) {
    const value = request.set && Object.hasOwn(request.set, path) ? load(text) : text;
    const keys = path.split(".");
    let target = merged;
    for (const key of keys.slice(0, -1)) target = (target[key] = isRecord(target[key]) ? target[key] : {}) as Record<string, unknown>;
    target[keys[keys.length - 1]!] = value;
  }
  const at = (...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (isRecord(v) ? v[k] : undefined), merged);
  const strings = (...keys: string[]) => (Array.isArray(at(...keys)) ? (at(...keys) as unknown[]).map(String) : []);
  const minor = (v: unknown) => /^v?(\d+)\.(\d+)/.exec(String(v ?? ""))?.slice(1, 3).join(".") ?? "";
  const versions = [minor(at("longhorn", "version")), minor(at("longhorn", "upgradeFrom"))].filter((v, i, all) => v !== "" && all.indexOf(v) === i);
  return {
    versions,
    namespace: String(at("longhorn", "namespace") || request.namespace),
    enabled: at("networkPolicies", "enabled") === true,
    type: String(at("networkPolicies", "type") ?? "none"),
    componentEnabled: (component) => at("networkPolicies", "components", camelCase(component), "enabled") !== false,
    featureEnabled: (feature) => at("networkPolicies", "features", camelCase(feature)) === true,
    kubeAPIServerSourceCIDRs: strings("networkPolicies", "kubeAPIServerSourceCIDRs"),
    nodeCIDRs: strings("networkPolicies", "nodeCIDRs"),
    metricsScrapeSources: (at("networkPolicies", "metricsScrapeSources") as INetworkPolicyPeer[] | undefined) ?? [],
    uiExtraFrom: (at("networkPolicies", "ui", "extraFrom") as INetworkPolicyPeer[] | undefined) ?? [],
    extraIngress: (component) => (at("networkPolicies", "components", camelCase(component), "extraIngress") as INetworkPolicyIngressRule[] | undefined) ?? [],
    extraPorts: (component) => (at("networkPolicies", "components", camelCase(component), "extraPorts") as INetworkPolicyPort[] | undefined) ?? [],
    extraEgress: (component) => (at("networkPolicies", "components", camelCase(component), "extraEgress") as INetworkPolicyEgressRule[] | undefined) ?? [],
    egress: {
      enabled: at("networkPolicies", "egress", "enabled") === true,
      dns: {
        namespaceSelector: (at("networkPolicies", "egress", "dns", "namespaceSelector") as SelectorLike | undefined) ?? {},
        podSelector: (at("networkPolicies", "egress", "dns", "podSelector") as SelectorLike | undefined) ?? {},
        nodeLocalAddress: String(at("networkPolicies", "egress", "dns", "nodeLocalAddress") ?? ""),
      },
      kubeAPIServer: {
        cidrs: strings("networkPolicies", "egress", "kubeAPIServer", "cidrs"),
        ports: strings("networkPolicies", "egress", "kubeAPIServer", "ports").map(Number),
      },
      external: (key) => ({
        open: at("networkPolicies", "egress", key, "open") === true,
        cidrs: strings("networkPolicies", "egress", key, "cidrs"),
        ports: strings("networkPolicies", "egress", key, "ports").map(Number),
      }),
    },
  };
}

export function mergeValues(base: Record<string, unknown>, overlay: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) delete out[key];
    else if (isRecord(value) && isRecord(out[key])) out[key] = mergeValues(out[key] as Record<string, unknown>, value);
    else out[key] = value;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The differing cells as a fixed-width table. */
export function formatCells(cells: readonly Cell[]): string {
  const header = ["Source", "Destination", "Protocol", "Ports", "Expected", "Actual", "Why"];
  const rows = cells.map((c) => [c.source, c.destination, c.protocol, c.ports, c.expected, c.actual, c.why]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

export function summary(result: VerifyResult): string {
  const what = `${result.policies} policies, ${result.endpoints} endpoints, ${result.comparisons} port sets compared`;
  const head = `${result.ok ? "PASS" : "FAIL"} Longhorn ${result.versions.join(" + ") || result.version} × ${result.case} (${what})`;
  const lines = [head, ...result.notes.map((n) => `  note: ${n}`), ...result.problems.map((p) => `  ${p}`)];
  if (result.cells.length > 0) lines.push(`${result.cells.length} differing cell${result.cells.length === 1 ? "" : "s"}:`, formatCells(result.cells));
  return lines.join("\n");
}
