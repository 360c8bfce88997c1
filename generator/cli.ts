// The command line: reads arguments and files, runs the pipeline, prints, and sets the exit code.
import { Command, CommanderError, Option } from "commander";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { PROJECT_ROOT, readBytes, readText } from "./lib/files.ts";
import { minorOf } from "./lib/versions.ts";
import { DiagnosticError, formatDiagnostic, uniqueDiagnostics, type Diagnostic } from "./lib/diagnostics.ts";
import type { FirewallFlags } from "./loader/firewall-config.ts";
import type { SpecLoader } from "./loader/load.ts";
import type { ParsedSpecs } from "./loader/parsed-specs.ts";
import type { ResolvedSpec } from "./loader/model.ts";
import type { Checkout } from "./report/audit.ts";
import type { VerifyRequest, VerifyResult } from "./verify/verify.ts";
import { extraFiles, holdsExactly, replaceDirectoryAtomically, staleFiles, writeFilesAtomically, type OutputFile } from "./lib/write.ts";

/**
 * The stages, loaded when a command needs them: the loader and the renderer bring the YAML and
 * template libraries, verify the Kubernetes schemas, none of which `--help` and `--version` should
 * wait for.
 */
const stages = {
  loader: () => import("./loader/load.ts"),
  parsedSpecs: () => import("./loader/parsed-specs.ts"),
  pipeline: () => import("./pipeline.ts"),
  audit: () => import("./report/audit.ts"),
  diff: () => import("./report/diff.ts"),
  show: () => import("./report/show.ts"),
  firewallCheck: () => import("./report/firewall-check.ts"),
  firewallConfig: () => import("./loader/firewall-config.ts"),
  verify: () => import("./verify/verify.ts"),
  helm: () => import("./verify/helm.ts"),
  metadata: () => import("./release/metadata.ts"),
  package: () => import("./release/package.ts"),
  newVersion: () => import("./release/new-version.ts"),
  yaml: () => import("./lib/yaml.ts"),
};


const EXIT_OK = 0;
const EXIT_INVALID = 1;
const EXIT_USAGE = 2;

/** A mistake in how the command was called: printed with the usage hint, exit 2. */
class UsageError extends Error {}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

/** Paths in messages are relative to the working directory, as a user typed them. */
function displayPath(io: Io, file: string): string {
  const rel = relative(io.cwd, file);
  return rel.startsWith("..") ? file : rel;
}

async function loaderFor(io: Io): Promise<SpecLoader> {
  const [{ SpecLoader }, parsed] = await Promise.all([stages.loader(), parsedSpecs()]);
  // The loader sees display paths, so every diagnostic names files the way the user would.
  return new SpecLoader((file) => readBytes(resolve(io.cwd, file)), parsed);
}

/** The spec files the build parsed already, when they were parsed by the code running now. */
async function parsedSpecs(): Promise<ParsedSpecs | undefined> {
  return (await stages.parsedSpecs()).loadParsedSpecs();
}

function specFilesIn(dir: string): string[] {
  if (!existsSync(dir)) throw new UsageError(`spec directory ${dir} does not exist`);
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".yaml"))
    .map((name) => join(dir, name))
    .sort(compareVersionPaths);
}

/** spec/longhorn/1.9.yaml before spec/longhorn/1.10.yaml */
function compareVersionPaths(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/** "1.9", "1.9.2" and "v1.9.2" all name the 1.9 spec. */
function specMinor(version: string): string {
  const minor = minorOf(version);
  if (!minor) throw new UsageError(`--version "${version}" is not a version like 1.12, 1.12.1 or v1.12.1`);
  return minor;
}

/** The chart version is the project's version (package.json), bumped on every chart change. */
function chartVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string }).version;
}

/** The release the chart is generated for: package.json's version, its CHANGELOG.md entry, the signing key. */
async function chartReleaseAt(root: string) {
  const { chartRelease } = await stages.metadata();
  return chartRelease(readFileSync(join(root, "package.json"), "utf8"), readText(join(root, "CHANGELOG.md")));
}

function printDiagnostics(io: Io, diagnostics: Diagnostic[]): void {
  for (const d of uniqueDiagnostics(diagnostics)) io.err(formatDiagnostic(d));
}

