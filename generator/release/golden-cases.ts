// The golden cases: for every Longhorn version, what `helm template` renders with each of these
// values under test/golden/<version>/<case>.yaml. test/chart.test.ts compares them (and rewrites them
// with UPDATE_GOLDEN=1); `netpolgen new-version` writes a new version's from the same definitions.

export interface GoldenCase {
  name: string;
  /** The chart's ci/<values>-values.yaml the case renders with. */
  values: string;
  /** `--set-string` pairs for `version` (undefined: no render for it); `versions` in order. */
  set: (version: string, versions: readonly string[]) => Record<string, string> | undefined;
}

const at = (version: string) => ({ "longhorn.version": version });

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { name: "disabled", values: "disabled", set: at },
  { name: "defaults", values: "defaults", set: at },
  { name: "all-options", values: "all-options", set: (v) => at(`v${v}.0`) },
  { name: "egress", values: "egress", set: at },
  { name: "generic", values: "generic", set: at },
  { name: "cni-cilium", values: "cni-cilium", set: at },
  { name: "cni-antrea", values: "cni-antrea", set: at },
  { name: "tests", values: "tests", set: at },
  {
    name: "upgrade",
    values: "upgrade",
    set: (v, versions) => {
      const previous = versions[versions.indexOf(v) - 1];
      return previous ? { ...at(v), "longhorn.upgradeFrom": previous } : undefined;
    },
  },
];

/** `helm template` arguments after the chart: the case's values file in `chartDir`, then its --set-string pairs. */
export function goldenArgs(c: GoldenCase, chartDir: string, version: string, versions: readonly string[]): string[] | undefined {
  const set = c.set(version, versions);
  if (!set) return undefined;
  return ["-f", `${chartDir}/ci/${c.values}-values.yaml`, ...Object.entries(set).flatMap(([k, v]) => ["--set-string", `${k}=${v}`])];
}

/** The chart version in the helm.sh/chart label, replaced: a version bump alone changes no golden file. */
export function withoutChartVersion(text: string): string {
  return text.replace(/^(\s*helm\.sh\/chart: longhorn-network-policies-)\S+$/gm, "$1<chart version>");
}
