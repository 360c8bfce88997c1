// The Handlebars templates of the chart (templates/*.hbs), ready to run. `make build` precompiles them
// (scripts/build-artifacts.ts) into build/generated/helm-templates.cjs, which needs only Handlebars'
// small runtime; the file carries the text of every template it was made from, and is used only
// while each template file still holds that text and Handlebars is the version that compiled it.
// Otherwise (no build, a template edited since) the templates are compiled here, as before.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type HandlebarsNamespace from "handlebars";
import { PROJECT_ROOT } from "../../lib/files.ts";

const require = createRequire(import.meta.url);

type Handlebars = typeof HandlebarsNamespace;
export type Template = HandlebarsNamespace.TemplateDelegate;

/** Beside this file in the sources; found from the project root when running compiled from build/. */
export const TEMPLATES_DIR = join(PROJECT_ROOT, "generator/targets/helm/templates");

/** Where `make build` writes the precompiled templates, relative to the project root. */
export const PRECOMPILED_TEMPLATES = "build/generated/helm-templates.cjs";

/** Partials by the name templates call them with (`{{> rule}}`). */
const PARTIALS = { rule: "rule.yaml.hbs", egressRule: "egress-rule.yaml.hbs", extraPorts: "extra-ports.yaml.hbs", native: "native.yaml.hbs" } as const;
/** The templates renderChart runs. */
const TEMPLATES = { policy: "policy.yaml.hbs", helpers: "helpers.tpl.hbs", notes: "NOTES.txt.hbs", tests: "tests.yaml.hbs" } as const;
const FILES = [...Object.values(PARTIALS), ...Object.values(TEMPLATES)];
/**
 * Compiled with noEscape and strict, partials included (Handlebars compiles a partial given as text
 * with the options of the template that calls it: the same).
 */
const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

export type Templates = Record<keyof typeof TEMPLATES, Template>;

interface PrecompiledModule {
  handlebarsVersion: string;
  /** Each template's text when it was precompiled, by file name. */
  sources: Record<string, string>;
  /** Each template's precompiled spec, by file name. */
  specs: Record<string, Parameters<Handlebars["template"]>[0]>;
}


/** A Handlebars environment of our own (the partials are not registered globally), with our helpers. */
function environment(handlebars: Handlebars): Handlebars {
  const env = handlebars.create();
  /**
   * Spec text printed by a Helm template, as a Go-template string constant: whatever it holds (braces,
   * quotes, newlines) prints literally and can never become template syntax.
   */
  env.registerHelper("goString", (text: unknown) => `{{ ${JSON.stringify(String(text))} }}`);
  /** The same constant, for use inside a Helm action. */
  env.registerHelper("goLiteral", (text: unknown) => JSON.stringify(String(text)));
  return env;
}

export interface LoadedTemplates {
  templates: Templates;
  /** precompiled: the build's; runtime: compiled in this process. */
  origin: "precompiled" | "runtime";
}

let loaded: LoadedTemplates | undefined;

/** The templates, precompiled by the build when it is current, else compiled now; once per process. */
export function loadTemplates(): LoadedTemplates {
  loaded ??= templatesFrom(join(PROJECT_ROOT, PRECOMPILED_TEMPLATES));
  return loaded;
}

/** The templates precompiled in `file` when it was made from the current templates, else compiled now. */
export function templatesFrom(file: string): LoadedTemplates {
  const sources = readSources();
  const precompiled = existsSync(file) ? loadPrecompiled(file) : undefined;
  if (precompiled && FILES.every((f) => precompiled.sources[f] === sources[f])) {
    // Handlebars' runtime in one file (its dist build of the same sources: a third of the time of
    // its 21 CommonJS modules), checked to be the version that precompiled them.
    const runtime = require("handlebars/dist/handlebars.runtime.js") as Handlebars;
    if (runtime.VERSION !== precompiled.handlebarsVersion) return { templates: compileTemplates(sources), origin: "runtime" };
    const env = environment(runtime);
    for (const [name, f] of Object.entries(PARTIALS)) env.registerPartial(name, env.template(precompiled.specs[f]!));
    const templates = Object.fromEntries(Object.entries(TEMPLATES).map(([name, f]) => [name, env.template(precompiled.specs[f]!)])) as Templates;
    return { templates, origin: "precompiled" };
  }
  return { templates: compileTemplates(sources), origin: "runtime" };
}

/** The module, or undefined when it does not load (a build interrupted half-way): then they are compiled. */
function loadPrecompiled(file: string): PrecompiledModule | undefined {
  try {
    return require(file) as PrecompiledModule;
  } catch {
    return undefined;
  }
}

/** The templates compiled in this process from their text (the full Handlebars loaded only now). */
export function compileTemplates(sources: Record<string, string> = readSources()): Templates {
  const env = environment(require("handlebars") as Handlebars);
  for (const [name, f] of Object.entries(PARTIALS)) env.registerPartial(name, sources[f]!);
  return Object.fromEntries(Object.entries(TEMPLATES).map(([name, f]) => [name, env.compile(sources[f]!, COMPILE_OPTIONS)])) as Templates;
}

function readSources(): Record<string, string> {
  return Object.fromEntries(FILES.map((file) => [file, readFileSync(join(TEMPLATES_DIR, file), "utf8")]));
}

/** The code of build/generated/helm-templates.cjs (for scripts/build-artifacts.ts). */
export function precompiledTemplatesCode(): string {
  const handlebars = require("handlebars") as Handlebars;
  const sources = readSources();
  const specs = FILES.map((f) => `  ${JSON.stringify(f)}: ${handlebars.precompile(sources[f]!, COMPILE_OPTIONS) as unknown as string},`);
  return [
    '"use strict";',
    "// Generated by `make build` (scripts/build-artifacts.ts) from generator/targets/helm/templates/*.hbs; do not edit.",
    `exports.handlebarsVersion = ${JSON.stringify(handlebars.VERSION)};`,
    `exports.sources = ${JSON.stringify(sources, null, 2)};`,
    "exports.specs = {",
    ...specs,
    "};",
    "",
  ].join("\n");
}
