package bench_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/identity-as-code/terraform-provider-ory/internal/bench"
)

var (
	configs = []string{bench.ConfigFloor, bench.ConfigFloorPairs, bench.ConfigNullProvider, bench.ConfigRaw, bench.ConfigRawPassword,
		bench.ConfigIdentity, bench.ConfigIdentityPassword}
	phases = []string{bench.PhaseApply, bench.PhasePlan, bench.PhaseDestroy}
)

// make bench can not rot: the whole benchmark, with 5 identities, on the
// CLI of the acceptance run (tofu by default).
func TestRunFiveIdentities(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs Kratos and terraform/tofu: set TF_ACC=1")
	}
	rep, err := bench.Run(context.Background(), bench.Options{N: 5, CLI: os.Getenv("TF_ACC_TERRAFORM_PATH")})
	if err != nil {
		t.Fatal(err)
	}
	table := rep.Table()
	t.Logf("\n%s", table)

	if len(rep.Rows) != len(configs)*len(phases) {
		t.Errorf("%d rows, want %d", len(rep.Rows), len(configs)*len(phases))
	}
	for _, phase := range phases {
		if n := strings.Count(table, "| "+phase+" "); n != len(configs) {
			t.Errorf("the table has %d %s rows, want %d", n, phase, len(configs))
		}
	}
	for _, r := range rep.Rows {
		total := 0
		for _, n := range r.Calls {
			total += n
		}
		switch r.Config {
		case bench.ConfigFloor, bench.ConfigFloorPairs:
			if total != 0 || r.Providers != 0 {
				t.Errorf("%s %s: %d API calls, %d provider processes; want none", r.Config, r.Phase, total, r.Providers)
			}
		case bench.ConfigNullProvider:
			if total != 0 || r.Providers == 0 || r.ProviderCPU <= 0 {
				t.Errorf("%s %s: %d API calls, %d provider processes, %s CPU; want no call, its own processes",
					r.Config, r.Phase, total, r.Providers, r.ProviderCPU)
			}
		case bench.ConfigRaw, bench.ConfigRawPassword:
			want := map[string]string{bench.PhaseApply: "POST", bench.PhasePlan: "GET", bench.PhaseDestroy: "DELETE"}[r.Phase]
			if total != rep.N || r.Calls[want] != rep.N {
				t.Errorf("%s %s: calls %v, want %d %s", r.Config, r.Phase, r.Calls, rep.N, want)
			}
		default:
			if total == 0 || r.Providers == 0 || r.ProviderCPU <= 0 || r.PeakRSS <= 0 {
				t.Errorf("%s %s: %d API calls, %d provider processes, %s CPU, %d bytes peak RSS; want more than none",
					r.Config, r.Phase, total, r.Providers, r.ProviderCPU, r.PeakRSS)
			}
		}
	}
}

// The ratio is ours over floor plus raw of the same phase and variant.
func TestReportTable(t *testing.T) {
	t.Parallel()
	rep := &bench.Report{N: 4, Parallelism: 10, Cores: 2, CLIName: "OpenTofu", CLIVersion: "1.12.6", KratosVersion: "v1.3.1", Database: "sqlite"}
	wall := map[string]time.Duration{
		bench.ConfigFloor: 1 * time.Second, bench.ConfigRaw: 3 * time.Second, bench.ConfigIdentity: 2 * time.Second,
		bench.ConfigFloorPairs: 10 * time.Second, bench.ConfigRawPassword: 10 * time.Second, bench.ConfigIdentityPassword: 30 * time.Second,
	}
	for _, c := range configs {
		for _, p := range phases {
			rep.Rows = append(rep.Rows, bench.Row{Config: c, Phase: p, Wall: wall[c], Calls: map[string]int{"GET": 6, "PUT": 4}})
		}
	}
	table := rep.Table()
	for _, want := range []string{
		"N = 4 identities, -parallelism=10; OpenTofu 1.12.6; Kratos v1.3.1 on SQLite; 2 cores",
		"| **ours: `ory_identity`**                  | plan    |    2.00 |      4.00 |  0.50 |",
		"| **ours: + `ory_identity_password`**       | destroy |    30.0 |      20.0 |  1.50 |",
		" 1.50 / 0 / 1 / 0 / 0 |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}
