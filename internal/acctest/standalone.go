package acctest

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"path/filepath"
)

// Helpers for programs that use the harness outside `go test` (the demo):
// they return errors instead of failing a testing.TB and take no state from
// Main.

// RepoRoot returns the root directory of this module, found from the working
// directory upwards.
func RepoRoot() (string, error) {
	return repoRoot()
}

// BuildProviderInto builds this repository's provider into
// dir/terraform-provider-ory with the build tags given, each time it is called.
func BuildProviderInto(ctx context.Context, dir string, tags ...string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	return buildProvider(ctx, root, filepath.Join(dir, "terraform-provider-ory"), tags...)
}

// NewCLIWith returns a CLI for the terraform or tofu binary bin that uses the
// provider binary in providerDir through dev_overrides. Its CLI configuration
// is written into configDir.
func NewCLIWith(bin, providerDir, configDir string) (*CLI, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("terraform/tofu binary: %w", err)
	}
	cfg := filepath.Join(configDir, "cli.tfrc")
	if err := os.WriteFile(cfg, []byte(DevOverrides(providerDir)), 0o600); err != nil {
		return nil, err
	}
	return &CLI{Bin: bin, ConfigFile: cfg}, nil
}

// WorkdirAt runs the CLI in an existing directory, with env (KEY=VALUE) added
// to the environment of every command. Unlike Workdir it sets no ORY_URL:
// the caller says which Kratos to use.
func (c *CLI) WorkdirAt(dir string, env ...string) *Workdir {
	return &Workdir{cli: c, Dir: dir, env: append([]string(nil), env...)}
}

// KratosVersion is the version of the Kratos module the binary was built
// from, like "v1.3.1" (a build from the module proxy calls itself "master").
func KratosVersion() string {
	if p, err := kratosBinary(); err == nil {
		if info, err := buildinfo.ReadFile(p); err == nil {
			for _, d := range info.Deps {
				if d.Path == "github.com/ory/kratos" {
					return d.Version
				}
			}
		}
	}
	return "(version unknown)"
}
