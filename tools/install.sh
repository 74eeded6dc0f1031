#!/usr/bin/env bash
# Builds the test tool chain (Ory Kratos, Terraform, OpenTofu) from the Go module
# proxy into a per-user cache keyed by version, then links it into bin/.
# A tool already in the cache is not built again.
set -euo pipefail

KRATOS_VERSION=v1.3.1
TERRAFORM_VERSION=v1.5.7
OPENTOFU_VERSION=v1.12.6
GOLANGCI_LINT_VERSION=v2.15.0
# Bump when a build recipe below changes, so that cached builds are redone.
RECIPE=2

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${ORY_PROVIDER_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-ory/tools}
bin="$root/bin"
mkdir -p "$cache" "$bin"
export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=-mod=mod

# build NAME VERSION: runs build_NAME into a temp dir, moves the result into the cache.
build() {
	local name=$1 version=$2 target="$cache/$1-$2-r$RECIPE"
	if [ ! -x "$target" ]; then
		echo "tools: building $name $version (once per machine, a few minutes)"
		local tmp
		tmp=$(mktemp -d)
		"build_$name" "$version" "$tmp/$name"
		mv "$tmp/$name" "$target"
		rm -rf "$tmp"
	fi
	ln -sf "$target" "$bin/$name"
}

build_kratos() {
	# The version is pinned in tools/kratos/go.mod; the cache key repeats it.
	(cd "$root/tools/kratos" && CGO_ENABLED=1 go build -tags sqlite -trimpath -o "$2" .)
}

build_terraform() {
	GOBIN=$(dirname "$2") go install "github.com/hashicorp/terraform@$1"
}

build_golangci-lint() {
	GOBIN=$(dirname "$2") go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$1"
}

build_tofu() {
	local dir
	dir=$(go mod download -json "github.com/opentofu/opentofu@$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	# dev=no: report the release version, not v1.12.6-dev.
	(cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$2" ./cmd/tofu)
}

tools=${*:-kratos terraform tofu golangci-lint}
for t in $tools; do
	case $t in
	kratos) build kratos "$KRATOS_VERSION" ;;
	terraform) build terraform "$TERRAFORM_VERSION" ;;
	tofu) build tofu "$OPENTOFU_VERSION" ;;
	golangci-lint) build golangci-lint "$GOLANGCI_LINT_VERSION" ;;
	*) echo "tools: unknown tool $t" >&2; exit 2 ;;
	esac
done
