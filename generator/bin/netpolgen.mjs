#!/usr/bin/env node
// Entry point of the netpolgen command: loads the TypeScript sources through tsx.
import { register } from "tsx/esm/api";

register();
// A reader that stops early (`netpolgen show ... | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { main } = await import("../cli.ts");
process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  cwd: process.cwd(),
});
