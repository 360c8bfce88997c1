// The firewall plan as an nftables ruleset: one table of its own (inet netpolgen), replaced as a
// whole when loaded (`table; delete table; table {...}`), never `flush ruleset`, so kube-proxy's,
// the CNI's and firewalld's tables are left alone.
//
// The inbound chain hooks prerouting at dstnat - 10, before kube-proxy's and the portmap plugin's
// DNAT (dstnat): it sees the address and port the client dialled, so a NodePort, a hostPort or a
// ServiceLB port is filtered like a port a host process listens on. It filters only packets for
// the node's own addresses (fib daddr type local); routed pod traffic is the forward chain's, which
// the table has only when the profile lists forwarded traffic (the pod and service networks).
import type { Addresses, FirewallPlan, PlanEntry } from "../../plan/firewall-plan.ts";
import { describeAddresses, describePorts, filteredForward, filteredInbound, oneLine, portsByProtocol, provenance, rangeText, safeName, seedSummary, unfilteredInbound } from "./common.ts";

export const NFT_TABLE = "netpolgen";

export function renderNftables(plan: FirewallPlan): string {
  const out: string[] = [];
  const comment = (text: string, indent = ""): void => {
    out.push(`${indent}# ${oneLine(text, "comment")}`.trimEnd());
  };
  out.push("#!/usr/sbin/nft -f");
  comment(provenance(plan));
  comment(`${plan.title}: ${plan.roleTitle}.`);
  comment("Load with `nft -f FILE`: it replaces the table inet netpolgen and no other.");
  comment("");
  comment("Addresses:");
  for (const peer of plan.peers) comment(`  ${peer.label} (${peer.peer}): ${describeAddresses(peer)}`);
  for (const warning of plan.warnings) comment(`Note: ${warning}`);
  const unfiltered = unfilteredInbound(plan);
  if (unfiltered.length > 0 || plan.longhorn) {
    comment("");
    comment("No rule of their own (they never reach the node as a port of its own):");
    for (const { entry, why } of unfiltered) comment(`  ${entry.id}: ${describePorts(entry.ports)} from ${entry.peer.label}, ${why}`);
    if (plan.longhorn) {
      comment(`  Longhorn ${plan.longhorn.version} (${plan.longhorn.file}): its pods' ports arrive as pod traffic:`);
      for (const row of plan.longhorn.rows) comment(`    ${describePorts(row.ports)} to ${row.to}${row.feature ? ` (${row.feature})` : ""}: ${row.how}`);
    }
  }
  if (plan.outbound.length > 0) {
    comment("");
    comment("Sent by this node (listed, not filtered: the table does not filter what the node sends):");
    for (const entry of plan.outbound) comment(`  ${entry.id}: ${describePorts(entry.ports)} to ${entry.peer.label} (${entry.purpose})`);
  }
  out.push("", `table inet ${NFT_TABLE}`, `delete table inet ${NFT_TABLE}`, "", `table inet ${NFT_TABLE} {`);

  const inbound = filteredInbound(plan);
  const forward = filteredForward(plan);
  const used = new Map<string, Addresses>();
  for (const entry of [...inbound, ...forward]) if (!entry.peer.any && entry.peer.from !== "local") used.set(entry.peer.name, entry.peer);
  for (const peer of used.values()) {
    for (const [family, cidrs] of [
      ["v4", peer.v4],
      ["v6", peer.v6],
    ] as const) {
      if (cidrs.length === 0) continue;
      out.push(
        `\t# ${oneLine(peer.label, "label")}`,
        `\tset ${setName(peer, family)} {`,
        `\t\ttype ${family === "v4" ? "ipv4_addr" : "ipv6_addr"}`,
        "\t\tflags interval",
        "\t\tauto-merge",
        `\t\telements = { ${cidrs.join(", ")} }`,
        "\t}",
        "",
      );
    }
  }

  out.push(
    "\t# Traffic addressed to this node, before kube-proxy's and the CNI's DNAT: the port the client dialled.",
    "\tchain inbound {",
    "\t\ttype filter hook prerouting priority dstnat - 10; policy accept;",
    '\t\tfib daddr type != local accept comment "routed through the node, not for it"',
    "\t\tct state established,related accept",
    '\t\tiifname "lo" accept',
    '\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept comment "IPv6 neighbour discovery"',
  );
  for (const entry of inbound) {
    out.push(`\t\t# ${oneLine(`${entry.id}: ${entry.purpose} [${seedSummary(entry.seedRows)}]`, "comment")}`);
    const scope = entry.path === "host-and-forwarded" ? "" : interfaceMatch(plan, entry.side);
    for (const line of ruleLines(entry)) out.push(`\t\t${scope}${line}`);
  }
  if (plan.drop) out.push(`\t\t${dropScope(plan)}drop comment "anything else"`);
  out.push("\t}");

  if (forward.length > 0) {
    out.push(
      "",
      "\t# Traffic the node routes: pods, and what kube-proxy or a hostPort translated (filtered in inbound already).",
      "\tchain forward {",
      "\t\ttype filter hook forward priority filter; policy accept;",
      "\t\tct state established,related accept",
      '\t\tct status dnat accept comment "translated: filtered by the port dialled in chain inbound"',
    );
    for (const entry of forward) {
      out.push(`\t\t# ${oneLine(`${entry.id}: ${entry.purpose} [${seedSummary(entry.seedRows)}]`, "comment")}`);
      for (const line of ruleLines(entry)) out.push(`\t\t${line}`);
    }
    if (plan.drop) out.push('\t\tdrop comment "anything else"');
    out.push("\t}");
  }
  out.push("}", "");
  return out.join("\n");
}

