// Servers the end-to-end tests start on 127.0.0.1: a static file server (a chart repository over
// HTTP) and Debian's docker-registry (an OCI registry). Each runs as a child process, since helm
// runs synchronously and would block a server in this process, and is stopped by the test.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export interface Server {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

/** A static server for one folder: GET only, files directly in it, no listing. */
const STATIC_SERVER = `
const http = require("node:http"), fs = require("node:fs"), path = require("node:path");
const root = process.argv[1];
const types = { ".yaml": "text/yaml", ".tgz": "application/gzip", ".prov": "application/pgp-signature", ".yml": "text/yaml" };
const server = http.createServer((req, res) => {
  const name = decodeURIComponent(new URL(req.url, "http://x").pathname).replace(/^\\/+/, "");
  if (req.method !== "GET" || name.includes("/") || name.startsWith(".") || name === "") { res.writeHead(404).end(); return; }
  fs.readFile(path.join(root, name), (error, data) => {
    if (error) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": types[path.extname(name)] ?? "application/octet-stream" }).end(data);
  });
});
server.listen(0, "127.0.0.1", () => console.log("listening " + server.address().port));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
}

/** Serves `dir` over HTTP on 127.0.0.1, on a port the system picks. */
export function serveDirectory(dir: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", STATIC_SERVER, dir], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the static server exited (${code}) before listening`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const port = /listening (\d+)/.exec(out)?.[1];
      if (!port) return;
      child.stdout!.removeAllListeners("data");
      child.stdout!.resume();
      child.removeAllListeners("exit");
      resolve({ url: `http://127.0.0.1:${port}`, port: Number(port), stop: stopper(child) });
    });
  });
}

/** A port free on 127.0.0.1 now (the system's pick, released for the server to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Debian's docker-registry (distribution 2.8) with filesystem storage under `dir`, on 127.0.0.1 and
 * a port picked here; its log goes to `dir`/registry.log.
 */
export async function startRegistry(binary: string, dir: string): Promise<Server> {
  mkdirSync(join(dir, "storage"), { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, "config.yml");
    writeFileSync(
      config,
      [
        "version: 0.1",
        "log:",
        "  level: warn",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${JSON.stringify(join(dir, "storage"))}`,
        "http:",
        `  addr: 127.0.0.1:${port}`,
        "",
      ].join("\n"),
    );
    const log = openSync(join(dir, "registry.log"), "a");
    const child = spawn(binary, ["serve", config], { stdio: ["ignore", log, log] });
    closeSync(log);
    const stop = stopper(child);
    const url = `http://127.0.0.1:${port}`;
    for (let waited = 0; waited < 10_000 && child.exitCode === null; waited += 100) {
      if (await answers(`${url}/v2/`)) return { url, port, stop };
      await new Promise((r) => setTimeout(r, 100));
    }
    await stop();
    // Another process took the port between the pick and the start: pick again.
    if (attempt >= 3) throw new Error(`docker-registry did not answer on ${url}/v2/: ${readFileSync(join(dir, "registry.log"), "utf8").slice(-2000)}`);
  }
}
