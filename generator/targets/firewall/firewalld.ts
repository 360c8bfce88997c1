// The firewall plan as a firewalld script in the shape of seed 004's: ports, rich rules for sources
// (the pod and service networks above all), and a reload only when one cannot be avoided.
//
// Every change goes to the permanent configuration and, while firewalld runs, to the runtime as
// well, so that no `firewall-cmd --reload` is needed: a reload flushes the iptables tables of
// kube-proxy and the CNI (docs/firewall/README.md). A zone or policy the script creates exists in
// the permanent configuration only until firewalld reloads; the script reloads then only when told
// to (NETPOLGEN_FIREWALLD_RELOAD=yes), and says what that costs.
//
// Zones: one zone for everything (`single`, default public, optionally bound to one interface), or
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
  const { single, cluster, external } = plan.interfaces;
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
  const zone = safeName(plan.zones.single, "zone");
  return {
    of: () => zone,
    created: BUILT_IN_ZONES.includes(zone) ? [] : [zone],
    bindings: single ? [{ zone, iface: safeName(single, "interface") }] : [],
  };
}

/** One zone or policy's firewall-cmd calls: arguments by option (`--add-port`, `--add-rich-rule`, ...), each under its entry's note. */
interface Target {
  /** The `apply` object: the zone or policy (a shell word). */
  object: string;
  selector: string;
  groups: Map<string, { arg?: string; note: string }[]>;
}

/** Adds an argument (or, without one, only a note) to its option's call; an argument already there is not repeated. */
function add(target: Target, arg: string | undefined, note: string): void {
  const option = arg === undefined ? "--add-rich-rule" : arg.slice(0, arg.indexOf("="));
  let items = target.groups.get(option);
  if (!items) target.groups.set(option, (items = []));
  if (arg !== undefined && items.some((i) => i.arg === arg)) {
    items.push({ note: `${note} (already above)` });
    return;
  }
  items.push({ ...(arg !== undefined ? { arg } : {}), note });
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
    "# bind_interface ZONE INTERFACE: unless it is bound to that zone already (changing it to its own zone is an error).",
    "bind_interface() {",
    '\tif [ "$(permanent --get-zone-of-interface="$2" 2>/dev/null || true)" != "$1" ]; then',
    '\t\tapply "$1" --zone="$1" --change-interface="$2"',
    "\tfi",
    "}",
    "# Traffic from the pods' interfaces (cni0, flannel.1), which are in no zone, lands in the default zone.",
    "default_zone=$(permanent --get-default-zone)",
  );

  // One firewall-cmd call per zone or policy and kind of option (firewall-cmd repeats an option in one
  // call, but does not mix --add-port with --add-rich-rule): each argument added to the call's list
  // under the comment of the entry it comes from.
  const zones = zonesOf(plan);
  const targets = new Map<string, Target>();
  const target = (key: string, object: string, selector: string): Target => {
    let found = targets.get(key);
    if (!found) targets.set(key, (found = { object, selector, groups: new Map() }));
    return found;
  };
  const zoneTarget = (zone: string) => target(`zone ${zone}`, shellQuote(zone), `--zone=${shellQuote(zone)}`);
  // The default zone's name is known only when the script runs: its calls name it by variable.
  const defaultZone = target("default zone", '"$default_zone"', '--zone="$default_zone"');
  const policy = target("policy", FORWARD_POLICY, `--policy=${FORWARD_POLICY}`);

  for (const entry of filteredInbound(plan)) {
    const service = entry.path === "service" ? " (a Service)" : "";
    const note = oneLine(`${entry.id}: ${entry.purpose}${service} [${seedSummary(entry.seedRows)}]`, "comment");
    const args = zoneArguments(entry);
    const into = entry.path === "host-and-forwarded" ? defaultZone : zoneTarget(zones.of(entry.side));
    if (args.length === 0) add(into, undefined, `${note}: echo requests are accepted by the zone's default (no icmp-blocks)`);
    for (const arg of args) add(into, arg, note);
  }
  const forward = filteredForward(plan);
  if (forward.length > 0) {
    add(policy, "--add-ingress-zone=ANY", "from any zone");
    add(policy, "--add-egress-zone=ANY", "to any zone: the traffic the node forwards");
    for (const entry of forward) {
      for (const arg of zoneArguments(entry)) add(policy, arg, oneLine(`${entry.id}: ${entry.purpose}`, "comment"));
    }
  }

  out.push("");
  for (const zone of zones.created) out.push(`ensure_zone ${shellQuote(zone)}`);
  if (forward.length > 0) out.push(`ensure_policy ${FORWARD_POLICY}`);
  for (const { zone, iface } of zones.bindings) out.push(`bind_interface ${shellQuote(zone)} ${shellQuote(iface)}`);
  const titles: Record<string, string> = {
    "default zone": "The default zone, where the pods' traffic to the node lands",
    policy: `Policy ${FORWARD_POLICY}: the pod traffic the node forwards (a zone's rich rule covers traffic to the node only)`,
  };
  for (const [key, { object, selector, groups }] of targets) {
    if (groups.size === 0) continue;
    out.push("", `# ${titles[key] ?? key.replace(/^zone /, "Zone ")}`);
    for (const items of groups.values()) {
      const args = items.filter((i) => i.arg !== undefined);
      if (args.length === 0) {
        for (const item of items) out.push(`# ${item.note}`);
        continue;
      }
      out.push("set --");
      let last = "";
      for (const item of items) {
        if (item.note !== last) out.push(`# ${item.note}`);
        last = item.note;
        if (item.arg !== undefined) out.push(`set -- "$@" ${shellQuote(item.arg)}`);
      }
      out.push(`apply ${object} ${selector} "$@"`);
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
function zoneArguments(entry: PlanEntry): string[] {
  const peer = entry.peer;
  const sources: { family: "ipv4" | "ipv6"; cidr: string }[] = [
    ...peer.v4.map((cidr) => ({ family: "ipv4" as const, cidr })),
    ...peer.v6.map((cidr) => ({ family: "ipv6" as const, cidr })),
  ];
  const rich = (family: string, cidr: string, what: string): string => `--add-rich-rule=rule family="${family}" source address="${cidr}"${what} accept`;
  if (entry.ports === "any") return sources.map(({ family, cidr }) => rich(family, cidr, ""));
  const { tcp, udp, icmp } = portsByProtocol(entry.ports);
  const ports = [...tcp.map((r) => ({ port: rangeText(r), protocol: "tcp" })), ...udp.map((r) => ({ port: rangeText(r), protocol: "udp" }))];
  if (peer.any) return ports.map(({ port, protocol }) => `--add-port=${port}/${protocol}`);
  const out: string[] = [];
  for (const { family, cidr } of sources) {
    for (const { port, protocol } of ports) out.push(rich(family, cidr, ` port port="${port}" protocol="${protocol}"`));
    if (icmp) out.push(rich(family, cidr, ' icmp-type name="echo-request"'));
  }
  return out;
}
