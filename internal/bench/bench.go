// Package bench is the CLI benchmark of `make bench`: what users feel when
// terraform or tofu applies, plans and destroys N identities through this
// provider, beside what nobody can avoid, the CLI's own cost for as many
// terraform_data resources (the floor) and the same API calls made directly
// (raw), all in one run against one throw-away Kratos.
//
// The provider talks to Kratos through a proxy that counts the API calls;
// the provider processes the CLI starts are found in /proc and measured (CPU
// time, peak RSS). With Options.Edge, a simulated Ory Network edge of that
// tier stands before the proxy, and each phase is measured against the least
// time the tier's limits allow for its calls.
package bench

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
	"github.com/identity-as-code/terraform-provider-ory/internal/acctest/edge"
	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

const (
	defaultN           = 1000
	defaultParallelism = 10
	// schemaID is the identity schema of every identity created.
	schemaID = acctest.SchemaEmail
	// phaseTimeout bounds one CLI command; the slowest at N=1,000 takes a
	// few minutes.
	phaseTimeout = 30 * time.Minute
	// Bounds of the CLI output printed for a failed phase.
	stdoutLines = 30
	stderrLines = 40
)

// Options change what Run does; the zero value is `make bench`.
type Options struct {
	// N is the number of identities; 0 means 1,000.
	N int
	// CLI is "tofu" (the default), "terraform" (Terraform 1.14) or
	// "terraform1.5" for the repository's bin/ build, or the path of a
	// terraform or tofu binary.
	CLI string
	// Parallelism is the CLI's -parallelism and the raw calls' concurrency;
	// 0 means 10, the CLI's default.
	Parallelism int
	// ProfileDir, when set, receives the provider's CPU and heap profiles,
	// one pair per provider process, named <config>-<phase>-{cpu,mem}-<pid>.pprof.
	ProfileDir string
	// Progress gets a line per phase as it ends; nil for none.
	Progress io.Writer
	// Configs, when set, measures only these configurations (by name, such
	// as "identity"); a ratio needs its floor and raw configurations too.
	Configs []string
	// Edge, when set, is an Ory Network tier ("production", "growth", ...):
	// the provider's configurations then run through a simulated edge with
	// that tier's limits, over HTTPS with the edge's CA and key, and the
	// others are left out (they do not pace themselves or call no API).
	Edge string
	// EdgePlainHTTP serves the edge over HTTP, for a provider that can not
	// be given its CA.
	EdgePlainHTTP bool
}

// The phases, in the order they run.
const (
	PhaseApply   = "apply"
	PhasePlan    = "plan"
	PhaseDestroy = "destroy"
)

var phases = []string{PhaseApply, PhasePlan, PhaseDestroy}

// Configurations, by the name Row.Config has.
const (
	ConfigFloor            = "floor"
	ConfigFloorPairs       = "floor-pairs"
	ConfigNullProvider     = "null-provider"
	ConfigRaw              = "raw"
	ConfigRawPassword      = "raw-password"
	ConfigIdentity         = "identity"
	ConfigIdentityPassword = "identity-password"
)

// config is one configuration measured over the three phases.
type config struct {
	name     string
	label    string // for the table
	provider bool   // uses this provider; else terraform_data, the null provider or raw HTTP
	null     bool   // uses internal/bench/nullprovider, which calls no API
	raw      bool   // raw HTTP, no CLI
	password bool
	// Of an ory config: what its ratio is taken against.
	floor, rawBase string
}

// configs run in this order: the floors first, so a broken setup shows early.
var configs = []config{
	{name: ConfigFloor, label: "floor: `terraform_data` ×N"},
	{name: ConfigFloorPairs, label: "floor: `terraform_data` pairs ×N"},
	{name: ConfigNullProvider, label: "a framework provider that calls no API ×N", null: true},
	{name: ConfigRaw, label: "raw HTTP: identity", raw: true},
	{name: ConfigRawPassword, label: "raw HTTP: identity + password", raw: true, password: true},
	{name: ConfigIdentity, label: "**ours: `ory_identity`**", provider: true, floor: ConfigFloor, rawBase: ConfigRaw},
	{name: ConfigIdentityPassword, label: "**ours: + `ory_identity_password`**", provider: true, password: true,
		floor: ConfigFloorPairs, rawBase: ConfigRawPassword},
}

