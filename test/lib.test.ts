// The shared pieces of generator/lib, on their own: CIDR arithmetic, port sets, values keys.
import { isIPv6 } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { addressAfter, nthAddress, parseCIDR, strictlyWithin, type CIDR } from "../generator/lib/cidr.ts";
import { ALL_PORTS, contains, equal, formatPorts, intersect, isEmpty, NO_PORTS, portSet, portsOfProtocol, subtract, union } from "../generator/lib/port-set.ts";
import { camelCase } from "../generator/lib/values-keys.ts";

const cidr = (text: string): CIDR => {
  const parsed = parseCIDR(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
};

test("parseCIDR: IPv4 and IPv6, with the reason when it is not a CIDR", () => {
  assert.equal(cidr("10.0.0.0/8"), { family: 4, bits: 8, address: 0x0a000000n });
  assert.equal(cidr("fd00::1/64").family, 6);
  assert.is(cidr("::ffff:10.0.0.1/128").address, 0xffff0a000001n);
  assert.is(parseCIDR("10.0.0.0"), '"10.0.0.0" is not a CIDR (address/prefix)');
  assert.is(parseCIDR("10.0.0.0/33"), '"10.0.0.0/33" has a prefix longer than 32');
  assert.is(parseCIDR("fd00::1::2/64"), '"fd00::1::2/64" is not a CIDR (address/prefix)');
});

test("strictlyWithin: what ipBlock.except requires (inside, and a longer prefix)", () => {
  assert.ok(strictlyWithin(cidr("10.1.0.0/16"), cidr("10.0.0.0/8")));
  assert.not.ok(strictlyWithin(cidr("10.0.0.0/8"), cidr("10.0.0.0/8")), "the same block is not strictly inside");
  assert.not.ok(strictlyWithin(cidr("11.0.0.0/16"), cidr("10.0.0.0/8")));
  assert.not.ok(strictlyWithin(cidr("10.0.0.0/24"), cidr("fd00::/8")), "families never mix");
  assert.ok(strictlyWithin(cidr("fd00:10::/80"), cidr("fd00:10::/64")));
  assert.not.ok(strictlyWithin(cidr("fd00:11::/80"), cidr("fd00:10::/64")));
});

test("nthAddress wraps inside the block; addressAfter is the first address past it", () => {
  assert.is(nthAddress(cidr("10.0.0.0/24"), 1), "10.0.0.1");
  assert.is(nthAddress(cidr("10.0.0.7/24"), 0), "10.0.0.0", "host bits are dropped");
  assert.is(nthAddress(cidr("10.0.0.5/32"), 3), "10.0.0.5");
  assert.is(nthAddress(cidr("10.0.0.0/30"), 5), "10.0.0.1");
  assert.is(nthAddress(cidr("fd00::/64"), 2), "fd00:0:0:0:0:0:0:2");
  assert.ok(isIPv6(nthAddress(cidr("fd00::/64"), 2)));
  assert.is(addressAfter(cidr("192.168.0.0/20")), "192.168.16.0");
  assert.is(addressAfter(cidr("255.255.255.0/24")), "0.0.0.0", "wraps at the end of the space");
  assert.is(addressAfter(cidr("fd00::/64")), "fd00:0:0:1:0:0:0:0");
});

test("port sets: normalised ranges and exact set algebra", () => {
  assert.equal(portSet([[10, 20], [15, 30], [31, 31], [50, 40]]), [[10, 31]]);
  assert.equal(union([[1, 5]], [[10, 12]], [[6, 9]]), [[1, 12]]);
  assert.equal(intersect([[1, 100]], [[50, 60], [90, 200]]), [[50, 60], [90, 100]]);
  assert.equal(subtract(ALL_PORTS, [[1, 1023]]), [[1024, 65535]]);
  assert.equal(subtract([[10, 20]], [[12, 13], [15, 15]]), [[10, 11], [14, 14], [16, 20]]);
  assert.ok(isEmpty(subtract([[10, 20]], [[1, 100]])));
  assert.ok(equal(union(NO_PORTS, [[3, 4]]), [[3, 4]]));
  assert.ok(contains([[3, 4]], 4) && !contains([[3, 4]], 5));
  assert.is(formatPorts([[80, 80], [8000, 8010]]), "80, 8000-8010");
  assert.is(formatPorts(ALL_PORTS), "all");
  const ports = [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }, { port: 10000, endPort: 30000, protocol: "TCP" }];
  assert.equal(portsOfProtocol(ports, "TCP"), [[53, 53], [10000, 30000]]);
  assert.equal(portsOfProtocol(ports, "SCTP"), []);
});

test("values keys: spec ids in camelCase", () => {
  assert.is(camelCase("longhorn-manager"), "longhornManager");
  assert.is(camelCase("v2-data-engine"), "v2DataEngine");
  assert.is(camelCase("csi-sidecars"), "csiSidecars");
});


test("ports print one way: portRange and describePort", async () => {
  const { portRange, describePort } = await import("../generator/lib/port-set.ts");
  assert.is(portRange({ port: 8500 }), "8500");
  assert.is(portRange({ port: 10000, endPort: 30000 }), "10000-30000");
  assert.is(portRange({ port: 8500, endPort: 8500 }), "8500");
  assert.is(describePort({ protocol: "UDP", port: 53 }), "UDP 53");
  assert.is(describePort({ protocol: "TCP", port: 10000, endPort: 20000 }), "TCP 10000-20000");
});

test("one selector validator: located problems, with nonEmpty for selectors that must select something", async () => {
  const { selectorProblems, selectorIsWellFormed } = await import("../generator/lib/labels.ts");
  assert.equal(selectorProblems({}), []);
  assert.equal(selectorProblems({}, { nonEmpty: true }).map((p) => p.path), [[]]);
  assert.equal(
    selectorProblems({
      matchLabels: { "bad key!": "v", ok: "bad value!" },
      matchExpressions: [
        { key: "a", operator: "In" },
        { key: "b", operator: "Exists", values: ["x"] },
        { key: "c", operator: "Near" },
        { key: "d", operator: "NotIn", values: ["ok", "-bad"] },
      ],
    }).map((p) => p.path.join(".")),
    ["matchLabels.bad key!", "matchLabels.ok", "matchExpressions.0", "matchExpressions.1.values", "matchExpressions.2.operator", "matchExpressions.3.values.1"],
  );
  assert.ok(selectorIsWellFormed({ matchLabels: { app: "longhorn-manager" } }));
  assert.not.ok(selectorIsWellFormed({ matchLabels: { app: "longhorn manager" } }));
  assert.not.ok(selectorIsWellFormed({ matchExpressions: [] }));
});

test("one Markdown table writer: escaped cells, GitHub or docs shape", async () => {
  const { markdownTable } = await import("../generator/lib/markdown.ts");
  assert.is(markdownTable(["A", "B"], [["x | y", "multi\nline  text"]]), "| A | B |\n|---|---|\n| x \\| y | multi line text |");
  assert.is(markdownTable(["A", "B"], [["1", "2"]], { outerPipes: false }), "A | B\n--- | ---\n1 | 2");
  assert.is(markdownTable(["Size", "Time"], [["500", "1 s"]], { alignRight: [true, false] }), "| Size | Time |\n|---:|---|\n| 500 | 1 s |");
});

test.run();
