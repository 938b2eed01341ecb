#!/usr/bin/env bash
# End to end through the real docker CLI: the plugin in a temporary
# DOCKER_CONFIG, distribution's registry binary with htpasswd auth on
# loopback, a real `docker login`, then every fixture package published,
# compared with what the Zarf CLI pushed, inspected and pulled back.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

FIX="$ROOT/testdata/fixtures"
WORK=$(mktemp -d)
REGISTRY_PID=
cleanup() {
  [[ -n "$REGISTRY_PID" ]] && kill "$REGISTRY_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[[ -x bin/docker-zarf ]] || make build
ensure_registry
export DOCKER_CONFIG="$WORK/docker"
mkdir -p "$DOCKER_CONFIG/cli-plugins"
cp bin/docker-zarf "$DOCKER_CONFIG/cli-plugins/docker-zarf"

USER_NAME=e2e PASS="e2e-secret-$RANDOM$RANDOM"
go run ./internal/tools/e2etool htpasswd "$USER_NAME" "$PASS" >"$WORK/htpasswd"
PORT=$(free_port)
REG="127.0.0.1:$PORT"
start_registry "$WORK/registry" "$PORT" "$WORK/htpasswd"

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

step "docker lists the plugin"
docker info --format '{{range .ClientInfo.Plugins}}{{.Name}} {{end}}' 2>/dev/null | grep -qw zarf ||
  docker info 2>/dev/null | grep -q 'zarf:' || fail "docker info does not list the zarf plugin"
docker zarf --help | grep -q publish || fail "docker zarf --help"

step "anonymous publish is refused with a docker login hint"
if out=$(docker zarf publish "$FIX/packages/zarf-package-flavored-amd64-0.2.0-upstream.tar" "oci://$REG/e2e" --plain-http 2>&1); then
  fail "publish without login succeeded"
fi
grep -q "run docker login $REG" <<<"$out" || fail "no login hint in: $out"

step "docker login"
echo "$PASS" | docker login "$REG" -u "$USER_NAME" --password-stdin

step "publish every fixture package"
docker zarf publish "$FIX/packages/zarf-package-demo-amd64-1.0.0.tar.zst" "oci://$REG/e2e" --plain-http
docker zarf publish "$FIX/packages/zarf-package-demo-arm64-1.0.0.tar.zst" "oci://$REG/e2e" --plain-http --format json >"$WORK/arm64.json"
grep -q '"reference": "'"$REG"'/e2e/demo:1.0.0"' "$WORK/arm64.json" || fail "publish -o json: $(cat "$WORK/arm64.json")"
docker zarf publish "$FIX/packages/zarf-package-flavored-amd64-0.2.0-upstream.tar" "oci://$REG/e2e" --plain-http
docker zarf publish "$FIX/packages/signed/zarf-package-flavored-amd64-0.2.0-upstream.tar" "oci://$REG/e2e-signed" --plain-http
docker zarf publish "$FIX/packages/split/zarf-package-split-amd64-0.0.1.tar.zst.part000" "oci://$REG/e2e" --plain-http

step "compare with what the Zarf CLI pushed"
cmp() { go run ./internal/tools/e2etool compare -registry "$REG" -user "$USER_NAME" -pass "$PASS" "$@"; }
cmp -repo e2e/demo -tag 1.0.0 -fixture "$FIX/registry/demo" -arch amd64,arm64
cmp -repo e2e/flavored -tag 0.2.0-upstream -fixture "$FIX/registry/flavored" -arch amd64
cmp -repo e2e-signed/flavored -tag 0.2.0-upstream -fixture "$FIX/registry/signed" -arch amd64

step "inspect"
docker zarf inspect "oci://$REG/e2e/demo:1.0.0" -a arm64 --plain-http | grep -q 'architecture: arm64' || fail "inspect arm64"
docker zarf inspect "oci://$REG/e2e/demo:1.0.0" -a amd64 --plain-http --format json | grep -q '"name": "demo"' || fail "inspect --format json"
docker zarf inspect "oci://$REG/e2e/demo:1.0.0" -a amd64 --plain-http --layers | grep -q 'components/config-files.tar' || fail "inspect --layers"

step "pull every package back and compare its files with the fixture"
same_files() { # same_files ARCHIVE_A ARCHIVE_B
  local a="$WORK/cmp/a" b="$WORK/cmp/b"
  rm -rf "$WORK/cmp" && mkdir -p "$a" "$b"
  unpack "$1" "$a" && unpack "$2" "$b"
  diff -r "$a" "$b" >/dev/null || { diff -r "$a" "$b" | head; return 1; }
}
unpack() {
  case "$1" in
    *.tar.zst) zstd -qdc "$1" | tar -x -C "$2" ;;
    *.tar) tar -x -f "$1" -C "$2" ;;
  esac
  find "$2" -type d -empty -delete # Zarf keeps an empty images/ingest; it is no file
  mkdir -p "$2"
}
OUT="$WORK/out" && mkdir -p "$OUT"
pull() { local out=$1; shift; mkdir -p "$out"; docker zarf pull "$@" --plain-http -o "$out" --cache "$WORK/cache" -q; }
pull "$OUT" "oci://$REG/e2e/demo:1.0.0" -a amd64
same_files "$OUT/zarf-package-demo-amd64-1.0.0.tar.zst" "$FIX/packages/zarf-package-demo-amd64-1.0.0.tar.zst" || fail "demo amd64 differs"
pull "$OUT" "oci://$REG/e2e/demo:1.0.0" -a arm64
same_files "$OUT/zarf-package-demo-arm64-1.0.0.tar.zst" "$FIX/packages/zarf-package-demo-arm64-1.0.0.tar.zst" || fail "demo arm64 differs"
pull "$OUT" "oci://$REG/e2e/flavored:0.2.0-upstream" -a amd64
same_files "$OUT/zarf-package-flavored-amd64-0.2.0-upstream.tar" "$FIX/packages/zarf-package-flavored-amd64-0.2.0-upstream.tar" || fail "flavored differs"
pull "$WORK/signed" "oci://$REG/e2e-signed/flavored:0.2.0-upstream" -a amd64
same_files "$WORK/signed/zarf-package-flavored-amd64-0.2.0-upstream.tar" "$FIX/packages/signed/zarf-package-flavored-amd64-0.2.0-upstream.tar" || fail "signed differs"
cat "$FIX"/packages/split/*.part00[1-9] >"$WORK/split.tar.zst"
pull "$OUT" "oci://$REG/e2e/split:0.0.1" -a amd64
same_files "$OUT/zarf-package-split-amd64-0.0.1.tar.zst" "$WORK/split.tar.zst" || fail "split differs"

step "standalone binary honours --config"
bin/docker-zarf --config "$DOCKER_CONFIG" inspect "oci://$REG/e2e/demo:1.0.0" -a amd64 --plain-http >/dev/null || fail "standalone --config"

echo
echo "e2e: 1 passed, 0 failed"
