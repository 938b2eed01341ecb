# Shared by the scripts: pinned tools and a registry on loopback.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/bin"
REGISTRY_VERSION=v3.1.2
ORAS_VERSION=v1.3.6
CRANE_VERSION=v0.22.1

# ensure_tool NAME MODULE@VERSION: go install a pinned tool into bin/ once.
ensure_tool() {
  local name=$1 pkg=$2 stamp="$BIN/.$1.version"
  if [[ -x "$BIN/$name" && "$(cat "$stamp" 2>/dev/null)" == "$pkg" ]]; then return; fi
  echo "installing $pkg" >&2
  mkdir -p "$BIN"
  GOBIN="$BIN" go install "$pkg"
  echo "$pkg" >"$stamp"
}

ensure_registry() { ensure_tool registry "github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION"; }

# free_port: a loopback TCP port nobody listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

# start_registry DIR PORT [HTPASSWD]: distribution's registry binary on
# 127.0.0.1:PORT storing under DIR; sets REGISTRY_PID.
start_registry() {
  local dir=$1 port=$2 htpasswd=${3:-}
  mkdir -p "$dir/data"
  {
    echo "version: 0.1"
    echo "log: {level: error}"
    echo "storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}"
    echo "http: {addr: 127.0.0.1:$port}"
    if [[ -n "$htpasswd" ]]; then
      echo "auth: {htpasswd: {realm: docker-zarf-e2e, path: $htpasswd}}"
    fi
  } >"$dir/config.yml"
  "$BIN/registry" serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  REGISTRY_PID=$!
  wait_registry "$port" "$dir/registry.log"
}

# wait_registry PORT LOG: wait up to 10 s for /v2/ to answer; on failure
# print the server's log.
wait_registry() {
  local port=$1 log=$2
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; then return 0; fi
    sleep 0.1
  done
  echo "the registry on port $port did not start; its log:" >&2
  cat "$log" >&2
  return 1
}

ensure_oras() { ensure_tool oras "oras.land/oras/cmd/oras@$ORAS_VERSION"; }
ensure_crane() { ensure_tool crane "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"; }

# ensure_olareg: olareg's own server command, built from the version pinned in
# go.mod (the module proxy refuses `go install …@version` for olareg).
ensure_olareg() {
  local v stamp="$BIN/.olareg.version"
  v=$(cd "$ROOT" && go list -m -f '{{.Version}}' github.com/olareg/olareg)
  if [[ -x "$BIN/olareg" && "$(cat "$stamp" 2>/dev/null)" == "$v" ]]; then return; fi
  echo "building olareg $v" >&2
  (cd "$ROOT" && go build -o "$BIN/olareg" github.com/olareg/olareg/cmd/olareg)
  echo "$v" >"$stamp"
}

# start_olareg DIR PORT: olareg on 127.0.0.1:PORT storing under DIR; sets OLAREG_PID.
start_olareg() {
  local dir=$1 port=$2
  mkdir -p "$dir/data"
  "$BIN/olareg" serve --addr 127.0.0.1 --port "$port" --dir "$dir/data" --gc-frequency 0s >"$dir/olareg.log" 2>&1 &
  OLAREG_PID=$!
  wait_registry "$port" "$dir/olareg.log"
}
