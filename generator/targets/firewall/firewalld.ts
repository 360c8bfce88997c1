// The firewall plan as a firewalld script in the shape of seed 004's: ports, rich rules for sources
// (the pod and service networks above all), and a reload only when one cannot be avoided.
//
// Every change goes to the permanent configuration and, while firewalld runs, to the runtime as
// well, so that no `firewall-cmd --reload` is needed: a reload flushes the iptables tables of
// kube-proxy and the CNI (docs/firewall/README.md). A zone or policy the script creates exists in
// the permanent configuration only until firewalld reloads; the script reloads then only when told
// to (NETPOLGEN_FIREWALLD_RELOAD=yes), and says what that costs.
//
// Zones: one zone for everything (`shared`, default public, optionally bound to one interface), or
// a cluster zone and an external zone on two interfaces (seed 002's segregated networks), each
// entry in the zone of its peer's side. The pod and service networks' rules go to the default zone,
// which is where traffic from the pods' interfaces (cni0, flannel.1: in no zone) lands, and, for the
// traffic the node forwards, to a policy of their own (a zone's rich rule covers traffic to the node
// only).
import type { FirewallPlan, PlanEntry } from "../../plan/firewall-plan.ts";
import { describeAddresses, describePorts, filteredForward, filteredInbound, oneLine, portsByProtocol, provenance, rangeText, safeName, seedSummary, unfilteredInbound } from "./common.ts";

/** The policy that accepts forwarded traffic from the pod and service networks. */
export const FORWARD_POLICY = "netpolgen-pods";

/** A shell word: bare when it holds only characters no shell treats specially, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Where each kind of entry goes: the zone names, and the script's variable for the default zone. */
interface Zones {
  /** The zone of an entry's side. */
  of(side: PlanEntry["side"]): string;
  /** Zones the script creates when missing (a cluster zone is not one of firewalld's own). */
  created: string[];
  bindings: { zone: string; iface: string }[];
}

function zonesOf(plan: FirewallPlan): Zones {
  const { shared, cluster, external } = plan.interfaces;
  if (cluster && external) {
    const zones = { cluster: safeName(plan.zones.cluster, "zone"), external: safeName(plan.zones.external, "zone") };
    return {
      of: (side) => zones[side],
      created: BUILT_IN_ZONES.includes(zones.cluster) ? [] : [zones.cluster],
      bindings: [
        { zone: zones.cluster, iface: safeName(cluster, "interface") },
        { zone: zones.external, iface: safeName(external, "interface") },
      ],
    };
  }
  const zone = safeName(plan.zones.shared, "zone");
  return {
    of: () => zone,
    created: BUILT_IN_ZONES.includes(zone) ? [] : [zone],
    bindings: shared ? [{ zone, iface: safeName(shared, "interface") }] : [],
  };
}

/** The zones firewalld ships (firewalld 1.3: /usr/lib/firewalld/zones). */
const BUILT_IN_ZONES = ["block", "dmz", "drop", "external", "home", "internal", "nm-shared", "public", "trusted", "work"];

