package provider_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
	"github.com/identity-as-code/terraform-provider-ory/internal/acctest/edge"
	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

// These tests run the provider through a simulated Ory Network edge
// (internal/acctest/edge): a tier's rate limits and inflight rule, the API
// key, HTTPS with a CA of its own.

// startProductionEdge puts an edge with the Production tier's limits, the
// tier of most teams, in front of the test Kratos.
func startProductionEdge(t *testing.T) *edge.Edge {
	t.Helper()
	acctest.PreCheck(t)
	production, ok := ory.TierNamed("production")
	if !ok {
		t.Fatal("internal/ory has no production tier")
	}
	e, err := edge.Start(edge.Options{Admin: acctest.AdminURL(), Public: acctest.PublicURL(), Tier: production})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// edgeProviderBlock configures the provider for the edge: its URL, its key
// unless key says another ("" for none), its CA.
func edgeProviderBlock(e *edge.Edge, key string) string {
	keyLine := ""
	if key != "" {
		keyLine = fmt.Sprintf("\n  api_key      = %q", key)
	}
	return fmt.Sprintf(`
provider "ory" {
  url          = %q%s
  ca_cert_file = %q
}
`, e.URL(), keyLine, e.CAFile())
}

// skipUnlessOpenTofuOnSQLite keeps a test whose subject is the same for
// every CLI and database to one run of `make test` (OpenTofu on SQLite), to
// keep make test's time.
func skipUnlessOpenTofuOnSQLite(t *testing.T) {
	t.Helper()
	if filepath.Base(os.Getenv("TF_ACC_TERRAFORM_PATH")) != "tofu" || acctest.Database() != acctest.DatabaseSQLite {
		t.Skip("runs with OpenTofu on SQLite only (TF_ACC_TERRAFORM_PATH=bin/tofu): the edge's limits are the same for every CLI and database")
	}
}

// A fleet of identities with passwords through the Production edge, as a
// user runs it with the CLI's default -parallelism: create, update every
// identity, plan, destroy. Each phase succeeds at the first run, and 429s
// stay rare: the provider paces itself rather than finding the limit by
// hitting it.
func TestAccEdge_fleet(t *testing.T) {
	skipUnlessAcc(t)
	skipUnlessOpenTofuOnSQLite(t)
	const (
		n          = 30
		max429Rate = 0.02
	)
	e := startProductionEdge(t)
	cli := acctest.NewCLI(t)
	if !cli.AtLeast(t, 1, 11) {
		t.Skip("write-only passwords need OpenTofu 1.11 or later")
	}
	domain := strings.Split(acctest.RandomEmail(), "@")[0] + ".example.com"
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("fleet-%d@%s", i, domain)
	}
	t.Cleanup(func() { deleteLeftovers(t, emails) })
	config := func(generation int) string {
		return cliProviderBlock + edgeProviderBlock(e, e.Key()) + fmt.Sprintf(`
variable "password" {
  type      = string
  sensitive = true
}

resource "ory_identity" "fleet" {
  count           = %d
  schema_id       = "email"
  traits          = jsonencode({ email = "fleet-${count.index}@%s" })
  metadata_public = jsonencode({ generation = %d })
}

resource "ory_identity_password" "fleet" {
  count               = %[1]d
  identity_id         = ory_identity.fleet[count.index].id
  password_wo         = var.password
  password_wo_version = 1
}
`, n, domain, generation)
	}
	password := acctest.RandomPassword()
	w := cli.Workdir(t, map[string]string{"main.tf": config(1)})
	w.SetEnv("TF_VAR_password=" + password)

	phases := []struct {
		name       string
		generation int // of the configuration, 0 to keep it
		args       []string
	}{
		{"create", 0, []string{"apply", "-auto-approve", "-no-color"}},
		{"update", 2, []string{"apply", "-auto-approve", "-no-color"}},
		{"plan", 0, []string{"plan", "-detailed-exitcode", "-no-color"}},
		{"destroy", 0, []string{"destroy", "-auto-approve", "-no-color"}},
	}
	var requests, tooMany int
	for _, p := range phases {
		if p.generation != 0 {
			if err := os.WriteFile(filepath.Join(w.Dir, "main.tf"), []byte(config(p.generation)), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		e.Take()
		start := time.Now()
		res, err := w.Run(context.Background(), p.args...)
		if err != nil {
			t.Fatal(err)
		}
		c := e.Take()
		requests, tooMany = requests+c.Requests, tooMany+c.TooMany()
		t.Logf("%s: exit %d in %.1f s; edge: %v", p.name, res.ExitCode, time.Since(start).Seconds(), c)
		if res.ExitCode != 0 {
			t.Fatalf("%s: %s exited %d, want 0 at the first run\nstdout:\n%s\nstderr:\n%s",
				p.name, strings.Join(p.args, " "), res.ExitCode, acctest.LastLines(res.Stdout, 30), acctest.LastLines(res.Stderr, 40))
		}
		if p.name == "create" {
			// Each password reads its identity before its PUT and the
			// stored hash after: 2n reads, which share calls.
			reads := c.Buckets[ory.BucketAdminMedium].Requests + c.Buckets[ory.BucketAdminHigh].Requests
			if reads > n {
				t.Errorf("create: %d read calls for %d passwords, want at most %d: the reads of passwords in flight together share calls", reads, n, n)
			}
			if _, err := acctest.Login(context.Background(), emails[n-1], password); err != nil {
				t.Errorf("after create, %s can not log in with its password: %v", emails[n-1], acctest.Redact(err, password))
			}
		}
	}
	t.Logf("all phases: %d requests, %d answered 429", requests, tooMany)
	if float64(tooMany) > max429Rate*float64(requests) {
		t.Errorf("%d of %d requests were answered 429, more than %.0f %%", tooMany, requests, 100*max429Rate)
	}
	if left := leftovers(t, emails); len(left) > 0 {
		t.Errorf("destroy left %d identities in Kratos", len(left))
	}
}

// leftovers are the ids of the identities that log in with these emails.
func leftovers(t *testing.T, emails []string) []string {
	t.Helper()
	var ids []string
	for _, email := range emails {
		found, _, err := acctest.Client().IdentityAPI.ListIdentities(context.Background()).CredentialsIdentifier(email).Execute()
		if err != nil {
			t.Fatalf("looking up %s: %v", email, err)
		}
		for _, i := range found {
			ids = append(ids, i.Id)
		}
	}
	return ids
}

// deleteLeftovers removes, directly from Kratos, what a failed test left.
func deleteLeftovers(t *testing.T, emails []string) {
	for _, id := range leftovers(t, emails) {
		if _, err := acctest.Client().IdentityAPI.DeleteIdentity(context.Background(), id).Execute(); err != nil {
			t.Errorf("deleting leftover identity %s: %v", id, err)
		}
	}
}

// A key Ory Network refuses fails with an error that says which setting to
// fix: the api_key argument, or the environment variable it came from.
func TestAccEdge_wrongKey(t *testing.T) {
	skipUnlessAcc(t)
	e := startProductionEdge(t)
	const wrongKey = "ory_pat_not_this_projects_key"
	cases := []struct {
		name   string
		hclKey string // api_key in the provider block
		envKey string // ORY_API_KEY
		want   *regexp.Regexp
	}{
		{"api_key", wrongKey, "", regexp.MustCompile(`api_key`)},
		{"ORY_API_KEY", "", wrongKey, regexp.MustCompile(`ORY_API_KEY`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("ORY_API_KEY", tc.envKey)
			e.Take()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: edgeProviderBlock(e, tc.hclKey) + fmt.Sprintf(`
resource "ory_identity" "x" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}
`, acctest.RandomEmail()),
					ExpectError: tc.want,
				}},
			})
			// Schemas are public: only the admin calls are refused.
			if c := e.Take(); c.Unauthorized == 0 || c.Buckets[ory.BucketAdminLow].Forwarded > 0 {
				t.Errorf("edge: %v; want the create refused with 401", c)
			}
		})
	}
}
