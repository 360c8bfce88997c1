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
  /** The address the node's own host traffic to its pods carries (the evaluator's own-node rule). */
  ip: string;
  labels?: Labels;
}

/**
 * The CNI whose semantics apply: which source an ipBlock can match (cilium: no node or pod), and
 * which CNI-native policy objects join the NetworkPolicies. flannel enforces nothing; verify
 * evaluates it as generic, what a policy engine added later would enforce.
 */
export type ModelCNI = "generic" | "kube-router" | "canal" | "calico" | "cilium" | "antrea" | "flannel";

export interface ModelCluster {
  cni?: ModelCNI;
  namespaces: ModelNamespace[];
  nodes: ModelNode[];
  pods: ModelPod[];
}

/**
 * Where an address endpoint's traffic comes from: a node's host namespace (`node`), the API server
 * (`apiServer`; with `node` when host-networked on that node, without when outside the cluster).
 * The address is what the CNI shows as the source (e.g. flannel.1's on kube-router and canal);
 * CNIs that match by identity (Cilium's host, remote-node, kube-apiserver; Antrea's nodeSelector)
 * read the origin instead.
 */
export interface Origin {
  node?: string;
  apiServer?: boolean;
  /**
   * The host of `node` from a source address Cilium does not count as that host (a link-local
   * 169.254.x.x, longhorn#13802): Cilium classifies it world, so its always-allow for the local host
   * does not apply. Other CNIs exempt it like any local host traffic (by addrtype LOCAL or the route).
   */
  linkLocal?: boolean;
}

/** Either end of a connection: a pod, or an address outside the pod network (node, API server, host). */
export type Endpoint = { kind: "pod"; pod: ModelPod } | { kind: "address"; name: string; ip: string; origin?: Origin };

export function podEndpoint(pod: ModelPod): Endpoint {
  return { kind: "pod", pod };
}

export function addressEndpoint(name: string, ip: string, origin?: Origin): Endpoint {
  return origin ? { kind: "address", name, ip, origin } : { kind: "address", name, ip };
}

export function endpointName(endpoint: Endpoint): string {
  return endpoint.kind === "pod" ? `${endpoint.pod.namespace}/${endpoint.pod.name}` : endpoint.name;
}
