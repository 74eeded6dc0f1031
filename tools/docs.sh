#!/usr/bin/env bash
# Generates docs/ with tfplugindocs, offline.
#
#   tools/docs.sh generate   rewrite docs/ from the schemas, examples/ and templates/
#   tools/docs.sh check      fail when docs/ differs from what generate would write
#
# tfplugindocs normally builds the provider and asks a terraform binary for
# its schema, downloading the latest Terraform when none is on PATH. Instead,
# this script exports the schema itself with bin/terraform (Terraform 1.14)
# and a dev_overrides CLI configuration and hands it over with
# --providers-schema. Terraform 1.14, because it reports everything the docs
# show in `providers schema -json`: ephemeral resources, write-only attributes,
# resource identities and list resources. OpenTofu 1.12 leaves out the last
# two; Terraform 1.5 all four.
set -euo pipefail

mode=${1:-generate}
root=$(cd "$(dirname "$0")/.." && pwd)
export GOTOOLCHAIN=${GOTOOLCHAIN:-local} CHECKPOINT_DISABLE=1

bash "$root/tools/install.sh" terraform >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The generator, at the version pinned in tools/go.mod.
(cd "$root/tools" && go build -o "$tmp/tfplugindocs" github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs)

# The provider's schema, as Terraform reports it.
mkdir -p "$tmp/plugin" "$tmp/work"
(cd "$root" && go build -o "$tmp/plugin/terraform-provider-ory" .)
cat >"$tmp/cli.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "identity-as-code/ory" = "$tmp/plugin"
  }
  direct {}
}
EOF
cat >"$tmp/work/main.tf" <<'EOF'
terraform {
  required_providers {
    ory = {
      source = "identity-as-code/ory"
    }
  }
}
EOF
(cd "$tmp/work" && TF_CLI_CONFIG_FILE="$tmp/cli.tfrc" TF_IN_AUTOMATION=1 "$root/bin/terraform" providers schema -json) >"$tmp/raw.json"
# tfplugindocs looks the provider up by its short name.
sed 's|"registry\.terraform\.io/identity-as-code/ory":|"ory":|' "$tmp/raw.json" >"$tmp/schema.json"
grep -q '"provider_schemas":{"ory":' "$tmp/schema.json" || {
	echo "docs: the provider schema exported by terraform has an unexpected shape" >&2
	exit 1
}

# generate DIR: renders DIR/docs from DIR/examples and DIR/templates.
generate() {
	"$tmp/tfplugindocs" generate \
		--provider-dir "$1" \
		--provider-name ory \
		--rendered-provider-name Ory \
		--providers-schema "$tmp/schema.json" \
		--rendered-website-dir docs \
		--website-temp-dir "$tmp/website" >"$tmp/generate.log" 2>&1 || {
		cat "$tmp/generate.log" >&2
		return 1
	}
	# Warnings (a template for a type that does not exist) are errors here.
	if grep -E '^(WARN|Warn|warn)|does not exist' "$tmp/generate.log" >&2; then
		return 1
	fi
}

# validate: the registry's own checks of docs/ (front matter, file names,
# one page per type).
validate() {
	"$tmp/tfplugindocs" validate --provider-dir "$root" --provider-name ory \
		--providers-schema "$tmp/schema.json" >"$tmp/validate.log" 2>&1 || {
		cat "$tmp/validate.log" >&2
		return 1
	}
}

case $mode in
generate)
	generate "$root"
	validate
	echo "docs: docs/ generated" >&2
	;;
check)
	# Render into a copy, so that checking never touches the working tree.
	mkdir -p "$tmp/copy"
	cp -R "$root/examples" "$root/templates" "$tmp/copy/"
	generate "$tmp/copy"
	if ! diff -ru "$root/docs" "$tmp/copy/docs" >&2; then
		echo "docs: docs/ is stale; run make docs and commit the result" >&2
		exit 1
	fi
	validate
	echo "docs: docs/ is up to date" >&2
	;;
*)
	echo "usage: $0 generate|check" >&2
	exit 2
	;;
esac
