package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The official provider's settings fold into url, api_key and max_retries.
// Not parallel: the cases set environment variables.
func TestApplyOfficialSettings(t *testing.T) {
	str := func(s string) types.String { return types.StringValue(s) }
	cases := []struct {
		name     string
		cfg      oryProviderModel
		env      map[string]string
		url, key string
		retries  int64 // -1: not set
		err      string
		warning  string
	}{
		{name: "nothing official", cfg: oryProviderModel{URL: str("http://127.0.0.1:4434")}, url: "http://127.0.0.1:4434", retries: -1},
		{
			name: "slug with the default template",
			cfg:  oryProviderModel{officialProviderSettings: officialProviderSettings{ProjectSlug: str("eager-cray-x1"), ProjectAPIKey: str("ory_pat_k")}},
			url:  "https://eager-cray-x1.projects.oryapis.com", key: "ory_pat_k", retries: -1,
		},
		{
			name: "slug and template as the fixture's block",
			cfg:  oryProviderModel{officialProviderSettings: officialProviderSettings{ProjectSlug: str("127.0.0.1"), ProjectAPIURL: str("http://%s:48265")}},
			url:  "http://127.0.0.1:48265", retries: -1,
		},
		{
			name: "slug and template from the environment", env: map[string]string{"ORY_PROJECT_SLUG": "s1", "ORY_PROJECT_API_URL": "https://%s.example.com", "ORY_MAX_RETRIES": "7"},
			url: "https://s1.example.com", retries: 7,
		},
		{
			name: "slug in the block comes before ORY_URL", cfg: oryProviderModel{officialProviderSettings: officialProviderSettings{ProjectSlug: str("s2")}},
			env: map[string]string{"ORY_URL": "http://127.0.0.1:4434"}, url: "https://s2.projects.oryapis.com", retries: -1,
		},
		{
			name: "ORY_URL and ORY_PROJECT_SLUG that agree", env: map[string]string{"ORY_URL": "https://s3.projects.oryapis.com/", "ORY_PROJECT_SLUG": "s3"},
			retries: -1,
		},
		{
			name: "ORY_URL and ORY_PROJECT_SLUG that disagree", env: map[string]string{"ORY_URL": "http://127.0.0.1:4434", "ORY_PROJECT_SLUG": "s3"},
			err: "Conflicting Provider Settings: The environment variables `ORY_URL` and `ORY_SDK_URL` and `ORY_PROJECT_SLUG`",
		},
		{
			name: "url and project_slug", cfg: oryProviderModel{URL: str("http://127.0.0.1:4434"), officialProviderSettings: officialProviderSettings{ProjectSlug: str("s4")}},
			err: "Conflicting Provider Settings: Both `url` and `project_slug`",
		},
		{
			name: "api_key and project_api_key", cfg: oryProviderModel{APIKey: str("a"), officialProviderSettings: officialProviderSettings{ProjectAPIKey: str("b")}},
			err: "Conflicting Provider Settings: Both `api_key` and `project_api_key`",
		},
		{
			name: "template without slug", cfg: oryProviderModel{officialProviderSettings: officialProviderSettings{ProjectAPIURL: str("https://%s.example.com")}},
			err: "Missing Project Slug",
		},
		{
			name: "template without %s", cfg: oryProviderModel{officialProviderSettings: officialProviderSettings{ProjectSlug: str("s5"), ProjectAPIURL: str("https://example.com")}},
			err: "Invalid Project API URL: The project URL template `project_api_url` must hold `%s` exactly once",
		},
		{
			name: "slug not known yet", cfg: oryProviderModel{officialProviderSettings: officialProviderSettings{ProjectSlug: types.StringUnknown()}},
			retries: -1,
		},
		{name: "bad ORY_MAX_RETRIES", env: map[string]string{"ORY_MAX_RETRIES": "many"}, err: "Invalid Max Retries: The environment variable `ORY_MAX_RETRIES` is \"many\""},
		{name: "ORY_MAX_RETRIES out of range", env: map[string]string{"ORY_MAX_RETRIES": "101"}, err: "Invalid Max Retries"},
		{
			name: "max_retries comes before ORY_MAX_RETRIES", cfg: oryProviderModel{MaxRetries: types.Int64Value(2)},
			env: map[string]string{"ORY_MAX_RETRIES": "9"}, retries: 2,
		},
		{
			name: "workspace settings", cfg: oryProviderModel{officialProviderSettings: officialProviderSettings{WorkspaceAPIKey: str("ory_wak_secret"), ConsoleAPIURL: str("https://api.console.ory.sh")}},
			retries: -1, warning: "Setting Not Used: `workspace_api_key` is a setting of the official Ory provider",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"ORY_URL", "ORY_SDK_URL", "ORY_PROJECT_SLUG", "ORY_PROJECT_API_URL", "ORY_MAX_RETRIES"} {
				t.Setenv(k, tc.env[k])
			}
			cfg := tc.cfg // zero values are null, as Terraform sends what is not set
			var diags diag.Diagnostics
			applyOfficialSettings(&cfg, &diags)
			maxRetriesFromEnv(&cfg, &diags)
			var errs, warnings []string
			for _, d := range diags {
				s := d.Summary() + ": " + d.Detail()
				if strings.Contains(s, "ory_wak_secret") {
					t.Error("a diagnostic shows the workspace key")
				}
				if d.Severity() == diag.SeverityError {
					errs = append(errs, s)
				} else {
					warnings = append(warnings, s)
				}
			}
			if tc.err != "" {
				if len(errs) != 1 || !strings.Contains(errs[0], tc.err) {
					t.Fatalf("errors %q, want one with %q", errs, tc.err)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("errors: %q", errs)
			}
			if tc.warning != "" && (len(warnings) == 0 || !strings.Contains(warnings[0], tc.warning)) {
				t.Errorf("warnings %q, want one with %q", warnings, tc.warning)
			}
			if tc.warning == "" && len(warnings) > 0 {
				t.Errorf("warnings: %q", warnings)
			}
			if tc.name == "slug not known yet" {
				if !cfg.URL.IsUnknown() {
					t.Errorf("url = %v, want unknown", cfg.URL)
				}
				return
			}
			if got := cfg.URL.ValueString(); got != tc.url {
				t.Errorf("url = %q, want %q", got, tc.url)
			}
			if got := cfg.APIKey.ValueString(); got != tc.key {
				t.Errorf("api_key = %q, want %q", got, tc.key)
			}
			if got := cfg.MaxRetries; (tc.retries < 0) != got.IsNull() || (tc.retries >= 0 && got.ValueInt64() != tc.retries) {
				t.Errorf("max_retries = %v, want %d", got, tc.retries)
			}
		})
	}
}