function setName(peer: Addresses, family: "v4" | "v6"): string {
  return safeName(`${peer.name}_${family}`, "nftables set name");
}

/** `iifname "eth0" ` for a rule of that side when the plan names interfaces, else nothing. */
function interfaceMatch(plan: FirewallPlan, side: PlanEntry["side"]): string {
  const name = plan.interfaces.single ?? plan.interfaces[side];
  return name ? `iifname "${safeName(name, "interface")}" ` : "";
}

function dropScope(plan: FirewallPlan): string {
  const { single, cluster, external } = plan.interfaces;
  if (single) return `iifname "${safeName(single, "interface")}" `;
  if (cluster && external) return `iifname { "${safeName(cluster, "interface")}", "${safeName(external, "interface")}" } `;
  return "";
}

/** One line per address family (when the peer has CIDRs of it) and protocol. */
function ruleLines(entry: PlanEntry): string[] {
  const families: { saddr: string; family: "v4" | "v6" | "any" }[] = entry.peer.any
    ? [{ saddr: "", family: "any" }]
    : [
        ...(entry.peer.v4.length ? [{ saddr: `ip saddr @${setName(entry.peer, "v4")} `, family: "v4" as const }] : []),
        ...(entry.peer.v6.length ? [{ saddr: `ip6 saddr @${setName(entry.peer, "v6")} `, family: "v6" as const }] : []),
      ];
  const id = safeName(entry.id, "rule id");
  const lines: string[] = [];
  for (const { saddr, family } of families) {
    if (entry.ports === "any") {
      lines.push(`${saddr}accept comment "${id}"`);
      continue;
    }
    const { tcp, udp, icmp } = portsByProtocol(entry.ports);
    for (const [proto, ranges] of [
      ["tcp", tcp],
      ["udp", udp],
    ] as const) {
      if (ranges.length === 0) continue;
      const ports = ranges.length === 1 ? rangeText(ranges[0]!) : `{ ${ranges.map(rangeText).join(", ")} }`;
      lines.push(`${saddr}${proto} dport ${ports} accept comment "${id}"`);
    }
    if (icmp) {
      if (family !== "v6") lines.push(`${saddr}icmp type echo-request accept comment "${id}"`);
      if (family !== "v4") lines.push(`${saddr}icmpv6 type echo-request accept comment "${id}"`);
    }
  }
  return lines;
}
