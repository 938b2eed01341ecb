#!/usr/bin/env bash
# Installs, from Debian's packages, the tools `make test` needs that this
# machine lacks: tmux (terminal tests), zstd and curl (scripts), and whatever the caller names
# (make compat needs jq). Go tools
# are pinned and installed by the scripts that use them.
set -euo pipefail
need=()
for tool in tmux zstd curl "$@"; do
  command -v "$tool" >/dev/null || need+=("$tool")
done
((${#need[@]} == 0)) && exit 0
if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
  echo "missing: ${need[*]}; install them (e.g. apt-get install ${need[*]})" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
