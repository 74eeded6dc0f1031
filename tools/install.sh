#!/usr/bin/env bash
# Builds the test tool chain (Ory Kratos, Terraform 1.14 and 1.5, OpenTofu,
# GoReleaser) from the Go module proxy into a per-user cache keyed by version,
# then links it into bin/ (bin/terraform is Terraform 1.14, bin/terraform1.5
# is Terraform 1.5.7). Kratos v26.2.0 (bin/kratos26) builds from its release
# source, which the module proxy does not serve: see build_kratos26.
# A tool already in the cache is not built again. PostgreSQL is not built:
# Debian's package is installed (with sudo unless root) when missing.
set -euo pipefail

KRATOS_VERSION=v1.3.1
KRATOS26_VERSION=v26.2.0
# The tag's source archive (git archive, no prefix), and the SHA-256 tree id
# of its files, which also checks GitHub's archive (other prefix, other gzip).
KRATOS26_ARCHIVE_SHA256=28eaa4b0c5b4dddc844898eecef12872fe1c2385dbfcfc00529d8fcbfb5c98cf
KRATOS26_TREE_SHA256=c65b0d7785fd4c39227fa67a07fdd1767530cd1c59d5f429c22568505984ecd0
KRATOS26_URL=https://github.com/ory/kratos/archive/refs/tags/$KRATOS26_VERSION.tar.gz
TERRAFORM_VERSION=v1.14.9
TERRAFORM15_VERSION=v1.5.7
OPENTOFU_VERSION=v1.12.6
GOLANGCI_LINT_VERSION=v2.15.0
ACTIONLINT_VERSION=v1.7.12
# Bump when a build recipe below changes, so that cached builds are redone.
RECIPE=2

root=$(cd "$(dirname "$0")/.." && pwd)
# CI keeps a shared folder beside every checkout.
KRATOS26_SOURCE=${KRATOS26_SOURCE:-$root/../shared/kratos/kratos-$KRATOS26_VERSION.tar.gz}
cache=${ORY_PROVIDER_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-ory/tools}
bin="$root/bin"
mkdir -p "$cache" "$bin"
export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=-mod=mod

# build NAME VERSION [FUNCTION]: runs FUNCTION (default build_NAME) into a temp
# dir, moves the result into the cache.
build() {
	local name=$1 version=$2 fn=${3:-build_$1} target="$cache/$1-$2-r$RECIPE"
	if [ ! -x "$target" ]; then
		echo "tools: building $name $version (once per machine, a few minutes)"
		tmp=$(mktemp -d)
		trap 'rm -rf "$tmp"' EXIT
		"$fn" "$version" "$tmp/$name"
		mv "$tmp/$name" "$target"
		rm -rf "$tmp"
		trap - EXIT
	fi
	ln -sf "$target" "$bin/$name"
}

build_kratos() {
	# The version is pinned in tools/kratos/go.mod; the cache key repeats it.
	(cd "$root/tools/kratos" && CGO_ENABLED=1 go build -tags sqlite -trimpath -o "$2" .)
}

# The v26 line keeps the module path github.com/ory/kratos without a /v26
# suffix, so the module proxy stops at v1.3.1: build from the tag's source,
# KRATOS26_SOURCE, else GitHub's archive of the tag. The version ldflag makes
# GET /admin/version name the release (a source build says "master").
build_kratos26() {
	local src
	src=$(dirname "$2")/src
	kratos26_unpack "$src"
	(cd "$src" && CGO_ENABLED=1 go build -tags sqlite,json1 -trimpath \
		-ldflags "-X github.com/ory/kratos/driver/config.Version=$1" -o "$2" .)
	rm -rf "$src"
}

kratos26_reachable() {
	[ -f "$KRATOS26_SOURCE" ] || curl -fsSIL --max-time 20 -o /dev/null "$KRATOS26_URL" 2>/dev/null
}

