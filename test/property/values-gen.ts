// Random chart values for the property suite, kept clearly inside chart/values.schema.json:
// DNS-1123 names, CIDRs in canonical form (IPv4 and IPv6), label keys like `example.com/x` with
// values of at most 63 characters of [A-Za-z0-9._-] starting and ending alphanumeric, In/NotIn with
// at least one value, numeric ports (endPort ≥ port), API server egress ports never empty.
import type { ValuesModel } from "../../generator/targets/helm/chart-values.ts";
import { EXTERNAL_EGRESS_KEYS } from "../../generator/lib/values-keys.ts";
import type { Random } from "./prng.ts";

type Values = Record<string, unknown>;
type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
type Peer = { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string; except?: string[] } };

export interface ValuesRequest {
  /** The chart's values model (components and features of the perturbed specs). */
  model: ValuesModel;
  /** The minor verify renders (passed as VerifyRequest.version). */
  version: string;
  /** The minor to upgrade from, when this case upgrades. */
  upgradeFrom?: string;
}

export interface GeneratedValues {
  /** The values file's content. */
  values: Values;
  /** VerifyRequest.version: the minor as "1.12", "1.12.3" or "v1.12.3". */
  version: string;
  /** VerifyRequest.upgradeFrom, when passed as an override rather than in the file. */
  upgradeFrom?: string;
}

const NAMESPACES = ["longhorn-system", "storage", "monitoring", "kube-system", "default", "ingress-nginx"];
const LABEL_KEYS = ["app", "app.kubernetes.io/name", "app.kubernetes.io/component", "k8s-app", "tier", "example.com/team", "example.com/x", "team"];
const LABEL_VALUES = ["prometheus", "longhorn-ui", "longhorn-manager", "traefik", "storage", "a", "x-1", "team.b", "Z9"];

