// `netpolgen verify`: renders the chart with helm, validates every object, evaluates the rendered
// NetworkPolicies on a model cluster, and compares what they allow with what the spec requires,
// exactly, for every pair of endpoints, over every port (1-65535) of TCP, UDP and SCTP.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { INetworkPolicy, INetworkPolicyEgressRule, INetworkPolicyIngressRule, INetworkPolicyPeer, INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1";
import { formatDiagnostic } from "../lib/diagnostics.ts";
import { Evaluator } from "./evaluator.ts";
import { PROTOCOLS, endpointName, type ModelCNI, type Protocol } from "./endpoints.ts";
import { Expectation } from "./expectation.ts";
import { HelmError, helmTemplate } from "./helm.ts";
import { isTestPod, validateRendered, type RenderedObject } from "./k8s-validate.ts";
import { buildModel, type Actor, type ExternalEgress, type ModelWorld, type VerifyValues } from "./model-cluster.ts";
import type { Component as ChartComponent, LonghornNetworkPoliciesValues as ChartValues } from "../../schema/values.generated.ts";
import type { ResolvedSpec } from "../loader/model.ts";
import { camelCase } from "../lib/values-keys.ts";
import { minorOf } from "../lib/versions.ts";
import { equal, formatPorts, intersect, isEmpty, subtract, type PortSet } from "../lib/port-set.ts";

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
  /** The CNI-native objects rendered beside them (CiliumNetworkPolicy, Antrea NetworkPolicy). */
  native: unknown[];
  /** What the rendered policies allow. */
  actual: Evaluator;
  /** What the spec and values require. */
  expectation: Expectation;
  /** Object validation problems, formatted. */
  problems: string[];
}

/** The template added to a scratch copy of the chart so that Helm itself reports the values it merged. */
const VALUES_PROBE = "templates/zz-netpolgen-values-probe.yaml";
const VALUES_PROBE_TEXT =
  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: netpolgen-values-probe\ndata:\n  values: {{ toJson .Values | toJson }}\n";

/**
 * `helm template` of a scratch copy of the chart with one extra template that prints `.Values` as
 * JSON: the policies exactly as the chart renders them, and the values exactly as Helm merged them
 * (values.yaml, -f files in order, --set typing, null deleting a key) — nothing re-implemented here.
 */
