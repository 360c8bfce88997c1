// The chart's values as one tree, from which values.yaml, values.schema.json, the README's values
// table and (scripts/values-types.ts) the TypeScript types of the values are all rendered. Each
// value is written once: its key, type, default, description, example and schema fragment.

/** A value: a leaf with a default and a schema fragment, or a group of values (a YAML mapping). */
export type ValueNode = ValueLeaf | ValueGroup;

interface ValueBase {
  key: string;
  /** The helm-docs description, as the lines of its `# --` comment (joined with spaces elsewhere). */
  description: string[];
  /** How to set it: a `--set` flag or a YAML snippet, shown in the README. */
  example: string;
  /** Comment lines before the description that are not part of it (caveats for the reader of values.yaml). */
  note?: string[];
  /** A blank line before the value in values.yaml. */
  blankBefore?: boolean;
}

export interface ValueLeaf extends ValueBase {
  /** The type as the README shows it. */
  type: string;
  default: unknown;
  /** The JSON Schema of the value (its description is added from `description`). */
  schema: Record<string, unknown>;
}

export interface ValueGroup extends ValueBase {
  children: ValueNode[];
  /**
   * The name of a schema definition these children share with other groups (every component's
   * values): the schema then reaches it by $ref instead of repeating it.
   */
  definition?: string;
}

/** Values a user gives over the defaults: any part of the values, with lists and maps given whole. */
export type ValuesOverride<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: ValuesOverride<T[K]> } : T;

export const isGroup = (node: ValueNode): node is ValueGroup => "children" in node;

const joined = (node: ValueNode): string => node.description.join(" ");

// values.yaml

/** A scalar as values.yaml writes it: plain when YAML reads it back as the same string, else quoted. */
function scalar(value: unknown): string {
  if (typeof value !== "string") return String(value);
  const plainSafe = /^[a-z][a-z0-9-]*$/.test(value) && !/^(true|false|yes|no|on|off|y|n|null)$/.test(value);
  return plainSafe ? value : JSON.stringify(value);
}

/** A default: inline for scalars, flat lists and empty mappings, else a block at `indent`. */
function yamlValue(value: unknown, indent: number): string {
  if (Array.isArray(value)) {
    if (value.some((v) => typeof v === "object" && v !== null)) throw new Error("values model: a list default holds only scalars");
    return ` [${value.map(scalar).join(", ")}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return " {}";
    return entries.map(([k, v]) => `\n${" ".repeat(indent)}${/^[A-Za-z0-9_.\/-]+$/.test(k) ? k : JSON.stringify(k)}:${yamlValue(v, indent + 2)}`).join("");
  }
  return ` ${scalar(value)}`;
}

function yamlLines(nodes: readonly ValueNode[], indent: number): string[] {
  const pad = " ".repeat(indent);
  return nodes.flatMap((node) => {
    const lines = node.blankBefore ? [""] : [];
    for (const line of node.note ?? []) lines.push(`${pad}# ${line}`);
    const [first, ...rest] = node.description;
    lines.push(`${pad}# -- ${first}`, ...rest.map((line) => `${pad}# ${line}`));
    if (isGroup(node)) lines.push(`${pad}${node.key}:`, ...yamlLines(node.children, indent + 2));
    else lines.push(`${pad}${node.key}:${yamlValue(node.default, indent + 2)}`);
    return lines;
  });
}

export function renderValuesYaml(nodes: readonly ValueNode[], header: string[]): string {
  return `${[...header.map((line) => `# ${line}`), ...yamlLines(nodes, 0)].join("\n")}\n`;
}

/** The defaults as data (what Helm reads from values.yaml). */
export function defaults(nodes: readonly ValueNode[]): Record<string, unknown> {
  return Object.fromEntries(nodes.map((node) => [node.key, isGroup(node) ? defaults(node.children) : structuredClone(node.default)]));
}

// values.schema.json

/**
 * The schema of a group: a closed object whose keys are all required. Helm merges the defaults
 * first, so a key can only be missing when a user deleted it with null, and the templates would
 * then fail on a nil map deep inside a policy instead of naming the value.
 */
export function groupSchema(nodes: readonly ValueNode[]): Record<string, unknown> {
  const schemaOf = (node: ValueNode) =>
    !isGroup(node) ? node.schema : node.definition ? { allOf: [{ $ref: `#/definitions/${node.definition}` }] } : groupSchema(node.children);
  return {
    type: "object",
    additionalProperties: false,
    required: nodes.map((node) => node.key),
    properties: Object.fromEntries(nodes.map((node) => [node.key, { description: joined(node), ...schemaOf(node) }])),
  };
}

/** The definitions the groups of the tree share, each checked to be the same wherever it is used. */
export function sharedDefinitions(nodes: readonly ValueNode[]): Record<string, Record<string, unknown>> {
  const found: Record<string, Record<string, unknown>> = {};
  const visit = (node: ValueNode): void => {
    if (!isGroup(node)) return;
    if (node.definition) {
      const schema = groupSchema(node.children);
      const seen = found[node.definition];
      if (seen && JSON.stringify(seen) !== JSON.stringify(schema)) throw new Error(`values model: groups sharing definition ${node.definition} differ at ${node.key}`);
      found[node.definition] = schema;
    }
    node.children.forEach(visit);
  };
  nodes.forEach(visit);
  return found;
}

// README

export interface ValueRow {
  path: string;
  type: string;
  default: string;
  description: string;
  example: string;
}

/** A default as one line of flow YAML. */
function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(", ")}]`;
  if (typeof value === "object" && value !== null) return `{${Object.entries(value).map(([k, v]) => `${k}: ${flow(v)}`).join(", ")}}`;
  return scalar(value);
}

/** Every value, groups included, in values.yaml order. */
export function valueRows(nodes: readonly ValueNode[], prefix = ""): ValueRow[] {
  return nodes.flatMap((node) => {
    const path = `${prefix}${node.key}`;
    const text = flow(isGroup(node) ? defaults(node.children) : node.default);
    const row: ValueRow = {
      path,
      type: isGroup(node) ? "object" : node.type,
      default: text.length > 100 ? `${text.slice(0, 97)}...` : text,
      description: joined(node),
      example: node.example,
    };
    return [row, ...(isGroup(node) ? valueRows(node.children, `${path}.`) : [])];
  });
}
