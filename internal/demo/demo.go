// Package demo is the README's quickstart, end to end: it starts a local
// Kratos serving the quickstart's identity schema, applies
// examples/quickstart with terraform or tofu, logs in as the admin it
// created, shows that plan is clean and that plan catches a change made
// through the admin API, then destroys everything and stops Kratos.
//
// Every step prints one line; a failed step prints the CLI's output.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	client "github.com/ory/client-go"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

const (
	// exampleDir is the quickstart, relative to the repository root.
	exampleDir = "examples/quickstart"
	// schemaID is the schema_id of the quickstart's identity.
	schemaID = "phone"
	// driftName is what the demo writes into traits.name behind Terraform's back.
	driftName = "Mallory"
	// Bounds of the CLI output printed for a failed step.
	stdoutLines = 20
	stderrLines = 40
)

// Options change what Run does; the zero value is the README's `make demo`.
type Options struct {
	// CLI is "tofu" (the default), "terraform" (Terraform 1.14) or
	// "terraform1.5" for the repository's bin/ build, or the path of a
	// terraform or tofu binary.
	CLI string
	// Password is the admin's password; empty means a random one. It is
	// never printed.
	Password string
	// Example is the quickstart directory; empty means examples/quickstart
	// of the repository.
	Example string
}

// Report is what Run saw, for tests to assert on.
type Report struct {
	CLIName    string // "OpenTofu" or "Terraform"
	CLIVersion string // like "1.12.6"
	AdminURL   string // the Kratos admin API, stopped when Run returns
	TempDir    string // removed when Run returns

	IdentityID      string
	Phone           string // the login identifier
	EmailVerified   bool   // as the admin API reports it
	Role            string // metadata_public.role, as the admin API reports it
	WriteOnly       bool   // password_wo was used
	PasswordInState bool   // the password was found in the state file

	SessionIdentityID string // the identity of the session from the API login flow

	CleanPlanExitCode int      // plan -detailed-exitcode right after apply
	DriftPlanExitCode int      // the same after the change through the admin API
	Drift             []string // the plan's lines that show the change

	Destroyed     bool // destroy exited 0 and the admin API no longer knows the identity
	KratosStopped bool
}

var errInterrupted = errors.New("interrupted")

// run holds what the steps share.
type run struct {
	out      io.Writer
	opts     Options
	rep      *Report
	root     string
	example  string // the quickstart directory
	label    string // how to call it in the output
	kratos   *acctest.Kratos
	cli      *acctest.CLI
	work     *acctest.Workdir
	password string
	applied  bool // there may be something to destroy
}

// Run runs the demo, printing one line per step to out. It always stops
// Kratos and removes its temporary files, also when a step fails or ctx is
// cancelled.
func Run(ctx context.Context, out io.Writer, opts Options) (rep *Report, err error) {
	r := &run{out: out, opts: opts, rep: &Report{}, password: opts.Password}
	if r.password == "" {
		r.password = acctest.RandomPassword()
	}
	r.root, err = acctest.RepoRoot()
	if err != nil {
		return r.rep, r.fail("finding the repository", err, nil)
	}
	r.example, r.label = filepath.Join(r.root, exampleDir), exampleDir
	if opts.Example != "" {
		r.example, r.label = opts.Example, opts.Example
	}
	tmp, err := os.MkdirTemp("", "ory-quickstart-")
	if err != nil {
		return r.rep, r.fail("creating a temp dir", err, nil)
	}
	r.rep.TempDir = tmp
	defer func() {
		if cerr := r.cleanup(ctx); err == nil {
			err = cerr
		}
		_ = os.RemoveAll(tmp)
	}()

	steps := []func(context.Context, string) error{
		r.tools,
		r.startKratos,
		r.apply,
		r.login,
		r.cleanPlan,
		r.drift,
	}
	for _, step := range steps {
		if err := step(ctx, tmp); err != nil {
			return r.rep, err
		}
	}
	return r.rep, nil
}

