// The model cluster's vocabulary, shared by both sides of the proof: pods, namespaces, nodes, the
// endpoints of a connection and the protocols. Data only: the evaluator (what the rendered policies
// allow) and the expectation (what the spec and values require) each interpret it their own way.
import type { Labels } from "../lib/labels.ts";

export type Protocol = "TCP" | "UDP" | "SCTP";
export const PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];

export interface ContainerPort {
  name: string;
  port: number;
  protocol?: Protocol;
}

export interface ModelPod {
  name: string;
  namespace: string;
  labels: Labels;
  ip: string;
  node: string;
  hostNetwork?: boolean;
  containerPorts?: ContainerPort[];
}

export interface ModelNamespace {
  name: string;
  /** kubernetes.io/metadata.name is added automatically, as the API server does. */
  labels?: Labels;
}

export interface ModelNode {
  name: string;
  ip: string;
}

export interface ModelCluster {
  namespaces: ModelNamespace[];
  nodes: ModelNode[];
  pods: ModelPod[];
}

/** Either end of a connection: a pod, or an address outside the pod network (node, API server, host). */
export type Endpoint = { kind: "pod"; pod: ModelPod } | { kind: "address"; name: string; ip: string };

export function podEndpoint(pod: ModelPod): Endpoint {
  return { kind: "pod", pod };
}

export function addressEndpoint(name: string, ip: string): Endpoint {
  return { kind: "address", name, ip };
}

export function endpointName(endpoint: Endpoint): string {
  return endpoint.kind === "pod" ? `${endpoint.pod.namespace}/${endpoint.pod.name}` : endpoint.name;
}
