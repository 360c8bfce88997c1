// `npm pack` yields a package that installs elsewhere and runs the compiled netpolgen.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROFILES, PROJECT_ROOT, SPEC_VERSIONS } from "./helpers.ts";

const run = (command: string, args: string[], cwd: string) => spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_fund: "false", npm_config_audit: "false" } });

test("npm pack → npm install in another folder → netpolgen runs there", () => {
  const dir = mkdtempSync(join(tmpdir(), "lhnp-pack-"));
  try {
    const pack = run("npm", ["pack", "--pack-destination", dir], PROJECT_ROOT);
    assert.is(pack.status, 0, pack.stderr);
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    assert.ok(tarball, "npm pack wrote no tarball");
    writeFileSync(join(dir, "package.json"), '{"name": "consumer", "private": true}\n');
    const install = run("npm", ["install", "--prefer-offline", `./${tarball}`], dir);
    assert.is(install.status, 0, install.stderr);
    const bin = join(dir, "node_modules/.bin/netpolgen");
    const version = run(bin, ["--version"], dir);
    assert.is(version.status, 0, version.stderr);
    assert.match(version.stdout, /^netpolgen \d+\.\d+\.\d+/);
    const validate = run(bin, ["validate"], dir);
    assert.is(validate.status, 0, validate.stderr);
    assert.match(validate.stdout, new RegExp(`^${SPEC_VERSIONS.length + PROFILES.length} spec files valid$`, "m"));
    const firewall = run(bin, ["firewall", "--profile", "k3s-platform", "--role", "agent", "--format", "nftables", "--nodes", "10.0.0.0/24"], dir);
    assert.is(firewall.status, 0, firewall.stderr);
    assert.match(firewall.stdout, "table inet netpolgen {");
    // The installed package carries no TypeScript runner: it runs compiled code.
    assert.not.ok(readdirSync(join(dir, "node_modules")).includes("tsx"), "tsx is a dev dependency only");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