// tools builds the provider and finds the CLI and Kratos.
func (r *run) tools(ctx context.Context, tmp string) error {
	const step = "preparing the tools"
	bin, err := r.cliPath()
	if err != nil {
		return r.fail(step, err, nil)
	}
	providerDir := filepath.Join(tmp, "provider")
	if err := os.Mkdir(providerDir, 0o700); err != nil {
		return r.fail(step, err, nil)
	}
	if err := acctest.BuildProviderInto(ctx, providerDir); err != nil {
		return r.fail(step, err, nil)
	}
	r.cli, err = acctest.NewCLIWith(bin, providerDir, tmp)
	if err != nil {
		return r.fail(step, fmt.Errorf("%w (run `make tools`)", err), nil)
	}
	r.rep.CLIVersion, err = r.cli.Version(ctx)
	if err != nil {
		return r.fail(step, err, nil)
	}
	r.rep.CLIName = "Terraform"
	if strings.Contains(filepath.Base(bin), "tofu") {
		r.rep.CLIName = "OpenTofu"
	}
	r.rep.WriteOnly, err = acctest.VersionAtLeast(r.rep.CLIVersion, 1, 11)
	if err != nil {
		return r.fail(step, err, nil)
	}
	r.ok("tools ready (Kratos %s, %s v%s, provider built from this checkout)", acctest.KratosVersion(), r.rep.CLIName, r.rep.CLIVersion)
	return nil
}

// cliPath resolves Options.CLI.
func (r *run) cliPath() (string, error) {
	switch c := r.opts.CLI; c {
	case "", "tofu", "terraform", "terraform1.5":
		if c == "" {
			c = "tofu"
		}
		p := filepath.Join(r.root, "bin", c)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s not found: run `make tools`", p)
		}
		return p, nil
	default:
		return filepath.Abs(c)
	}
}

func (r *run) startKratos(ctx context.Context, _ string) error {
	const step = "starting Kratos"
	schema := filepath.Join(r.example, "identity.schema.json")
	k, err := acctest.StartWith(ctx, acctest.StartOptions{Schemas: map[string]string{schemaID: schema}})
	if err != nil {
		return r.fail(step, err, nil)
	}
	r.kratos = k
	r.rep.AdminURL = k.AdminURL
	r.ok("Kratos running on %s (admin) / :%s (public), schema %q from %s/identity.schema.json",
		strings.TrimPrefix(k.AdminURL, "http://"), port(k.PublicURL), schemaID, r.label)
	return nil
}

// apply copies the quickstart into the temp dir, with the password file
// that suits the CLI, applies it and checks the result through the admin API.
func (r *run) apply(ctx context.Context, tmp string) error {
	step := "applying " + r.label
	dir := filepath.Join(tmp, "quickstart")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return r.fail(step, err, nil)
	}
	src := r.example
	passwordFile := filepath.Join(src, "password.tf")
	if !r.rep.WriteOnly {
		passwordFile = filepath.Join(src, "terraform-before-1.11", "password.tf")
	}
	for from, to := range map[string]string{
		filepath.Join(src, "main.tf"): "main.tf",
		passwordFile:                  "password.tf",
	} {
		if err := acctest.CopyFile(from, filepath.Join(dir, to)); err != nil {
			return r.fail(step, err, nil)
		}
	}
	r.work = r.cli.WorkdirAt(dir,
		"ORY_URL="+r.kratos.AdminURL,
		// The demo's Kratos only, whatever the shell points at.
		"ORY_SDK_URL=", "ORY_API_KEY=", "ORY_PROJECT_API_KEY=",
		"TF_CLI_ARGS=", "TF_CLI_ARGS_apply=", "TF_CLI_ARGS_plan=", "TF_CLI_ARGS_destroy=", "TF_WORKSPACE=",
		// An environment variable, not -var: command lines are visible to
		// every user of the machine.
		"TF_VAR_admin_password="+r.password,
	)

	r.applied = true
	res, err := r.cliRun(ctx, 0, "apply", "-auto-approve", "-input=false", "-no-color")
	if err != nil {
		return r.fail(step, err, res)
	}
	var outputs struct {
		AdminID    struct{ Value string } `json:"admin_id"`
		AdminPhone struct{ Value string } `json:"admin_phone"`
	}
	res, err = r.cliRun(ctx, 0, "output", "-json")
	if err == nil {
		err = json.Unmarshal([]byte(res.Stdout), &outputs)
	}
	if err != nil {
		return r.fail(step, fmt.Errorf("reading the outputs: %w", err), res)
	}
	r.rep.IdentityID, r.rep.Phone = outputs.AdminID.Value, outputs.AdminPhone.Value

	state, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		return r.fail(step, fmt.Errorf("reading the state: %w", err), nil)
	}
	r.rep.PasswordInState = strings.Contains(string(state), r.password)
	if r.rep.WriteOnly && r.rep.PasswordInState {
		return r.fail(step, errors.New("the write-only password is in the state file"), nil)
	}

	id, resp, err := r.kratos.Client().IdentityAPI.GetIdentity(ctx, r.rep.IdentityID).Execute() //nolint:bodyclose // closed by acctest.CloseBody
	acctest.CloseBody(resp)
	if err != nil {
		return r.fail(step, fmt.Errorf("reading identity %s through the admin API: %w", r.rep.IdentityID, err), nil)
	}
	traits, _ := id.Traits.(map[string]any)
	email, _ := traits["email"].(string)
	var verified []string
	for _, a := range id.VerifiableAddresses {
		if a.Verified {
			verified = append(verified, a.Value)
		}
	}
	r.rep.EmailVerified = email != "" && len(verified) == 1 && verified[0] == email
	r.rep.Role, _ = id.MetadataPublic["role"].(string)
	if !r.rep.EmailVerified || r.rep.Role != "admin" {
		return r.fail(step, fmt.Errorf("identity %s: verified addresses %v, metadata_public.role %q; want [%s] and \"admin\"",
			r.rep.IdentityID, verified, r.rep.Role, email), nil)
	}

	password := "write-only, not in state"
	if !r.rep.WriteOnly {
		password = fmt.Sprintf("sensitive, stored in state: %s v%s has no write-only attributes", r.rep.CLIName, r.rep.CLIVersion)
	}
	r.ok("applied %s: identity %s, %s verified, role %s; password set (%s)",
		r.label, r.rep.IdentityID, email, r.rep.Role, password)
	return nil
}

