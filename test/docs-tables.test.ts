// Every row of every Longhorn docs networking page (1.4.0 … 1.13.0) is a flow of that minor's
// resolved spec, with exactly the documented ports; and every flow the spec marks as documented
// appears in that page. The mapping from the docs' wording to spec ids is written here by hand,
// from the docs, independently of the spec's own titles.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Flow, Port, Resolved, ResolvedSpec } from "../generator/loader/model.ts";
import { parse } from "yaml";
import { loadVersion, PROJECT_ROOT, SPEC_VERSIONS } from "./helpers.ts";
import { portsOfProtocol } from "../generator/lib/port-set.ts";


/** Docs section title → the component(s) it describes. */
const SECTIONS: Record<string, string[]> = {
  "Longhorn Manager": ["longhorn-manager"],
  UI: ["longhorn-ui"],
  "Instance Manager": ["instance-manager"],
  "Longhorn CSI plugin": ["longhorn-csi-plugin"],
  "CSI sidecar (csi-attacher, csi-provisioner, csi-resizer, csi-snapshotter)": ["csi-sidecars"],
  "Driver deployer": ["longhorn-driver-deployer"],
  "Conversion and Admission Webhook Server": ["admission-webhook", "conversion-webhook"],
  "NFS Recovery Backend Server": ["recovery-backend"],
  "Engine Image": ["engine-image"],
  "Backing Image Manager": ["backing-image-manager"],
  "Backing Image Data Source": ["backing-image-data-source"],
  "Share Manager": ["share-manager"],
  "Backup/Snapshot Recurring Job Pod": ["recurring-job"],
  Uninstaller: ["uninstaller"],
  "Discover Proc Kubelet Cmdline": ["discover-proc-kubelet-cmdline"],
};

/** Row label (lower case) → endpoint id, for rows that name the peer. */
const PEERS: Record<string, string> = {
  "longhorn manager": "longhorn-manager",
  ui: "longhorn-ui",
  "longhorn csi plugin": "longhorn-csi-plugin",
  "backup/snapshot recurring job pod": "recurring-job",
  "longhorn driver deployer": "longhorn-driver-deployer",
  "instance manager": "instance-manager",
  "backing image manager": "backing-image-manager",
  "backing image data source": "backing-image-data-source",
  "node in the cluster": "nodes",
  "external backupstore": "backupstore",
  "kubernetes api server": "kube-apiserver",
  "user provided server ip to download the images from": "backing-image-download-server",
};

/**
 * Rows whose "From" names the listener, not the client (ambiguities the spec resolves on purpose):
 * section + label → acceptable (from, to) pairs.
 */
const LISTENER_ROWS: Record<string, { from: string; to: string; documentedOnly?: boolean }[]> = {
  "Longhorn Manager|conversion webhook server": [
    { from: "kube-apiserver", to: "conversion-webhook" },
    // 1.10+: the docs keep the row, the code has no conversion webhook.
    { from: "kube-apiserver", to: "longhorn-manager", documentedOnly: true },
  ],
  "Longhorn Manager|admission webhook server": [{ from: "kube-apiserver", to: "admission-webhook" }],
  "Longhorn Manager|recovery backend server": [{ from: "share-manager", to: "recovery-backend" }],
  "Conversion and Admission Webhook Server|webhook server": [{ from: "kube-apiserver", to: "*" }],
  "NFS Recovery Backend Server|recovery backend server": [{ from: "share-manager", to: "recovery-backend" }],
};

interface DocsRow {
  section: string;
  direction: "ingress" | "egress";
  label: string;
  ports: "user-defined" | Port[];
  protocol: string;
}

interface DocsPage {
  rows: DocsRow[];
  /** Sections and directions the page declares as "None". */
  none: { section: string; direction: "ingress" | "egress" }[];
  /** Directions the page declares as user-defined without a table ("Users defined"). */
  userDefined: { section: string; direction: "ingress" | "egress" }[];
}

