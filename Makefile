# The two commands of the README:
#   make          install what is needed, validate the spec, generate the chart and package it into dist/
#   make test     everything CI checks, closing with "N passed, N failed"
SHELL := /bin/bash
NETPOLGEN := node generator/bin/netpolgen.mjs
HELM := .tools/bin/helm

.PHONY: all build package setup generate check-generated validate verify typecheck lint test bench clean

all: setup build validate generate package

# dist/: the package, index.yaml, artifacthub-repo.yml; signed (a .prov beside the package) when
# SIGN_KEY names a key of SIGN_KEYRING (default ~/.gnupg/secring.gpg; SIGN_PASSPHRASE_FILE if it has
# a passphrase). CHART_REPO_URL puts absolute URLs in index.yaml.
package: generate
	$(NETPOLGEN) package --out dist

setup:
	@bash scripts/setup.sh

# netpolgen runs compiled (build/); tsx runs the sources only in tests and developer scripts.
# build-artifacts.ts then compiles into build/generated/ what netpolgen would otherwise compile at
# every start (scripts/build-artifacts.ts says what).
build: setup
	npx --no-install tsc -p tsconfig.build.json
	npx --no-install tsx scripts/build-artifacts.ts

validate: build
	$(NETPOLGEN) validate

generate: build
	$(NETPOLGEN) generate
	$(NETPOLGEN) diff --all --out docs/upgrades.md

check-generated: build
	npx --no-install tsx scripts/types.ts --check
	$(NETPOLGEN) generate --check
	$(NETPOLGEN) diff --all --out docs/upgrades.md --check

# Proves every version x chart/ci case allows exactly the spec (also part of the test suite).
verify: build
	$(NETPOLGEN) verify --all

typecheck: setup
	npx --no-install tsc --noEmit -p .

lint: setup
	yamllint --strict -c .yamllint.yaml spec
	bash scripts/lint-chart.sh

test: setup build check-generated typecheck lint
	node test/run.mjs

bench: build
	npx --no-install tsx scripts/bench.ts

clean:
	rm -rf .tools node_modules dist build
