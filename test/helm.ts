// Runs the project's helm (and Helm 4, .tools/bin/helm4) with their own cache, config and data directories.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { helmBinary, runHelm, type HelmRun } from "../generator/verify/helm.ts";
import { PROJECT_ROOT } from "./helpers.ts";

export type { HelmRun };

const homes: string[] = [];
process.on("exit", () => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** Cache, config and data directories of their own under a fresh temporary folder, removed when the process exits. */
export function helmEnv(): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), "lhnp-helm-"));
  homes.push(home);
  return {
    ...process.env,
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_DATA_HOME: join(home, "data"),
  };
}

const env = helmEnv();

export function helm(...args: string[]): HelmRun {
  return runHelm(helmBinary(PROJECT_ROOT), args, { cwd: PROJECT_ROOT, env });
}

/** `helm template` with the release name and namespace every golden file uses. */
export function helmTemplate(...args: string[]): HelmRun {
  return helm("template", "lhnp", "chart", "--namespace", "longhorn-system", ...args);
}

/** Helm 4, installed by `make setup` beside helm 3 (scripts/setup.sh pins it by sha256). */
export const HELM4 = join(PROJECT_ROOT, ".tools/bin/helm4");
export const HELM4_MISSING = existsSync(HELM4) ? undefined : `${HELM4} is not installed (run make setup)`;

const env4 = helmEnv();

export function helm4(...args: string[]): HelmRun {
  return runHelm(HELM4, args, { cwd: PROJECT_ROOT, env: env4 });
}

/** A helm with directories of its own: `binary` is helm 3 or Helm 4. */
export function helmAt(binary: string): (...args: string[]) => HelmRun {
  const own = helmEnv();
  return (...args: string[]) => runHelm(binary, args, { cwd: PROJECT_ROOT, env: own });
}