function renderWithValues(request: VerifyRequest, setString: Record<string, string>): { objects: RenderedObject[]; values: unknown } {
  const scratch = mkdtempSync(join(tmpdir(), "netpolgen-verify-"));
  try {
    cpSync(request.chart, scratch, { recursive: true });
    writeFileSync(join(scratch, VALUES_PROBE), VALUES_PROBE_TEXT);
    let rendered: RenderedObject[];
    try {
      rendered = helmTemplate(request.helm, {
        chart: scratch,
        release: request.release,
        namespace: request.namespace,
        valueFiles: request.valueFiles,
        set: request.set,
        setString,
      });
    } catch (error) {
      // Name the chart the user gave, not the scratch copy.
      if (error instanceof HelmError) throw new HelmError(error.message.split(scratch).join(request.chart));
      throw error;
    }
    const isProbe = (r: RenderedObject) => r.source.endsWith(VALUES_PROBE);
    const probe = rendered.find(isProbe)?.object as { data?: { values?: string } } | undefined;
    if (typeof probe?.data?.values !== "string") throw new HelmError(`helm template ${request.chart}: the values probe did not render`);
    return { objects: rendered.filter((r) => !isProbe(r)), values: JSON.parse(probe.data.values) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function renderCase(request: VerifyRequest): RenderedCase {
  const setString: Record<string, string> = { "longhorn.version": request.version };
  if (request.upgradeFrom !== undefined) setString["longhorn.upgradeFrom"] = request.upgradeFrom;
  const { objects: rendered, values: merged } = renderWithValues(request, setString);
  const problems = rendered.flatMap(validateRendered).map(formatDiagnostic);
  const objects = rendered.map((r) => r.object as INetworkPolicy | undefined);
  const policies = objects.filter((o): o is INetworkPolicy => o?.apiVersion === "networking.k8s.io/v1" && o.kind === "NetworkPolicy");
  // The helm test probes (tests.enabled) are validated above and take no part in the reachability.
  const native = objects.filter((o) => o !== undefined && !policies.includes(o) && !isTestPod(o));
  const values = verifyValues(merged, request.namespace);
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
    native,
    actual: new Evaluator(world.cluster, policies, native),
    expectation: new Expectation(specs, values, world.cluster),
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
    policies: policies.length + rendered.native.length,
    endpoints: world.actors.length,
    comparisons,
    problems,
    notes: [
      ...(values.enabled ? [] : ["networkPolicies.enabled is false: no policy renders and every connection stays open"]),
      ...(values.enabled && values.cni === "flannel"
        ? ["cni flannel enforces no policy: evaluated as generic, what a policy engine added to flannel would enforce"]
        : []),
    ],
    cells,
    ok: problems.length === 0 && cells.length === 0,
  };
}

function cell(source: Actor, destination: Actor, protocol: Protocol, ports: PortSet, expected: Cell["expected"], actual: Cell["actual"], why: string): Cell {
  return { source: source.name, destination: destination.name, protocol, ports: formatPorts(ports), expected, actual, why };
}

/**
 * What verify needs from the values Helm merged (`.Values` as JSON), read through the values' types
 * (schema/values.generated.ts, compiled from the chart's values schema). Helm has already applied
 * that schema, which requires every key values.yaml sets and fixes each one's type, so the values
 * have exactly that shape.
 */
export function verifyValues(merged: unknown, releaseNamespace: string): VerifyValues {
  const { longhorn, networkPolicies: np } = merged as ChartValues;
  const components = np.components as Record<string, ChartComponent | undefined>;
  const features = np.features as Record<string, boolean | undefined>;
  const component = (id: string): ChartComponent => components[camelCase(id)] ?? { enabled: false, extraIngress: [], extraPorts: [], extraEgress: [] };
  const versions = [minorOf(longhorn.version), longhorn.upgradeFrom ? minorOf(longhorn.upgradeFrom) : undefined];
  const egress = np.egress as ChartValues["networkPolicies"]["egress"] & Record<string, ExternalEgress>;
  return {
    versions: versions.filter((v, i): v is string => v !== undefined && versions.indexOf(v) === i),
    namespace: longhorn.namespace || releaseNamespace,
    enabled: np.enabled,
    type: np.type,
    cni: resolvedCNI(np.cni, np.type),
    componentEnabled: (id) => component(id).enabled,
    featureEnabled: (feature) => features[camelCase(feature)] === true,
    kubeAPIServerSourceCIDRs: np.kubeAPIServerSourceCIDRs,
    nodeCIDRs: np.nodeCIDRs,
    ciliumLocalHostCIDRs: np.ciliumLocalHostCIDRs,
    metricsScrapeSources: np.metricsScrapeSources as INetworkPolicyPeer[],
    uiExtraFrom: np.ui.extraFrom as INetworkPolicyPeer[],
    extraIngress: (id) => component(id).extraIngress as INetworkPolicyIngressRule[],
    extraPorts: (id) => component(id).extraPorts as INetworkPolicyPort[],
    extraEgress: (id) => component(id).extraEgress as INetworkPolicyEgressRule[],
    egress: {
      enabled: egress.enabled,
      dns: egress.dns,
      kubeAPIServer: egress.kubeAPIServer,
      external: (key) => egress[key] ?? { open: false, cidrs: [], ports: [] },
    },
  };
}

/**
 * networkPolicies.cni as a render without a cluster resolves it: auto finds no DaemonSet to read and
 * follows type, as values.yaml documents (k3s: kube-router; rke2, rke1: canal; none: generic).
 */
function resolvedCNI(cni: string, type: string): ModelCNI {
  if (cni !== "auto") return cni as ModelCNI;
  return ({ k3s: "kube-router", rke2: "canal", rke1: "canal" } as Record<string, ModelCNI>)[type] ?? "generic";
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
