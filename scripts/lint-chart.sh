#!/usr/bin/env bash
# What `ct lint` checks, with real tools: the version increment against the target branch of ct.yaml
# (and a CHANGELOG.md entry for the version), the Chart.yaml schema, yamllint with ct's lint config on
# Chart.yaml, values.yaml and ci/*-values.yaml, maintainers, and `helm lint --strict` once per ci
# values file.
set -euo pipefail
cd "$(dirname "$0")/.."
HELM=.tools/bin/helm
export HELM_CACHE_HOME HELM_CONFIG_HOME HELM_DATA_HOME
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
HELM_CACHE_HOME=$tmp/cache HELM_CONFIG_HOME=$tmp/config HELM_DATA_HOME=$tmp/data

npx --no-install tsx scripts/check-version-increment.ts
npx --no-install tsx scripts/check-chart-yaml.ts chart/Chart.yaml
yamllint --strict -c lintconf.yaml chart/Chart.yaml chart/values.yaml chart/ci/*-values.yaml
echo "yamllint: chart/Chart.yaml, chart/values.yaml, chart/ci/*-values.yaml clean"
for values in chart/ci/*-values.yaml; do
  "$HELM" lint --strict chart -f "$values" --quiet >"$tmp/lint.out" 2>&1 || { cat "$tmp/lint.out"; exit 1; }
  echo "helm lint --strict -f $values: clean"
done
