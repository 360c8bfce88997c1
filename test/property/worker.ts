// A worker thread of the property suite: runs the cases of the spec groups it is sent (all cases of
// a group in one worker, so each random spec's chart is generated once) and posts their outcomes.
// Imported outside a worker (uvu's `test property` pattern matches this file), it does nothing.
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { groupOf, runCase, type CaseOutcome, type RunConfig } from "./case.ts";

export type WorkerRequest = { group: number; indices: number[] } | { stop: true };
export type WorkerReply = { outcome: CaseOutcome } | { idle: true };

const port = isMainThread ? null : parentPort;
if (port) {
  const config = workerData as RunConfig;
  port.on("message", (request: WorkerRequest) => {
    if ("stop" in request) {
      port.close();
      return;
    }
    for (const index of request.indices) {
      if (groupOf(index) !== request.group) throw new Error(`case ${index} is not in group ${request.group}`);
      port.postMessage({ outcome: runCase(config, index) } satisfies WorkerReply);
    }
    port.postMessage({ idle: true } satisfies WorkerReply);
  });
  port.postMessage({ idle: true } satisfies WorkerReply);
}