export function randomValues(rng: Random, request: ValuesRequest): GeneratedValues {
  const { model } = request;
  const values: Values = {};
  const longhorn: Values = {};
  if (rng.bool(0.3)) longhorn.version = rng.pick(model.versions); // overridden by VerifyRequest.version
  if (rng.bool(0.4)) longhorn.namespace = rng.bool(0.3) ? "" : rng.pick([...NAMESPACES.slice(0, 2), dnsLabel(rng, 20)]);
  let upgradeFrom: string | undefined;
  if (request.upgradeFrom !== undefined) {
    const text = versionText(rng, request.upgradeFrom);
    if (rng.bool()) longhorn.upgradeFrom = text;
    else upgradeFrom = text;
  } else if (rng.bool(0.2)) {
    // Not upgrading, said explicitly (or upgrading from the same minor, which renders one version).
    upgradeFrom = rng.bool(0.3) ? versionText(rng, request.version) : "";
  }
  if (Object.keys(longhorn).length > 0) values.longhorn = longhorn;

  const np: Values = { enabled: rng.bool(0.92) };
  if (rng.bool(0.8)) np.type = rng.pick(["k3s", "rke2", "rke1", "none"]);

  const components: Values = {};
  for (const c of model.components) {
    const entry: Values = {};
    if (rng.bool(0.1)) entry.enabled = false;
    else if (rng.bool(0.05)) entry.enabled = true;
    if (rng.bool(0.07)) entry.extraPorts = Array.from({ length: rng.int(1, 2) }, () => networkPolicyPort(rng, true));
    if (rng.bool(0.03)) entry.extraIngress = [ingressRule(rng, "from")];
    if (rng.bool(0.03)) entry.extraEgress = [ingressRule(rng, "to")];
    if (Object.keys(entry).length > 0) components[c.key] = entry;
  }
  if (Object.keys(components).length > 0) np.components = components;

  const features: Values = {};
  for (const f of model.features) if (rng.bool(0.7)) features[f.key] = rng.bool();
  if (Object.keys(features).length > 0) np.features = features;

  if (rng.bool(0.55)) np.nodeCIDRs = cidrList(rng, () => rng.bool(0.75) ? ipv4CIDR(rng, "10.0", 16, 32) : ipv6CIDR(rng, "fd00:10", 48, 128));
  if (rng.bool(0.55)) np.kubeAPIServerSourceCIDRs = cidrList(rng, () => rng.bool(0.75) ? ipv4CIDR(rng, "10.0", 24, 32) : ipv6CIDR(rng, "fd00:a", 64, 128));
  // The CNI: generic and flannel take the lists as they are, empty meaning any source. The others
  // read empty lists from the Nodes, which helm template cannot: the lists are then given, as a user
  // of helm template must (the chart's refusal has a test of its own).
  // cilium and antrea admit the nodes by their own objects and refuse nodeCIDRs; on cilium, a
  // link-local address of the local host may be listed (ciliumLocalHostCIDRs).
  if (rng.bool(0.6)) np.cni = rng.pick(["auto", "generic", "kube-router", "canal", "calico", "flannel", "cilium", "antrea"]);
  const cni = (np.cni ?? "auto") === "auto" ? ({ k3s: "kube-router", rke2: "canal", rke1: "canal", none: "generic" } as Record<string, string>)[(np.type as string | undefined) ?? "k3s"] : np.cni;
  if (cni === "cilium" || cni === "antrea") {
    delete np.nodeCIDRs;
    if (cni === "cilium" && rng.bool(0.5)) np.ciliumLocalHostCIDRs = [`169.254.${rng.int(0, 255)}.${rng.int(1, 254)}/32`];
  } else if (cni !== "generic" && cni !== "flannel") {
    const filled = (list: unknown) => (Array.isArray(list) && list.length > 0 ? list : Array.from({ length: rng.int(1, 3) }, () => ipv4CIDR(rng, "10.42", 24, 32)));
    np.nodeCIDRs = filled(np.nodeCIDRs);
    np.kubeAPIServerSourceCIDRs = filled(np.kubeAPIServerSourceCIDRs);
  }
  if (rng.bool(0.5)) np.metricsScrapeSources = Array.from({ length: rng.int(1, 2) }, () => peer(rng));
  if (rng.bool(0.35)) np.ui = { extraFrom: Array.from({ length: rng.int(1, 2) }, () => peer(rng)) };

  if (rng.bool(0.55)) np.egress = egress(rng);
  values.networkPolicies = np;

  if (rng.bool(0.3)) values.fullnameOverride = dnsLabel(rng, 40);
  if (rng.bool(0.15)) values.nameOverride = dnsLabel(rng, 20);
  if (rng.bool(0.3)) values.commonLabels = Object.fromEntries(Array.from({ length: rng.int(1, 2) }, () => [rng.pick(["example.com/team", "example.com/cost-center", "team", "example.org/x"]), labelValue(rng)]));
  if (rng.bool(0.2)) values.commonAnnotations = { "example.com/owner": rng.pick(["storage-team", "ops", "a b: c"]) };
  return { values, version: versionText(rng, request.version), ...(upgradeFrom !== undefined ? { upgradeFrom } : {}) };
}

/** "1.12", "1.12.3" or "v1.12.3". */
function versionText(rng: Random, minor: string): string {
  switch (rng.int(0, 3)) {
    case 0:
      return `${minor}.${rng.int(0, 9)}`;
    case 1:
      return `v${minor}.${rng.int(0, 9)}`;
    default:
      return minor;
  }
}

function egress(rng: Random): Values {
  const out: Values = { enabled: rng.bool(0.8) };
  if (rng.bool(0.4)) {
    const dns: Values = {};
    if (rng.bool(0.4)) dns.nodeLocalAddress = rng.pick(["169.254.20.10", "", "fd00::10"]);
    if (rng.bool(0.3)) dns.namespaceSelector = selector(rng, true);
    if (rng.bool(0.3)) dns.podSelector = selector(rng, false);
    out.dns = dns;
  }
  if (rng.bool(0.6)) {
    const api: Values = {};
    if (rng.bool(0.6)) api.cidrs = cidrList(rng, () => rng.bool(0.8) ? ipv4CIDR(rng, "10.0", 24, 32) : ipv6CIDR(rng, "fd00:a", 64, 128));
    if (rng.bool(0.6)) api.ports = rng.sample([443, 6443, rng.int(1, 65535)], rng.int(1, 3));
    out.kubeAPIServer = api;
  }
  for (const key of Object.values(EXTERNAL_EGRESS_KEYS)) {
    if (!rng.bool(0.5)) continue;
    const target: Values = {};
    if (rng.bool(0.3)) target.open = rng.bool(0.7);
    if (rng.bool(0.6)) target.cidrs = cidrList(rng, () => (rng.bool(0.8) ? ipv4CIDR(rng, rng.pick(["192.0.2", "198.51.100", "203.0.113"]), 24, 32) : ipv6CIDR(rng, "2001:db8", 32, 128)));
    if (rng.bool(0.6)) target.ports = rng.sample([443, 80, 9000, rng.int(1, 65535)], rng.int(0, 2));
    out[key] = target;
  }
  return out;
}

