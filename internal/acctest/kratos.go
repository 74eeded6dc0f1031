package acctest

import (
	"bufio"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Identity schema ids served by the test Kratos.
const (
	SchemaEmail    = "email"
	SchemaPhone    = "phone"
	SchemaUsername = "username"
	// SchemaRecord has no login identifier and numeric traits.
	SchemaRecord = "record"
	// SchemaContacts has an array of emails, a phone number that receives
	// codes by SMS, a username that logs in with a password and a security
	// key, and a nested name.
	SchemaContacts = "contacts"
)

const (
	modulePath     = "github.com/identity-as-code/terraform-provider-ory"
	readyTimeout   = 60 * time.Second
	stopGrace      = 5 * time.Second
	startAttempts  = 3
	logTailLines   = 40
	kratosLogLevel = "warning"
)

//go:embed schemas/*.json
var schemaFiles embed.FS

// Kratos is a running Kratos server owned by the test process.
type Kratos struct {
	AdminURL  string
	PublicURL string
	// LogPath holds Kratos's stdout and stderr, across restarts; it is
	// removed by Stop.
	LogPath string
	// Database is DatabaseSQLite or DatabasePostgres.
	Database string

	dir     string
	bin     string
	cfgPath string
	pg      *postgres // the database cluster, for DatabasePostgres
	oidc    *OIDCProvider

	stopOnce sync.Once
	mu       sync.Mutex
	proc     *process // the current `kratos serve`; Restart replaces it
	stopped  bool
}

// Databases Kratos can run on.
const (
	DatabaseSQLite   = "sqlite"
	DatabasePostgres = "postgres"
)

// databaseEnv chooses the database when StartOptions.Database is empty, so
// that a whole suite can run on PostgreSQL (make testacc-postgres).
const databaseEnv = "ACCTEST_KRATOS_DB"

// Start starts Kratos on free loopback ports with a fresh database (SQLite in
// a temporary directory, or PostgreSQL as ACCTEST_KRATOS_DB says) and waits
// until it is ready. Call Stop when done.
func Start(ctx context.Context) (*Kratos, error) {
	return StartWith(ctx, StartOptions{})
}

// StartOptions change what StartWith serves.
type StartOptions struct {
	// Schemas are identity schema files to serve, schema id to file path,
	// besides BuiltinSchemas.
	// A file given for a built-in id replaces that schema.
	Schemas map[string]string
	// Database is DatabaseSQLite or DatabasePostgres (a throw-away cluster
	// of its own); empty means what ACCTEST_KRATOS_DB says, else SQLite.
	Database string
	// OIDC, when set, is an OIDC provider Kratos trusts for login and
	// registration (selfservice.methods.oidc); it must be running before
	// the first login, not before Kratos starts.
	OIDC *OIDCProvider
}

func (o StartOptions) database() (string, error) {
	db, from := o.Database, "StartOptions.Database"
	if db == "" {
		db, from = os.Getenv(databaseEnv), databaseEnv
	}
	switch db {
	case "", DatabaseSQLite:
		return DatabaseSQLite, nil
	case DatabasePostgres:
		return DatabasePostgres, nil
	}
	return "", fmt.Errorf("%s=%q: want %q or %q", from, db, DatabaseSQLite, DatabasePostgres)
}

// StartWith is Start with options, for the demo and for tests that need
// identity schemas or a database of their own.
func StartWith(ctx context.Context, opts StartOptions) (*Kratos, error) {
	db, err := opts.database()
	if err != nil {
		return nil, err
	}
	bin, err := kratosBinary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tf-ory-kratos-")
	if err != nil {
		return nil, err
	}
	k := &Kratos{
		LogPath:  filepath.Join(dir, "kratos.log"),
		Database: db,
		dir:      dir,
		bin:      bin,
		cfgPath:  filepath.Join(dir, "kratos.json"),
		oidc:     opts.OIDC,
	}
	if err := k.start(ctx, opts.Schemas); err != nil {
		k.Stop()
		return nil, err
	}
	return k, nil
}

// start creates and migrates the database, then serves it.
func (k *Kratos) start(ctx context.Context, extraSchemas map[string]string) error {
	schemas, err := writeSchemas(k.dir, extraSchemas)
	if err != nil {
		return err
	}
	dsn := sqliteDSN(k.dir)
	if k.Database == DatabasePostgres {
		// Stop stops it with Kratos, whatever fails below.
		if k.pg, err = startPostgres(ctx); err != nil {
			return err
		}
		dsn = k.pg.dsn()
	}
	if err := migrate(ctx, k.bin, k.dir, dsn); err != nil {
		return err
	}

	// A port picked by the kernel can be taken again before Kratos binds it,
	// so a start that dies on a busy port is retried on new ones.
	for attempt := 1; ; attempt++ {
		err := k.serveOnFreePorts(ctx, dsn, schemas)
		if err == nil {
			return nil
		}
		portTaken := k.proc != nil && k.proc.exited() && strings.Contains(tail(k.LogPath), "address already in use")
		if !portTaken || attempt == startAttempts {
			if k.proc != nil {
				err = fmt.Errorf("%w\n--- last lines of the Kratos log ---\n%s", err, tail(k.LogPath))
			}
			return err
		}
	}
}

// sqliteDSN is a database file in dir behind a single connection, as Kratos's
// own tests use SQLite: concurrent SQLite transactions otherwise fail ("Unable
// to serialize access due to a concurrent update") or wait on each other until
// the busy timeout, which parallel tests hit. "memory" has the same problem.
// The file outlives the process, so Restart finds the same data.
func sqliteDSN(dir string) string {
	return "sqlite://" + filepath.ToSlash(filepath.Join(dir, "kratos.sqlite")) +
		"?_fk=true&mode=rwc&max_conns=1&max_idle_conns=1&lock=false"
}

// migrate creates the schema in the fresh database.
func migrate(ctx context.Context, bin, dir, dsn string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "migrate", "sql", "--read-from-env", "--yes")
	cmd.Dir = dir
	cmd.Env = append(kratosEnv(dir), "DSN="+dsn, "LOG_LEVEL="+logLevel())
	setPdeathsig(cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("kratos migrate sql: %w\n%s", err, LastLines(string(out), logTailLines))
	}
	return nil
}

