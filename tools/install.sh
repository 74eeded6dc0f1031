#!/usr/bin/env bash
# Builds the test tool chain (Ory Kratos, Terraform, OpenTofu, GoReleaser) from
# the Go module proxy into a per-user cache keyed by version, then links it
# into bin/.
# A tool already in the cache is not built again. PostgreSQL is not built:
# Debian's package is installed (with sudo unless root) when missing.
set -euo pipefail

KRATOS_VERSION=v1.3.1
TERRAFORM_VERSION=v1.5.7
OPENTOFU_VERSION=v1.12.6
GOLANGCI_LINT_VERSION=v2.15.0
ACTIONLINT_VERSION=v1.7.12
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

# GoReleaser, at the version pinned in tools/go.mod: make release-snapshot,
# make release, and the acceptance test that installs the release zip.
build_goreleaser() {
	(cd "$root/tools" && CGO_ENABLED=0 go build -trimpath -o "$2" github.com/goreleaser/goreleaser/v2)
}

build_golangci-lint() {
	GOBIN=$(dirname "$2") go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$1"
}

build_actionlint() {
	GOBIN=$(dirname "$2") go install "github.com/rhysd/actionlint/cmd/actionlint@$1"
}

build_tofu() {
	local dir
	dir=$(go mod download -json "github.com/opentofu/opentofu@$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	# dev=no: report the release version, not v1.12.6-dev.
	(cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$2" ./cmd/tofu)
}

# install_postgres installs Debian's postgresql package, for the acceptance
# tests on PostgreSQL. The harness runs throw-away clusters of its own, so the
# package is told not to create (and start) its default cluster on port 5432.
install_postgres() {
	if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
		return
	fi
	local sudo=
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null; then
			echo "tools: PostgreSQL is missing and there is no sudo: as root, run apt-get install postgresql" >&2
			exit 1
		fi
		sudo=sudo
	fi
	echo "tools: installing PostgreSQL (Debian package postgresql, once per machine)"
	$sudo mkdir -p /etc/postgresql-common/createcluster.d
	echo 'create_main_cluster = false' | $sudo tee /etc/postgresql-common/createcluster.d/terraform-provider-ory.conf >/dev/null
	local log
	log=$(mktemp)
	if ! { $sudo apt-get update -qq &&
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; } >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "tools: installing PostgreSQL failed (apt-get output above)" >&2
		exit 1
	fi
	rm -f "$log"
}

tools=${*:-postgres kratos terraform tofu golangci-lint actionlint goreleaser}
for t in $tools; do
	case $t in
	postgres) install_postgres ;;
	kratos) build kratos "$KRATOS_VERSION" ;;
	terraform) build terraform "$TERRAFORM_VERSION" ;;
	tofu) build tofu "$OPENTOFU_VERSION" ;;
	golangci-lint) build golangci-lint "$GOLANGCI_LINT_VERSION" ;;
	goreleaser) build goreleaser "$(awk '$1 == "github.com/goreleaser/goreleaser/v2" { print $2 }' "$root/tools/go.mod")" ;;
	actionlint) build actionlint "$ACTIONLINT_VERSION" ;;
	*) echo "tools: unknown tool $t" >&2; exit 2 ;;
	esac
done
