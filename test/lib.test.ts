// The shared pieces of generator/lib, on their own: CIDR arithmetic, port sets, values keys, YAML, versions.
import { isIPv6 } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { addressAfter, nthAddress, parseCIDR, parseIP, strictlyWithin, type CIDR } from "../generator/lib/cidr.ts";
import { ALL_PORTS, contains, equal, formatPorts, intersect, isEmpty, NO_PORTS, portSet, portsOfProtocol, subtract, union } from "../generator/lib/port-set.ts";
import { camelCase } from "../generator/lib/values-keys.ts";
import { parse as parseYaml12 } from "yaml";
import { readYaml, readYamlStream, writeYaml } from "../generator/lib/yaml.ts";
import { compareVersions, minorOf, nextMinor, parseVersion } from "../generator/lib/versions.ts";

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

test("parseCIDR refuses what the API server refuses, though ipaddr.js alone would read it", () => {
  for (const text of ["010.0.0.0/8", "10.0.0.01/32", "10.1/16", "0x0a.0.0.0/8", "167772160/8", "10.0.0.256/32", "fe80::1%eth0/64", "::ffff:010.0.0.1/128", "fd00::/", "/8", "10.0.0.0/8/8", "10.0.0.0/-1", " 10.0.0.0/8"]) {
    assert.is(parseCIDR(text), `"${text}" is not a CIDR (address/prefix)`, text);
  }
  assert.is(parseCIDR("fd00::/129"), '"fd00::/129" has a prefix longer than 128');
  assert.is(parseIP("010.0.0.1"), undefined, "a leading zero (octal to some parsers) is refused");
  assert.is(parseIP("10.0.0.1")?.toString(), "10.0.0.1");
  assert.is(parseIP("FD00:0001::1")?.toNormalizedString(), "fd00:1:0:0:0:0:0:1", "hex groups: case and leading zeros are fine");
});

test("parseCIDR: IPv4-mapped and embedded IPv4 in IPv6 are IPv6 addresses, with the IPv4 bits where they belong", () => {
  assert.equal(cidr("::ffff:10.0.0.0/104"), { family: 6, bits: 104, address: 0xffff0a000000n });
  assert.equal(cidr("::ffff:a00:0/104"), cidr("::ffff:10.0.0.0/104"));
  assert.is(cidr("::1.2.3.4/128").address, 0x01020304n, "the deprecated IPv4-compatible form is not mapped (ipaddr.js alone maps it)");
  assert.is(cidr("64:ff9b::192.0.2.33/128").address, 0x0064ff9b0000000000000000c0000221n);
  assert.ok(strictlyWithin(cidr("::ffff:10.1.0.0/112"), cidr("::ffff:10.0.0.0/104")));
  assert.not.ok(strictlyWithin(cidr("10.1.0.0/16"), cidr("::ffff:10.0.0.0/104")), "an IPv4 block is not inside a mapped IPv6 one");
  assert.is(nthAddress(cidr("::ffff:10.0.0.0/104"), 1), "0:0:0:0:0:ffff:a00:1");
});

