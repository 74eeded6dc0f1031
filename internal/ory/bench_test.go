package ory

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	client "github.com/ory/client-go"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// TestMain starts a real Kratos when TF_ACC is set, for the benchmarks
// below; the unit tests of this package need none.
func TestMain(m *testing.M) {
	acctest.Main(m)
}

const benchIdentities = 600

var seedOnce sync.Once

// seedIdentities creates benchIdentities identities once per run, so that a
// listing spans three pages of 250.
func seedIdentities(b *testing.B) *Client {
	b.Helper()
	if os.Getenv("TF_ACC") == "" {
		b.Skip("benchmarks against Kratos run with TF_ACC=1 (make bench)")
	}
	api := acctest.Client()
	seedOnce.Do(func() {
		var wg sync.WaitGroup
		errs := make(chan error, benchIdentities)
		sem := make(chan struct{}, 8)
		for i := range benchIdentities {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				_, _, err := api.IdentityAPI.CreateIdentity(context.Background()).CreateIdentityBody(client.CreateIdentityBody{
					SchemaId: "email",
					Traits:   map[string]any{"email": fmt.Sprintf("bench-%d-%s", i, acctest.RandomEmail())},
				}).Execute()
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatalf("seeding identities: %v", err)
		}
	})
	c, err := New(Config{URL: acctest.AdminURL()})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkListIdentities reads every identity through every page, as the
// ory_identities data source and import by identifier do.
func BenchmarkListIdentities(b *testing.B) {
	c := seedIdentities(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		got, err := c.ListIdentities(ctx, ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(got) < benchIdentities {
			b.Fatalf("listed %d identities, want at least %d", len(got), benchIdentities)
		}
	}
}

// BenchmarkGetIdentity is the read behind every refresh of ory_identity.
func BenchmarkGetIdentity(b *testing.B) {
	c := seedIdentities(b)
	ctx := context.Background()
	one, err := c.ListIdentities(ctx, ListOptions{})
	if err != nil || len(one) == 0 {
		b.Fatalf("no identity to read: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetIdentity(ctx, one[0].ID); err != nil {
			b.Fatal(err)
		}
	}
}