# kratos26_unpack DIR: the source of Kratos v26 in DIR, checked.
kratos26_unpack() {
	local dir=$1 archive=$1.tar.gz from=$KRATOS26_SOURCE
	mkdir -p "$dir"
	if [ -f "$from" ]; then
		cp "$from" "$archive"
	else
		from=$KRATOS26_URL
		curl -fsSL --retry 2 -o "$archive" "$from"
	fi
	if [ "$(sha256sum <"$archive" | cut -d' ' -f1)" = "$KRATOS26_ARCHIVE_SHA256" ]; then
		tar -xzf "$archive" -C "$dir"
	else
		# GitHub's archive puts the tree under kratos-26.2.0/.
		tar -xzf "$archive" -C "$dir" --strip-components=1
		local tree
		tree=$(cd "$dir" && git -c core.autocrlf=false init -q --object-format=sha256 &&
			git -c core.autocrlf=false add -A -f && git write-tree && rm -rf .git)
		if [ "$tree" != "$KRATOS26_TREE_SHA256" ]; then
			echo "tools: the Kratos $KRATOS26_VERSION source is not the tag's: $from has tree $tree, want $KRATOS26_TREE_SHA256" >&2
			exit 1
		fi
	fi
	rm -f "$archive"
}

# Terraform 1.5.7 builds with go install.
build_terraform15() {
	GOBIN=$(dirname "$2") go install "github.com/hashicorp/terraform@$1"
	mv "$(dirname "$2")/terraform" "$2"
}

# drop_lines FILE COUNT REGEX: deletes the lines of FILE matching the extended
# REGEX, and fails unless there are exactly COUNT of them, so that a version
# bump that changes what is dropped stops here instead of building something
# else.
drop_lines() {
	local file=$1 want=$2 re=$3 got
	got=$(grep -c -E -- "$re" "$file" || true)
	if [ "$got" != "$want" ]; then
		echo "tools: expected $want lines matching $re in $file, found $got" >&2
		exit 1
	fi
	grep -v -E -- "$re" "$file" >"$file.new"
	mv "$file.new" "$file"
}

# Terraform >= 1.6 does not go install: its go.mod replaces nine remote-state
# backends and internal/legacy with folders the module zip lacks. Build a
# copy of the module without them (the local, http, inmem, remote and cloud
# backends stay).
build_terraform() {
	local dir src
	dir=$(go mod download -json "github.com/hashicorp/terraform@$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	src=$(dirname "$2")/src
	cp -R "$dir" "$src"
	chmod -R u+w "$src"
	local gone='azure|consul|cos|gcs|kubernetes|oci|oss|pg|s3'
	local mod='github\.com/hashicorp/terraform/internal/(backend/remote-state/('"$gone"')|legacy)'
	drop_lines "$src/go.mod" 10 "^[[:space:]]*$mod v0\.0\.0-00010101000000-000000000000\$"
	drop_lines "$src/go.mod" 10 "^replace $mod => \./internal/"
	local init="$src/internal/backend/init/init.go"
	drop_lines "$init" 9 '^[[:space:]]*backend[A-Za-z0-9]+ "github\.com/hashicorp/terraform/internal/backend/remote-state/('"$gone"')"$'
	drop_lines "$init" 9 '^[[:space:]]*"[a-z0-9]+": +func\(\) backend\.Backend \{ return backend(Azure|Consul|Cos|GCS|Kubernetes|OCI|OSS|Pg|S3)\.New\(\) \},$'
	# dev=no: report the release version, not v1.14.x-dev.
	(cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/hashicorp/terraform/version.dev=no" -o "$2" .)
	rm -rf "$src"
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

tools=${*:-postgres kratos kratos26 terraform terraform1.5 tofu golangci-lint actionlint goreleaser}
for t in $tools; do
	case $t in
	postgres) install_postgres ;;
	kratos) build kratos "$KRATOS_VERSION" ;;
	kratos26)
		if [ -x "$cache/kratos26-$KRATOS26_VERSION-r$RECIPE" ] || kratos26_reachable; then
			build kratos26 "$KRATOS26_VERSION"
		else
			# make testacc-kratos26 says so again when it skips.
			echo "tools: skipping Kratos $KRATOS26_VERSION: no source at $KRATOS26_SOURCE (set KRATOS26_SOURCE) and $KRATOS26_URL is out of reach"
			rm -f "$bin/kratos26"
		fi
		;;
	terraform) build terraform "$TERRAFORM_VERSION" ;;
	terraform1.5) build terraform1.5 "$TERRAFORM15_VERSION" build_terraform15 ;;
	tofu) build tofu "$OPENTOFU_VERSION" ;;
	golangci-lint) build golangci-lint "$GOLANGCI_LINT_VERSION" ;;
	goreleaser) build goreleaser "$(awk '$1 == "github.com/goreleaser/goreleaser/v2" { print $2 }' "$root/tools/go.mod")" ;;
	actionlint) build actionlint "$ACTIONLINT_VERSION" ;;
	*) echo "tools: unknown tool $t" >&2; exit 2 ;;
	esac
done
