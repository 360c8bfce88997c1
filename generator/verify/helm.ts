// Runs helm: the project's pinned binary (.tools/bin/helm, installed by `make setup`), or
// $NETPOLGEN_HELM, or helm on PATH. Splits `helm template` output into its documents.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readYamlStream } from "../lib/yaml.ts";
import type { RenderedObject } from "./k8s-validate.ts";

export interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function helmBinary(projectRoot: string): string {
  if (process.env.NETPOLGEN_HELM) return process.env.NETPOLGEN_HELM;
  const pinned = join(projectRoot, ".tools/bin/helm");
  return existsSync(pinned) ? pinned : "helm";
}

export function runHelm(binary: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): HelmRun {
  const run = spawnSync(binary, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw new Error(`cannot run helm (${binary}): ${run.error.message}; run \`make setup\` or set NETPOLGEN_HELM`);
  return { code: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

export interface TemplateRequest {
  chart: string;
  release: string;
  namespace: string;
  valueFiles: readonly string[];
  /** `--set key=value` pairs (typed by helm), applied after the files. */
  set?: Readonly<Record<string, string>>;
  /** `--set-string key=value` pairs, applied after the files. */
  setString?: Readonly<Record<string, string>>;
}

export class HelmError extends Error {
  override name = "HelmError";
}

/** `helm template`, split into documents; throws HelmError with helm's message when rendering fails. */
export function helmTemplate(binary: string, request: TemplateRequest): RenderedObject[] {
  const args = ["template", request.release, request.chart, "--namespace", request.namespace];
  for (const file of request.valueFiles) args.push("--values", file);
  for (const [key, value] of Object.entries(request.set ?? {})) args.push("--set", `${key}=${value}`);
  for (const [key, value] of Object.entries(request.setString ?? {})) args.push("--set-string", `${key}=${value}`);
  const run = runHelm(binary, args);
  if (run.code !== 0) throw new HelmError(`helm template ${request.chart} failed: ${run.stderr.trim()}`);
  return splitDocuments(run.stdout);
}

/** The documents of a multi-document YAML stream, each with the `# Source:` comment before it. */
export function splitDocuments(text: string): RenderedObject[] {
  const out: RenderedObject[] = [];
  for (const chunk of text.split(/^---[ \t]*$/m)) {
    const source = /^# Source: (.+)$/m.exec(chunk)?.[1]?.trim() ?? "<stdin>";
    let objects: unknown[];
    try {
      objects = readYamlStream(chunk);
    } catch (error) {
      // A document Kubernetes could not read either (a repeated key, broken indentation): say where.
      const reason = error instanceof Error ? error.message.split("\n")[0]!.replace(/:$/, "") : String(error);
      throw new HelmError(`${source}: helm rendered invalid YAML: ${reason}`);
    }
    for (const object of objects) {
      if (object !== null && object !== undefined) out.push({ source, object });
    }
  }
  return out;
}