// Report is what Run measured.
type Report struct {
	N, Parallelism int
	Cores          int
	CPUModel       string
	CLIName        string // "OpenTofu" or "Terraform"
	CLIVersion     string
	KratosVersion  string
	Database       string // acctest.DatabaseSQLite or DatabasePostgres
	ProviderBuild  string // the commit the provider was built from, if known
	Profiled       bool   // profiles were written, which costs the provider some CPU
	// EdgeTier is the tier of the simulated edge; its Name is "" without one.
	EdgeTier ory.Tier
	Rows     []Row
}

// Row is one configuration's phase.
type Row struct {
	Config, Phase string
	Wall          time.Duration
	// CLI is the CLI's own CPU time; zero for raw HTTP.
	CLI time.Duration
	// ProviderCPU and PeakRSS (bytes) are summed and maxed over the
	// provider processes; zero where there are none.
	ProviderCPU time.Duration
	PeakRSS     int64
	Providers   int // provider processes seen
	// Calls counts the API calls by HTTP method that reached Kratos.
	Calls map[string]int
	// Edge is what the simulated edge answered, with Report.EdgeTier.
	Edge edge.Counts
}

// usage is what the provider processes a CLI command started used.
type usage struct {
	cli         time.Duration // the CLI's own CPU time
	providerCPU time.Duration // summed over the provider processes
	peakRSS     int64         // bytes, the largest VmHWM of any of them
	providers   int           // provider processes seen
}

// run holds what the configurations share.
type run struct {
	opts     Options
	rep      *Report
	tmp      string
	provider string // the provider binary
	// nullProvider is the binary of internal/bench/nullprovider.
	nullProvider string
	cli          *acctest.CLI
	kratos       *acctest.Kratos
	proxy        *countingProxy
	edge         *edge.Edge // nil without Options.Edge
	domain       string     // of every email, unique per run
	password     string
}

// Run measures every configuration and phase. It always stops Kratos, its
// CLI and provider processes and removes its temporary files, also when a
// phase fails or ctx is cancelled. A failed phase's error carries the end of
// the CLI's output.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.N == 0 {
		opts.N = defaultN
	}
	if opts.Parallelism == 0 {
		opts.Parallelism = defaultParallelism
	}
	if opts.N < 1 || opts.Parallelism < 1 {
		return nil, fmt.Errorf("bench: %d identities at parallelism %d: both must be at least 1", opts.N, opts.Parallelism)
	}
	var tier ory.Tier
	if opts.Edge != "" {
		var ok bool
		if tier, ok = ory.TierNamed(opts.Edge); !ok {
			return nil, fmt.Errorf("bench: no Ory Network tier %q: want one of %s", opts.Edge, strings.Join(ory.TierNames(), ", "))
		}
	}
	if opts.ProfileDir != "" {
		// The provider runs in the configuration's working directory.
		dir, err := filepath.Abs(opts.ProfileDir)
		if err != nil {
			return nil, err
		}
		opts.ProfileDir = dir
	}
	r := &run{
		opts:     opts,
		rep:      &Report{N: opts.N, Parallelism: opts.Parallelism, Cores: runtime.NumCPU(), CPUModel: cpuModel(), Profiled: opts.ProfileDir != "", EdgeTier: tier},
		domain:   acctest.RandomHex(4) + ".example.com",
		password: acctest.RandomPassword(),
	}
	var err error
	if r.tmp, err = os.MkdirTemp("", "tf-ory-bench-"); err != nil {
		return nil, err
	}
	defer func() {
		if r.edge != nil {
			r.edge.Close()
		}
		if r.proxy != nil {
			r.proxy.close()
		}
		r.kratos.Stop()
		_ = os.RemoveAll(r.tmp)
	}()
	if err := r.setup(ctx); err != nil {
		return r.rep, err
	}
	for _, c := range configs {
		if (len(opts.Configs) > 0 && !slices.Contains(opts.Configs, c.name)) || (opts.Edge != "" && !c.provider) {
			continue
		}
		if err := r.measure(ctx, c); err != nil {
			return r.rep, acctest.Redact(fmt.Errorf("%s: %w", c.name, err), r.password)
		}
	}
	return r.rep, nil
}

