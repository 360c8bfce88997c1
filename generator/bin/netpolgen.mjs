#!/usr/bin/env node
// Entry point of the netpolgen command: runs the compiled CLI (build/, made by `make build` or
// `npm run build`); the TypeScript sources run through tsx only in tests and developer scripts.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const compiled = new URL("../../build/generator/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write("netpolgen: not built yet: run `make build` (or `npm run build`) first\n");
  process.exit(2);
}
// A reader that stops early (`netpolgen show ... | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { main } = await import(compiled.href);
process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  cwd: process.cwd(),
});
