# docker-zarf: `make demo` shows the main job, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
PLUGIN_DIR ?= $(or $(DOCKER_CONFIG),$(HOME)/.docker)/cli-plugins
FUZZTIME ?= 5s

.PHONY: build install test deps unit fuzz e2e cross demo bench compat release clean

build: ## Build bin/docker-zarf
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/docker-zarf ./cmd/docker-zarf

install: build ## Install the plugin into $${DOCKER_CONFIG:-~/.docker}/cli-plugins
	mkdir -p '$(PLUGIN_DIR)'
	install -m 0755 bin/docker-zarf '$(PLUGIN_DIR)/docker-zarf'
	@echo "installed $(PLUGIN_DIR)/docker-zarf: try 'docker zarf --help'"

test: deps unit fuzz e2e cross ## Every test: unit and integration under -race, short fuzzing, end to end through docker, every platform builds

deps: ## Install the system tools the tests need (tmux, zstd, curl) when missing
	scripts/deps.sh

unit: ## Unit and integration tests, every package under the race detector (real registries started in-process)
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 14m ./...
	$(GO) test -count=1 -run 'TestBigPackageMemory' ./layout

fuzz: ## Each fuzz target for $(FUZZTIME)
	scripts/fuzz.sh $(FUZZTIME)

e2e: build ## End to end: the real docker CLI, distribution's registry binary, docker login
	scripts/e2e.sh

cross: ## Build every release platform (linux, darwin, windows × amd64, arm64) so a platform-specific break fails CI
	scripts/release.sh --check

demo: build ## Start a registry, publish a sample package, inspect it and pull it back
	scripts/demo.sh

bench: build ## Benchmark against oras and crane (see scripts/bench)
	scripts/bench

compat: build ## Round trips with the real Zarf CLI v0.84.0, built once into ~/.cache (not part of test)
	scripts/compat

release: ## Cross-build every platform into dist/ with SHA256SUMS
	scripts/release.sh '$(VERSION)' '$(COMMIT)'

clean:
	rm -rf bin dist
