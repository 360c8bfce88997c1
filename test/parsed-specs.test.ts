// The spec files parsed at build time (loader/parsed-specs.ts) and the loader's memo of applied
// chains (resolve.ts): both are ways of not doing work twice, so each must give exactly what doing
// the work gives: the same data, lines, specs and diagnostics.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { DocPath } from "../generator/lib/diagnostics.ts";
import { SpecLoader } from "../generator/loader/load.ts";
import { loadParsedSpecs, PARSED_SPECS, ParsedSpecs, parsedSpecsFrom, parsedSpecsJson } from "../generator/loader/parsed-specs.ts";
import { parseYaml } from "../generator/loader/source.ts";
import { PROJECT_ROOT } from "./helpers.ts";

/** Spec folders: the real versions, the inheritance fixtures, and every malformed case. */
function folders(): string[] {
  const malformed = "test/fixtures/malformed";
  return [
    "spec/longhorn",
    "test/fixtures/inheritance",
    ...readdirSync(join(PROJECT_ROOT, malformed))
      .filter((name) => statSync(join(PROJECT_ROOT, malformed, name)).isDirectory())
      .map((name) => `${malformed}/${name}`),
  ];
}

function yamlFiles(folder: string): string[] {
  return readdirSync(join(PROJECT_ROOT, folder))
    .filter((f) => f.endsWith(".yaml"))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
    .map((f) => `${folder}/${f}`);
}

const read = (file: string) => readFileSync(join(PROJECT_ROOT, file));

/** Every path into a value: each map key (as a key and as a value) and each list index, and a few that lead nowhere. */
function pathsOf(value: unknown, at: DocPath = []): DocPath[] {
  const out: DocPath[] = [at, [...at, "no-such-key"], [...at, 99999]];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...pathsOf(item, [...at, i])));
  else if (value !== null && typeof value === "object") for (const [key, item] of Object.entries(value)) out.push(...pathsOf(item, [...at, key]));
  return out;
}

test("make build parsed the spec files, and the compiled netpolgen takes them from there", async () => {
  const compiled = (await import(pathToFileURL(join(PROJECT_ROOT, "build/generator/loader/parsed-specs.js")).href)) as typeof import("../generator/loader/parsed-specs.ts");
  const parsed = compiled.loadParsedSpecs();
  assert.ok(parsed, `${PARSED_SPECS} is missing or was made by other code: run make build`);
  assert.is(parsed.size, yamlFiles("spec/longhorn").length);
  for (const file of yamlFiles("spec/longhorn")) assert.ok(parsed.get(file, read(file)), file);
  // The sources (run by tsx here) are other code than the build's: they parse.
  assert.is(loadParsedSpecs(), undefined);
});

test("a document from the parsed files is the document parsed anew: data and the line of every path", () => {
  const files = folders().flatMap(yamlFiles);
  const parsed = new ParsedSpecs(JSON.parse(parsedSpecsJson(files.map((path) => ({ path, bytes: read(path) })))));
  let taken = 0;
  for (const file of files) {
    const bytes = read(file);
    const cached = parsed.get(file, bytes);
    const fresh = parseYaml(file, bytes).document;
    if (!cached) continue;
    taken++;
    assert.ok(fresh, file);
    assert.equal(cached.data, fresh!.data, file);
    assert.equal(cached.positions(), fresh!.positions(), file);
    for (const path of pathsOf(fresh!.data)) {
      for (const key of [false, true]) assert.is(cached.lineOf(path, { key }), fresh!.lineOf(path, { key }), `${file} ${JSON.stringify(path)} key=${key}`);
    }
    // Fresh objects at every call: nothing a caller changes reaches the next one.
    assert.is.not(parsed.get(file, bytes)!.data, cached.data);
    // Text given as a string, and changed bytes, are never taken from there.
    assert.is(parsed.get(file, bytes.toString("utf8")), undefined);
    assert.is(parsed.get(file, Buffer.concat([bytes, Buffer.from("\n# edited\n")])), undefined);
  }
  assert.ok(taken >= 20, `only ${taken} files taken from the parsed files`);
});

test("loading with the parsed files gives the same specs and diagnostics as parsing, for every folder", () => {
  for (const folder of folders()) {
    const files = yamlFiles(folder);
    const parsed = new ParsedSpecs(JSON.parse(parsedSpecsJson(files.map((path) => ({ path, bytes: read(path) })))));
    const withParsed = new SpecLoader(read, parsed);
    const without = new SpecLoader(read);
    for (const file of files) assert.equal(withParsed.load(file), without.load(file), file);
  }
});

test("parsed files made by other code, or unreadable, are not used", () => {
  const dir = mkdtempSync(join(PROJECT_ROOT, "build", "test-parsed-"));
  try {
    const files = yamlFiles("spec/longhorn").map((path) => ({ path, bytes: read(path) }));
    const made = JSON.parse(parsedSpecsJson(files)) as { madeWith: Record<string, string> };
    const write = (name: string, content: unknown) => {
      writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
      return join(dir, name);
    };
    assert.ok(parsedSpecsFrom(write("same.json", made)), "made by the code running now");
    for (const key of Object.keys(made.madeWith)) {
      const other = { ...made, madeWith: { ...made.madeWith, [key]: `${made.madeWith[key]} ` } };
      assert.is(parsedSpecsFrom(write("other.json", other)), undefined, key);
    }
    const fewer = { ...made, madeWith: Object.fromEntries(Object.entries(made.madeWith).slice(1)) };
    assert.is(parsedSpecsFrom(write("fewer.json", fewer)), undefined);
    assert.is(parsedSpecsFrom(write("broken.json", JSON.stringify(made).slice(0, 100))), undefined);
    assert.is(parsedSpecsFrom(join(dir, "missing.json")), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("one loader resolving every version, in any order, gives what a loader per version gives", () => {
  for (const folder of folders()) {
    const files = yamlFiles(folder);
    const alone = files.map((file) => new SpecLoader(read).load(file));
    for (const order of [files, [...files].reverse()]) {
      const shared = new SpecLoader(read);
      const results = new Map(order.map((file) => [file, shared.load(file)]));
      files.forEach((file, i) => assert.equal(results.get(file), alone[i], `${folder}: ${file}`));
      // Loading again gives the same, and a spec of its own: changing one changes no other.
      const again = shared.load(files[files.length - 1]!);
      assert.equal(again, alone[alone.length - 1]);
      if (again.spec && again.spec.flows.length > 0) {
        const first = shared.load(files[files.length - 1]!).spec!;
        assert.is.not(first.flows[0], again.spec.flows[0]);
      }
    }
  }
});

test.run();
