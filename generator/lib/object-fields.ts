// Two helpers for validating Kubernetes-style objects field by field: the fields an object may set
// (anything else is a typo the API server would drop or refuse), and Ajv's JSON pointers as paths.
import type { DocPath } from "./diagnostics.ts";

/** The fields allowed at each level: a nested object, a leaf, or a list of either. */
export type Fields = { [field: string]: Fields | "leaf" | [Fields | "leaf"] };

/** Reports every field of `value` (recursively) that `fields` does not name. */
export function unknownFields(value: unknown, fields: Fields, path: DocPath, report: (p: DocPath, m: string) => void): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const known = fields[key];
    if (known === undefined) {
      report([...path, key], `unknown field (expected one of ${Object.keys(fields).join(", ")})`);
    } else if (Array.isArray(known)) {
      if (Array.isArray(child) && known[0] !== "leaf") child.forEach((item, i) => unknownFields(item, known[0] as Fields, [...path, key, i], report));
    } else if (known !== "leaf") {
      unknownFields(child, known, [...path, key], report);
    }
  }
}

/** An Ajv instancePath (`/spec/ingress/0`) as a document path. */
export function pointerPath(pointer: string): DocPath {
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