// serveOnFreePorts configures Kratos on new free ports and serves.
func (k *Kratos) serveOnFreePorts(ctx context.Context, dsn string, schemas []schemaRef) error {
	publicPort, err := freePort()
	if err != nil {
		return err
	}
	adminPort, err := freePort()
	if err != nil {
		return err
	}
	k.AdminURL = fmt.Sprintf("http://127.0.0.1:%d", adminPort)
	k.PublicURL = fmt.Sprintf("http://127.0.0.1:%d", publicPort)
	if err := writeConfig(k.cfgPath, dsn, publicPort, adminPort, schemas, k.oidc); err != nil {
		return err
	}
	return k.serve(ctx)
}

// serve starts `kratos serve` with the configuration written last and waits
// until it is ready.
func (k *Kratos) serve(ctx context.Context) error {
	// --dev allows bcrypt cost 4 and plain-HTTP cookies on loopback.
	cmd := exec.Command(k.bin, "serve", "--dev", "--sqa-opt-out", "--config", k.cfgPath)
	cmd.Dir = k.dir
	cmd.Env = kratosEnv(k.dir)
	k.mu.Lock()
	if k.stopped {
		k.mu.Unlock()
		return errStopped
	}
	p, err := startProcess(cmd, k.LogPath)
	if err == nil {
		k.proc = p
	}
	k.mu.Unlock()
	if err != nil {
		return err
	}
	return k.waitReady(ctx, p)
}

func (k *Kratos) waitReady(ctx context.Context, p *process) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	urls := []string{k.AdminURL + "/health/ready", k.PublicURL + "/health/ready"}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if allOK(ctx, client, urls) {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("kratos exited before it was ready: %w", p.err)
		case <-ctx.Done():
			return fmt.Errorf("kratos not ready at %s after %s", k.AdminURL, readyTimeout)
		case <-tick.C:
		}
	}
}

func allOK(ctx context.Context, client *http.Client, urls []string) bool {
	for _, u := range urls {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false
		}
	}
	return true
}

// current is the running `kratos serve`, or an error saying why there is none
// to act on.
func (k *Kratos) current() (*process, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return nil, errStopped
	}
	return k.proc, nil
}

// Kill ends the Kratos process with SIGKILL, as a crash would, and waits until
// it has exited. The database stays, for Restart.
func (k *Kratos) Kill() error {
	p, err := k.current()
	if err != nil {
		return err
	}
	return p.kill()
}

