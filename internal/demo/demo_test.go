package demo_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
	"github.com/identity-as-code/terraform-provider-ory/internal/demo"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// cli is the CLI of the acceptance run (every make testacc-* target sets
// TF_ACC_TERRAFORM_PATH), else the demo's default, tofu.
func cli(t *testing.T) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs Kratos and terraform/tofu: set TF_ACC=1")
	}
	return os.Getenv("TF_ACC_TERRAFORM_PATH")
}

// The README's `make demo` does what it prints: the admin it applies logs in,
// plan is clean, plan catches a change made through the admin API, and
// nothing is left behind.
func TestDemo(t *testing.T) {
	password := acctest.RandomPassword()
	var out bytes.Buffer
	rep, err := demo.Run(context.Background(), &out, demo.Options{CLI: cli(t), Password: password})
	t.Logf("demo output:\n%s", out.String())
	if err != nil {
		t.Fatalf("demo failed: %v", err)
	}

	if !uuidRE.MatchString(rep.IdentityID) {
		t.Errorf("identity id %q is not a UUID", rep.IdentityID)
	}
	if rep.SessionIdentityID != rep.IdentityID {
		t.Errorf("the login gave a session for identity %q, want %q", rep.SessionIdentityID, rep.IdentityID)
	}
	if rep.Phone != "+14155552671" {
		t.Errorf("logged in as %q, want the quickstart's phone number", rep.Phone)
	}
	if !rep.EmailVerified || rep.Role != "admin" {
		t.Errorf("email verified %v, role %q; want true, admin", rep.EmailVerified, rep.Role)
	}
	if rep.CleanPlanExitCode != 0 || rep.DriftPlanExitCode != 2 {
		t.Errorf("plan exit codes %d then %d, want 0 then 2", rep.CleanPlanExitCode, rep.DriftPlanExitCode)
	}
	if want := `~ name = "Mallory" -> "Quickstart Admin"`; !slices.Contains(rep.Drift, want) {
		t.Errorf("the drift plan shows %q, want %q", rep.Drift, want)
	}

	// Write-only on every CLI that has it; the sensitive fallback otherwise,
	// which the docs say is kept in state.
	wantWO, err := acctest.VersionAtLeast(rep.CLIVersion, 1, 11)
	if err != nil {
		t.Fatal(err)
	}
	if rep.WriteOnly != wantWO || rep.PasswordInState == rep.WriteOnly {
		t.Errorf("%s v%s: write-only %v, password in state %v", rep.CLIName, rep.CLIVersion, rep.WriteOnly, rep.PasswordInState)
	}

	if strings.Contains(out.String(), password) {
		t.Error("the demo printed the password")
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 7 {
		t.Errorf("%d lines of output, want one per step (7)", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "✓ ") {
			t.Errorf("not a step line: %q", l)
		}
	}
	checkCleanedUp(t, rep)
}

// A failing step says which one failed, shows the CLI's output, and still
// cleans up.
func TestDemoFailure(t *testing.T) {
	bin := cli(t)
	root, err := acctest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// The quickstart with a phone number Kratos refuses (not a real number).
	example := t.TempDir()
	for _, f := range []string{"main.tf", "password.tf", "identity.schema.json", "terraform-before-1.11/password.tf"} {
		b, err := os.ReadFile(filepath.Join(root, "examples", "quickstart", f))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("+14155552671"), []byte("+15555550100"))
		if err := os.MkdirAll(filepath.Dir(filepath.Join(example, f)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(example, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	password := acctest.RandomPassword()
	var out bytes.Buffer
	rep, err := demo.Run(context.Background(), &out, demo.Options{CLI: bin, Password: password, Example: example})
	t.Logf("demo output:\n%s", out.String())
	if err == nil {
		t.Fatal("the demo succeeded with a phone number Kratos refuses")
	}
	if !strings.Contains(err.Error(), "applying "+example) {
		t.Errorf("error %q does not name the apply step", err)
	}
	for _, want := range []string{"✗ applying " + example, "stderr ---", "+15555550100", "✓ cleaned up"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out.String(), password) || strings.Contains(err.Error(), password) {
		t.Error("the demo printed the password")
	}
	checkCleanedUp(t, rep)
}

// checkCleanedUp: Kratos no longer answers, the temp dir is gone, and the
// example directory holds no state.
func checkCleanedUp(t *testing.T, rep *demo.Report) {
	t.Helper()
	if !rep.KratosStopped || rep.AdminURL == "" {
		t.Errorf("Kratos stopped %v, admin URL %q", rep.KratosStopped, rep.AdminURL)
	} else {
		c := &http.Client{Timeout: 2 * time.Second}
		if resp, err := c.Get(rep.AdminURL + "/health/alive"); err == nil {
			_ = resp.Body.Close()
			t.Errorf("Kratos still answers at %s", rep.AdminURL)
		}
	}
	if _, err := os.Stat(rep.TempDir); !os.IsNotExist(err) {
		t.Errorf("temp dir %s not removed (%v)", rep.TempDir, err)
	}
	root, err := acctest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(root, "examples", "quickstart", "*tfstate*"))
	left2, _ := filepath.Glob(filepath.Join(root, "examples", "quickstart", ".terraform*"))
	if l := append(left, left2...); len(l) > 0 {
		t.Errorf("files left in the example directory: %v", l)
	}
}