// login proves the password works: the API login flow, as a script or an
// app would use it, and the session it returns.
func (r *run) login(ctx context.Context, _ string) error {
	step := "logging in as " + r.rep.Phone
	token, err := r.kratos.Login(ctx, r.rep.Phone, r.password)
	if err != nil {
		return r.fail(step, acctest.Redact(err, r.password), nil)
	}
	r.rep.SessionIdentityID, err = r.kratos.WhoAmI(ctx, token)
	if err != nil {
		return r.fail(step, err, nil)
	}
	if r.rep.SessionIdentityID != r.rep.IdentityID {
		return r.fail(step, fmt.Errorf("the session is for identity %s, not %s", r.rep.SessionIdentityID, r.rep.IdentityID), nil)
	}
	r.ok("logged in as %s through the API login flow: session for identity %s", r.rep.Phone, r.rep.SessionIdentityID)
	return nil
}

func (r *run) cleanPlan(ctx context.Context, _ string) error {
	const step = "plan after apply"
	res, err := r.cliRun(ctx, 0, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	r.rep.CleanPlanExitCode = res.ExitCode
	if err != nil {
		return r.fail(step, err, res)
	}
	r.ok("plan is clean (exit code 0)")
	return nil
}

// drift changes the admin's traits through the admin API, as someone with
// an admin tool would, and expects plan to show it.
func (r *run) drift(ctx context.Context, _ string) error {
	const step = "drift"
	_, resp, err := r.kratos.Client().IdentityAPI.PatchIdentity(ctx, r.rep.IdentityID).JsonPatch([]client.JsonPatch{
		{Op: "replace", Path: "/traits/name", Value: driftName},
	}).Execute() //nolint:bodyclose // closed by acctest.CloseBody
	acctest.CloseBody(resp)
	if err != nil {
		return r.fail(step, fmt.Errorf("changing traits.name through the admin API: %w", err), nil)
	}
	res, err := r.cliRun(ctx, 2, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	r.rep.DriftPlanExitCode = res.ExitCode
	if err != nil {
		return r.fail(step, err, res)
	}
	r.rep.Drift = changedLines(res.Stdout)
	if !strings.Contains(strings.Join(r.rep.Drift, "\n"), driftName) {
		return r.fail(step, errors.New("the plan does not show the change"), res)
	}
	r.ok("changed traits.name through the admin API; plan caught the drift (exit code 2): %s", summary(r.rep.Drift))
	return nil
}

// cleanup destroys what apply created and stops Kratos. After an interrupt
// it only stops Kratos: its database goes with it.
func (r *run) cleanup(ctx context.Context) error {
	var err error
	var done []string
	if r.applied && ctx.Err() == nil {
		res, derr := r.cliRun(ctx, 0, "destroy", "-auto-approve", "-input=false", "-no-color")
		if derr == nil && r.rep.IdentityID != "" {
			_, resp, gerr := r.kratos.Client().IdentityAPI.GetIdentity(ctx, r.rep.IdentityID).Execute() //nolint:bodyclose // closed by acctest.CloseBody
			acctest.CloseBody(resp)
			if resp == nil || resp.StatusCode != http.StatusNotFound {
				derr = fmt.Errorf("identity %s still exists after destroy (%w)", r.rep.IdentityID, gerr)
			}
		}
		if derr != nil {
			err = r.fail("cleaning up", derr, res)
		} else {
			r.rep.Destroyed = true
			if r.rep.IdentityID != "" {
				done = append(done, "destroy: identity gone")
			} else {
				done = append(done, "destroy")
			}
		}
	}
	if r.kratos != nil {
		r.kratos.Stop()
		r.rep.KratosStopped = true
		done = append(done, "Kratos stopped")
	}
	done = append(done, "temp files removed")
	if ctx.Err() != nil {
		r.printf("✗ interrupted: %s\n", strings.Join(done, ", "))
	} else if err == nil {
		r.ok("cleaned up (%s)", strings.Join(done, ", "))
	}
	return err
}

// cliRun runs the CLI and returns an error unless it exits with want.
func (r *run) cliRun(ctx context.Context, want int, args ...string) (*acctest.Result, error) {
	res, err := r.work.Run(ctx, args...)
	if ctx.Err() != nil {
		return &res, errInterrupted
	}
	if err != nil {
		return &res, err
	}
	if res.ExitCode != want {
		return &res, fmt.Errorf("%s %s exited %d, want %d", filepath.Base(r.cli.Bin), args[0], res.ExitCode, want)
	}
	return &res, nil
}

func (r *run) ok(format string, args ...any) {
	r.printf("✓ "+format+"\n", args...)
}

// printf writes to the demo's output; a terminal that went away is no
// reason to stop before cleaning up.
func (r *run) printf(format string, args ...any) {
	_, _ = fmt.Fprintf(r.out, format, args...)
}

// fail prints the failed step with the CLI's output and the errors in the
// Kratos log, and returns the error.
func (r *run) fail(step string, err error, res *acctest.Result) error {
	r.printf("✗ %s: %v\n", step, acctest.Redact(err, r.password))
	if errors.Is(err, errInterrupted) {
		return fmt.Errorf("%s: %w", step, err)
	}
	if res != nil {
		// The end of stdout (what the CLI did last), then its errors.
		for _, s := range []struct {
			name, text string
			lines      int
		}{{"stdout", res.Stdout, stdoutLines}, {"stderr", res.Stderr, stderrLines}} {
			if t := strings.TrimSpace(s.text); t != "" {
				r.printf("  --- %s %s ---\n%s\n", filepath.Base(r.cli.Bin), s.name, indent(acctest.LastLines(strings.ReplaceAll(t, r.password, "[redacted]"), s.lines)))
			}
		}
	}
	if r.kratos != nil {
		if errs := kratosErrors(r.kratos.LogPath); errs != "" {
			r.printf("  --- Kratos log, errors ---\n%s\n", indent(acctest.LastLines(strings.ReplaceAll(errs, r.password, "[redacted]"), stderrLines)))
		}
	}
	return fmt.Errorf("%s: %w", step, acctest.Redact(err, r.password))
}

// kratosErrors returns the error lines of the Kratos log: the rest is a
// warning banner about dev mode.
func kratosErrors(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var errs []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "level=error") || strings.Contains(l, "level=fatal") || strings.Contains(l, "level=panic") {
			errs = append(errs, l)
		}
	}
	return strings.Join(errs, "\n")
}

