// Spec text can never become Go-template or YAML syntax in the chart, and no input ends in a stack
// trace. test/fixtures/hostile-spec/1.9.yaml is a valid spec that uses every free-text field once;
// these tests put hostile text into each of them (the fixed corpus is test/fixtures/malformed/),
// mutate it at random, and build a 10,000-flow spec.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LineCounter, parseDocument, type Node } from "yaml";
import specSchema from "../schema/spec.schema.json" with { type: "json" };
import { formatDiagnostic, formatPath, type Diagnostic, type DocPath } from "../generator/lib/diagnostics.ts";
import { SpecLoader } from "../generator/loader/load.ts";
import { undescribedPatterns } from "../generator/loader/schema-check.ts";
import { parseYaml } from "../generator/loader/source.ts";
import { PROJECT_ROOT } from "./helpers.ts";

const BASE_FILE = "test/fixtures/hostile-spec/1.9.yaml";
const BASE = readFileSync(join(PROJECT_ROOT, BASE_FILE), "utf8");
const MALFORMED = join(PROJECT_ROOT, "test/fixtures/malformed");

/** Every free-text field of the schema (a use of #/definitions/Text) and where the base spec fills it. */
const TEXT_FIELDS: Record<string, DocPath> = {
  "#/properties/notes/items": ["notes", 0],
  "#/definitions/Feature/properties/title": ["features", "v2-data-engine", "title"],
  "#/definitions/Feature/properties/description": ["features", "v2-data-engine", "description"],
  "#/definitions/Component/properties/title": ["components", "manager", "title"],
  "#/definitions/Component/properties/description": ["components", "manager", "description"],
  "#/definitions/Component/properties/unprotected": ["components", "rollout", "unprotected"],
  "#/definitions/Component/properties/notes/items": ["components", "manager", "notes", 0],
  "#/definitions/Workload/properties/name": ["components", "manager", "workload", "name"],
  "#/definitions/Source/properties/code/items/properties/path": ["components", "manager", "source", "code", 0, "path"],
  "#/definitions/Peer/properties/title": ["peers", "backupstore", "title"],
  "#/definitions/Peer/properties/description": ["peers", "backupstore", "description"],
  "#/definitions/Flow/properties/purpose": ["flows", 0, "purpose"],
  "#/definitions/Flow/properties/resolution": ["flows", 0, "resolution"],
  "#/definitions/Flow/properties/unenforceableReason": ["flows", 2, "unenforceableReason"],
  "#/definitions/Flow/properties/userDefinedPorts/properties/label": ["flows", 3, "userDefinedPorts", "label"],
  "#/definitions/Flow/properties/documentedOnly": ["flows", 4, "documentedOnly"],
  "#/definitions/Port/properties/description": ["flows", 0, "ports", 0, "description"],
  "#/definitions/Listener/properties/purpose": ["listeners", 3, "purpose"],
  "#/definitions/Listener/properties/closed": ["listeners", 3, "closed"],
};

/** Text that would be template or YAML syntax in a comment of the chart, or would break its line. */
const HOSTILE_TEXT = [
  '*/}}{{ print "apiVersion: v1\nkind: ConfigMap" }}{{/*',
  "{{ .Values.secret }}",
  '{{- fail "owned" -}}',
  "{{/* opens a comment",
  "closes a comment */",
  "closes an action }}",
  "Title\n---\napiVersion: v1\nkind: ConfigMap",
  "Title\nkind: Secret\nmetadata: {name: injected}",
  "Title\r\n---",
  "Title\u2028kind: Secret",
  "Title\u0085kind: Secret",
  "Title\tkind: Secret",
  "Title\u0000",
  "Title\u001b[2J",
  "Title\u202e",
  "Title\ufeff",
  " leading space",
  "trailing space ",
  "",
  "x".repeat(1001),
];

/** Prose that must stay valid: Unicode, single braces, colons, quotes, hashes, pipes. */
const FINE_TEXT = [
  "Manager → engine (v2): “quoted”, café, naïve, 日本語",
  "Uses {one brace} and a } alone, or a { alone",
  "50% of #1: done | yes; it's 'single' and \"double\"",
  "A path: C:\\longhorn\\*.img and /var/lib/longhorn/*",
  "x".repeat(1000),
];

function load(text: string, file = "hostile/1.9.yaml"): { diagnostics: Diagnostic[]; ok: boolean } {
  const result = new SpecLoader((f) => (f === file ? text : undefined)).load(file);
  return { diagnostics: result.diagnostics, ok: result.spec !== undefined && result.diagnostics.length === 0 };
}

function withValue(path: DocPath, value: unknown): string {
  const doc = parseDocument(BASE);
  doc.setIn(path, value);
  return doc.toString({ lineWidth: 0 });
}

/** The line where the value at `path` starts in `text`. */
function lineOfValue(text: string, path: DocPath): number {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const node = doc.getIn(path, true) as Node | undefined;
  return node?.range ? lineCounter.linePos(node.range[0]).line : 0;
}

