// verify's renderCase runs the helm binary it is given with the process environment; the property
// suite gives it this wrapper instead, so that helm runs with cache, config and data directories of
// the suite's own (as test/helm.ts does for the other suites), never the user's.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** Writes `<dir>/helm`, which runs `helm` with HELM_CACHE_HOME, HELM_CONFIG_HOME and HELM_DATA_HOME under `dir`; returns its path. */
export function helmWithOwnHome(helm: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const env = Object.entries({ HELM_CACHE_HOME: "cache", HELM_CONFIG_HOME: "config", HELM_DATA_HOME: "data" })
    .map(([key, sub]) => `export ${key}=${quote(join(dir, "helm-home", sub))}\n`)
    .join("");
  const wrapper = join(dir, "helm");
  writeFileSync(wrapper, `#!/bin/sh\n# Written by test/property.test.ts: the project's helm with the suite's own directories.\n${env}exec ${quote(helm)} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}
