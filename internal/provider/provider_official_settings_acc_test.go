package provider_test

import (
	"strings"
	"testing"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// The official provider's settings, as the CLI shows what they do: workspace
// settings warn by name, two names for one setting fail naming both, and
// ORY_PROJECT_SLUG with ORY_PROJECT_API_URL reaches the API (the hand-over
// tests use the block's project_slug and project_api_url).
func TestAccCLI_officialProviderSettings(t *testing.T) {
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	cli := acctest.NewCLI(t)
	identity := `
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = "official-settings@example.com" })
}
`
	port := strings.TrimPrefix(acctest.AdminURL(), "http://127.0.0.1:")
	cases := []struct {
		name, provider string
		env            []string
		exit           int
		want           []string
	}{
		{
			name: "workspace settings",
			// A variable, as in real use: the CLI shows a literal's line itself.
			provider: `
variable "workspace_api_key" {
  type      = string
  sensitive = true
}

provider "ory" {
  workspace_api_key = var.workspace_api_key
  console_api_url   = "https://api.console.ory.sh"
}`,
			env: []string{"TF_VAR_workspace_api_key=ory_wak_secret_1"},
			// The CLI folds the second warning of the same summary.
			want: []string{"Warning: Setting Not Used", "`workspace_api_key` is a setting of the official Ory provider", "one more similar warning"},
		},
		{
			name: "url and project_slug",
			provider: `
provider "ory" {
  url          = "http://127.0.0.1:4434"
  project_slug = "x"
}`,
			exit: 1, want: []string{"Error: Conflicting Provider Settings", "Both `url` and `project_slug` are set"},
		},
		{
			name: "ORY_PROJECT_SLUG and ORY_PROJECT_API_URL",
			env:  []string{"ORY_URL=", "ORY_PROJECT_SLUG=127.0.0.1", "ORY_PROJECT_API_URL=http://%s:" + port},
			want: []string{"Plan: 1 to add"},
		},
		{
			name: "ORY_URL and ORY_PROJECT_SLUG that disagree",
			env:  []string{"ORY_PROJECT_SLUG=some-project"},
			exit: 1, want: []string{"Error: Conflicting Provider Settings", "https://some-project.projects.oryapis.com"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := cli.Workdir(t, map[string]string{"main.tf": cliProviderBlock + tc.provider + identity})
			for _, kv := range tc.env {
				w.SetEnv(kv)
			}
			res := w.MustRun(t, tc.exit, "plan", "-no-color")
			out := res.Stdout + res.Stderr
			for _, s := range tc.want {
				if !strings.Contains(out, s) {
					t.Errorf("the plan does not say %q:\n%s", s, out)
				}
			}
			if strings.Contains(out, "ory_wak_secret_1") {
				t.Error("the plan shows the workspace key")
			}
		})
	}
}
