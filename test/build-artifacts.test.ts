// What `make build` compiles ahead of time into build/generated/ (scripts/build-artifacts.ts): the
// spec schema as Ajv standalone code and the chart's templates precompiled by Handlebars. netpolgen
// must use them while they are current, ignore them once their sources change, and get from them
// exactly what compiling in process gives.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkSchema, indexValidator } from "../generator/loader/schema-check.ts";
import { parseYaml } from "../generator/loader/source.ts";
import { compileSpecValidator, loadSpecValidator, STANDALONE_VALIDATOR } from "../generator/loader/spec-validator.ts";
import { renderChart } from "../generator/targets/helm/render-chart.ts";
import { compileTemplates, loadTemplates, PRECOMPILED_TEMPLATES, templatesFrom } from "../generator/targets/helm/templates.ts";
import { loadVersion, PROJECT_ROOT, SPEC_VERSIONS } from "./helpers.ts";

/** A scratch folder inside build/, so that the copies below resolve ajv and handlebars as the real ones do. */
function scratch(): string {
  return mkdtempSync(join(PROJECT_ROOT, "build", "test-artifacts-"));
}

/** Every spec file of the repository and of the malformed corpus. */
function specFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(PROJECT_ROOT, dir)).sort()) {
      const rel = `${dir}/${name}`;
      if (statSync(join(PROJECT_ROOT, rel)).isDirectory()) walk(rel);
      else if (name.endsWith(".yaml") && !name.endsWith("-values.yaml")) out.push(rel);
    }
  };
  walk("spec");
  walk("test/fixtures/malformed");
  return out;
}

test("make build compiled the spec schema and the templates, and netpolgen uses them", () => {
  assert.is(loadSpecValidator().origin, "standalone", `${STANDALONE_VALIDATOR} is missing or stale: run make build`);
  assert.is(loadTemplates().origin, "precompiled", `${PRECOMPILED_TEMPLATES} is missing or stale: run make build`);
});

test("the standalone validator reports exactly what Ajv compiled in process reports", () => {
  const standalone = indexValidator(loadSpecValidator());
  const runtime = indexValidator(compileSpecValidator());
  assert.is(runtime.validator.origin, "runtime");
  let withErrors = 0;
  for (const file of specFiles()) {
    const parsed = parseYaml(file, readFileSync(join(PROJECT_ROOT, file)));
    if (!parsed.document) continue;
    const ours = checkSchema(parsed.document, standalone);
    assert.equal(ours, checkSchema(parsed.document, runtime), file);
    // The raw errors too, each subschema named by its place in the schema.
    const errors = (v: typeof standalone) => {
      v.validator.validate(parsed.document!.data);
      return (v.validator.validate.errors ?? []).map(({ parentSchema, schema, ...rest }) => ({
        ...rest,
        schema: JSON.stringify(schema),
        parentSchema: v.pointers.get(parentSchema as object) ?? "not a node of the schema",
      }));
    };
    assert.equal(errors(standalone), errors(runtime), file);
    if (ours.length > 0) withErrors++;
  }
  assert.ok(withErrors >= 30, `only ${withErrors} files with schema errors compared`);
});

test("a standalone validator made from another schema, or that does not load, is not used", () => {
  const dir = scratch();
  try {
    const code = readFileSync(join(PROJECT_ROOT, STANDALONE_VALIDATOR), "utf8");
    assert.ok(code.includes('"title":"FlowSpec"'));
    const stale = join(dir, "stale.cjs");
    writeFileSync(stale, code.replace('"title":"FlowSpec"', '"title":"Another"'));
    assert.is(loadSpecValidator(stale).origin, "runtime");
    const broken = join(dir, "broken.cjs");
    writeFileSync(broken, code.slice(0, code.length / 2));
    assert.is(loadSpecValidator(broken).origin, "runtime");
    const copy = join(dir, "copy.cjs");
    writeFileSync(copy, code);
    assert.is(loadSpecValidator(copy).origin, "standalone");
    assert.is(loadSpecValidator(join(dir, "missing.cjs")).origin, "runtime");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the precompiled templates render the chart byte for byte as templates compiled in process", () => {
  const specs = SPEC_VERSIONS.map(loadVersion);
  const precompiled = renderChart(specs, "0.0.0", loadTemplates().templates);
  const compiled = renderChart(specs, "0.0.0", compileTemplates());
  assert.is(precompiled.length, compiled.length);
  precompiled.forEach((file, i) => assert.equal(file, compiled[i], file.path));
});

test("precompiled templates made from other template text, or that do not load, are not used", () => {
  const dir = scratch();
  try {
    const code = readFileSync(join(PROJECT_ROOT, PRECOMPILED_TEMPLATES), "utf8");
    const stale = join(dir, "stale.cjs");
    writeFileSync(stale, `${code}\nexports.sources["rule.yaml.hbs"] = "an older rule";\n`);
    assert.is(templatesFrom(stale).origin, "runtime");
    const broken = join(dir, "broken.cjs");
    writeFileSync(broken, code.slice(0, code.length / 2));
    assert.is(templatesFrom(broken).origin, "runtime");
    const copy = join(dir, "copy.cjs");
    writeFileSync(copy, code);
    assert.is(templatesFrom(copy).origin, "precompiled");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
