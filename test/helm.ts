// Runs the project's helm with its own cache, config and data directories.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "./helpers.ts";

const HELM = join(PROJECT_ROOT, ".tools/bin/helm");
const home = mkdtempSync(join(tmpdir(), "lhnp-helm-"));
const env = {
  ...process.env,
  HELM_CACHE_HOME: join(home, "cache"),
  HELM_CONFIG_HOME: join(home, "config"),
  HELM_DATA_HOME: join(home, "data"),
};

export interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function helm(...args: string[]): HelmRun {
  const run = spawnSync(HELM, args, { cwd: PROJECT_ROOT, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw run.error;
  return { code: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

/** `helm template` with the release name and namespace every golden file uses. */
export function helmTemplate(...args: string[]): HelmRun {
  return helm("template", "lhnp", "chart", "--namespace", "longhorn-system", ...args);
}
