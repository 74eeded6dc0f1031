//go:build tools

// Package tools pins the Go tools the GNUmakefile runs, so that their
// versions live in this module's go.mod rather than in a go install line.
package tools

import (
	// Release artifacts: make release-snapshot, make release.
	_ "github.com/goreleaser/goreleaser/v2"
	// Documentation generation: make docs.
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)
