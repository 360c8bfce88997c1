// Runs the project's helm with its own cache, config and data directories.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { helmBinary, runHelm, type HelmRun } from "../generator/verify/helm.ts";
import { PROJECT_ROOT } from "./helpers.ts";

export type { HelmRun };

const home = mkdtempSync(join(tmpdir(), "lhnp-helm-"));
const env = {
  ...process.env,
  HELM_CACHE_HOME: join(home, "cache"),
  HELM_CONFIG_HOME: join(home, "config"),
  HELM_DATA_HOME: join(home, "data"),
};

export function helm(...args: string[]): HelmRun {
  return runHelm(helmBinary(PROJECT_ROOT), args, { cwd: PROJECT_ROOT, env });
}

/** `helm template` with the release name and namespace every golden file uses. */
export function helmTemplate(...args: string[]): HelmRun {
  return helm("template", "lhnp", "chart", "--namespace", "longhorn-system", ...args);
}
