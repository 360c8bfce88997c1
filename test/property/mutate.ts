// Mutations of rendered NetworkPolicies (as parsed from `helm template`), for checking that verify
// is not vacuous: each drops or adds something, and the suite checks that compareCase reports it.
import type { INetworkPolicy, INetworkPolicyPeer, INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1";
import type { Random } from "./prng.ts";

export const MUTATION_KINDS = ["drop-port", "add-port", "widen-peer", "drop-policy"] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface Mutation {
  kind: MutationKind;
  description: string;
  policies: INetworkPolicy[];
  /** `namespace/name` of the mutated policy. */
  policy: string;
  /** `ingress[i]` / `egress[i]` for rule mutations (as verify's explanations name them). */
  rule?: string;
  /**
   * narrows: it can only take connections away; widens: only add them; either: dropping a policy
   * takes its rules away, but leaves its pods open when no other policy selects them.
   */
  direction: "narrows" | "widens" | "either";
}

type Direction = "ingress" | "egress";
interface RuleRef {
  policy: number;
  direction: Direction;
  index: number;
}

const id = (p: INetworkPolicy) => `${p.metadata?.namespace ?? "default"}/${p.metadata?.name ?? "<unnamed>"}`;

function rulesOf(policy: INetworkPolicy, direction: Direction): { peers?: INetworkPolicyPeer[]; ports?: INetworkPolicyPort[] }[] {
  const spec = policy.spec;
  if (!spec) return [];
  return direction === "ingress" ? (spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
}

function allRules(policies: INetworkPolicy[]): RuleRef[] {
  return policies.flatMap((p, policy) =>
    (["ingress", "egress"] as const).flatMap((direction) => rulesOf(p, direction).map((_, index) => ({ policy, direction, index }))),
  );
}

function rule(policies: INetworkPolicy[], ref: RuleRef) {
  const spec = policies[ref.policy]!.spec!;
  return ref.direction === "ingress" ? spec.ingress![ref.index]! : spec.egress![ref.index]!;
}

const describePort = (p: INetworkPolicyPort) => `${p.protocol ?? "TCP"} ${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ""}`;

/** One random mutation of the given kind, or undefined when the policies offer nothing to mutate. */
export function mutate(original: readonly INetworkPolicy[], kind: MutationKind, rng: Random): Mutation | undefined {
  const policies = structuredClone([...original]) as INetworkPolicy[];
  const rules = allRules(policies);
  const at = (ref: RuleRef) => `${ref.direction}[${ref.index}]`;
  switch (kind) {
    case "drop-port": {
      // Rules with a numeric port; a rule without ports admits every port, so it has none to drop.
      const candidates = rules.filter((ref) => (rule(policies, ref).ports ?? []).some((p) => typeof p.port === "number"));
      if (candidates.length === 0) return undefined;
      const ref = rng.pick(candidates);
      const r = rule(policies, ref);
      const ports = r.ports!;
      const index = rng.pick(ports.flatMap((p, i) => (typeof p.port === "number" ? [i] : [])));
      const p = ports[index]!;
      const port = p.port as number;
      let what: string;
      if (p.endPort !== undefined && p.endPort > port) {
        // Take one port off the range: its first or its last.
        const first = rng.bool();
        what = `port ${first ? port : p.endPort} of ${describePort(p)}`;
        const next: INetworkPolicyPort = first ? { ...p, port: port + 1 } : { ...p, endPort: p.endPort - 1 };
        if (next.endPort === next.port) delete next.endPort;
        ports[index] = next;
      } else if (ports.length > 1) {
        what = describePort(p);
        ports.splice(index, 1);
      } else {
        // Its only port: dropping the port alone would open every port, so the rule goes.
        what = `${describePort(p)} (the rule's only port: the rule is removed)`;
        const spec = policies[ref.policy]!.spec!;
        (ref.direction === "ingress" ? spec.ingress! : spec.egress!).splice(ref.index, 1);
        return { kind, description: `drop ${what} from ${id(policies[ref.policy]!)} ${at(ref)}`, policies, policy: id(policies[ref.policy]!), direction: "narrows" };
      }
      return { kind, description: `drop ${what} from ${id(policies[ref.policy]!)} ${at(ref)}`, policies, policy: id(policies[ref.policy]!), rule: at(ref), direction: "narrows" };
    }
    case "add-port": {
      const candidates = rules.filter((ref) => (rule(policies, ref).ports ?? []).length > 0);
      if (candidates.length === 0) return undefined;
      const ref = rng.pick(candidates);
      const port = rng.bool(0.3) ? rng.pick([22, 80, 443, 2379, 8080, 9500, 10250]) : rng.int(1, 65535);
      const extra: INetworkPolicyPort = { port, protocol: rng.pick(["TCP", "TCP", "UDP", "SCTP"]) };
      if (rng.bool(0.2)) extra.endPort = Math.min(65535, port + rng.int(1, 50));
      rule(policies, ref).ports!.push(extra);
      return { kind, description: `add ${describePort(extra)} to ${id(policies[ref.policy]!)} ${at(ref)}`, policies, policy: id(policies[ref.policy]!), rule: at(ref), direction: "widens" };
    }
    case "widen-peer": {
      const peersOf = (ref: RuleRef): INetworkPolicyPeer[] => {
        const spec = policies[ref.policy]!.spec!;
        return (ref.direction === "ingress" ? spec.ingress![ref.index]!.from : spec.egress![ref.index]!.to) ?? [];
      };
      // Rules without peers admit every peer already.
      const candidates = rules.flatMap((ref) => peersOf(ref).map((_, peer) => ({ ref, peer })));
      if (candidates.length === 0) return undefined;
      const { ref, peer } = rng.pick(candidates);
      const peers = peersOf(ref);
      const before = peers[peer]!;
      const common = { kind, policies, policy: id(policies[ref.policy]!), rule: at(ref), direction: "widens" as const };
      if (rng.bool(0.2)) {
        // An empty peer list: the rule admits every source (or destination).
        peers.splice(0, peers.length);
        return { ...common, description: `widen ${id(policies[ref.policy]!)} ${at(ref)} to every peer (${ref.direction === "ingress" ? "from" : "to"}: [])` };
      }
      let after: INetworkPolicyPeer;
      if (before.ipBlock) {
        after = { ipBlock: { cidr: before.ipBlock.cidr.includes(":") ? "::/0" : "0.0.0.0/0" } };
      } else if (before.namespaceSelector || rng.bool(0.4)) {
        after = rng.bool() ? { namespaceSelector: {} } : { namespaceSelector: {}, podSelector: {} };
      } else {
        after = { podSelector: {} };
      }
      peers[peer] = after;
      return { ...common, description: `widen ${id(policies[ref.policy]!)} ${at(ref)} peer ${peer} from ${JSON.stringify(before)} to ${JSON.stringify(after)}` };
    }
    case "drop-policy": {
      if (policies.length === 0) return undefined;
      const index = rng.int(0, policies.length - 1);
      const [dropped] = policies.splice(index, 1);
      return { kind, description: `drop policy ${id(dropped!)}`, policies, policy: id(dropped!), direction: "either" };
    }
  }
}
