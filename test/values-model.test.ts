// The values model on its own: values.yaml, the schema and the README rows all come from one tree.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Ajv } from "ajv";
import { readYaml as parse } from "../generator/lib/yaml.ts";
import { renderValues, valuesModel, valuesSchema, valueTree } from "../generator/targets/helm/chart-values.ts";
import { defaults, groupSchema, isGroup, renderValuesYaml, valueRows, type ValueNode } from "../generator/targets/helm/values-model.ts";
import { loadVersion, SPEC_VERSIONS } from "./helpers.ts";

const model = valuesModel(SPEC_VERSIONS.map((v) => loadVersion(v)));
const tree = valueTree(model);

test("values.yaml reads back as the tree's defaults", () => {
  assert.equal(parse(renderValues(model)), defaults(tree));
});

test("the defaults satisfy the schema, and deleting any key is refused by name", () => {
  const ajv = new Ajv({ allErrors: true, strict: false, formats: { ipv4: true, ipv6: true } });
  const validate = ajv.compile(valuesSchema(model));
  assert.ok(validate(defaults(tree)), JSON.stringify(validate.errors));
  const leaves: string[][] = [];
  const walk = (nodes: readonly ValueNode[], path: string[]) => {
    for (const node of nodes) {
      leaves.push([...path, node.key]);
      if (isGroup(node)) walk(node.children, [...path, node.key]);
    }
  };
  walk(tree, []);
  assert.is(leaves.length, valueRows(tree).length);
  for (const path of leaves) {
    const values = defaults(tree) as Record<string, Record<string, unknown>>;
    const parent = path.slice(0, -1).reduce<Record<string, unknown>>((v, k) => v[k] as Record<string, unknown>, values);
    delete parent[path[path.length - 1]!];
    assert.not.ok(validate(values), `${path.join(".")} deleted`);
    assert.ok(validate.errors!.some((e) => e.keyword === "required" && (e.params as { missingProperty: string }).missingProperty === path[path.length - 1]), path.join("."));
  }
});

test("every value has a description, an example and (leaves) a type", () => {
  for (const row of valueRows(tree)) {
    assert.ok(row.description.length > 10, row.path);
    assert.ok(row.example.length > 0, row.path);
    assert.ok(row.type.length > 0, row.path);
  }
  assert.is(model.components.length, 19);
  assert.is(model.features.length, 1);
  const rows = {
    longhorn: 1 + 3,
    networkPolicies: 1 + 3, // the group, enabled, type, cni
    components: 1 + 19 * 5, // the group; per component its group, enabled and three extras
    ui: 1 + 1,
    features: 1 + 1,
    cidrListsAndScrapers: 4, // kubeAPIServerSourceCIDRs, nodeCIDRs, ciliumLocalHostCIDRs, metricsScrapeSources
    egress: 1 + 1 + (1 + 3) + (1 + 2) + 3 * (1 + 3), // enabled, dns, kubeAPIServer, three destinations
    tests: 1 + 4, // enabled, image, outsiderNamespace, timeoutSeconds
    topLevel: 5, // nameOverride, fullnameOverride, commonLabels, commonAnnotations, global
  };
  assert.is(valueRows(tree).length, Object.values(rows).reduce((a, b) => a + b));
});

test("a small tree: block defaults, quoting, notes, and groups sharing a definition", () => {
  const small: ValueNode[] = [
    { key: "a", description: ["A group.", "Second line."], example: "a: {}", note: ["A note."], children: [
      { key: "s", type: "string", default: "1.12", schema: { type: "string" }, description: ["Quoted: YAML would read a number."], example: "--set a.s=x" },
      { key: "t", type: "string", default: "k3s", schema: { type: "string" }, description: ["Plain."], example: "--set a.t=x" },
      { key: "u", type: "string", default: "yes", schema: { type: "string" }, description: ["Quoted: YAML 1.1 would read a boolean."], example: "--set a.u=x" },
      { key: "m", type: "selector", default: { matchLabels: { "k8s-app": "kube-dns" } }, schema: { type: "object" }, description: ["A block."], example: "x" },
      { key: "l", type: "list", default: [443, 6443], schema: { type: "array" }, description: ["A flow list."], example: "x" },
    ] },
    { key: "b", description: ["Shares."], example: "x", definition: "common", blankBefore: true, children: [
      { key: "on", type: "bool", default: true, schema: { type: "boolean" }, description: ["Bool."], example: "x" },
    ] },
  ];
  assert.fixture(
    renderValuesYaml(small, ["Header."]),
    [
      "# Header.",
      "# A note.",
      "# -- A group.",
      "# Second line.",
      "a:",
      "  # -- Quoted: YAML would read a number.",
      '  s: "1.12"',
      "  # -- Plain.",
      "  t: k3s",
      "  # -- Quoted: YAML 1.1 would read a boolean.",
      '  u: "yes"',
      "  # -- A block.",
      "  m:",
      "    matchLabels:",
      "      k8s-app: kube-dns",
      "  # -- A flow list.",
      "  l: [443, 6443]",
      "",
      "# -- Shares.",
      "b:",
      "  # -- Bool.",
      "  on: true",
      "",
    ].join("\n"),
  );
  const schema = groupSchema(small) as { required: string[]; properties: Record<string, { description: string; allOf?: unknown[] }> };
  assert.equal(schema.required, ["a", "b"]);
  assert.is(schema.properties.a!.description, "A group. Second line.");
  assert.equal(schema.properties.b!.allOf, [{ $ref: "#/definitions/common" }]);
  assert.equal(valueRows(small).map((r) => [r.path, r.default]), [
    ["a", '{s: "1.12", t: k3s, u: "yes", m: {matchLabels: {k8s-app: kube-dns}}, l: [443, 6443]}'],
    ["a.s", '"1.12"'],
    ["a.t", "k3s"],
    ["a.u", '"yes"'],
    ["a.m", "{matchLabels: {k8s-app: kube-dns}}"],
    ["a.l", "[443, 6443]"],
    ["b", "{on: true}"],
    ["b.on", "true"],
  ]);
});

test.run();
