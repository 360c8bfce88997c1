// `netpolgen package` (make package): the chart as a Helm repository in dist/: the package, its
// provenance file when a signing key is given (`helm package --sign`, checked with `helm verify`
// before anything is moved into dist/), index.yaml over every package in dist/, and Artifact Hub's
// repository metadata beside it.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { runHelm } from "../verify/helm.ts";

export interface SignWith {
  /** The key's name (user id or part of it) in the keyring, as `helm package --key` takes it. */
  key: string;
  /** A keyring holding the secret key, in GnuPG's legacy format (`gpg --export-secret-keys > secring.gpg`). */
  keyring: string;
  /** A file holding the key's passphrase; none for a key without one. */
  passphraseFile?: string;
}

export interface PackageRequest {
  helm: string;
  chart: string;
  /** The repository folder (dist/); earlier packages in it stay and are indexed. */
  out: string;
  sign?: SignWith;
  /** The repository's URL for index.yaml; without it the index holds relative URLs, which helm resolves against the repository's. */
  url?: string;
  /** artifacthub-repo.yml, copied beside index.yaml. */
  repoMetadata?: string;
  env?: NodeJS.ProcessEnv;
}

export interface PackageResult {
  /** Files written into `out`, relative to it. */
  written: string[];
  signedBy?: string;
  /** Every chart version index.yaml lists. */
  indexed: number;
}

export class PackageError extends Error {
  override name = "PackageError";
}

export function packageChart(request: PackageRequest): PackageResult {
  const helm = (...args: string[]) => runHelm(request.helm, args, { env: request.env });
  if (request.sign) {
    if (!existsSync(request.sign.keyring)) throw new PackageError(`keyring ${request.sign.keyring} does not exist (export one with gpg --export-secret-keys KEY > secring.gpg)`);
    if (request.sign.passphraseFile && !existsSync(request.sign.passphraseFile)) throw new PackageError(`passphrase file ${request.sign.passphraseFile} does not exist`);
  }
  if (request.url !== undefined && !/^(https?|file):\/\/\S+$/.test(request.url)) throw new PackageError(`--url ${request.url} is not an http(s) URL`);
  mkdirSync(request.out, { recursive: true });
  // Beside dist/, not in it: helm repo index also reads packages one folder down.
  const staging = mkdtempSync(join(dirname(request.out), `.${basename(request.out)}-package-`));
  try {
    const args = ["package", request.chart, "--destination", staging];
    if (request.sign) {
      args.push("--sign", "--key", request.sign.key, "--keyring", request.sign.keyring);
      if (request.sign.passphraseFile) args.push("--passphrase-file", request.sign.passphraseFile);
    }
    const packaged = helm(...args);
    if (packaged.code !== 0) throw new PackageError(`helm package failed: ${packaged.stderr.trim()}`);
    const tgz = readdirSync(staging).find((f) => f.endsWith(".tgz"));
    if (!tgz) throw new PackageError(`helm package wrote no package: ${packaged.stdout.trim()}`);
    let signedBy: string | undefined;
    if (request.sign) {
      const verified = helm("verify", join(staging, tgz), "--keyring", request.sign.keyring);
      if (verified.code !== 0) throw new PackageError(`the signed package does not verify with ${request.sign.keyring}: ${verified.stderr.trim()}`);
      signedBy = /^Signed by: (.+)$/m.exec(verified.stdout)?.[1]?.trim();
    }
    const written = [tgz, ...(request.sign ? [`${tgz}.prov`] : [])];
    for (const file of written) renameSync(join(staging, file), join(request.out, file));
    // An unsigned rebuild leaves no provenance file of an earlier signed build behind: it would not verify.
    if (!request.sign) rmSync(join(request.out, `${tgz}.prov`), { force: true });
    if (request.repoMetadata) {
      copyFileSync(request.repoMetadata, join(staging, "artifacthub-repo.yml"));
      renameSync(join(staging, "artifacthub-repo.yml"), join(request.out, "artifacthub-repo.yml"));
      written.push("artifacthub-repo.yml");
    }
    // helm writes index.yaml atomically (a temporary file renamed over it).
    const index = helm("repo", "index", request.out, ...(request.url ? ["--url", request.url] : []));
    if (index.code !== 0) throw new PackageError(`helm repo index failed: ${index.stderr.trim()}`);
    written.push("index.yaml");
    const indexed = readdirSync(request.out).filter((f) => f.endsWith(".tgz")).length;
    return { written, ...(signedBy ? { signedBy } : {}), indexed };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
