#!/usr/bin/env bash
# The main job in one command: start a local registry, publish a sample Zarf
# package, inspect it, list it and pull it back. Everything happens under a
# temporary directory and the registry stops when the demo ends.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

WORK=$(mktemp -d)
REGISTRY_PID=
trap '[[ -n "$REGISTRY_PID" ]] && kill "$REGISTRY_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

[[ -x bin/docker-zarf ]] || make build
ensure_registry
export DOCKER_CONFIG="$WORK/docker"
mkdir -p "$DOCKER_CONFIG/cli-plugins"
cp bin/docker-zarf "$DOCKER_CONFIG/cli-plugins/"
PORT=$(free_port)
REG="localhost:$PORT"
start_registry "$WORK/registry" "$PORT"
PKG=testdata/fixtures/packages/zarf-package-demo-amd64-1.0.0.tar.zst

run() { printf '\n$ %s\n' "$*"; "$@"; }
echo "registry: distribution $REGISTRY_VERSION on $REG"
run docker zarf publish "$PKG" "oci://$REG/demo" --plain-http
run docker zarf ls "oci://$REG/demo/demo" --plain-http
run docker zarf inspect "oci://$REG/demo/demo:1.0.0" -a amd64 --plain-http
run docker zarf inspect "oci://$REG/demo/demo:1.0.0" -a amd64 --plain-http --layers
mkdir -p "$WORK/pulled"
run docker zarf pull "oci://$REG/demo/demo:1.0.0" -a amd64 --plain-http -o "$WORK/pulled" --cache "$WORK/cache"
run docker zarf pull "oci://$REG/demo/demo:1.0.0" -a amd64 --plain-http -o "$WORK/pulled" --cache "$WORK/cache" --components config-files --package-format dir
run ls -l "$WORK/pulled"
echo
echo "demo finished: published, listed, inspected and pulled back $(basename "$PKG")"