// changedLines returns what a plan says it will do, in short: the resource
// headers and the values that change in place, with runs of spaces
// collapsed. Values that only become "(known after apply)" are left out.
func changedLines(plan string) []string {
	var lines []string
	for _, l := range strings.Split(plan, "\n") {
		l = strings.Join(strings.Fields(l), " ")
		switch {
		case resourceHeader.MatchString(l):
			lines = append(lines, strings.TrimPrefix(l, "# "))
		case strings.HasPrefix(l, "~ ") && strings.Contains(l, " = ") && strings.Contains(l, " -> ") &&
			!strings.HasSuffix(l, "(known after apply)"):
			lines = append(lines, l)
		}
	}
	return lines
}

// summary puts changedLines on one line: "header: ~ a; ~ b, header: ...".
func summary(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		switch {
		case i == 0:
		case !strings.HasPrefix(l, "~ "):
			b.WriteString(", ")
		case strings.HasPrefix(lines[i-1], "~ "):
			b.WriteString("; ")
		default:
			b.WriteString(": ")
		}
		b.WriteString(l)
	}
	return b.String()
}

var resourceHeader = regexp.MustCompile(`^# \S+ (will|must) be `)

var portRE = regexp.MustCompile(`:(\d+)/?$`)

func port(url string) string {
	if m := portRE.FindStringSubmatch(url); m != nil {
		return m[1]
	}
	return url
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
