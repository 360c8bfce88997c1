// The resolved spec of one product version: inheritance applied, every entry tagged with where it was written.
import type { Component, Feature, Flow, FlowSpec, Listener, Peer, Port } from "../../schema/spec.generated.ts";

export type { Component, Feature, Flow, FlowSpec, Listener, Peer, Port };

/** Where an entry of the resolved spec was written. */
export interface Origin {
  file: string;
  line: number;
  /** The version whose file holds the entry. */
  version: string;
  path: readonly (string | number)[];
}

export type Resolved<T> = T & { id: string; origin: Origin };

export interface ResolvedSpec {
  product: string;
  version: string;
  status: FlowSpec["status"];
  kubeVersion?: string;
  docs: string[];
  notes: string[];
  /** This version first, then each version it extends. */
  chain: string[];
  file: string;
  features: Map<string, Resolved<Feature>>;
  components: Map<string, Resolved<Component>>;
  peers: Map<string, Resolved<Peer>>;
  flows: Resolved<Flow>[];
  /** The ports each component listens on. */
  listeners: Resolved<Listener>[];
}

/** Either end of a flow. */
export type Endpoint = { kind: "component"; id: string; entry: Resolved<Component> } | { kind: "peer"; id: string; entry: Resolved<Peer> };

export function endpointOf(spec: ResolvedSpec, id: string): Endpoint | undefined {
  const component = spec.components.get(id);
  if (component) return { kind: "component", id, entry: component };
  const peer = spec.peers.get(id);
  if (peer) return { kind: "peer", id, entry: peer };
  return undefined;
}

export function isEnforceable(flow: Flow): boolean {
  return flow.enforceable !== false;
}
