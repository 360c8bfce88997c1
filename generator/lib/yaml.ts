// YAML as Helm and Kubernetes read it, and YAML written so that they read it back unchanged. One
// library, `yaml`, does both (the spec loader uses it too, for its node positions).
//
// Helm reads values, Chart.yaml and rendered manifests with sigs.k8s.io/yaml, that is go-yaml v2:
// YAML 1.1 scalars (`on`, `yes`, `y` are booleans, `0755` is octal 493, `1_000` is 1000, `<<` merges),
// except that a timestamp decodes to a string. Spec files are YAML 1.2 and go through loader/source.ts.
import { Document, parseAllDocuments, Scalar, visit, type CreateNodeOptions, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToStringOptions } from "yaml";

/** go-yaml v2 reads timestamps and sexagesimal numbers (`1:20`) into untyped data as strings. */
const KUBERNETES_READ: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  customTags: (tags) => tags.filter((tag) => typeof tag === "string" || (tag.tag !== "tag:yaml.org,2002:timestamp" && tag.format !== "TIME")),
};

/**
 * Every document of a YAML stream (helm's output, a manifest, a values file), read as Kubernetes reads
 * it; an empty document is null. Throws the first error (a repeated key, broken indentation).
 */
export function readYamlStream(text: string): unknown[] {
  return parseAllDocuments(text, KUBERNETES_READ).map((doc) => {
    const error = doc.errors[0];
    if (error) throw error;
    return doc.toJS();
  });
}

/** The one document of a YAML file (values, Chart.yaml), read as Kubernetes reads it; null when empty. */
export function readYaml(text: string): unknown {
  const docs = readYamlStream(text);
  if (docs.length > 1) throw new Error("expected one YAML document, found more");
  return docs[0] ?? null;
}

/** go-yaml v2 reads a plain scalar starting with a digit, sign or dot as a number when, without its underscores, it is one of these. */
const GO_NUMBER = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/;

/**
 * Whether a string is written double-quoted although YAML 1.1 could read it plain: go-yaml v2 or YAML
 * 1.2 read it as a number (`0o17`, `0X1F`, `1__`), it looks sexagesimal (`1:_`), it is the merge key
 * `<<`, it starts with an indicator or a space (`-x`, `?x`, `=`), or it holds a tab or a control
 * character other than a line break (which makes a `|-` block). (These are also the strings js-yaml, which wrote the chart before, quoted.)
 */
function quoted(text: string): boolean {
  return (
    (/^[-+.0-9]/.test(text) && GO_NUMBER.test(text.replaceAll("_", ""))) ||
    /^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$/.test(text) ||
    text === "<<" ||
    /^[\s\-?:,[\]{}#&*!|>'"%@`=]/.test(text) ||
    /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufeff]/.test(text)
  );
}

/** Lines without control characters, trailing blanks or a leading blank (which a literal block cannot start with). */
function literalBlock(text: string): boolean {
  return text.includes("\n") && !/^\s/.test(text) && !/[ \t]\n/.test(text) && !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufeff\u2028\u2029]/.test(text);
}

const WRITE: DocumentOptions & SchemaOptions & CreateNodeOptions & ToStringOptions = {
  // The 1.1 schema quotes every string YAML 1.1 reads as a boolean, number, null or timestamp.
  version: "1.1",
  // Without the merge tag, which would write a string "<<" plain as a merge key; it is quoted below.
  customTags: (tags) => tags.filter((tag) => typeof tag === "string" || tag.tag !== "tag:yaml.org,2002:merge"),
  aliasDuplicateObjects: false,
  indent: 2,
  lineWidth: 0,
  minContentWidth: 0,
  singleQuote: false,
  blockQuote: "literal",
};

let writer: Document | undefined;

/**
 * Plain data as block YAML that Helm and Kubernetes read back as the same data: strings are plain
 * unless another reading is possible, then double-quoted; no anchors or aliases; lines never folded.
 * Ends with a newline.
 */
export function writeYaml(value: unknown): string {
  // One document for every call: building its schema is half the cost of a fresh one.
  writer ??= new Document(null, WRITE);
  const doc = writer;
  doc.contents = doc.createNode(value, WRITE);
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== "string") return;
      // Several lines (Artifact Hub's YAML-in-a-string annotations): a literal block, which holds
      // them as they are whatever they start with.
      if (literalBlock(node.value)) node.type = Scalar.BLOCK_LITERAL;
      else if (quoted(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString(WRITE);
}
