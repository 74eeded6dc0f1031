package provider_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

const someIdentity = `
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = "config-test@example.com" })
}`

func TestAccProvider_configErrors(t *testing.T) {
	// Kratos has no keys: this server answers as Ory Network does to a
	// wrong one.
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":{"code":401,"status":"Unauthorized","message":"The request could not be authorized"}}`)
	}))
	defer refusing.Close()
	// ORY_REQUEST_TIMEOUT and ORY_RATE_LIMIT_WAIT set what the provider block
	// leaves unset, and the block wins over them. This server shows the
	// timeout in use: it answers after 5s, well within the default 30s.
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "[]")
		}
	}))
	defer silent.Close()
	// This one, with an hour's Retry-After, shows the rate-limit budget the
	// call would exceed.
	limited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer limited.Close()
	// A plan reads data sources: the first call is refused.
	const listIdentities = `data "ory_identities" "all" {}`
	cases := []struct {
		name, provider string
		env            map[string]string
		err            string
	}{
		{
			name: "missing url", env: map[string]string{"ORY_URL": "", "ORY_SDK_URL": ""},
			err: "Missing Ory URL.*`url` in the provider block, or one of the environment variables `ORY_URL` and `ORY_SDK_URL`",
		},
		{
			name: "url without scheme", provider: `provider "ory" { url = "127.0.0.1:4434" }`,
			err: `Invalid Ory URL.*"127.0.0.1:4434".*must start with http:// or https://`,
		},
		{
			name: "url with a query", provider: `provider "ory" { url = "http://127.0.0.1:4434/?x=1" }`,
			err: `Invalid Ory URL.*must not have a query`,
		},
		{
			name: "ory network without key", provider: `provider "ory" { url = "https://example-slug.projects.oryapis.com" }`,
			err: "Missing Ory API Key.*`api_key`, or one of `ORY_API_KEY` and `ORY_PROJECT_API_KEY`",
		},
		{
			name: "bad timeout", provider: `provider "ory" { request_timeout = "30" }`,
			err: `Invalid Duration.*request_timeout must be a duration greater than zero`,
		},
		{
			name: "negative retries", provider: `provider "ory" { max_retries = -1 }`,
			err: `max_retries.*between 0 and 100`,
		},
		{
			name: "bad rate limit wait", provider: `provider "ory" { rate_limit_wait = "5" }`,
			err: `Invalid Duration.*rate_limit_wait must be a duration greater than zero`,
		},
		{
			name: "bad ORY_REQUEST_TIMEOUT", env: map[string]string{"ORY_REQUEST_TIMEOUT": "30"},
			err: "Invalid Duration.*`ORY_REQUEST_TIMEOUT` is \"30\".*or set `request_timeout` in the provider block",
		},
		{
			name: "bad ORY_RATE_LIMIT_WAIT", env: map[string]string{"ORY_RATE_LIMIT_WAIT": "-1m"},
			err: "Invalid Duration.*`ORY_RATE_LIMIT_WAIT` is \"-1m\".*or set `rate_limit_wait` in the provider block",
		},
		{
			name: "ory network over http", provider: `provider "ory" {
  url     = "http://example-slug.projects.oryapis.com"
  api_key = "ory_pat_x"
}`,
			err: "Invalid Ory URL.*from `url`.*Ory Network, which answers only https: use https://example-slug.projects.oryapis.com",
		},
		{
			name: "missing ca file", provider: `provider "ory" {
  url          = "https://127.0.0.1:4434"
  ca_cert_file = "/nonexistent/ca.pem"
}`,
			err: "Unusable CA Certificate File.*from `ca_cert_file`.*no such file",
		},
		{
			// The test runs in this package's folder: provider.go is no PEM.
			name: "ca file that is no PEM", provider: `provider "ory" { url = "https://127.0.0.1:4434" }`,
			env: map[string]string{"ORY_CA_CERT_FILE": "provider.go"},
			err: "Unusable CA Certificate File.*from `ORY_CA_CERT_FILE`.*provider.go holds no PEM certificate",
		},
		{
			name: "refused key in the provider block", provider: fmt.Sprintf(`provider "ory" {
  url     = %q
  api_key = "ory_pat_wrong"
}
`+listIdentities, refusing.URL),
			err: "refused the request \\(HTTP 401: The request could not be authorized\\).*`api_key` \\(set in the provider block\\).*project API key of this project",
		},
		{
			name: "refused key from ORY_API_KEY", provider: fmt.Sprintf(`provider "ory" { url = %q }`+"\n"+listIdentities, refusing.URL),
			env: map[string]string{"ORY_API_KEY": "ory_pat_wrong_from_env"},
			err: "`api_key` \\(from the environment variable ORY_API_KEY\\).*not a workspace API key",
		},
		{
			name: "request timeout from ORY_REQUEST_TIMEOUT", provider: fmt.Sprintf(`provider "ory" {
  url         = %q
  max_retries = 0
}
`+listIdentities, silent.URL),
			env: map[string]string{"ORY_REQUEST_TIMEOUT": "1s"}, err: "timeout awaiting response headers",
		},
		{
			name: "rate limit wait from ORY_RATE_LIMIT_WAIT", provider: fmt.Sprintf(`provider "ory" { url = %q }`+"\n"+listIdentities, limited.URL),
			env: map[string]string{"ORY_RATE_LIMIT_WAIT": "90s"}, err: `would go beyond rate_limit_wait \(1m30s\)`,
		},
		{
			name: "rate_limit_wait before ORY_RATE_LIMIT_WAIT", provider: fmt.Sprintf(`provider "ory" {
  url             = %q
  rate_limit_wait = "2m"
}
`+listIdentities, limited.URL),
			env: map[string]string{"ORY_RATE_LIMIT_WAIT": "90s"}, err: `would go beyond rate_limit_wait \(2m0s\)`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      tc.provider + someIdentity,
					PlanOnly:    true,
					ExpectError: wrapped(tc.err),
				}},
			})
		})
	}
}

// ORY_SDK_URL, the Ory CLI's variable, is used when ORY_URL is not set.
func TestAccProvider_sdkURLFallback(t *testing.T) {
	skipUnlessAcc(t)
	t.Setenv("ORY_URL", "")
	t.Setenv("ORY_SDK_URL", acctest.AdminURL())
	email := acctest.RandomEmail()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}`, email),
			Check: resource.TestCheckResourceAttrSet(identityAddr, "id"),
		}},
	})
}

// A url that is unknown until apply (it comes from another resource) plans
// without error and is used once known.
func TestAccProvider_urlKnownOnlyAtApply(t *testing.T) {
	skipUnlessAcc(t)
	first, second := acctest.RandomEmail(), acctest.RandomEmail()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "ory_identity" "first" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}

provider "ory" {
  alias = "late"
  # substr(..., 0, 0) is "", but unknown until the first identity exists.
  url = "%s${substr(ory_identity.first.id, 0, 0)}"
}

resource "ory_identity" "second" {
  provider  = ory.late
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}`, first, acctest.AdminURL(), second),
			Check: func(s *terraform.State) error {
				id := s.RootModule().Resources["ory_identity.second"].Primary.ID
				if got := apiIdentity(t, id); got.Traits.(map[string]any)["email"] != second {
					return fmt.Errorf("second identity has traits %v", got.Traits)
				}
				return nil
			},
		}},
	})
}
