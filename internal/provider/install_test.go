package provider_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// What a user does to install a release without the registry: the release
// zip, built by the release configuration, in a filesystem mirror; `init`
// with a version constraint; apply; a clean plan. No dev_overrides anywhere.
func TestAccInstall_releaseZipFromMirror(t *testing.T) {
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	t.Parallel()
	root, err := acctest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	version := changelogVersion(t, root)
	zip := buildReleaseZip(t, root, version)

	// The packed layout, <host>/<namespace>/<type>/<zip>, for both CLIs.
	mirror := t.TempDir()
	for _, host := range []string{"registry.terraform.io", "registry.opentofu.org"} {
		dir := filepath.Join(mirror, host, "identity-as-code", "ory")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := acctest.CopyFile(zip, filepath.Join(dir, filepath.Base(zip))); err != nil {
			t.Fatal(err)
		}
	}
	cli := acctest.NewCLI(t)
	cli.ConfigFile = filepath.Join(t.TempDir(), "cli.tfrc")
	writeFile(t, cli.ConfigFile, fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["identity-as-code/ory"]
  }
  direct {
    exclude = ["identity-as-code/ory"]
  }
}
`, mirror))

	major, minor, _ := strings.Cut(version, ".")
	minor, _, _ = strings.Cut(minor, ".")
	constraint := fmt.Sprintf("~> %s.%s", major, minor)
	email := acctest.RandomEmail()
	w := cli.Workdir(t, map[string]string{"main.tf": fmt.Sprintf(`terraform {
  required_providers {
    ory = {
      source  = "identity-as-code/ory"
      version = %q
    }
  }
}