test("except inside cidr: strict subsets only, both families, host bits ignored", () => {
  assert.ok(strictlyWithin(cidr("10.0.0.0/9"), cidr("10.0.0.0/8")));
  assert.ok(strictlyWithin(cidr("10.255.255.255/32"), cidr("10.0.0.0/8")));
  assert.not.ok(strictlyWithin(cidr("11.0.0.0/32"), cidr("10.0.0.0/8")));
  assert.ok(strictlyWithin(cidr("10.0.0.7/24"), cidr("10.0.0.9/16")), "host bits of either block do not matter");
  assert.ok(strictlyWithin(cidr("0.0.0.0/1"), cidr("0.0.0.0/0")));
  assert.ok(strictlyWithin(cidr("::/1"), cidr("::/0")));
  assert.ok(strictlyWithin(cidr("2001:db8:ffff::/48"), cidr("2001:db8::/32")));
  assert.not.ok(strictlyWithin(cidr("2001:db9::/48"), cidr("2001:db8::/32")));
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

test("readYamlStream reads helm's output as go-yaml v2 does: YAML 1.1 scalars, timestamps as strings, merges", () => {
  const text = "# Source: a.yaml\na: on\nb: yes\nc: y\nd: 0755\ne: 1_000\nf: 2001-12-14\ng: 1:20\nh: \"on\"\ni: 1.12\n---\n---\nbase: &b {x: 1}\nm: {<<: *b, z: 2}\n";
  const [first, empty, second] = readYamlStream(text);
  assert.equal(first, { a: true, b: true, c: true, d: 493, e: 1000, f: "2001-12-14", g: "1:20", h: "on", i: 1.12 });
  assert.is(empty, null);
  assert.equal((second as { m: object }).m, { x: 1, z: 2 });
  assert.throws(() => readYamlStream("a: 1\na: 2\n"), /Map keys must be unique/);
  assert.is(readYaml(""), null);
  assert.throws(() => readYaml("a: 1\n---\nb: 2\n"), /one YAML document/);
});

test("writeYaml: block YAML that go-yaml v2 and YAML 1.2 read back as the same strings", () => {
  const ambiguous = ["on", "Off", "yes", "y", "N", "true", "null", "~", "", "0755", "0o17", "0X1F", "0b1", "1_000", "1__", "1e3", ".5", ".inf", "1:20", "2001-12-14", "1.12", "<<", "-x", "?x", "=", "a: b", "x #y", "tab\tx", "trailing "];
  for (const text of ambiguous) {
    const written = writeYaml({ [text]: text, list: [text] });
    assert.ok(written.startsWith(`${JSON.stringify(text)}: ${JSON.stringify(text)}\n`), `${JSON.stringify(text)} quoted: ${written}`);
    assert.equal(readYaml(written), { [text]: text, list: [text] }, `${JSON.stringify(text)} as Helm reads it`);
    assert.equal(parseYaml12(written), { [text]: text, list: [text] }, `${JSON.stringify(text)} as YAML 1.2 reads it`);
  }
  // Plain wherever that is unambiguous; sequences indented under their key; no anchors for repeated objects; no folding.
  const shared = { "app.kubernetes.io/name": "longhorn-manager" };
  const long = `https://example.com/${"x".repeat(200)}`;
  assert.is(
    writeYaml({ version: "1.12.1", kubeVersion: ">=1.25.0-0", a: shared, b: shared, ports: [{ port: 9500, protocol: "TCP" }], empty: [], none: {}, long, text: "two\nlines" }),
    `version: 1.12.1\nkubeVersion: ">=1.25.0-0"\na:\n  app.kubernetes.io/name: longhorn-manager\nb:\n  app.kubernetes.io/name: longhorn-manager\nports:\n  - port: 9500\n    protocol: TCP\nempty: []\nnone: {}\nlong: ${long}\ntext: |-\n  two\n  lines\n`,
  );
});

test("versions: a minor, a patch or a tag names its minor; anything else is not a version", () => {
  for (const [text, minor] of [["1.12", "1.12"], ["1.12.1", "1.12"], ["v1.12.1", "1.12"], ["v1.12", "1.12"], ["1.9", "1.9"], ["1.10.0", "1.10"], ["v1.12.1-rc1", "1.12"], ["1.12.1+build.5", "1.12"], ["1.12.1-rc.1+b", "1.12"]]) {
    assert.is(minorOf(text!), minor, text);
  }
  for (const text of ["", "1", "v", "latest", "1.12.x", "01.12", "1.012", "1.12.01", "1.12.1.1", "1.12-rc1", "1.12+b", "V1.12", "=1.12.1", " 1.12", "1.12 ", "1.12.1-01", "1.12.1-rc..1", "1.99999999999999999999.0"]) {
    assert.is(minorOf(text), undefined, JSON.stringify(text));
  }
  assert.is(parseVersion("1.12")?.version, "1.12.0", "a minor reads as its .0 patch");
  assert.equal(parseVersion("v1.12.1-rc1")?.prerelease, ["rc1"]);
});

test("versions: compared as semver (1.9 before 1.10), and the next minor", () => {
  assert.equal(["1.10", "1.4", "1.9", "1.13", "1.12.1", "1.12"].sort(compareVersions), ["1.4", "1.9", "1.10", "1.12", "1.12.1", "1.13"]);
  assert.ok(compareVersions("v1.12.1-rc1", "1.12.1") < 0, "a pre-release comes before its release");
  assert.is(compareVersions("1.12", "v1.12.0"), 0);
  assert.throws(() => compareVersions("1.12", "latest"), /"latest" is not a version/);
  assert.is(nextMinor("1.12"), "1.13");
  assert.is(nextMinor("1.9.3"), "1.10");
  assert.is(nextMinor("1.12.0-rc1"), "1.13");
});

test.run();