function assertLocated(diagnostics: readonly Diagnostic[], label: string): void {
  for (const d of diagnostics) {
    const line = formatDiagnostic(d);
    assert.ok(d.line > 0, `${label}: unlocated: ${line}`);
    assert.ok(!/[\n\r\u0085\u2028\u2029]/.test(line), `${label}: more than one line: ${JSON.stringify(line)}`);
    assert.not.match(d.message, /text matching /, `${label}: a raw pattern in the message: ${line}`);
  }
}

test("the hostile base spec is valid and fills every free-text field", () => {
  const { ok, diagnostics } = load(BASE);
  assert.ok(ok, diagnostics.map(formatDiagnostic).join("\n"));
  const data = parseDocument(BASE).toJS() as unknown;
  for (const [field, path] of Object.entries(TEXT_FIELDS)) {
    let value: unknown = data;
    for (const segment of path) value = (value as Record<string | number, unknown>)[segment];
    assert.type(value, "string", `${field} at ${formatPath(path)}`);
  }
});

test("every use of the free-text definition in the schema is covered", () => {
  const uses: string[] = [];
  const walk = (node: unknown, pointer: string, owner: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${pointer}/${i}`, owner));
      return;
    }
    if (node === null || typeof node !== "object") return;
    const schema = node as Record<string, unknown>;
    if (schema.$ref === "#/definitions/Text") uses.push(owner);
    for (const [key, value] of Object.entries(schema)) {
      // A reference inside allOf belongs to the property holding the allOf.
      walk(value, `${pointer}/${key}`, key === "allOf" ? pointer : `${pointer}/${key}`);
    }
  };
  walk(specSchema, "#", "#");
  assert.equal(uses.sort(), Object.keys(TEXT_FIELDS).sort());
});

test("every pattern of the schema has a meaning in words", () => {
  assert.equal(undescribedPatterns(), []);
});

for (const [field, path] of Object.entries(TEXT_FIELDS)) {
  test(`free text ${formatPath(path)}: template and YAML syntax are refused where they are written`, () => {
    for (const value of HOSTILE_TEXT) {
      const text = withValue(path, value);
      const label = `${formatPath(path)} = ${JSON.stringify(value).slice(0, 60)}`;
      const { ok, diagnostics } = load(text);
      assert.not.ok(ok, `${label}: accepted`);
      assertLocated(diagnostics, label);
      const here = diagnostics.filter((d) => formatPath(d.path) === formatPath(path));
      assert.ok(here.length > 0, `${label}: nothing reported at the field:\n${diagnostics.map(formatDiagnostic).join("\n")}`);
      for (const d of here) {
        assert.is(d.line, lineOfValue(text, path), `${label}: line`);
        assert.match(d.message, /^(expected |must )/, `${label}: ${d.message}`);
      }
    }
  });

  test(`free text ${formatPath(path)}: ordinary prose passes (${field})`, () => {
    for (const value of FINE_TEXT) {
      const { ok, diagnostics } = load(withValue(path, value));
      assert.ok(ok, `${JSON.stringify(value)}: ${diagnostics.map(formatDiagnostic).join("\n")}`);
    }
  });
}

test("ids, versions and protocols name the look-alike character", () => {
  const cases: [DocPath, string, RegExp][] = [
    [["flows", 0, "id"], "worker\u2010to-manager", /character 7 is U\+2010, not ASCII/],
    [["flows", 0, "from"], "w\u043erker", /character 2 is U\+043E, not ASCII/],
    [["flows", 0, "ports", 0, "protocol"], "\u0422CP", /character 1 is U\+0422, not ASCII/],
    [["version"], "1\u20249", /character 2 is U\+2024, not ASCII/],
    [["flows", 0, "to"], "manager\u200b", /"manager\\u200B" \(character 8 is U\+200B, not ASCII/],
  ];
  for (const [path, value, hint] of cases) {
    const { diagnostics } = load(withValue(path, value));
    const here = diagnostics.find((d) => formatPath(d.path) === formatPath(path));
    assert.ok(here, `${formatPath(path)}: ${diagnostics.map(formatDiagnostic).join("\n")}`);
    assert.match(formatDiagnostic(here!), hint);
  }
});

test("the byte fixtures are still bytes (git did not re-encode them)", () => {
  const bytes = (name: string): Buffer => readFileSync(join(MALFORMED, name, "1.9.yaml"));
  for (const name of ["bytes-invalid-utf8", "bytes-latin1", "bytes-overlong-utf8"]) {
    assert.throws(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes(name)), undefined, name);
  }
  assert.equal([...bytes("bytes-bom-at-start").subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.ok(bytes("bytes-nul").includes(0), "bytes-nul holds a NUL");
  assert.ok(bytes("bytes-control-character").includes(7), "bytes-control-character holds a BEL");
});

test("invalid UTF-8 is reported alike from bytes and from leniently decoded text", () => {
  for (const name of ["bytes-invalid-utf8", "bytes-latin1", "bytes-overlong-utf8"]) {
    const raw = readFileSync(join(MALFORMED, name, "1.9.yaml"));
    const fromBytes = parseYaml(name, new Uint8Array(raw));
    const fromText = parseYaml(name, raw.toString("utf8"));
    assert.is(fromBytes.document, undefined);
    assert.equal(fromBytes.diagnostics, fromText.diagnostics, name);
    assert.match(fromBytes.diagnostics[0]!.message, /^not valid UTF-8 at column \d+/);
  }
  const valid = parseYaml("ok", new TextEncoder().encode('title: "caf\u00e9 \ufffd"\n'));
  assert.equal(valid.diagnostics, [], "bytes that are UTF-8 (a real U+FFFD included) parse");
});

test("random damage to a valid spec never throws and is always located", () => {
  // A fixed seed: the same mutants on every run.
  let seed = 20240610;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const pieces = ["{{", "}}", "*/", "\n", "\n---\n", "\t", ": ", "- ", "&a ", "*a", "!!binary ", "!x ", "%YAML 1.1\n", '"', "'", "[", "]", "{", "}", "#", "|", ">", "\u2028", "\ufffd", "\u0000", "\ufeff", "<<: ", "? ", "1e400", "\u0430", "  "];
  for (let i = 0; i < 400; i++) {
    let text = BASE;
    for (let k = 1 + random(3); k > 0; k--) {
      const at = random(text.length);
      const cut = random(4);
      text = text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at + cut);
    }
    let result: { diagnostics: Diagnostic[]; ok: boolean } | undefined;
    try {
      result = load(text);
    } catch (error) {
      assert.unreachable(`mutant ${i} threw ${String(error)}:\n${text}`);
    }
    assertLocated(result!.diagnostics, `mutant ${i}`);
  }
});

test("alias bombs and deep nesting end quickly as located errors", () => {
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let level = 1; level < 12; level++) {
    const name = String.fromCharCode(97 + level);
    const prev = String.fromCharCode(96 + level);
    bomb.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
  }
  const inputs = [bomb.join("\n"), `notes: ${"[".repeat(30000)}${"]".repeat(30000)}`, `${"- ".repeat(5000)}x`, `k: ${"{a: ".repeat(3000)}1${"}".repeat(3000)}`];
  for (const input of inputs) {
    const { diagnostics } = load(input);
    assert.ok(diagnostics.length > 0);
    assertLocated(diagnostics, input.slice(0, 40));
  }
});

test("a parent that cannot be read is a finding, not a crash", () => {
  const leaf = BASE.replace('status: ga\n', 'extends: "1.8"\nstatus: ga\n');
  const read = (file: string): string | undefined => {
    if (file === "dir/1.9.yaml") return leaf;
    const error = new Error(`EISDIR: illegal operation on a directory, read`) as NodeJS.ErrnoException;
    error.code = "EISDIR";
    throw error;
  };
  const result = new SpecLoader(read).load("dir/1.9.yaml");
  assert.equal(result.diagnostics.map(formatDiagnostic), ["dir/1.8.yaml cannot read the file (EISDIR)"]);
});

test("a 10,000-flow spec validates", () => {
  // 100 components, each calling every component (itself included) on its own port: 10,000 flows.
  const count = 100;
  const parts = ['product: longhorn\nversion: "1.9"\nstatus: ga\ncomponents:\n'];
  for (let i = 0; i < count; i++) {
    parts.push(
      `  c-${i}:\n    title: Component ${i}\n    workload: {kind: Deployment, createdBy: chart}\n` +
        `    selector:\n      matchLabels: {app: c-${i}}\n    podLabels: {app: c-${i}}\n    source: {docs: "1.9.0"}\n`,
    );
  }
  parts.push("flows:\n");
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < count; j++) {
      parts.push(
        `  - id: c-${i}-to-c-${j}\n    from: c-${i}\n    to: c-${j}\n    ports: [{port: ${10000 + i}, protocol: TCP}]\n` +
          `    purpose: Call ${i} to ${j}.\n` +
          `    source: {client: ["example/app@v1.0.0 client.go:${i + 1} Dial"], listener: ["example/app@v1.0.0 server.go:${j + 1} Listen"]}\n`,
      );
    }
  }
  parts.push("listeners:\n");
  for (let j = 0; j < count; j++) {
    parts.push(
      `  - {id: c-${j}-api, component: c-${j}, ports: [{port: 10000, endPort: ${10000 + count - 1}, protocol: TCP}], ` +
        `purpose: API., source: {listener: ["example/app@v1.0.0 server.go:${j + 1} Listen"]}}\n`,
    );
  }
  const file = "big/1.9.yaml";
  const result = new SpecLoader((f) => (f === file ? parts.join("") : undefined)).load(file);
  assert.equal(result.diagnostics.map(formatDiagnostic), []);
  assert.is(result.spec?.flows.length, count * count);
});

test.run();