async function loadVersion(io: Io, specDir: string, product: string, version: string): Promise<ResolvedSpec> {
  const minor = specMinor(version);
  const productDir = join(specDir, product);
  const file = join(productDir, `${minor}.yaml`);
  if (!existsSync(resolve(io.cwd, file))) {
    const known = existsSync(resolve(io.cwd, productDir))
      ? specFilesIn(resolve(io.cwd, productDir)).map((f) => f.replace(/^.*\//, "").replace(/\.yaml$/, ""))
      : [];
    throw new UsageError(`no ${product} ${minor} spec (${file}); supported: ${known.join(", ") || "none"}`);
  }
  const result = (await loaderFor(io)).load(file);
  if (result.diagnostics.length > 0 || !result.spec) throw new DiagnosticError(result.diagnostics);
  return result.spec;
}

/** The folder of spec/ that holds the host profiles. */
const HOSTS_DIR = "hosts";

/** The Longhorn minors with a spec file under the spec directory. */
function longhornVersions(io: Io, specDir: string): string[] {
  const dir = resolve(io.cwd, specDir, "longhorn");
  return existsSync(dir) ? specFilesIn(dir).map((f) => basename(f, ".yaml")) : [];
}

async function hostLoaderFor(io: Io, specDir: string) {
  const { HostSpecLoader } = await import("./loader/host-load.ts");
  return new HostSpecLoader((file) => readBytes(resolve(io.cwd, file)), longhornVersions(io, specDir));
}

/** Every host profile under the spec directory (none when it has no hosts/ folder). */
async function loadAllHostProfiles(io: Io, specDir: string) {
  const dir = resolve(io.cwd, specDir, HOSTS_DIR);
  if (!existsSync(dir)) return [];
  const { loadHostProfiles } = await stages.pipeline();
  const files = specFilesIn(dir).map((f) => displayPath(io, f));
  return loadHostProfiles(files, (file) => readBytes(resolve(io.cwd, file)), longhornVersions(io, specDir));
}

/** One host profile by name, with the Longhorn spec its rows come from (`longhorn` overrides the version). */
async function loadHostProfile(io: Io, specDir: string, name: string, longhorn?: string) {
  const dir = join(specDir, HOSTS_DIR);
  const file = join(dir, `${name}.yaml`);
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !existsSync(resolve(io.cwd, file))) {
    const known = existsSync(resolve(io.cwd, dir)) ? specFilesIn(resolve(io.cwd, dir)).map((f) => basename(f, ".yaml")) : [];
    throw new UsageError(`no host profile ${JSON.stringify(name)} (${file}); profiles: ${known.join(", ") || "none"}`);
  }
  const result = (await hostLoaderFor(io, specDir)).load(file);
  if (result.diagnostics.length > 0 || !result.profile) throw new DiagnosticError(result.diagnostics);
  const profile = result.profile;
  if (longhorn !== undefined && !profile.longhorn) throw new UsageError(`--longhorn: the ${name} profile has no Longhorn rows`);
  const spec = profile.longhorn ? await loadVersion(io, specDir, "longhorn", longhorn ?? profile.longhorn.version) : undefined;
  return { profile, longhorn: spec };
}

interface FirewallOptions extends FirewallFlags {
  profile?: string;
  role?: string;
  format?: "firewalld" | "nftables" | "markdown";
  config?: string;
  longhorn?: string;
  out?: string;
  specDir: string;
}

/** The profile, its Longhorn spec, the role checked, and the settings: the config file with the flags over it. */
async function firewallSetup(io: Io, options: FirewallOptions) {
  if (options.profile === undefined || options.role === undefined) throw new UsageError("firewall needs --profile NAME and --role ROLE");
  const { profile, longhorn } = await loadHostProfile(io, options.specDir, options.profile, options.longhorn);
  const roles = [...profile.roles.keys()];
  if (!roles.includes(options.role)) throw new UsageError(`--role ${JSON.stringify(options.role)} is not a role of ${profile.profile} (roles: ${roles.join(", ")})`);
  const { loadFirewallConfig, settingsFromFlags } = await stages.firewallConfig();
  let config;
  if (options.config !== undefined) {
    const bytes = readBytes(resolve(io.cwd, options.config));
    if (bytes === undefined) throw new UsageError(`--config ${options.config}: no such file`);
    const loaded = loadFirewallConfig(options.config, bytes, profile);
    if (!loaded.config) throw new DiagnosticError(loaded.diagnostics);
    config = loaded.config;
  }
  const merged = settingsFromFlags(options, config, profile);
  if ("problem" in merged) throw new UsageError(merged.problem);
  const settings = merged.settings;
  return { profile, longhorn, settings };
}

/** What verify and diff share: the chart and values files checked, every spec version, helm. */
async function renderSetup(io: Io, options: { chart: string; values: string[]; namespace: string; specDir: string }) {
  const [{ loadSpecs }, { helmBinary }, parsed] = await Promise.all([stages.pipeline(), stages.helm(), parsedSpecs()]);
  const chart = resolve(io.cwd, options.chart);
  if (!existsSync(join(chart, "Chart.yaml"))) throw new UsageError(`${options.chart} is not a chart (no Chart.yaml)`);
  for (const file of options.values) if (!existsSync(resolve(io.cwd, file))) throw new UsageError(`${file}: no such values file`);
  const specFiles = specFilesIn(resolve(io.cwd, options.specDir, "longhorn")).map((f) => displayPath(io, f));
  /** In version order (specFilesIn sorts numerically). */
  const ordered = loadSpecs(specFiles, (file) => readBytes(resolve(io.cwd, file)), parsed);
  const specs = new Map(ordered.map((s) => [s.version, s]));
  const specFor = (version: string): ResolvedSpec => {
    const spec = specs.get(specMinor(version));
    if (!spec) throw new UsageError(`no longhorn ${specMinor(version)} spec; supported: ${[...specs.keys()].join(", ")}`);
    return spec;
  };
  const base = { helm: helmBinary(PROJECT_ROOT), chart, release: "lhnp", namespace: options.namespace, specs };
  return { ordered, specFor, base, valueFiles: options.values.map((f) => resolve(io.cwd, f)) };
}

/** Whether a file says it was generated by netpolgen (in its header, or the schema's description). */
function isGenerated(file: string): boolean {
  const head = readFileSync(file, "utf8").slice(0, 1024);
  return head.includes("Generated by netpolgen");
}

/**
 * A tree is replaced as a whole: files in it that netpolgen did not write would be lost. Prints them
 * and returns true when there are any.
 */
function refuseForeignFiles(io: Io, root: string, trees: readonly { dir: string; files: readonly OutputFile[] }[], command: string): boolean {
  const foreign = trees.flatMap((t) => extraFiles(root, t.dir, t.files)).filter((path) => !isGenerated(join(root, path)));
  if (foreign.length === 0) return false;
  for (const path of foreign) io.err(`${path}: not written by netpolgen; ${command} replaces ${path.split("/")[0]}/ as a whole and would delete it`);
  io.err(`nothing written: move ${foreign.length === 1 ? "that file" : "those files"} out (edit spec/ or the generator instead), then run ${command} again`);
  return true;
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("netpolgen")
    .description("Longhorn port/flow spec → least-privilege NetworkPolicies, docs tables and firewall rules")
    // Program options only before the command, so that `verify --version 1.12` stays verify's.
    .enablePositionalOptions()
    .version(`netpolgen ${chartVersion()}`, "-V, --version", "print netpolgen's version (the chart version it generates)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, "")), writeErr: (s) => io.err(s.replace(/\n$/, "")) })
    .showHelpAfterError("(run netpolgen --help for usage)");
  const specDirOption = (): Option =>
    new Option("--spec-dir <dir>", "the spec directory").default(displayPath(io, join(PROJECT_ROOT, "spec")));

  program
    .command("validate")
    .description("check spec files (default: every file under the spec directory); exit 1 when any is invalid")
    .argument("[files...]", "spec files to validate")
    .addOption(specDirOption())
    .action(async (files: string[], options: { specDir: string }) => {
      // A directory stands for every spec file under it.
      const targets = (files.length > 0 ? files : [displayPath(io, resolve(io.cwd, options.specDir))]).flatMap((file) => {
        const abs = resolve(io.cwd, file);
        if (!existsSync(abs)) throw new UsageError(`${file}: no such file or directory`);
        if (!statSync(abs).isDirectory()) return [file];
        const inside = specFilesIn(abs).map((f) => displayPath(io, f));
        if (inside.length === 0) throw new UsageError(`${file}: a directory with no .yaml spec file`);
        return inside;
      });
      // Files in a hosts/ folder are host profiles (spec/hosts/), the rest Longhorn versions.
      const isHost = (file: string): boolean => basename(dirname(resolve(io.cwd, file))) === HOSTS_DIR;
      const hostFiles = targets.filter(isHost);
      const loader = await loaderFor(io);
      const diagnostics = targets.filter((f) => !isHost(f)).flatMap((file) => loader.load(file).diagnostics);
      if (hostFiles.length > 0) {
        const hosts = await hostLoaderFor(io, options.specDir);
        diagnostics.push(...hostFiles.flatMap((file) => hosts.load(file).diagnostics));
      }
      if (diagnostics.length > 0) {
        printDiagnostics(io, diagnostics);
        const count = uniqueDiagnostics(diagnostics).length;
        io.err(`${count} problem${count === 1 ? "" : "s"} in ${targets.length} file${targets.length === 1 ? "" : "s"}`);
        setExit(EXIT_INVALID);
        return;
      }
      io.out(`${targets.length} spec file${targets.length === 1 ? "" : "s"} valid`);
    });

  program
    .command("show")
    .description("print the resolved flow table of one version")
    .requiredOption("--version <version>", "the product version: a minor like 1.9, or a patch like 1.9.2 / v1.9.2")
    .option("--product <name>", "the product", "longhorn")
    .addOption(new Option("--output <format>", "output format").choices(["markdown", "json"]).default("markdown"))
    .addOption(specDirOption())
    .action(async (options: { version: string; product: string; output: string; specDir: string }) => {
      const spec = await loadVersion(io, options.specDir, options.product, options.version);
      const { specAsJson, specAsMarkdown } = await stages.show();
      io.out((options.output === "json" ? specAsJson(spec) : specAsMarkdown(spec)).replace(/\n$/, ""));
    });

  program
    .command("generate")
    .description("write every generated file (chart/, spec types); with --check, write nothing and exit 1 when any is stale")
    .option("--check", "compare instead of writing")
    .addOption(specDirOption())
    .action(async (options: { check?: boolean; specDir: string }) => {
      const specFiles = specFilesIn(resolve(io.cwd, options.specDir, "longhorn")).map((f) => displayPath(io, f));
      const [{ generatedOutput, loadSpecs }, parsed] = await Promise.all([stages.pipeline(), parsedSpecs()]);
      const specs = loadSpecs(specFiles, (file) => readBytes(resolve(io.cwd, file)), parsed);
      const profiles = await loadAllHostProfiles(io, options.specDir);
      const output = generatedOutput(specs, await chartReleaseAt(PROJECT_ROOT), profiles);
      const all = [...output.files, ...output.trees.flatMap((t) => t.files)];
      if (options.check) {
        const stale = [
          ...staleFiles(PROJECT_ROOT, all).map((s) =>
            s.state === "missing" ? `missing: ${s.path}` : `stale: ${s.path} (first difference at line ${s.firstDifferentLine})`,
          ),
          ...output.trees.flatMap((t) => extraFiles(PROJECT_ROOT, t.dir, t.files)).map((path) => `not generated: ${path}`),
        ];
        if (stale.length === 0) {
          io.out(`${all.length} generated files up to date`);
          return;
        }
        for (const line of stale) io.err(line);
        io.err(`${stale.length} generated file${stale.length === 1 ? " differs" : "s differ"}: run netpolgen generate`);
        setExit(EXIT_INVALID);
        return;
      }
      // Up to date already (the usual case): no foreign file can be in a tree that holds exactly the
      // generated files, and nothing needs writing; the files are in place all the same.
      const upToDate = staleFiles(PROJECT_ROOT, output.files).length === 0 && output.trees.every((t) => holdsExactly(PROJECT_ROOT, t.dir, t.files));
      if (!upToDate) {
        if (refuseForeignFiles(io, PROJECT_ROOT, output.trees, "generate")) {
          setExit(EXIT_INVALID);
          return;
        }
        writeFilesAtomically(PROJECT_ROOT, output.files);
        for (const tree of output.trees) replaceDirectoryAtomically(PROJECT_ROOT, tree.dir, tree.files);
      }
      io.out(`wrote ${all.length} files (${[...output.files.map((f) => f.path), ...output.trees.map((t) => `${t.dir}/`)].join(", ")})`);
    });

  program
    .command("verify")
    .description(
      "render the chart with helm and prove, on a model cluster, that its policies allow exactly the spec's flows; exit 1 on any difference",
    )
    .option("--version <version>", "the Longhorn version to verify (overrides longhorn.version)")
    .option("-f, --values <file>", "a values file (repeatable; later files win)", (file: string, all: string[]) => [...all, file], [] as string[])
    .option("--all", "every supported version × every chart/ci/*-values.yaml case")
    .option("--chart <dir>", "the chart to verify", displayPath(io, join(PROJECT_ROOT, "chart")))
    .option("--namespace <ns>", "the release namespace", "longhorn-system")
    .addOption(new Option("--output <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(specDirOption())
    .action(async (options: { version?: string; values: string[]; all?: boolean; chart: string; namespace: string; output: string; specDir: string }) => {
      if (Boolean(options.all) === Boolean(options.version)) throw new UsageError("verify needs either --version <version> or --all");
      if (options.all && options.values.length > 0) throw new UsageError("--all verifies the chart's ci/*-values.yaml cases; drop -f");
      const { ordered, specFor, base, valueFiles } = await renderSetup(io, options);
      const { summary, verify } = await stages.verify();
      const results: VerifyResult[] = [];
      if (options.version) {
        const label = options.values.length > 0 ? options.values.join(" + ") : "chart defaults";
        results.push(verify({ ...base, version: specFor(options.version).version, valueFiles, label }));
      } else {
        const { readYaml } = await stages.yaml();
        results.push(...verifyAll(verify, readYaml, base, ordered.map((s) => s.version)));
      }
      if (options.output === "json") io.out(JSON.stringify(results, null, 2));
      else {
        for (const result of results) io.out(summary(result));
        const failed = results.filter((r) => !r.ok).length;
        io.out(`${results.length - failed} of ${results.length} verified${failed ? `; ${failed} failed` : ""}`);
      }
      if (results.some((r) => !r.ok)) setExit(EXIT_INVALID);
    });

  program
    .command("diff")
    .description("what changes between two Longhorn versions: spec flows and components, and the rendered chart's reachability")
    .argument("[from]", "the version upgraded from, e.g. 1.11")
    .argument("[to]", "the version upgraded to, e.g. 1.12")
    .option("--all", "every upgrade from one supported minor to the next")
    .option(
      "-f, --values <file>",
      "values files for both renders (default: the chart's ci/defaults-values.yaml: its defaults with policies on, and Node addresses as lookup would read them)",
      (file: string, all: string[]) => [...all, file],
      [] as string[],
    )
    .option("--chart <dir>", "the chart to render", displayPath(io, join(PROJECT_ROOT, "chart")))
    .option("--namespace <ns>", "the release namespace", "longhorn-system")
    .addOption(new Option("--output <format>", "output format").choices(["markdown", "json"]).default("markdown"))
    .option("--out <file>", "write the report to this file (atomically) instead of printing it")
    .option("--check", "with --out: write nothing, exit 1 when the file differs from the report")
    .addOption(specDirOption())
    .action(
      async (
        from: string | undefined,
        to: string | undefined,
        options: { all?: boolean; values: string[]; chart: string; namespace: string; output: string; out?: string; check?: boolean; specDir: string },
      ) => {
        if (options.all ? from !== undefined : to === undefined) throw new UsageError("diff needs two versions (diff 1.11 1.12) or --all");
        if (options.check && !options.out) throw new UsageError("--check compares with the --out file; give --out");
        const { ordered, specFor, base, valueFiles } = await renderSetup(io, options);
        const { diffAsMarkdown, upgradesMarkdown, versionDiff } = await stages.diff();
        const pairs = options.all ? ordered.slice(1).map((after, i) => [ordered[i]!, after] as const) : [[specFor(from!), specFor(to!)] as const];
        const defaults = join(resolve(io.cwd, options.chart), "ci", "defaults-values.yaml");
        const request = {
          ...base,
          valueFiles: options.values.length > 0 ? valueFiles : [defaults],
          upgradeFrom: "",
          label: options.values.length > 0 ? `values: ${options.values.join(", ")}` : "the chart's ci/defaults-values.yaml",
        };
        const diffs = pairs.map(([before, after]) => versionDiff(before, after, request));
        const report =
          options.output === "json"
            ? `${JSON.stringify(options.all ? diffs : diffs[0], null, 2)}\n`
            : options.out
              ? upgradesMarkdown(diffs)
              : diffs.map(diffAsMarkdown).join("\n");
        if (!options.out) {
          io.out(report.replace(/\n$/, ""));
          return;
        }
        const out = resolve(io.cwd, options.out);
        if (options.check) {
          if (readText(out) === report) {
            io.out(`${options.out} is up to date`);
            return;
          }
          io.err(`${options.out} is stale: run netpolgen diff ${options.all ? "--all" : `${from} ${to}`} --out ${options.out}`);
          setExit(EXIT_INVALID);
          return;
        }
        writeFilesAtomically(dirname(out), [{ path: basename(out), content: report }]);
        io.out(`wrote ${options.out}`);
      },
    );

  const repeat = (value: string, all: string[]) => [...all, value];
  const firewallOptions = (command: Command, check = false): Command => {
    command
      // Checked by firewallSetup, not by commander: a parent's required options would be required of
      // `firewall check` too.
      .option("--profile <name>", "the host profile: a file of spec/hosts/ (k3s-platform, deckhouse, ...) (required)")
      .option("--role <role>", "the node's role in the profile (server, agent; master, node, frontend) (required)")
      .option("--config <file>", "a YAML file with the node's addresses, interfaces and zones (flags win over it)")
      .option("--nodes <cidrs>", "every node of the cluster, comma-separated CIDRs (default: any source)")
      .option("--servers <cidrs>", "the server nodes of a K3s profile (the same as --role-cidrs server=CIDRS)")
      .option("--role-cidrs <role=cidrs>", "the nodes of one role, e.g. master=192.168.10.0/28 (repeatable; default: --nodes)", repeat, [] as string[])
      .option("--pods <cidrs>", "the pod network (default: the profile's)")
      .option("--services <cidrs>", "the service network (default: the profile's)")
      .option("--external <cidrs>", "external clients (default: any address)")
      .option("--set <name=cidrs>", "a named set of the profile, e.g. administrators=192.0.2.0/24 (repeatable)", repeat, [] as string[])
      .option("--longhorn <version>", "the Longhorn minor whose spec gives the Longhorn rows (default: the profile's)");
    if (!check) {
      command
        .option("--interface <name>", "one interface for cluster and external traffic")
        .option("--cluster-interface <name>", "the interface towards the other nodes (with --external-interface)")
        .option("--external-interface <name>", "the interface towards external clients (with --cluster-interface)")
        .option("--zone <name>", "firewalld: the zone for a single interface (default public)")
        .option("--cluster-zone <name>", "firewalld: the cluster-facing zone (default cluster, created when missing)")
        .option("--external-zone <name>", "firewalld: the external zone (default public)")
        .option("--drop", "nftables: end with a drop of anything no rule accepts (on the named interfaces)")
        .option("--out <file>", "write to this file (atomically) instead of printing");
    }
    return command.addOption(specDirOption());
  };

  const firewall = firewallOptions(
    program
      .command("firewall")
      .description("render a host profile's node firewall for one role: a firewalld script, an nftables ruleset, or the Markdown tables")
      .addOption(new Option("--format <format>", "what to write").choices(["firewalld", "nftables", "markdown"])),
  ).action(async (options: FirewallOptions) => {
    if (!options.format) throw new UsageError("firewall needs --format firewalld, nftables or markdown");
    const { profile, longhorn, settings } = await firewallSetup(io, options);
    const { firewallOutput } = await stages.pipeline();
    const { text, warnings } = firewallOutput(profile, options.role!, settings, options.format, longhorn);
    for (const warning of warnings) io.err(`netpolgen: note: ${warning}`);
    if (!options.out) {
      io.out(text.replace(/\n$/, ""));
      return;
    }
    const out = resolve(io.cwd, options.out);
    writeFilesAtomically(dirname(out), [{ path: basename(out), content: text }]);
    io.out(`wrote ${options.out}`);
  });

  firewallOptions(
    firewall
      .command("check")
      .description(
        "compare a node's listening sockets (`ss -Htulpn` output) with its role: ports listening where others reach them that no rule opens, and ports opened for a host process where nothing listens; exit 1 when either is found",
      )
      .option("--ss <file>", "the output of `ss -Htulpn` (- for standard input)", "-")
      .addOption(new Option("--output <format>", "output format").choices(["text", "json"]).default("text")),
    true,
  ).action(async (options: FirewallOptions & { ss: string; output: string }) => {
    const { profile, longhorn, settings } = await firewallSetup(io, options);
    const file = options.ss === "-" ? "<stdin>" : options.ss;
    const text = options.ss === "-" ? readStdin() : readText(resolve(io.cwd, options.ss));
    if (text === undefined) throw new UsageError(`--ss ${options.ss}: no such file`);
    const [{ checkReportAsText, hasFindings, parseSs }, { firewallCheck }] = await Promise.all([stages.firewallCheck(), stages.pipeline()]);
    const parsed = parseSs(file, text);
    if (parsed.diagnostics.length > 0) throw new DiagnosticError(parsed.diagnostics);
    const report = firewallCheck(profile, options.role!, settings, parsed.listeners, longhorn);
    io.out(options.output === "json" ? JSON.stringify(report, null, 2) : checkReportAsText(report));
    if (hasFindings(report)) setExit(EXIT_INVALID);
  });

  program
    .command("new-version")
    .description(
      "add a Longhorn minor: its spec (extends --from, no change yet, the audit checklist on top), the chart, docs/upgrades.md, its golden files, a minor chart version bump and the CHANGELOG.md entry from netpolgen diff; with --ga on an existing development version, make it GA (the default longhorn.version)",
    )
    .argument("<version>", "the Longhorn minor, e.g. 1.14")
    .option("--from <minor>", "the minor it extends: the newest supported one")
    .option("--ga", "released: it becomes the default longhorn.version")
    .option("--root <dir>", "the project folder to update", displayPath(io, PROJECT_ROOT))
    .action(async (version: string, options: { from?: string; ga?: boolean; root: string }) => {
      const root = resolve(io.cwd, options.root);
      const [{ planNewVersion }, { helmBinary }] = await Promise.all([stages.newVersion(), stages.helm()]);
      const output = planNewVersion({ root, version, ga: Boolean(options.ga), helm: helmBinary(PROJECT_ROOT), readText, ...(options.from ? { from: options.from } : {}) });
      if (refuseForeignFiles(io, root, output.trees, "new-version")) {
        setExit(EXIT_INVALID);
        return;
      }
      writeFilesAtomically(root, output.files);
      for (const tree of output.trees) replaceDirectoryAtomically(root, tree.dir, tree.files);
      for (const line of output.summary) io.out(line);
      for (const file of output.files) io.out(`wrote ${file.path}`);
      for (const tree of output.trees) io.out(`wrote ${tree.dir}/ (${tree.files.length} files)`);
      if (!options.ga) {
        io.out(`next: audit Longhorn ${version}'s code as the checklist at the top of spec/longhorn/${version}.yaml says, then make generate and make test`);
      }
    });

  program
    .command("package")
    .description(
      "package chart/ into a Helm repository folder: the .tgz, a provenance file when signing (helm package --sign, then helm verify), index.yaml over every package there, artifacthub-repo.yml",
    )
    .option("--out <dir>", "the repository folder", displayPath(io, join(PROJECT_ROOT, "dist")))
    .option("--chart <dir>", "the chart to package", displayPath(io, join(PROJECT_ROOT, "chart")))
    .addOption(new Option("--sign-key <name>", "sign with this key of the keyring (its name or e-mail)").env("SIGN_KEY"))
    .addOption(new Option("--keyring <file>", "the secret keyring (gpg --export-secret-keys); default ~/.gnupg/secring.gpg").env("SIGN_KEYRING"))
    .addOption(new Option("--passphrase-file <file>", "a file holding the key's passphrase").env("SIGN_PASSPHRASE_FILE"))
    .addOption(new Option("--url <url>", "the repository's URL for index.yaml (default: relative URLs)").env("CHART_REPO_URL"))
    .action(async (options: { out: string; chart: string; signKey?: string; keyring?: string; passphraseFile?: string; url?: string }) => {
      const chart = resolve(io.cwd, options.chart);
      if (!existsSync(join(chart, "Chart.yaml"))) throw new UsageError(`${options.chart} is not a chart (no Chart.yaml)`);
      if (!options.signKey && (options.keyring || options.passphraseFile)) {
        throw new UsageError("--keyring and --passphrase-file sign with --sign-key <name> (or SIGN_KEY); give the key's name");
      }
      const [{ packageChart }, { helmBinary }] = await Promise.all([stages.package(), stages.helm()]);
      const home = process.env.HOME ?? "";
      const sign = options.signKey
        ? {
            key: options.signKey,
            keyring: resolve(io.cwd, options.keyring ?? join(home, ".gnupg", "secring.gpg")),
            ...(options.passphraseFile ? { passphraseFile: resolve(io.cwd, options.passphraseFile) } : {}),
          }
        : undefined;
      const metadata = join(PROJECT_ROOT, "artifacthub-repo.yml");
      const result = packageChart({
        helm: helmBinary(PROJECT_ROOT),
        chart,
        out: resolve(io.cwd, options.out),
        ...(sign ? { sign } : {}),
        ...(options.url ? { url: options.url } : {}),
        ...(existsSync(metadata) ? { repoMetadata: metadata } : {}),
      });
      for (const file of result.written) io.out(`wrote ${join(options.out, file)}`);
      io.out(
        result.signedBy
          ? `signed by ${result.signedBy}; helm verify passed`
          : "unsigned: no provenance file (give SIGN_KEY and SIGN_KEYRING, or --sign-key and --keyring, to sign)",
      );
      io.out(`index.yaml lists ${result.indexed} package${result.indexed === 1 ? "" : "s"}`);
    });

  program
    .command("audit")
    .description(
      "compare one version's spec with local checkouts of Longhorn's repositories at its tag: ports in code the spec misses, spec listeners and cited files no longer found, pods nothing selects; exit 1 when anything is reported",
    )
    .requiredOption("--version <version>", "the spec version the checkouts belong to, e.g. 1.12")
    .argument("<checkouts...>", "checkout directories (named by go.mod or Longhorn's chart), or owner/name=dir")
    .addOption(new Option("--output <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(specDirOption())
    .action(async (dirs: string[], options: { version: string; output: string; specDir: string }) => {
      const spec = await loadVersion(io, options.specDir, "longhorn", options.version);
      const { audit, auditAsText, auditHasFindings, identifyCheckout } = await stages.audit();
      const checkouts: Checkout[] = dirs.map((arg) => {
        const named = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)=(.+)$/.exec(arg);
        const dir = resolve(io.cwd, named ? named[2]! : arg);
        if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${arg}: no such directory`);
        const repo = named?.[1] ?? identifyCheckout(dir);
        if (!repo) throw new UsageError(`${arg}: cannot tell which repository this is (no go.mod module, no chart/Chart.yaml named longhorn); write owner/name=${arg}`);
        return { repo, dir };
      });
      const report = audit(spec, checkouts);
      io.out(options.output === "json" ? JSON.stringify(report, null, 2) : auditAsText(report));
      if (auditHasFindings(report)) setExit(EXIT_INVALID);
    });

  return program;
}

/**
 * Every version × every ci values case. A case that sets longhorn.upgradeFrom stands for "an upgrade
 * in progress": for each version it upgrades from the minor before (and is skipped for the oldest).
 */
function verifyAll(
  verify: (request: VerifyRequest) => VerifyResult,
  readYaml: (text: string) => unknown,
  base: Omit<VerifyRequest, "version" | "valueFiles" | "label">,
  versions: readonly string[],
): VerifyResult[] {
  const ciDir = join(base.chart, "ci");
  const cases = existsSync(ciDir) ? readdirSync(ciDir).filter((f) => f.endsWith("-values.yaml")).sort() : [];
  if (cases.length === 0) throw new UsageError(`${ciDir} holds no *-values.yaml case`);
  const results: VerifyResult[] = [];
  for (const [i, version] of versions.entries()) {
    for (const file of cases) {
      const path = join(ciDir, file);
      const values = readYaml(readFileSync(path, "utf8")) as { longhorn?: { upgradeFrom?: string } } | null;
      const upgrades = Boolean(values?.longhorn?.upgradeFrom);
      if (upgrades && i === 0) continue;
      const label = file.replace(/-values\.yaml$/, "");
      results.push(verify({ ...base, version, valueFiles: [path], label, ...(upgrades ? { upgradeFrom: versions[i - 1]! } : {}) }));
    }
  }
  return results;
}

/** Standard input, whole (`firewall check --ss -`). */
function readStdin(): string {
  return readFileSync(0, "utf8");
}

function isNamed(error: unknown, name: string): error is Error {
  return error instanceof Error && error.name === name;
}

export async function main(argv: string[], io: Io): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version output exit 0; every other commander error is a usage error.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UsageError || isNamed(error, "NewVersionError")) {
      io.err(`netpolgen: ${error.message}`);
      return EXIT_USAGE;
    }
    // By name: the stages are imported on demand, and a module loaded by require (tests under tsx)
    // and by import() is two modules with two classes.
    if (isNamed(error, "HelmError") || isNamed(error, "ReleaseMetadataError") || isNamed(error, "ChangelogError") || isNamed(error, "PackageError")) {
      io.err(`netpolgen: ${error.message}`);
      return EXIT_INVALID;
    }
    if (isNamed(error, "DiagnosticError")) {
      printDiagnostics(io, (error as DiagnosticError).diagnostics);
      return EXIT_INVALID;
    }
    throw error;
  }
  return exitCode;
}