// setup builds the provider, finds the CLI and starts Kratos behind the
// counting proxy.
func (r *run) setup(ctx context.Context) error {
	bin, err := cliPath(r.opts.CLI)
	if err != nil {
		return err
	}
	providerDir := filepath.Join(r.tmp, "provider")
	if err := os.Mkdir(providerDir, 0o700); err != nil {
		return err
	}
	// The profile tag builds in the hook that writes BENCH_PROFILE's profiles.
	if err := acctest.BuildProviderInto(ctx, providerDir, "profile"); err != nil {
		return err
	}
	r.provider = filepath.Join(providerDir, "terraform-provider-ory")
	r.rep.ProviderBuild = buildRevision(r.provider)
	r.nullProvider = filepath.Join(providerDir, "terraform-provider-benchnull")
	if err := buildNullProvider(ctx, r.nullProvider); err != nil {
		return err
	}
	if r.cli, err = acctest.NewCLIWith(bin, providerDir, r.tmp); err != nil {
		return fmt.Errorf("%w (run `make tools`)", err)
	}
	// The null provider from the same directory as this one.
	overrides := strings.Replace(acctest.DevOverrides(providerDir), "dev_overrides {",
		fmt.Sprintf("dev_overrides {\n    %q = %q", nullProviderAddress, providerDir), 1)
	if err := os.WriteFile(r.cli.ConfigFile, []byte(overrides), 0o600); err != nil {
		return err
	}
	if r.rep.CLIVersion, err = r.cli.Version(ctx); err != nil {
		return err
	}
	r.rep.CLIName = "Terraform"
	if strings.Contains(filepath.Base(bin), "tofu") {
		r.rep.CLIName = "OpenTofu"
	}
	r.rep.KratosVersion = acctest.KratosVersion()
	if r.kratos, err = acctest.StartWith(ctx, acctest.StartOptions{}); err != nil {
		return err
	}
	r.rep.Database = r.kratos.Database
	if r.proxy, err = startCountingProxy(r.kratos.AdminURL); err != nil {
		return err
	}
	if r.opts.Edge != "" {
		r.edge, err = edge.Start(edge.Options{Admin: r.proxy.url, Public: r.kratos.PublicURL, Tier: r.rep.EdgeTier, PlainHTTP: r.opts.EdgePlainHTTP})
	}
	return err
}

// apiEnv points the provider at this run's Kratos, through the edge when
// there is one, whatever the shell points at.
func (r *run) apiEnv() []string {
	if r.edge == nil {
		return []string{"ORY_URL=" + r.proxy.url, "ORY_SDK_URL=", "ORY_API_KEY=", "ORY_PROJECT_API_KEY=", "ORY_CA_CERT_FILE="}
	}
	return []string{"ORY_URL=" + r.edge.URL(), "ORY_SDK_URL=", "ORY_API_KEY=" + r.edge.Key(), "ORY_PROJECT_API_KEY=", "ORY_CA_CERT_FILE=" + r.edge.CAFile()}
}

// take returns the calls that reached Kratos and what the edge answered
// since the last take.
func (r *run) take() (map[string]int, edge.Counts) {
	var c edge.Counts
	if r.edge != nil {
		c = r.edge.Take()
	}
	return r.proxy.take(), c
}

// nullProviderAddress is internal/bench/nullprovider's source address.
const nullProviderAddress = "identity-as-code/benchnull"

// buildNullProvider builds internal/bench/nullprovider into out.
func buildNullProvider(ctx context.Context, out string) error {
	root, err := acctest.RepoRoot()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./internal/bench/nullprovider")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the null provider: %w\n%s", err, b)
	}
	return nil
}

// cliPath resolves Options.CLI.
func cliPath(c string) (string, error) {
	switch c {
	case "", "tofu", "terraform", "terraform1.5":
		if c == "" {
			c = "tofu"
		}
		root, err := acctest.RepoRoot()
		if err != nil {
			return "", err
		}
		p := filepath.Join(root, "bin", c)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s not found: run `make tools`", p)
		}
		return p, nil
	default:
		return filepath.Abs(c)
	}
}

// measure runs one configuration's phases and checks that Kratos is empty
// again afterwards, so the next configuration starts from the same place.
func (r *run) measure(ctx context.Context, c config) error {
	var err error
	if c.raw {
		err = r.measureRaw(ctx, c)
	} else {
		err = r.measureCLI(ctx, c)
	}
	if err != nil {
		return err
	}
	return r.checkEmpty(ctx)
}