// Restart starts Kratos again after Kill, on the same database, ports and
// configuration, appending to the same log, and waits until it is ready.
func (k *Kratos) Restart(ctx context.Context) error {
	p, err := k.current()
	if err != nil {
		return err
	}
	if !p.exited() {
		return errors.New("acctest: Kratos is still running: Kill it before Restart")
	}
	if err := k.serve(ctx); err != nil {
		return fmt.Errorf("restarting Kratos: %w\n--- last lines of the Kratos log ---\n%s", err, tail(k.LogPath))
	}
	return nil
}

// Stop ends Kratos (SIGTERM, then SIGKILL after a grace period), then its
// database, and removes its temporary directory.
func (k *Kratos) Stop() {
	if k == nil {
		return
	}
	k.stopOnce.Do(k.stop)
}

func (k *Kratos) stop() {
	k.mu.Lock()
	k.stopped = true
	p := k.proc
	k.mu.Unlock()
	if p != nil {
		p.stop(syscall.SIGTERM)
	}
	if k.pg != nil {
		k.pg.stop()
	}
	_ = os.RemoveAll(k.dir)
}

// process is a child process whose exit is watched.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // exit status, valid after done
}

// startProcess starts cmd with its stdout and stderr appended to logPath. The
// kernel kills it when the test binary dies, so nothing outlives the tests.
func startProcess(cmd *exec.Cmd, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	setPdeathsig(cmd)
	p := &process{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the spawning OS thread exits, not the process:
		// keep this goroutine on its thread until the child is gone.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer logFile.Close()
		if err := cmd.Start(); err != nil {
			started <- err
			p.err = err
			close(p.done)
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig and waits for the exit, killing the process after a grace
// period.
func (p *process) stop(sig os.Signal) {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		_ = p.kill()
	}
}

func (p *process) kill() error {
	if p.exited() {
		return nil
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
		return nil
	case <-time.After(stopGrace):
		return fmt.Errorf("%s (pid %d) has not exited %s after SIGKILL", filepath.Base(p.cmd.Path), p.cmd.Process.Pid, stopGrace)
	}
}

// kratosBinary finds Kratos: KRATOS_BIN, else bin/kratos in the repository.
func kratosBinary() (string, error) {
	if p := os.Getenv("KRATOS_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("KRATOS_BIN=%s: %w", p, err)
		}
		return p, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "bin", "kratos")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("kratos binary not found at %s: run `make tools` (or set KRATOS_BIN)", p)
	}
	return p, nil
}

// repoRoot walks up from the working directory to this module's go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isModuleRoot(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod for module %s above the working directory; set KRATOS_BIN", modulePath)
		}
		dir = parent
	}
}

func isModuleRoot(goMod string) bool {
	f, err := os.Open(goMod)
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == modulePath
		}
	}
	return false
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, fmt.Errorf("unexpected listener address %v", l.Addr())
	}
	return addr.Port, nil
}

