package provider_test

import (
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
	"github.com/identity-as-code/terraform-provider-ory/internal/provider"
)

// TestMain starts a real Kratos for the acceptance tests of this package.
func TestMain(m *testing.M) {
	acctest.Main(m)
}

// protoV6ProviderFactories serves the provider in-process to Terraform.
var protoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"ory": providerserver.NewProtocol6WithError(provider.New("test")()),
}

// skipUnlessAcc skips like resource.Test does without TF_ACC, for tests that
// talk to Kratos before calling it.
func skipUnlessAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("Acceptance tests skipped unless env 'TF_ACC' set")
	}
}