func (r *run) measureCLI(ctx context.Context, c config) error {
	dir := filepath.Join(r.tmp, c.name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	writeOnly, err := acctest.VersionAtLeast(r.rep.CLIVersion, 1, 11)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(r.configuration(c, writeOnly)), 0o600); err != nil {
		return err
	}
	par := fmt.Sprintf("-parallelism=%d", r.opts.Parallelism)
	args := map[string][]string{
		PhaseApply:   {"apply", "-auto-approve", "-input=false", "-no-color", par},
		PhasePlan:    {"plan", "-detailed-exitcode", "-input=false", "-no-color", par},
		PhaseDestroy: {"destroy", "-auto-approve", "-input=false", "-no-color", par},
	}
	for _, phase := range phases {
		row, err := r.runCLI(ctx, c, phase, dir, args[phase])
		if err != nil {
			return err
		}
		r.add(row)
		if phase == PhaseApply && c.password {
			if err := r.checkLogin(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// runCLI runs one CLI command in dir and measures it. Every command must
// exit 0: a plan that is not empty right after apply is a failure.
func (r *run) runCLI(ctx context.Context, c config, phase, dir string, args []string) (Row, error) {
	ctx, cancel := context.WithTimeout(ctx, phaseTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.cli.Bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+r.cli.ConfigFile,
		"CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_LOG=",
		"TF_CLI_ARGS=", "TF_CLI_ARGS_apply=", "TF_CLI_ARGS_plan=", "TF_CLI_ARGS_destroy=", "TF_WORKSPACE=",
		// An environment variable, not -var: command lines are visible to
		// every user of the machine.
		"TF_VAR_password="+r.password,
		"ORY_PROVIDER_CPUPROFILE=", "ORY_PROVIDER_MEMPROFILE=",
	)
	cmd.Env = append(cmd.Env, r.apiEnv()...)
	if r.opts.ProfileDir != "" && c.provider {
		prefix := filepath.Join(r.opts.ProfileDir, c.name+"-"+phase)
		cmd.Env = append(cmd.Env,
			"ORY_PROVIDER_CPUPROFILE="+prefix+"-cpu-%p.pprof",
			"ORY_PROVIDER_MEMPROFILE="+prefix+"-mem-%p.pprof")
	}
	// Interrupted, the CLI stops the way Ctrl-C stops it: it tells the
	// provider to stop and writes its state.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = time.Minute
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr

	r.take()
	start := time.Now()
	exe := r.provider
	if c.null {
		exe = r.nullProvider
	}
	u, err := runMeasured(cmd, exe)
	wall := time.Since(start)
	calls, edgeCounts := r.take()

	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil && errors.Is(context.Cause(ctx), context.DeadlineExceeded):
		err = fmt.Errorf("%s did not end within %s", phase, phaseTimeout)
	case ctx.Err() != nil:
		return Row{}, ctx.Err()
	case errors.As(err, &exit) && phase == PhasePlan && exit.ExitCode() == 2:
		err = fmt.Errorf("%s exited 2: the plan right after apply wants changes, a bug in the provider (the end of the plan is below)", strings.Join(args, " "))
	case errors.As(err, &exit):
		err = fmt.Errorf("%s exited %d, want 0", strings.Join(args, " "), exit.ExitCode())
	}
	if err != nil {
		if r.edge != nil {
			err = fmt.Errorf("%w after %.1f s; the edge: %v", err, wall.Seconds(), edgeCounts)
		}
		return Row{}, fmt.Errorf("%s %w\n%s", filepath.Base(r.cli.Bin), err, outputTail(stdout.String(), stderr.String()))
	}
	row := Row{Config: c.name, Phase: phase, Wall: wall, CLI: u.cli, ProviderCPU: u.providerCPU, PeakRSS: u.peakRSS, Providers: u.providers, Calls: calls, Edge: edgeCounts}
	r.progress(row)
	return row, nil
}

// configuration is the main.tf of a CLI configuration. Passwords are
// write-only where the CLI has them (Terraform and OpenTofu 1.11+), else
// the sensitive attribute stored in state, as the README advises.
func (r *run) configuration(c config, writeOnly bool) string {
	n := r.opts.N
	switch c.name {
	case ConfigFloor:
		return fmt.Sprintf("resource \"terraform_data\" \"a\" {\n  count = %d\n}\n", n)
	case ConfigNullProvider:
		return fmt.Sprintf(`terraform {
  required_providers {
    benchnull = {
      source = %q
    }
  }
}

resource "benchnull_identity" "a" {
  count     = %d
  schema_id = %q
  traits    = jsonencode({ email = "bench-${count.index}@%s" })
}
`, nullProviderAddress, n, schemaID, r.emailDomain(c))
	case ConfigFloorPairs:
		return fmt.Sprintf(`resource "terraform_data" "a" {
  count = %[1]d
}

resource "terraform_data" "b" {
  count = %[1]d
  input = terraform_data.a[count.index].id
}
`, n)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `terraform {
  required_providers {
    ory = {
      source = "identity-as-code/ory"
    }
  }
}

resource "ory_identity" "a" {
  count     = %d
  schema_id = %q
  traits    = jsonencode({ email = "bench-${count.index}@%s" })
}
`, n, schemaID, r.emailDomain(c))
	if !c.password {
		return b.String()
	}
	password := "password = var.password"
	if writeOnly {
		password = "password_wo         = var.password\n  password_wo_version = 1"
	}
	fmt.Fprintf(&b, `
variable "password" {
  type      = string
  sensitive = true
}

resource "ory_identity_password" "b" {
  count               = %d
  identity_id         = ory_identity.a[count.index].id
  %s
}
`, n, password)
	return b.String()
}

// emailDomain keeps each configuration's identities apart, so that a
// leftover of one can not make another's create fail.
func (r *run) emailDomain(c config) string { return c.name + "." + r.domain }

func (r *run) email(c config, i int) string {
	return fmt.Sprintf("bench-%d@%s", i, r.emailDomain(c))
}

// measureRaw makes each phase's API calls directly: create (with the
// password in the same call), read (with the password hash), delete.
func (r *run) measureRaw(ctx context.Context, c config) error {
	client := newRawClient(r.proxy.url, r.opts.Parallelism)
	emails := make([]string, r.opts.N)
	for i := range emails {
		emails[i] = r.email(c, i)
	}
	password := ""
	if c.password {
		password = r.password
	}
	var ids []string
	for _, phase := range phases {
		r.proxy.take()
		start := time.Now()
		var err error
		switch phase {
		case PhaseApply:
			ids, err = client.create(ctx, emails, password)
		case PhasePlan:
			err = client.read(ctx, ids, c.password)
		case PhaseDestroy:
			err = client.delete(ctx, ids)
		}
		row := Row{Config: c.name, Phase: phase, Wall: time.Since(start), Calls: r.proxy.take()}
		if err != nil {
			return fmt.Errorf("%s: %w", phase, err)
		}
		r.add(row)
		r.progress(row)
		if phase == PhaseApply && c.password {
			if err := r.checkLogin(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *run) add(row Row) { r.rep.Rows = append(r.rep.Rows, row) }

func (r *run) progress(row Row) {
	if r.opts.Progress != nil {
		edgeNote := ""
		if r.edge != nil {
			edgeNote = fmt.Sprintf("; the edge: %v", row.Edge)
		}
		_, _ = fmt.Fprintf(r.opts.Progress, "bench: %-17s %-7s %7.1f s%s\n", row.Config, row.Phase, row.Wall.Seconds(), edgeNote)
	}
}

// checkLogin proves that the passwords were set: the last identity logs in.
func (r *run) checkLogin(ctx context.Context, c config) error {
	email := r.email(c, r.opts.N-1)
	if _, err := r.kratos.Login(ctx, email, r.password); err != nil {
		return fmt.Errorf("after apply, %s can not log in with the configured password: %w", email, err)
	}
	return nil
}

// checkEmpty fails when a destroy left identities behind. It asks Kratos
// directly, not through the proxy, which counts the phases' calls only.
func (r *run) checkEmpty(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.kratos.AdminURL+"/admin/identities?page_size=1", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("listing identities after destroy: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("listing identities after destroy: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("listing identities after destroy: Kratos answered %s: %s", resp.Status, b)
	}
	if s := strings.TrimSpace(string(b)); s != "[]" {
		return fmt.Errorf("destroy left identities in Kratos, e.g. %.300s", s)
	}
	return nil
}

// outputTail is the end of a failed command's output: what it did last,
// then its errors.
func outputTail(stdout, stderr string) string {
	var b strings.Builder
	for _, s := range []struct {
		name, text string
		lines      int
	}{{"stdout", stdout, stdoutLines}, {"stderr", stderr, stderrLines}} {
		if t := strings.TrimSpace(s.text); t != "" {
			fmt.Fprintf(&b, "--- %s ---\n%s\n", s.name, acctest.LastLines(t, s.lines))
		}
	}
	return b.String()
}

// buildRevision says which commit the provider binary was built from, and
// whether the checkout had changes, as Go recorded it; "" when it did not
// (-buildvcs=false).
func buildRevision(bin string) string {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return ""
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if modified == "true" {
		rev += " + uncommitted changes"
	}
	return rev
}

// cpuModel is the first "model name" of /proc/cpuinfo, if there is one.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
