package acctest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// CLI runs the real terraform or tofu binary the way a user does: against a
// provider binary built from this repository and installed through a
// dev_overrides block, in a working directory of plain .tf files. Where
// terraform-plugin-testing hides what a user sees (the plan's text, the exit
// code of plan -detailed-exitcode, the state file), tests use this.
type CLI struct {
	// Bin is the terraform or tofu binary.
	Bin string
	// ConfigFile is the CLI configuration with the dev_overrides block.
	ConfigFile string
}

var (
	buildOnce   sync.Once
	buildDir    string
	buildErr    error
	providerBin string
)

// BuildProvider builds this repository's provider once per process into a
// temp dir and returns the directory holding terraform-provider-ory.
// Main removes it at the end of the run.
func BuildProvider() (string, error) {
	buildOnce.Do(func() {
		root, err := repoRoot()
		if err != nil {
			buildErr = err
			return
		}
		buildDir, err = os.MkdirTemp("", "tf-ory-provider-")
		if err != nil {
			buildErr = err
			return
		}
		providerBin = filepath.Join(buildDir, "terraform-provider-ory")
		buildErr = buildProvider(context.Background(), root, providerBin)
	})
	return buildDir, buildErr
}

func buildProvider(ctx context.Context, root, out string, tags ...string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", strings.Join(tags, ","), "-o", out, ".")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the provider: %w\n%s", err, b)
	}
	return nil
}

// NewCLI returns a CLI for the binary in TF_ACC_TERRAFORM_PATH (else the
// repository's bin/terraform, Terraform 1.14) with a CLI configuration of its
// own.
func NewCLI(t testing.TB) *CLI {
	t.Helper()
	dir, err := BuildProvider()
	if err != nil {
		t.Fatal(err)
	}
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if bin == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatal(err)
		}
		bin = filepath.Join(root, "bin", "terraform")
	}
	cli, err := NewCLIWith(bin, dir, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return cli
}

// DevOverrides is the CLI configuration that makes terraform and tofu use
// the provider binary in dir, as the README tells users.
func DevOverrides(dir string) string {
	return fmt.Sprintf(`provider_installation {
  dev_overrides {
    "identity-as-code/ory" = %q
  }
  direct {}
}
`, dir)
}

// Workdir is a directory of configuration files for one test.
type Workdir struct {
	cli *CLI
	Dir string
	env []string
}

// Result is what one CLI command printed and how it exited.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// Workdir writes files (name to content) into a new directory. The provider
// inside talks to the test Kratos through ORY_URL.
func (c *CLI) Workdir(t testing.TB, files map[string]string) *Workdir {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return &Workdir{cli: c, Dir: dir, env: []string{"ORY_URL=" + AdminURL()}}
}

// SetEnv adds KEY=VALUE to the environment of the commands run here.
func (w *Workdir) SetEnv(kv string) { w.env = append(w.env, kv) }

// Run runs the CLI with args in the directory. A non-zero exit is not an
// error: tests assert on ExitCode.
func (w *Workdir) Run(ctx context.Context, args ...string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.cli.Bin, args...)
	cmd.Dir = w.Dir
	cmd.Env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+w.cli.ConfigFile,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_LOG=",
	)
	cmd.Env = append(cmd.Env, w.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
		return res, nil
	case err != nil:
		return res, fmt.Errorf("running %s %s: %w", filepath.Base(w.cli.Bin), strings.Join(args, " "), err)
	}
	return res, nil
}

// MustRun runs the CLI and fails the test unless it exits with want.
func (w *Workdir) MustRun(t testing.TB, want int, args ...string) Result {
	t.Helper()
	res, err := w.Run(context.Background(), args...)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != want {
		t.Fatalf("%s %s exited %d, want %d\nstdout:\n%s\nstderr:\n%s",
			filepath.Base(w.cli.Bin), strings.Join(args, " "), res.ExitCode, want, res.Stdout, res.Stderr)
	}
	return res
}

// State returns the raw state file, as it lies on disk.
func (w *Workdir) State(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(w.Dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// AtLeast reports whether the CLI's version is at least major.minor.
func (c *CLI) AtLeast(t testing.TB, major, minor int) bool {
	t.Helper()
	v, err := c.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ok, err := VersionAtLeast(v, major, minor)
	if err != nil {
		t.Fatalf("%s: %v", c.Bin, err)
	}
	return ok
}

// Version returns the CLI's version as `version -json` reports it, like
// "1.12.6" (Terraform and OpenTofu both call the field terraform_version).
func (c *CLI) Version(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, c.Bin, "version", "-json")
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+c.ConfigFile, "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s version: %w", c.Bin, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return "", fmt.Errorf("%s version -json: %w", c.Bin, err)
	}
	return v.Version, nil
}

// VersionAtLeast reports whether a version like "1.12.6" is at least
// major.minor.
func VersionAtLeast(version string, major, minor int) (bool, error) {
	var gotMajor, gotMinor int
	if _, err := fmt.Sscanf(version, "%d.%d", &gotMajor, &gotMinor); err != nil {
		return false, fmt.Errorf("version %q: %w", version, err)
	}
	return gotMajor > major || (gotMajor == major && gotMinor >= minor), nil
}

// removeProviderBuild deletes what BuildProvider built, if anything.
func removeProviderBuild() {
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
}
