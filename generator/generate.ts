// Everything `netpolgen generate` writes, computed in memory; cli.ts writes or compares it.
import { renderSpecTypes, SPEC_TYPES_PATH } from "./types-codegen.ts";
import type { OutputFile } from "./write.ts";

export async function generatedFiles(): Promise<OutputFile[]> {
  return [{ path: SPEC_TYPES_PATH, content: await renderSpecTypes() }];
}