export function renderFirewalld(plan: FirewallPlan): string {
  const out: string[] = [];
  const comment = (text: string, indent = ""): void => {
    out.push(`${indent}# ${oneLine(text, "comment")}`.trimEnd());
  };
  out.push("#!/bin/sh");
  comment(provenance(plan));
  comment(`${plan.title}: ${plan.roleTitle}.`);
  comment("");
  comment("Run as root on the node. Every change goes to firewalld's permanent configuration and, while");
  comment("firewalld runs, to its runtime too, so nothing here needs `firewall-cmd --reload`, which flushes");
  comment("kube-proxy's and the CNI's iptables rules (k3s#7542, rke2#10469, firewalld#779). Only a zone or");
  comment("policy created here needs a reload; the script reloads then only with NETPOLGEN_FIREWALLD_RELOAD=yes.");
  comment("NETPOLGEN_FIREWALLD_OFFLINE=DIR writes the configuration in DIR with firewall-offline-cmd instead");
  comment("(firewalld stopped, an image being built: DIR=/etc/firewalld for this machine's own).");
  comment("Entries marked (a Service) are reached through a DNAT (NodePort, ServiceLB, hostPort), which firewalld");
  comment("accepts whatever the zone says (its filter_INPUT and filter_FORWARD accept `ct status dnat`): their");
  comment("ports matter only for a server in the host network.");
  comment("");
  comment("Addresses:");
  for (const peer of plan.peers) comment(`  ${peer.label} (${peer.peer}): ${describeAddresses(peer)}`);
  for (const warning of plan.warnings) comment(`Note: ${warning}`);
  out.push(
    "",
    "set -eu",
    "",
    'if [ -n "${NETPOLGEN_FIREWALLD_OFFLINE:-}" ]; then',
    '\tpermanent() { firewall-offline-cmd --system-config "$NETPOLGEN_FIREWALLD_OFFLINE" "$@"; }',
    "\trunning=no",
    "elif firewall-cmd --state >/dev/null 2>&1; then",
    '\tpermanent() { firewall-cmd --permanent "$@"; }',
    "\trunning=yes",
    "else",
    '\techo "netpolgen: firewalld is not running: start it, or set NETPOLGEN_FIREWALLD_OFFLINE=/etc/firewalld to write its configuration" >&2',
    "\texit 1",
    "fi",
    "",
    "# Zones and policies this script creates: the runtime has them only after a reload.",
    "created=''",
    "# apply OBJECT ARGUMENT...: to the permanent configuration, and to the runtime unless OBJECT is new.",
    "apply() {",
    "\tobject=$1",
    "\tshift",
    '\tpermanent "$@"',
    '\tcase " $created " in *" $object "*) return 0 ;; esac',
    '\tif [ "$running" = yes ]; then firewall-cmd "$@"; fi',
    "}",
    "ensure_zone() {",
    "\tif ! permanent --get-zones | tr ' ' '\\n' | grep -qx \"$1\"; then",
    '\t\tpermanent --new-zone="$1"',
    '\t\tcreated="$created $1"',
    "\tfi",
    "}",
    "ensure_policy() {",
    "\tif ! permanent --get-policies | tr ' ' '\\n' | grep -qx \"$1\"; then",
    '\t\tpermanent --new-policy="$1"',
    '\t\tcreated="$created $1"',
    "\tfi",
    "}",
    "# Traffic from the pods' interfaces (cni0, flannel.1), which are in no zone, lands in the default zone.",
    "default_zone=$(permanent --get-default-zone)",
  );

  const zones = zonesOf(plan);
  const seen = new Set<string>();
  const command = (object: string, args: string[]): void => {
    const line = `apply ${[object, ...args].map(shellQuote).join(" ")}`;
    if (seen.has(line)) {
      out.push(`# (already above: ${line})`);
      return;
    }
    seen.add(line);
    out.push(line);
  };
  // The default zone's name is known when the script runs only: its commands name it by variable.
  const defaultZoneCommand = (args: string[]): void => {
    const line = `apply "$default_zone" --zone="$default_zone" ${args.map(shellQuote).join(" ")}`;
    if (seen.has(line)) return;
    seen.add(line);
    out.push(line);
  };

  out.push("");
  for (const zone of zones.created) out.push(`ensure_zone ${shellQuote(zone)}`);
  for (const { zone, iface } of zones.bindings) command(zone, [`--zone=${zone}`, `--change-interface=${iface}`]);

  for (const entry of filteredInbound(plan)) {
    const service = entry.path === "service" ? " (a Service)" : "";
    out.push("", `# ${oneLine(`${entry.id}: ${entry.purpose}${service} [${seedSummary(entry.seedRows)}]`, "comment")}`);
    const rules = zoneArguments(entry);
    if (rules.length === 0) comment(`echo requests from ${entry.peer.label}: accepted by the zone's default (no icmp-blocks)`);
    if (entry.path === "host-and-forwarded") for (const args of rules) defaultZoneCommand(args);
    else for (const args of rules) command(zones.of(entry.side), [`--zone=${zones.of(entry.side)}`, ...args]);
  }

  const forward = filteredForward(plan);
  if (forward.length > 0) {
    out.push("", "# The same sources for the pod traffic the node forwards: a zone's rich rule covers traffic to the node only.");
    out.push(`ensure_policy ${FORWARD_POLICY}`);
    command(FORWARD_POLICY, [`--policy=${FORWARD_POLICY}`, "--add-ingress-zone=ANY"]);
    command(FORWARD_POLICY, [`--policy=${FORWARD_POLICY}`, "--add-egress-zone=ANY"]);
    for (const entry of forward) {
      out.push(`# ${oneLine(`${entry.id}: ${entry.purpose}`, "comment")}`);
      for (const args of zoneArguments(entry)) command(FORWARD_POLICY, [`--policy=${FORWARD_POLICY}`, ...args]);
    }
  }

  const unfiltered = unfilteredInbound(plan);
  if (unfiltered.length > 0 || plan.longhorn || plan.outbound.length > 0) out.push("");
  for (const { entry, why } of unfiltered) comment(`${entry.id}: ${describePorts(entry.ports)} from ${entry.peer.label}: no rule, ${why}.`);
  if (plan.longhorn) {
    comment(`Longhorn ${plan.longhorn.version} (${plan.longhorn.file}): no port of the node; its pods' ports arrive as pod traffic,`);
    comment("accepted with the pod network above (docs/firewall/ lists each port and how it crosses the node).");
  }
  for (const entry of plan.outbound) comment(`${entry.id}: sends ${describePorts(entry.ports)} to ${entry.peer.label}: firewalld does not filter what the node sends.`);

  out.push(
    "",
    'if [ -n "$created" ] && [ "$running" = yes ]; then',
    '\tif [ "${NETPOLGEN_FIREWALLD_RELOAD:-no}" = yes ]; then',
    "\t\tfirewall-cmd --reload",
    '\t\techo "netpolgen: reloaded firewalld for$created. The reload flushed the iptables rules of kube-proxy and the CNI: restart k3s (or reboot the node) to have them written again." >&2',
    "\telse",
    '\t\techo "netpolgen: created$created in the permanent configuration; firewalld loads it at its next start or reload. A reload flushes the iptables rules of kube-proxy and the CNI: reload before K3s starts, or rerun with NETPOLGEN_FIREWALLD_RELOAD=yes on a drained node and then restart k3s." >&2',
    "\tfi",
    "fi",
    "",
  );
  return out.join("\n");
}

