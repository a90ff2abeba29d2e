#!/usr/bin/env bash
# Builds real kcp from kcp's Go modules, through the Go module proxy only, and caches
# the binaries outside the work tree, keyed by kcp version and Go version.
#
#   test/kcp/build-kcp.sh v0.28.0      → prints the bin directory on stdout
#
# The build module is generated per version in the cache: it requires
# github.com/kcp-dev/kcp at the pinned version and copies the k8s.io replace lines
# from that version's own go.mod (kcp builds against its Kubernetes fork).
# Nothing of kcp's source lands in this repository.
set -euo pipefail

version="${1:?usage: build-kcp.sh <kcp version, e.g. v0.28.0>}"
case "$version" in
  v0.26.1 | v0.27.1 | v0.28.0) ;;
  *)
    echo "build-kcp: $version is not a pinned version (v0.26.1, v0.27.1, v0.28.0 build from the module proxy)" >&2
    exit 2
    ;;
esac

go_version="$(go env GOVERSION)"
cache_root="${KCP_ENDPOINTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcp-endpoints}"
dir="$cache_root/kcp/$version-$go_version"
bin="$dir/bin"
binaries=(kcp sharded-test-server kcp-front-proxy cache-server)

if [[ -f "$dir/complete" ]]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$dir/mod" "$bin"
export GONOSUMDB='github.com/kcp-dev/*'
export GOFLAGS='-mod=mod -buildvcs=false'
export GOTOOLCHAIN=local

log() { echo "build-kcp: $*" >&2; }

log "resolving github.com/kcp-dev/kcp@$version through the Go module proxy"
gomod="$(cd "$dir/mod" && go mod download -json "github.com/kcp-dev/kcp@$version" |
  sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
if [[ ! -f "$gomod" ]]; then
  log "could not find kcp's go.mod for $version"
  exit 1
fi

{
  echo "module kcp-endpoints.test/kcp-build"
  echo
  echo "go 1.23.0"
  echo
  echo "require github.com/kcp-dev/kcp $version"
  echo
  echo "replace ("
  echo "	github.com/kcp-dev/kcp/sdk => github.com/kcp-dev/kcp/sdk $version"
  # The k8s.io/* => github.com/kcp-dev/kubernetes... lines of kcp's own go.mod.
  grep -E '^[[:space:]]+k8s\.io/[^ ]+ => github\.com/kcp-dev/kubernetes' "$gomod"
  echo ")"
} >"$dir/mod/go.mod"
rm -f "$dir/mod/go.sum"

cd "$dir/mod"
log "fetching modules (go get github.com/kcp-dev/kcp@$version)"
go get "github.com/kcp-dev/kcp@$version" >&2
pkgs=()
for b in "${binaries[@]}"; do pkgs+=("github.com/kcp-dev/kcp/cmd/$b"); done
log "building ${binaries[*]} (several minutes on a cold cache)"
start=$SECONDS
# -trimpath: kcp's test helpers (linked into sharded-test-server) look for the
# repository from their compiled-in source path; trimmed paths keep them relative.
go build -trimpath -o "$bin/" "${pkgs[@]}" >&2
for b in "${binaries[@]}"; do
  [[ -x "$bin/$b" ]] || { log "missing $bin/$b after build"; exit 1; }
done
log "built in $((SECONDS - start)) s"
date -u +%FT%TZ >"$dir/complete"
echo "$bin"
