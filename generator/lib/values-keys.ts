// How spec ids name chart values: the convention the Helm target writes and verify reads, kept
// apart from the planner so that the proof depends on the values' names, not on the plan.

/** A spec id as a values key: longhorn-manager → longhornManager. */
export function camelCase(id: string): string {
  return id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The values keys (networkPolicies.egress.<key>) of the external destinations egress rules may reach. */
export const EXTERNAL_EGRESS_KEYS: Readonly<Record<string, string>> = {
  backupstore: "backupstore",
  "backing-image-download-server": "backingImageDownload",
  "upgrade-responder": "upgradeResponder",
};