// kratosEnv is a minimal environment: Kratos reads its configuration from
// environment variables too (DSN, SERVE_*, SECRETS_*), and a stray one in the
// developer's shell must not change the test server.
func kratosEnv(dir string) []string {
	env := []string{"HOME=" + dir, "TMPDIR=" + dir, "SQA_OPT_OUT=true"}
	for _, k := range []string{"PATH", "LANG", "TZ"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

var safeFileName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// BuiltinSchemas are the identity schemas every test Kratos has.
var BuiltinSchemas = []string{SchemaEmail, SchemaPhone, SchemaUsername, SchemaRecord, SchemaContacts}

// schemaRef is one entry of Kratos's identity.schemas.
type schemaRef struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// writeSchemas copies the built-in schemas and the extra ones (id to path)
// into dir and returns the list for the configuration, sorted by id.
func writeSchemas(dir string, extra map[string]string) ([]schemaRef, error) {
	files := map[string][]byte{}
	for _, id := range BuiltinSchemas {
		b, err := schemaFiles.ReadFile("schemas/" + id + ".json")
		if err != nil {
			return nil, err
		}
		files[id] = b
	}
	for id, p := range extra {
		if id == "" {
			return nil, fmt.Errorf("identity schema %s: empty schema id", p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("identity schema %q: %w", id, err)
		}
		if !json.Valid(b) {
			return nil, fmt.Errorf("identity schema %q: %s is not valid JSON", id, p)
		}
		files[id] = b
	}
	ids := make([]string, 0, len(files))
	for id := range files {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	sdir := filepath.Join(dir, "schemas")
	if err := os.Mkdir(sdir, 0o700); err != nil {
		return nil, err
	}
	refs := make([]schemaRef, 0, len(ids))
	for i, id := range ids {
		// Ids are free text; file names are not.
		name := id + ".json"
		if !safeFileName.MatchString(id) {
			name = fmt.Sprintf("schema.%d.json", i)
		}
		p := filepath.Join(sdir, name)
		if err := os.WriteFile(p, files[id], 0o600); err != nil {
			return nil, err
		}
		refs = append(refs, schemaRef{ID: id, URL: fileURL(p)})
	}
	return refs, nil
}

func fileURL(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// writeConfig writes Kratos's configuration; a non-nil oidc enables the oidc
// method with that provider, and a session right after an OIDC registration.
func writeConfig(path, dsn string, publicPort, adminPort int, schemas []schemaRef, oidc *OIDCProvider) error {
	publicURL := fmt.Sprintf("http://127.0.0.1:%d/", publicPort)
	methods := map[string]any{
		"password": map[string]any{
			"enabled": true,
			"config": map[string]any{
				// No network in tests; the other checks stay on.
				"haveibeenpwned_enabled":              false,
				"min_password_length":                 8,
				"identifier_similarity_check_enabled": true,
			},
		},
		"code": map[string]any{"enabled": true},
		// Second factors, enrolled in the settings flow.
		"totp":          map[string]any{"enabled": true, "config": map[string]any{"issuer": "terraform-provider-ory-acctest"}},
		"lookup_secret": map[string]any{"enabled": true},
	}
	flows := map[string]any{
		"recovery":     map[string]any{"enabled": true, "use": "code"},
		"verification": map[string]any{"enabled": true, "use": "code"},
		// Kratos's default, spelled out: an identity with a second factor
		// needs it; one without logs in with a password alone.
		"settings": map[string]any{"required_aal": "highest_available"},
	}
	if oidc != nil {
		methods["oidc"] = oidc.kratosConfig()
		flows["registration"] = map[string]any{
			"after": map[string]any{"oidc": map[string]any{"hooks": []map[string]any{{"hook": "session"}}}},
		}
	}
	cfg := map[string]any{
		"dsn": dsn,
		"log": map[string]any{"level": logLevel(), "format": "text", "leak_sensitive_values": false},
		"serve": map[string]any{
			"public": map[string]any{"host": "127.0.0.1", "port": publicPort, "base_url": publicURL},
			"admin":  map[string]any{"host": "127.0.0.1", "port": adminPort, "base_url": fmt.Sprintf("http://127.0.0.1:%d/", adminPort)},
		},
		"selfservice": map[string]any{
			"default_browser_return_url": publicURL,
			"allowed_return_urls":        []string{publicURL},
			"methods":                    methods,
			"flows":                      flows,
		},
		"session": map[string]any{"whoami": map[string]any{"required_aal": "highest_available"}},
		// Low cost: hashing dominates password tests otherwise (needs --dev).
		"hashers": map[string]any{"algorithm": "bcrypt", "bcrypt": map[string]any{"cost": 4}},
		"secrets": map[string]any{
			"cookie":  []string{RandomHex(16)},
			"cipher":  []string{RandomHex(16)},
			"default": []string{RandomHex(16)},
		},
		"identity": map[string]any{"default_schema_id": SchemaEmail, "schemas": schemas},
		// Nothing listens there: the courier is not started, mails stay queued.
		"courier": map[string]any{"smtp": map[string]any{
			"connection_uri": "smtp://127.0.0.1:1/?disable_starttls=true",
			"from_address":   "kratos@example.com",
		}},
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// logLevel is warning unless ACCTEST_KRATOS_LOG_LEVEL asks for more, to debug
// a failing test from the log tail printed on failure.
func logLevel() string {
	if l := os.Getenv("ACCTEST_KRATOS_LOG_LEVEL"); l != "" {
		return l
	}
	return kratosLogLevel
}

// tail returns the last logTailLines lines of a log file, to explain a
// failure.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	return LastLines(string(b), logTailLines)
}

// LastLines returns the last n lines of s, saying how many it left out.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d lines ...]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

var errStopped = errors.New("acctest: this Kratos was stopped: start a new one")

var errNotStarted = errors.New("acctest: Kratos is not running (set TF_ACC and call acctest.Main from TestMain)")
