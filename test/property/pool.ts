// Runs property cases in a few worker threads (helm and the chart copies verify makes then overlap),
// or in-process with one worker or fewer. Cases are handed out a spec group at a time, in order.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { groupOf, runCase, type CaseOutcome, type RunConfig } from "./case.ts";
import type { WorkerReply, WorkerRequest } from "./worker.ts";

interface Deferred {
  promise: Promise<CaseOutcome>;
  resolve: (outcome: CaseOutcome) => void;
  reject: (error: Error) => void;
}

function deferred(): Deferred {
  let resolve!: Deferred["resolve"];
  let reject!: Deferred["reject"];
  const promise = new Promise<CaseOutcome>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // rejections surface through outcome()
  return { promise, resolve, reject };
}

/**
 * The URL of tsx's ESM API (its "import" export of "tsx/esm/api"). uvu loads the suites through
 * tsx's require hook, where import.meta.resolve is missing and require.resolve picks the CommonJS
 * build, which cannot tsImport from a worker.
 */
function tsxApiURL(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("tsx/package.json");
  const exports = (JSON.parse(readFileSync(manifest, "utf8")) as { exports: Record<string, { import: { default: string } }> }).exports;
  return pathToFileURL(join(dirname(manifest), exports["./esm/api"]!.import.default)).href;
}

export class CaseRunner {
  private readonly pending = new Map<number, Deferred>();
  private readonly queue: { group: number; indices: number[] }[] = [];
  private readonly workers: Worker[] = [];
  private started = false;

  constructor(
    private readonly config: RunConfig,
    indices: readonly number[],
    private readonly threads: number,
  ) {
    for (const index of indices) {
      this.pending.set(index, deferred());
      const group = groupOf(index);
      const last = this.queue[this.queue.length - 1];
      if (last?.group === group) last.indices.push(index);
      else this.queue.push({ group, indices: [index] });
    }
  }

  /** The outcome of a case (starting the workers on first use). */
  outcome(index: number): Promise<CaseOutcome> {
    const entry = this.pending.get(index);
    if (!entry) throw new Error(`case ${index} was not planned`);
    if (this.threads <= 1) {
      try {
        entry.resolve(runCase(this.config, index));
      } catch (error) {
        entry.reject(error as Error);
      }
      return entry.promise;
    }
    if (!this.started) this.start();
    return entry.promise;
  }

  private start(): void {
    this.started = true;
    const workerURL = new URL("./worker.ts", import.meta.url).href;
    const tsx = tsxApiURL();
    // An eval'd worker that loads worker.ts through tsx (worker threads do not inherit the loader).
    const code = `import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(workerURL)}, ${JSON.stringify(import.meta.url)}))`;
    for (let i = 0; i < Math.min(this.threads, this.queue.length); i++) {
      const worker = new Worker(code, { eval: true, workerData: this.config });
      worker.on("message", (reply: WorkerReply) => {
        if ("outcome" in reply) {
          this.pending.get(reply.outcome.index)?.resolve(reply.outcome);
          return;
        }
        const next = this.queue.shift();
        worker.postMessage((next ?? { stop: true }) satisfies WorkerRequest);
      });
      const fail = (error: Error) => {
        for (const entry of this.pending.values()) entry.reject(new Error(`a property worker failed: ${error.stack ?? error.message}`));
      };
      worker.on("error", fail);
      worker.on("exit", (code) => {
        if (code !== 0) fail(new Error(`worker exited with code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
