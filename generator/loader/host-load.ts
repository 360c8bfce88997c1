// The host profile pipeline for one file of spec/hosts/: parse (source.ts) → schema (schema-check.ts,
// with schema/host-spec.schema.json) → per-file checks → resolve `extends` → resolved checks; the
// same stages as the Longhorn versions (load.ts), each problem a located diagnostic. Reading files
// is injected, so the pipeline does no I/O of its own.
import { dirname, join } from "node:path";
import type { Diagnostic } from "../lib/diagnostics.ts";
import { checkHostDocument, checkResolvedHost, type HostDocument, type LocateHost } from "./host-check.ts";
import type { HostSpec, ResolvedHostProfile } from "./host-model.ts";
import { resolveHostProfile } from "./host-resolve.ts";
import { hostSpecSchema } from "./host-validator.ts";
import { readDocument, type ReadText } from "./load.ts";
import { checkSchema } from "./schema-check.ts";
import { parseYaml } from "./source.ts";

export interface HostLoadResult {
  profile?: ResolvedHostProfile;
  diagnostics: Diagnostic[];
}

export class HostSpecLoader {
  private readonly documents = new Map<string, { document?: HostDocument; diagnostics: Diagnostic[] }>();
  private readonly readText: ReadText;
  private readonly longhornVersions: readonly string[];

  /** `longhornVersions`: the Longhorn minors with a spec file (a profile's `longhorn.version` names one). */
  constructor(readText: ReadText, longhornVersions: readonly string[]) {
    this.readText = readText;
    this.longhornVersions = longhornVersions;
  }

  load(file: string): HostLoadResult {
    const leaf = this.document(file);
    if (!leaf) return { diagnostics: [{ file, line: 0, path: [], message: "no such file" }] };
    if (!leaf.document) return { diagnostics: leaf.diagnostics };
    const diagnostics = [...leaf.diagnostics];
    const resolved = resolveHostProfile(leaf.document, (profile, besideFile) => {
      const parent = this.document(join(dirname(besideFile), `${profile}.yaml`));
      if (!parent) return undefined;
      diagnostics.push(...parent.diagnostics);
      return parent.document ?? null;
    });
    diagnostics.push(...resolved.diagnostics);
    if (!resolved.profile) return { diagnostics };
    diagnostics.push(...checkResolvedHost(resolved.profile, this.locate, this.longhornVersions));
    return { profile: resolved.profile, diagnostics };
  }

  private readonly locate: LocateHost = (origin, subPath, key = false) => {
    const path = [...origin.path, ...subPath];
    const source = this.documents.get(origin.file)?.document?.source;
    return { file: origin.file, path, line: source ? source.lineOf(path, { key }) : origin.line };
  };

  private document(file: string): { document?: HostDocument; diagnostics: Diagnostic[] } | undefined {
    return readDocument(this.documents, file, this.readText, (text) => parseHostDocument(file, text));
  }
}

function parseHostDocument(file: string, text: string | Uint8Array): { document?: HostDocument; diagnostics: Diagnostic[] } {
  const parsed = parseYaml(file, text);
  if (!parsed.document) return { diagnostics: parsed.diagnostics };
  const schemaProblems = checkSchema(parsed.document, hostSpecSchema());
  if (schemaProblems.length > 0) return { diagnostics: schemaProblems };
  const document: HostDocument = { source: parsed.document, spec: parsed.document.data as HostSpec };
  return { document, diagnostics: checkHostDocument(document) };
}