/** 0 to 2 CIDRs (an empty list half of the time). */
function cidrList(rng: Random, make: () => string): string[] {
  return rng.bool(0.25) ? [] : Array.from({ length: rng.int(1, 2) }, make);
}

/** A NetworkPolicyPeer: pods, namespaces, both, or an ipBlock. */
function peer(rng: Random): Peer {
  switch (rng.weighted({ pods: 2, namespaces: 2, both: 4, ipBlock: 1 })) {
    case "pods":
      return { podSelector: selector(rng, false) };
    case "namespaces":
      return { namespaceSelector: selector(rng, true) };
    case "both":
      return { namespaceSelector: selector(rng, true), podSelector: selector(rng, false) };
    default: {
      const v6 = rng.bool(0.3);
      const cidr = v6 ? ipv6CIDR(rng, "fd00:77", 48, 112) : ipv4CIDR(rng, rng.pick(["172.16", "192.168", "10.0"]), 16, 28);
      const block: { cidr: string; except?: string[] } = { cidr };
      if (rng.bool(0.4)) block.except = [within(rng, cidr)];
      return { ipBlock: block };
    }
  }
}

/**
 * A label selector that some object can satisfy; namespace selectors usually name the namespace.
 * Expressions use keys of their own, or (satisfiably) a key matchLabels already fixes: Exists, In
 * with its value among others, NotIn without it.
 */
function selector(rng: Random, namespace: boolean): Selector {
  if (rng.bool(0.05)) return {};
  const out: Selector = {};
  const labels: Record<string, string> = {};
  if (namespace && rng.bool(0.7)) labels["kubernetes.io/metadata.name"] = rng.bool(0.7) ? rng.pick(NAMESPACES) : dnsLabel(rng, 20);
  for (let i = rng.int(namespace ? 0 : 1, 2); i > 0; i--) labels[rng.pick(LABEL_KEYS)] = rng.bool(0.6) ? rng.pick(LABEL_VALUES) : labelValue(rng);
  if (Object.keys(labels).length > 0) out.matchLabels = labels;
  if (rng.bool(0.3)) {
    const expressions: NonNullable<Selector["matchExpressions"]> = [];
    const taken = new Set<string>();
    const otherValues = (not?: string) => {
      const values = Array.from({ length: rng.int(1, 3) }, () => (rng.bool(0.6) ? rng.pick(LABEL_VALUES) : labelValue(rng))).filter((v) => v !== not);
      return values.length > 0 ? [...new Set(values)] : [`${not ?? "v"}-other`];
    };
    for (let i = rng.int(1, 2); i > 0; i--) {
      const fixed = Object.keys(labels).filter((k) => !taken.has(k) && k !== "kubernetes.io/metadata.name");
      if (fixed.length > 0 && rng.bool(0.25)) {
        const key = rng.pick(fixed);
        const value = labels[key]!;
        taken.add(key);
        const operator = rng.pick(["Exists", "In", "NotIn"]);
        if (operator === "Exists") expressions.push({ key, operator });
        else if (operator === "In") expressions.push({ key, operator, values: rng.shuffle([value, ...otherValues(value)]) });
        else expressions.push({ key, operator, values: otherValues(value) });
        continue;
      }
      const free = LABEL_KEYS.filter((k) => !taken.has(k) && !Object.hasOwn(labels, k));
      if (free.length === 0) break;
      const key = rng.pick(free);
      taken.add(key);
      const operator = rng.pick(["In", "NotIn", "Exists", "DoesNotExist"]);
      expressions.push(operator === "In" || operator === "NotIn" ? { key, operator, values: otherValues() } : { key, operator });
    }
    if (expressions.length > 0) out.matchExpressions = expressions;
  }
  return out;
}