/** The tables of one docs version, from the extracted data (test/fixtures/longhorn-docs/tables.yaml). */
interface TablesFile {
  pages: {
    versions: string[];
    url: string;
    sections: { title: string; ingress?: Cell; egress?: Cell }[];
  }[];
}
type Cell = [string, string, string][] | "None" | "Users defined";

const TABLES = parse(readFileSync(join(PROJECT_ROOT, "test/fixtures/longhorn-docs/tables.yaml"), "utf8")) as TablesFile;

function pageOf(docsVersion: string): DocsPage {
  const entry = TABLES.pages.find((p) => p.versions.includes(docsVersion));
  if (!entry) throw new Error(`no tables for docs ${docsVersion}`);
  const page: DocsPage = { rows: [], none: [], userDefined: [] };
  for (const { title: section, ...directions } of entry.sections) {
    for (const direction of ["ingress", "egress"] as const) {
      const cell = directions[direction];
      if (cell === "None") page.none.push({ section, direction });
      else if (cell === "Users defined") page.userDefined.push({ section, direction });
      else for (const [label, ports, protocol] of cell ?? []) page.rows.push({ section, direction, label, ports: parsePorts(ports, protocol), protocol });
    }
  }
  return page;
}

function parsePorts(cell: string, protocol: string): "user-defined" | Port[] {
  const text = cell.trim();
  if (!/^\d/.test(text)) return "user-defined";
  return text.split(";").map((part) => {
    const match = /^(\d+)(?:-(\d+))?/.exec(part.trim());
    if (!match) throw new Error(`cannot read port "${part}"`);
    return {
      port: Number(match[1]),
      ...(match[2] ? { endPort: Number(match[2]) } : {}),
      protocol: protocol as Port["protocol"],
    };
  });
}

type Pair = { from: string; to: string; documentedOnly?: boolean };

/**
 * The flows a docs row stands for: a list of requirements, each met by any one of its pairs.
 * A row in a section that names several components (the 1.4 webhook section) needs a flow to each.
 */
function requiredPairs(row: DocsRow): Pair[][] {
  const key = `${row.section}|${row.label.toLowerCase()}`;
  const selves = SECTIONS[row.section] ?? [];
  const listener = LISTENER_ROWS[key];
  if (listener && row.direction === "ingress") {
    if (listener.some((pair) => pair.to === "*")) {
      return selves.map((to) => listener.map((pair) => ({ ...pair, to })));
    }
    return [listener];
  }
  const label = row.label.toLowerCase();
  const peers = label.startsWith("other ") ? selves : [PEERS[label]];
  if (peers.some((p) => p === undefined)) throw new Error(`no mapping for docs row "${row.label}" in ${row.section}`);
  return selves.flatMap((self) =>
    peers.map((peer) => [row.direction === "ingress" ? { from: peer!, to: self } : { from: self, to: peer! }]),
  );
}

function candidatePairs(row: DocsRow): Pair[] {
  return requiredPairs(row).flat();
}

function flowsBetween(spec: ResolvedSpec, from: string, to: string): Resolved<Flow>[] {
  return spec.flows.filter((f) => f.from === from && f.to === to && f.documented !== false);
}

function rowIsCovered(spec: ResolvedSpec, row: DocsRow): string | undefined {
  for (const options of requiredPairs(row)) {
    const ok = options.some((pair) => {
      // A row's ports may be split between flows the code serves and documented-only flows (ports
      // the docs list that nothing dials); a listener-named row marked documentedOnly needs exactly those.
      const flows = flowsBetween(spec, pair.from, pair.to).filter((f) => !pair.documentedOnly || Boolean(f.documentedOnly));
      if (row.ports === "user-defined") return flows.some((f) => f.userDefinedPorts?.protocol === row.protocol);
      const want = JSON.stringify(portsOfProtocol(row.ports, row.protocol));
      const have = JSON.stringify(portsOfProtocol(flows.flatMap((f) => f.ports ?? []), row.protocol));
      return want === have;
    });
    if (!ok) {
      const have = options.map((p) => `${p.from}→${p.to}: ${JSON.stringify(flowsBetween(spec, p.from, p.to).map((f) => f.ports ?? f.userDefinedPorts))}`);
      return `${row.section} ${row.direction} "${row.label}" ${JSON.stringify(row.ports)} ${row.protocol} not covered (${have.join("; ")})`;
    }
  }
  return undefined;
}

