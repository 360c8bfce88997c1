// What a chart release carries besides the templates: its version (package.json), its changes (the
// CHANGELOG.md entry of that version) and the maintainers' signing key (package.json's
// `netpolgen.signKey`, for Artifact Hub's artifacthub.io/signKey). Pure: cli.ts reads the files.
import { parseVersion } from "../lib/versions.ts";
import { parseChangelog, type Change } from "./changelog.ts";

export interface SignKey {
  /** The OpenPGP key's fingerprint, 40 hex digits. */
  fingerprint: string;
  /** Where its public key can be downloaded (https). */
  url: string;
}

export interface ChartRelease {
  version: string;
  /** The CHANGELOG.md entry of `version` (empty when there is none). */
  changes: Change[];
  signKey?: SignKey;
  /** The project's home page (package.json `homepage`), linked from Artifact Hub. */
  homepage?: string;
  /** Where dist/ is published (package.json `netpolgen.chartRepository`), for the README's commands. */
  chartRepository?: string;
  /** The OCI repository the package is pushed to (`netpolgen.ociRepository`, oci://host/path). */
  ociRepository?: string;
}

export class ReleaseMetadataError extends Error {
  override name = "ReleaseMetadataError";
}

interface PackageJson {
  version?: unknown;
  homepage?: unknown;
  netpolgen?: { signKey?: { fingerprint?: unknown; url?: unknown }; chartRepository?: unknown; ociRepository?: unknown };
}

const OCI_REPOSITORY = /^oci:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+$/;
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~\/%+-]*)?$/;

/** The release of the chart the project holds now: package.json's text and CHANGELOG.md's (undefined when absent). */
export function chartRelease(packageJson: string, changelog: string | undefined): ChartRelease {
  const pkg = JSON.parse(packageJson) as PackageJson;
  const version = pkg.version;
  if (typeof version !== "string" || !parseVersion(version) || version.startsWith("v")) {
    throw new ReleaseMetadataError(`package.json: version ${JSON.stringify(version)} is not a chart version like 0.2.0`);
  }
  const entry = changelog === undefined ? undefined : parseChangelog(changelog).find((e) => e.version === version);
  const release: ChartRelease = { version, changes: entry?.changes ?? [] };
  const signKey = pkg.netpolgen?.signKey;
  if (signKey !== undefined) {
    const { fingerprint, url } = signKey;
    if (typeof fingerprint !== "string" || !/^[0-9A-F]{40}$/.test(fingerprint)) {
      throw new ReleaseMetadataError("package.json: netpolgen.signKey.fingerprint must be the key's fingerprint, 40 upper-case hex digits");
    }
    if (typeof url !== "string" || !HTTPS_URL.test(url)) {
      throw new ReleaseMetadataError("package.json: netpolgen.signKey.url must be an https URL of the public key");
    }
    release.signKey = { fingerprint, url };
  }
  if (pkg.homepage !== undefined) {
    if (typeof pkg.homepage !== "string" || !HTTPS_URL.test(pkg.homepage)) throw new ReleaseMetadataError("package.json: homepage must be an https URL");
    release.homepage = pkg.homepage;
  }
  const { chartRepository, ociRepository } = pkg.netpolgen ?? {};
  if (chartRepository !== undefined) {
    if (typeof chartRepository !== "string" || !HTTPS_URL.test(chartRepository)) throw new ReleaseMetadataError("package.json: netpolgen.chartRepository must be the https URL dist/ is published at");
    release.chartRepository = chartRepository.replace(/\/$/, "");
  }
  if (ociRepository !== undefined) {
    if (typeof ociRepository !== "string" || !OCI_REPOSITORY.test(ociRepository)) throw new ReleaseMetadataError("package.json: netpolgen.ociRepository must be oci://host/path (lower-case path)");
    release.ociRepository = ociRepository;
  }
  return release;
}