/** The firewall-cmd arguments that accept an entry in a zone or policy: ports, or rich rules per source CIDR. */
function zoneArguments(entry: PlanEntry): string[][] {
  const peer = entry.peer;
  const sources: { family: "ipv4" | "ipv6"; cidr: string }[] = [
    ...peer.v4.map((cidr) => ({ family: "ipv4" as const, cidr })),
    ...peer.v6.map((cidr) => ({ family: "ipv6" as const, cidr })),
  ];
  const rich = (family: string, cidr: string, what: string): string[] => [`--add-rich-rule=rule family="${family}" source address="${cidr}"${what} accept`];
  if (entry.ports === "any") return sources.map(({ family, cidr }) => rich(family, cidr, ""));
  const { tcp, udp, icmp } = portsByProtocol(entry.ports);
  const ports = [...tcp.map((r) => ({ port: rangeText(r), protocol: "tcp" })), ...udp.map((r) => ({ port: rangeText(r), protocol: "udp" }))];
  if (peer.any) return ports.map(({ port, protocol }) => [`--add-port=${port}/${protocol}`]);
  const out: string[][] = [];
  for (const { family, cidr } of sources) {
    for (const { port, protocol } of ports) out.push(rich(family, cidr, ` port port="${port}" protocol="${protocol}"`));
    if (icmp) out.push(rich(family, cidr, ' icmp-type name="echo-request"'));
  }
  return out;
}