const docsFiles = TABLES.pages.flatMap((p) => p.versions);

test("the docs tables of 1.4.0 … 1.13.0 are in the repository, each version once", () => {
  // 5 (1.4) + 7 (1.5) + 6 (1.6) + 5 (1.7) + 4 (1.8) + 4 (1.9) + 4 (1.10) + 5 (1.11) + 3 (1.12) + 1 (1.13)
  assert.is(docsFiles.length, 44);
  assert.is(new Set(docsFiles).size, 44);
  for (const page of TABLES.pages) assert.match(page.url, /^https:\/\/longhorn\.io\/docs\/1\.\d+\.\d+\/references\/networking\/$/);
});

test("every docs version the spec lists has its tables", () => {
  for (const version of SPEC_VERSIONS) {
    for (const docs of loadVersion(version).docs) assert.ok(docsFiles.includes(docs), `spec ${version} lists docs ${docs}, which has no tables`);
  }
});

for (const docsVersion of docsFiles) {
  const minor = docsVersion.split(".").slice(0, 2).join(".");

  test(`docs ${docsVersion}: every row is a flow of spec ${minor}`, () => {
    const spec = loadVersion(minor);
    assert.ok(spec.docs.includes(docsVersion), `spec ${minor} lists docs ${docsVersion}`);
    const page = pageOf(docsVersion);
    assert.is(page.rows.length, minor === "1.4" ? 38 : 39, "rows parsed off the page");
    const problems = page.rows.map((row) => rowIsCovered(spec, row)).filter(Boolean);
    assert.equal(problems, []);
    for (const section of Object.keys(SECTIONS)) {
      const present = page.rows.some((r) => r.section === section) || page.none.some((n) => n.section === section);
      for (const id of SECTIONS[section]!) {
        if (present) assert.ok(spec.components.has(id), `docs section "${section}" has component ${id}`);
      }
    }
  });

  test(`docs ${docsVersion}: every documented flow of spec ${minor} is in the page`, () => {
    const spec = loadVersion(minor);
    const page = pageOf(docsVersion);
    const covered = new Set<string>();
    for (const row of page.rows) {
      for (const pair of candidatePairs(row)) covered.add(`${pair.from}→${pair.to}`);
    }
    for (const { section, direction } of page.userDefined) {
      for (const self of SECTIONS[section] ?? []) {
        for (const flow of spec.flows.filter((f) => (direction === "ingress" ? f.to : f.from) === self)) {
          covered.add(`${flow.from}→${flow.to}`);
        }
      }
    }
    const missing = spec.flows
      .filter((f) => f.documented !== false)
      .map((f) => `${f.from}→${f.to}`)
      .filter((pair) => !covered.has(pair));
    assert.equal(missing, [], "flows marked documented that the page does not list");
    // A listener-named row documents its flow from the listener's side only, so the client's
    // section may still say "None" (the share manager's egress, for one).
    const fromListenerRows = new Set(
      page.rows
        .filter((row) => LISTENER_ROWS[`${row.section}|${row.label.toLowerCase()}`])
        .flatMap((row) => candidatePairs(row).map((p) => `${p.from}→${p.to}`)),
    );
    for (const { section, direction } of page.none) {
      for (const self of SECTIONS[section] ?? []) {
        const documented = spec.flows.filter(
          (f) =>
            f.documented !== false &&
            !fromListenerRows.has(`${f.from}→${f.to}`) &&
            (direction === "ingress" ? f.to : f.from) === self,
        );
        assert.equal(documented.map((f) => f.id), [], `docs say ${section} ${direction}: None`);
      }
    }
  });
}

test.run();