/** A NetworkPolicyPort with a numeric port; `endPort` sometimes. */
function networkPolicyPort(rng: Random, allowRange: boolean): Values {
  const port = rng.bool(0.3) ? rng.pick([15008, 8080, 9090, 53]) : rng.int(1, 65535);
  const out: Values = { port };
  if (allowRange && rng.bool(0.3)) out.endPort = Math.min(65535, port + rng.int(0, 300));
  if (rng.bool(0.6)) out.protocol = rng.pick(["TCP", "UDP", "SCTP"]);
  return out;
}

/** An extraIngress (`from`) or extraEgress (`to`) rule. */
function ingressRule(rng: Random, peers: "from" | "to"): Values {
  // Without peers a rule admits any peer, without ports any port; one of the two at least.
  const rule: Values = {};
  const shape = rng.weighted({ both: 6, peers: 2, ports: 2 });
  if (shape !== "ports") rule[peers] = Array.from({ length: rng.int(1, 2) }, () => peer(rng));
  if (shape !== "peers") rule.ports = Array.from({ length: rng.int(1, 2) }, () => networkPolicyPort(rng, true));
  return rule;
}

/** A DNS-1123 label of at most `max` characters. */
export function dnsLabel(rng: Random, max: number): string {
  const words = ["lh", "storage", "team", "np", "blue", "x", "prod", "a1"];
  let name = rng.pick(words);
  while (name.length < max - 6 && rng.bool(0.5)) name += `-${rng.bool(0.5) ? rng.pick(words) : rng.int(0, 999)}`;
  return name.slice(0, max).replace(/-+$/, "");
}

/** A label value: 1 to 63 characters of [A-Za-z0-9._-], alphanumeric at both ends. */
function labelValue(rng: Random): string {
  const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const inner = `${alnum}._-`;
  const length = rng.bool(0.1) ? 63 : rng.int(1, 12);
  let out = "";
  for (let i = 0; i < length; i++) out += i === 0 || i === length - 1 ? rng.pick([...alnum]) : rng.pick([...inner]);
  return out;
}

/** An IPv4 network in canonical form (host bits zero) under a dotted prefix like "10.0". */
export function ipv4CIDR(rng: Random, prefix: string, minBits: number, maxBits: number): string {
  const fixed = prefix.split(".").map(Number);
  const octets = [...fixed, ...Array.from({ length: 4 - fixed.length }, () => rng.int(0, 255))];
  const bits = rng.int(Math.max(minBits, 0), maxBits);
  return `${formatV4(mask(octetsToInt(octets), bits, 32))}/${bits}`;
}

/** An IPv6 network in canonical (RFC 5952) form under a prefix like "fd00:10". */
export function ipv6CIDR(rng: Random, prefix: string, minBits: number, maxBits: number): string {
  const fixed = prefix.split(":").map((g) => parseInt(g, 16));
  const groups = [...fixed, ...Array.from({ length: 8 - fixed.length }, () => (rng.bool(0.6) ? 0 : rng.int(0, 0xffff)))];
  const bits = rng.int(minBits, maxBits);
  const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
  return `${formatV6(mask(value, bits, 128))}/${bits}`;
}

/** A CIDR strictly inside `cidr` (for ipBlock.except). */
function within(rng: Random, cidr: string): string {
  const [address = "", bitsText = ""] = cidr.split("/");
  const bits = Number(bitsText);
  const v6 = address.includes(":");
  const width = v6 ? 128 : 32;
  const inner = Math.min(width, bits + rng.int(1, 8));
  const base = v6 ? parseV6(address) : octetsToInt(address.split(".").map(Number));
  const hostBits = BigInt(width - bits);
  const offset = BigInt(rng.int(0, 0x7fffffff)) % (1n << hostBits);
  const value = mask(base | offset, inner, width);
  return `${v6 ? formatV6(value) : formatV4(value)}/${inner}`;
}

function mask(value: bigint, bits: number, width: number): bigint {
  const host = BigInt(width - bits);
  return (value >> host) << host;
}

function octetsToInt(octets: number[]): bigint {
  return octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
}

function parseV6(address: string): bigint {
  const [head = "", tail] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
export function formatV6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(":");
  return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
}
