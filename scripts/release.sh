#!/usr/bin/env bash
# Cross-build docker-zarf for every released platform.
#
#   scripts/release.sh [VERSION [COMMIT]]   build dist/docker-zarf-<os>-<arch>[.exe] and dist/SHA256SUMS
#   scripts/release.sh --check              go build every target into a temp dir, and go vet (which
#                                           compiles the tests) for windows/amd64 (CI: a platform-
#                                           specific break fails fast; dist/ is untouched)
#
# VERSION defaults to `git describe --tags --always --dirty` (or "dev"), COMMIT to
# `git rev-parse HEAD`. DIST overrides the output directory (default: dist/).
#
# Builds are reproducible: CGO_ENABLED=0, -trimpath, -buildvcs=false and fixed
# ldflags leave nothing of the machine, the checkout path or the time in the
# binary. RELEASE_VERIFY=1 proves it: every target is built a second time from
# scratch (an empty GOCACHE, so nothing is reused from the first pass) in
# another directory, and the script fails if any sha256 differs. That second
# pass recompiles every dependency, so it takes minutes.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# Temporary directories, removed however the script ends. Global, because an
# EXIT trap runs after the function that made them has returned.
TMPS=()
cleanup() { if ((${#TMPS[@]})); then rm -rf -- "${TMPS[@]}"; fi; }
trap cleanup EXIT

TARGETS=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64)
PKG=./cmd/docker-zarf

# The environment must not change the bytes: no cgo, no GOFLAGS from the caller
# (e.g. -race or -cover), and the module graph exactly as go.mod/go.sum say.
export CGO_ENABLED=0 GOFLAGS=-mod=readonly GOEXPERIMENT= GOAMD64=v1 GOARM64=v8.0

die() { echo "release: $*" >&2; exit 1; }

artifact() { # artifact OS ARCH: the file name of one target's binary
  local name="docker-zarf-$1-$2"
  [[ $1 == windows ]] && name+=.exe
  echo "$name"
}

# build_all OUTDIR VERSION COMMIT: every target into OUTDIR.
build_all() {
  local out=$1 version=$2 commit=$3 t os arch
  local ldflags="-s -w -X main.version=$version -X main.commit=$commit"
  for t in "${TARGETS[@]}"; do
    os=${t%/*} arch=${t#*/}
    echo "building $(artifact "$os" "$arch")" >&2
    GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false -ldflags "$ldflags" \
      -o "$out/$(artifact "$os" "$arch")" "$PKG"
  done
}

# sums DIR: SHA256SUMS content for the binaries in DIR, in target order.
sums() {
  local t
  for t in "${TARGETS[@]}"; do
    (cd "$1" && sha256sum "$(artifact "${t%/*}" "${t#*/}")")
  done
}

# check: build every target; vet (which also compiles the tests, so a test
# that only compiles on linux is caught) for one non-linux target.
check() {
  local tmp t os arch
  tmp=$(mktemp -d)
  TMPS+=("$tmp")
  for t in "${TARGETS[@]}"; do
    os=${t%/*} arch=${t#*/}
    echo "check $os/$arch" >&2
    # Vet (which also compiles the tests) only where the tests are most
    # likely to break: building every target twice over would double CI time.
    if [[ $os == windows && $arch == amd64 ]]; then
      GOOS=$os GOARCH=$arch go vet ./... || die "go vet failed for $os/$arch"
    fi
    GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false -o "$tmp/$(artifact "$os" "$arch")" "$PKG" ||
      die "go build failed for $os/$arch"
  done
  echo "every target builds: ${TARGETS[*]}" >&2
}

release() {
  local version=${1:-} commit=${2:-}
  [[ -n "$version" ]] || version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
  [[ -n "$commit" ]] || commit=$(git rev-parse HEAD 2>/dev/null || true)
  [[ "$version" =~ ^[A-Za-z0-9._+-]+$ ]] || die "version $version: use letters, digits and . _ + - only"
  [[ -z "$commit" || "$commit" =~ ^[0-9a-fA-F]+$ ]] || die "commit $commit is not a hex revision"

  local dist=${DIST:-$ROOT/dist}
  rm -rf "$dist"
  mkdir -p "$dist"
  build_all "$dist" "$version" "$commit"
  sums "$dist" >"$dist/SHA256SUMS"

  if [[ "${RELEASE_VERIFY:-0}" == 1 ]]; then
    local again cache
    again=$(mktemp -d) cache=$(mktemp -d)
    TMPS+=("$again" "$cache")
    echo "verifying: building everything again from an empty build cache" >&2
    GOCACHE=$cache build_all "$again" "$version" "$commit"
    diff <(sums "$dist") <(sums "$again") >&2 || die "the builds are not reproducible (sha256 differs above)"
    echo "reproducible: a clean second build has the same sha256 for every target" >&2
  fi

  (cd "$dist" && ls -l -- docker-zarf-* SHA256SUMS) >&2
  cat "$dist/SHA256SUMS"
}

case "${1:-}" in
--check) check ;;
-h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' ;;
-*) die "unknown option $1 (see --help)" ;;
*) release "$@" ;;
esac
