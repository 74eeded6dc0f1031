// Package acctest is the acceptance test harness: it starts a real Ory Kratos
// per test package and helps tests check what the provider did, through the
// admin API and through a real login on the public API.
//
// It does not import internal/provider, so provider tests can import it.
package acctest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	client "github.com/ory/client-go"
)

var (
	mu      sync.Mutex
	current *Kratos
)

// Main is called from TestMain. With TF_ACC set it starts Kratos for the whole
// test binary, points the provider at it through ORY_URL, runs the tests and
// stops Kratos; without TF_ACC it only runs the (unit) tests.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// m.Run parses the flags too; -v is needed earlier.
	if !flag.Parsed() {
		flag.Parse()
	}
	if os.Getenv("TF_ACC") == "" {
		return m.Run()
	}
	defer removeProviderBuild()
	start := time.Now()
	// In-process and idle until a test logs in with it: every package gets
	// one, so Kratos's configuration is the same for all.
	oidc, err := StartOIDCProvider()
	if err != nil {
		fmt.Fprintf(os.Stderr, "acctest: cannot start the OIDC provider for the acceptance tests: %v\n", err)
		return 1
	}
	defer oidc.Stop()
	k, err := StartWith(context.Background(), StartOptions{OIDC: oidc})
	if err != nil {
		fmt.Fprintf(os.Stderr, "acctest: cannot start Kratos for the acceptance tests: %v\n", err)
		return 1
	}
	defer k.Stop()
	// Interrupted runs still stop Kratos and remove its temp dir.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "acctest: %v: stopping Kratos\n", s)
		k.Stop()
		os.Exit(1)
	}()
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "acctest: Kratos on %s ready in %s (admin %s, public %s)\n",
			k.Database, time.Since(start).Round(time.Millisecond), k.AdminURL, k.PublicURL)
	}
	mu.Lock()
	current = k
	mu.Unlock()

	// The provider must talk to this Kratos only, never to an Ory Network
	// project configured in the developer's shell.
	_ = os.Setenv("ORY_URL", k.AdminURL)
	for _, v := range []string{"ORY_SDK_URL", "ORY_API_KEY", "ORY_PROJECT_API_KEY"} {
		_ = os.Unsetenv(v)
	}
	cleanup, err := setTerraformEnv()
	if err != nil {
		fmt.Fprintf(os.Stderr, "acctest: %v\n", err)
		return 1
	}
	defer cleanup()
	code := m.Run()
	if code != 0 {
		// Server-side errors often explain a failed test; the log is deleted
		// with the temp dir.
		fmt.Fprintf(os.Stderr, "acctest: tests failed; last lines of the Kratos log:\n%s\n", tail(k.LogPath))
	}
	return code
}

// setTerraformEnv fills in what terraform-plugin-testing needs to run offline:
// the repository's bin/terraform (Terraform 1.14) unless TF_ACC_TERRAFORM_PATH
// names another (else it would try to download one), no update check, and always an empty
// CLI config of its own. The developer's config has no place in the tests,
// and one that is missing (TF_CLI_CONFIG_FILE naming no file, as on some
// machines) makes the CLI print a warning that breaks the version check.
func setTerraformEnv() (func(), error) {
	cleanup := func() {}
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		if root, err := repoRoot(); err == nil {
			if p := filepath.Join(root, "bin", "terraform"); fileExists(p) {
				_ = os.Setenv("TF_ACC_TERRAFORM_PATH", p)
			}
		}
	}
	{
		dir, err := os.MkdirTemp("", "tf-ory-cli-")
		if err != nil {
			return cleanup, err
		}
		p := filepath.Join(dir, "terraformrc")
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			_ = os.RemoveAll(dir)
			return cleanup, err
		}
		_ = os.Setenv("TF_CLI_CONFIG_FILE", p)
		cleanup = func() { _ = os.RemoveAll(dir) }
	}
	if os.Getenv("CHECKPOINT_DISABLE") == "" {
		_ = os.Setenv("CHECKPOINT_DISABLE", "1")
	}
	return cleanup, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func running() *Kratos {
	mu.Lock()
	defer mu.Unlock()
	return current
}

// AdminURL is the admin API of the test Kratos, e.g. http://127.0.0.1:PORT,
// or "" when Kratos was not started (TF_ACC unset).
func AdminURL() string {
	if k := running(); k != nil {
		return k.AdminURL
	}
	return ""
}

// PublicURL is the public (self-service) API of the test Kratos, or "".
func PublicURL() string {
	if k := running(); k != nil {
		return k.PublicURL
	}
	return ""
}

// Database is the database of the test Kratos, DatabaseSQLite or
// DatabasePostgres, or "" when Kratos was not started.
func Database() string {
	if k := running(); k != nil {
		return k.Database
	}
	return ""
}

// PreCheck fails the test when the harness did not start Kratos, e.g. because
// the package's TestMain does not call Main.
func PreCheck(t testing.TB) {
	t.Helper()
	if running() == nil {
		t.Fatal(errNotStarted)
	}
}

// StartForTest starts a Kratos of its own for one test, with a database of its
// own (ACCTEST_KRATOS_DB unless opts.Database says), for tests that the shared
// one does not suit: exact counts, Kill and Restart. It is stopped when the
// test ends; the log tail is shown when the test failed.
func StartForTest(t testing.TB, opts StartOptions) *Kratos {
	t.Helper()
	k, err := StartWith(t.Context(), opts)
	if err != nil {
		t.Fatalf("acctest: cannot start a Kratos for %s: %v", t.Name(), err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last lines of the Kratos log (%s):\n%s", k.Database, tail(k.LogPath))
		}
		k.Stop()
	})
	return k
}

// Client returns a client-go API client for the admin API of the test Kratos,
// for out-of-band changes in drift tests and for CheckDestroy. It panics when
// Kratos is not running: a client pointed nowhere would fail less clearly.
func Client() *client.APIClient {
	k := running()
	if k == nil {
		panic(errNotStarted)
	}
	return k.Client()
}

// Client returns a client-go API client for the admin API of this Kratos.
func (k *Kratos) Client() *client.APIClient {
	cfg := client.NewConfiguration()
	cfg.Servers = client.ServerConfigurations{{URL: k.AdminURL}}
	cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	cfg.UserAgent = "terraform-provider-ory-acctest"
	return client.NewAPIClient(cfg)
}

// CloseBody closes the body of a client-go answer (resp may be nil), which
// client-go has already read: for the linter's sake and in case it ever
// stops reading it.
func CloseBody(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
}

// apiBody is the body of a client-go error answer, which its error text
// leaves out.
func apiBody(err error) string {
	var oe *client.GenericOpenAPIError
	if errors.As(err, &oe) {
		return string(oe.Body())
	}
	return ""
}