resource "ory_identity" "admin" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}
`, constraint, email)})

	w.MustRun(t, 0, "init", "-no-color", "-input=false")
	lock, err := os.ReadFile(filepath.Join(w.Dir, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatalf("init wrote no lock file: %v", err)
	}
	// A filesystem mirror gives the CLI no checksums file, so the lock file
	// holds the h1: hash of the zip's contents (zh: hashes come only from a
	// registry's SHA256SUMS).
	h1, err := dirhash.HashZip(zip, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("version     = %q", version),
		fmt.Sprintf("constraints = %q", constraint),
		fmt.Sprintf("%q", h1),
	} {
		if !bytes.Contains(lock, []byte(want)) {
			t.Errorf("the lock file lacks %s:\n%s", want, lock)
		}
	}
	// Locking every platform from the mirror, as the CI guide says: each
	// platform's zip in the mirror gives its h1: hash. The CLI only hashes
	// the zip, so a stand-in serves as another platform's.
	otherPlatform := "windows_arm64"
	if runtime.GOOS == "windows" {
		otherPlatform = "linux_amd64"
	}
	standIn := filepath.Join(t.TempDir(), fmt.Sprintf("terraform-provider-ory_%s_%s.zip", version, otherPlatform))
	writeZip(t, standIn, "terraform-provider-ory_v"+version+".exe", "a stand-in for another platform's binary")
	for _, host := range []string{"registry.terraform.io", "registry.opentofu.org"} {
		if err := acctest.CopyFile(standIn, filepath.Join(mirror, host, "identity-as-code", "ory", filepath.Base(standIn))); err != nil {
			t.Fatal(err)
		}
	}
	w.MustRun(t, 0, "providers", "lock", "-no-color", "-fs-mirror="+mirror, "-platform="+runtime.GOOS+"_"+runtime.GOARCH, "-platform="+otherPlatform)
	standInH1, err := dirhash.HashZip(standIn, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	if lock, err = os.ReadFile(filepath.Join(w.Dir, ".terraform.lock.hcl")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{h1, standInH1} {
		if !bytes.Contains(lock, []byte(fmt.Sprintf("%q", want))) {
			t.Errorf("after providers lock for two platforms, the lock file lacks %s:\n%s", want, lock)
		}
	}
	if out := w.MustRun(t, 0, "version", "-no-color").Stdout; !regexp.MustCompile(`provider registry\.(terraform\.io|opentofu\.org)/identity-as-code/ory v` + regexp.QuoteMeta(version) + `\n`).MatchString(out) {
		t.Errorf("the CLI does not use the mirror's v%s:\n%s", version, out)
	}

	t.Cleanup(func() { w.MustRun(t, 0, "destroy", "-auto-approve", "-no-color", "-input=false") })
	w.MustRun(t, 0, "apply", "-auto-approve", "-no-color", "-input=false")
	w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color", "-input=false")

	// The constraint is checked against what the mirror holds.
	other := cli.Workdir(t, map[string]string{"main.tf": `terraform {
  required_providers {
    ory = {
      source  = "identity-as-code/ory"
      version = ">= 99.0.0"
    }
  }
}
`})
	res := other.MustRun(t, 1, "init", "-no-color", "-input=false")
	if !strings.Contains(res.Stderr, "no available releases match") {
		t.Errorf("init with a constraint the mirror can not meet fails for another reason:\n%s", res.Stderr)
	}
}

// writeZip writes a zip archive holding one file.
func writeZip(t *testing.T, path, name, content string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.Create(name)
	if err == nil {
		_, err = io.WriteString(f, content)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, buf.String())
}

// changelogVersion is the version of CHANGELOG.md's newest heading, the one
// make release-snapshot builds.
func changelogVersion(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^## (\d+\.\d+\.\d+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("CHANGELOG.md has no version heading")
	}
	return string(m[1])
}

// buildReleaseZip builds this machine's release zip with GoReleaser and the
// repository's release configuration, narrowed to this machine's platform so
// that the test builds one binary, not six, and returns its path. It checks
// the checksums file, which covers the zip and the registry manifest.
func buildReleaseZip(t *testing.T, root, version string) string {
	t.Helper()
	goreleaser := filepath.Join(root, "bin", "goreleaser")
	if _, err := os.Stat(goreleaser); err != nil {
		t.Fatalf("%v: run `make tools`", err)
	}
	cfg, err := os.ReadFile(filepath.Join(root, ".goreleaser.yml"))
	if err != nil {
		t.Fatal(err)
	}
	narrowed := string(cfg)
	for old, repl := range map[string]string{
		"goos: [linux, darwin, windows]": "goos: [" + runtime.GOOS + "]",
		"goarch: [amd64, arm64]":         "goarch: [" + runtime.GOARCH + "]",
	} {
		if !strings.Contains(narrowed, old) {
			t.Fatalf(".goreleaser.yml has no %q line to narrow: update this test", old)
		}
		narrowed = strings.Replace(narrowed, old, repl, 1)
	}
	dist := filepath.Join(t.TempDir(), "dist")
	narrowed += "\ndist: " + dist + "\n"
	cfgPath := filepath.Join(t.TempDir(), "goreleaser.yml")
	writeFile(t, cfgPath, narrowed)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goreleaser, "release", "--snapshot", "--clean", "--skip=sign", "--config", cfgPath)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "VERSION="+version, "GPG_FINGERPRINT=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("goreleaser: %v\n%s", err, out)
	}

	name := fmt.Sprintf("terraform-provider-ory_%s_%s_%s.zip", version, runtime.GOOS, runtime.GOARCH)
	zip := filepath.Join(dist, name)
	b, err := os.ReadFile(zip)
	if err != nil {
		t.Fatalf("the release has no %s: %v", name, err)
	}
	sums, err := os.ReadFile(filepath.Join(dist, "terraform-provider-ory_"+version+"_SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	manifest, err := os.ReadFile(filepath.Join(root, "terraform-registry-manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	manifestSum := sha256.Sum256(manifest)
	for _, want := range []string{
		hex.EncodeToString(sum[:]) + "  " + name + "\n",
		hex.EncodeToString(manifestSum[:]) + "  terraform-provider-ory_" + version + "_manifest.json\n",
	} {
		if !strings.Contains(string(sums), want) {
			t.Errorf("SHA256SUMS lacks %q:\n%s", want, sums)
		}
	}
	return zip
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
