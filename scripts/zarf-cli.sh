#!/usr/bin/env bash
# Builds the real Zarf CLI once into a cache directory and prints its path.
# make compat and make bench use it; make test never does (it takes ~12 min
# on 2 cores). The version is pinned so results can be compared across runs.
set -euo pipefail
ZARF_VERSION="${ZARF_VERSION:-v0.84.0}"
DIR="${DZ_COMPAT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/docker-zarf/compat}/zarf-${ZARF_VERSION}"
BIN="$DIR/zarf"
if [[ "${1:-}" == "--path" ]]; then echo "$BIN"; exit 0; fi
if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi
mkdir -p "$DIR"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "building zarf ${ZARF_VERSION} into $DIR (about 12 minutes on 2 cores)" >&2
(
	cd "$work"
	go mod init x >/dev/null 2>&1
	GOSUMDB=off GOFLAGS=-mod=mod go get "github.com/zarf-dev/zarf@${ZARF_VERSION}" >&2
	GOSUMDB=off GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
		-ldflags "-s -w -X github.com/zarf-dev/zarf/src/config.CLIVersion=${ZARF_VERSION}" \
		-o "$BIN.tmp" github.com/zarf-dev/zarf >&2
)
mv "$BIN.tmp" "$BIN"
echo "$BIN"
