package acctest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// postgres is a throw-away PostgreSQL cluster for one Kratos, in a temporary
// directory of its own: when the tests run as root the cluster runs as an
// unprivileged user, who can not enter Kratos's directory.
type postgres struct {
	dir  string
	port int
	proc *process
}

// pgUsers run the cluster when the tests run as root, which PostgreSQL
// refuses: Debian's package creates "postgres", "nobody" is everywhere else.
var pgUsers = []string{"postgres", "nobody"}

// startPostgres creates a cluster (superuser postgres, trust authentication,
// UTF8) and serves it on a free loopback port until stop.
func startPostgres(ctx context.Context) (*postgres, error) {
	binDir, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	owner, err := pgOwner()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tf-ory-postgres-")
	if err != nil {
		return nil, err
	}
	pg := &postgres{dir: dir}
	if owner != nil {
		if err := os.Chown(dir, owner.uid, owner.gid); err != nil {
			pg.stop()
			return nil, fmt.Errorf("giving %s to %s: %w", dir, owner.name, err)
		}
	}
	if err := pg.initdb(ctx, binDir, owner); err != nil {
		pg.stop()
		return nil, err
	}
	// As with Kratos, a free port can be taken before the server binds it.
	for attempt := 1; ; attempt++ {
		err := pg.serve(ctx, binDir, owner)
		if err == nil {
			return pg, nil
		}
		portTaken := pg.proc != nil && pg.proc.exited() && strings.Contains(tail(pg.logPath()), "could not bind")
		if !portTaken || attempt == startAttempts {
			err = fmt.Errorf("%w\n--- last lines of the PostgreSQL log ---\n%s", err, tail(pg.logPath()))
			pg.stop()
			return nil, err
		}
	}
}

func (pg *postgres) dataDir() string { return filepath.Join(pg.dir, "data") }
func (pg *postgres) logPath() string { return filepath.Join(pg.dir, "postgres.log") }

// dsn is Kratos's DSN for the cluster's default database. A few connections
// suffice for parallel tests and stay far below max_connections.
func (pg *postgres) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&max_conns=20&max_idle_conns=4", pg.port)
}

func (pg *postgres) initdb(ctx context.Context, binDir string, owner *account) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	// No locale: the same sorting on every machine. No sync: the cluster
	// lives as long as the tests.
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"), "--pgdata", pg.dataDir(),
		"--username", "postgres", "--auth", "trust", "--encoding", "UTF8", "--no-locale",
		"--no-sync", "--no-instructions")
	pg.setup(cmd, owner)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, LastLines(string(out), logTailLines))
	}
	return nil
}

// serve starts the server on a new free port and waits until it accepts
// connections. It is run directly, not through pg_ctl, so that it stays our
// child and dies with the test binary.
func (pg *postgres) serve(ctx context.Context, binDir string, owner *account) error {
	pg.proc = nil
	port, err := freePort()
	if err != nil {
		return err
	}
	pg.port = port
	// Loopback TCP only; durability is traded for speed.
	cmd := exec.Command(filepath.Join(binDir, "postgres"), "-D", pg.dataDir(), "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	pg.setup(cmd, owner)
	pg.proc, err = startProcess(cmd, pg.logPath())
	if err != nil {
		return err
	}
	return pg.waitReady(ctx)
}

// setup gives a PostgreSQL command a clean environment (PG* variables in the
// developer's shell change what initdb and postgres do) and its user.
func (pg *postgres) setup(cmd *exec.Cmd, owner *account) {
	cmd.Dir = pg.dir
	cmd.Env = []string{"HOME=" + pg.dir, "TMPDIR=" + pg.dir, "PATH=" + os.Getenv("PATH")}
	setPdeathsig(cmd)
	if owner != nil {
		runAs(cmd, owner)
	}
}

// waitReady waits for the "ready" status that the server writes into
// postmaster.pid when it accepts connections, as pg_ctl does: the port is
// open earlier, while connections are still refused.
func (pg *postgres) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(filepath.Join(pg.dataDir(), "postmaster.pid")); err == nil {
			if lines := strings.Split(string(b), "\n"); len(lines) > 7 && strings.TrimSpace(lines[7]) == "ready" {
				return nil
			}
		}
		select {
		case <-pg.proc.done:
			return fmt.Errorf("postgres exited before it was ready: %w", pg.proc.err)
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready on port %d after %s", pg.port, readyTimeout)
		case <-tick.C:
		}
	}
}

// stop shuts the server down (fast shutdown: SIGINT) and removes the cluster.
func (pg *postgres) stop() {
	if pg.proc != nil {
		pg.proc.stop(os.Interrupt)
	}
	_ = os.RemoveAll(pg.dir)
}

// pgBinDir finds the PostgreSQL server programs: Debian's
// /usr/lib/postgresql/VERSION/bin (the newest), else initdb on the PATH.
func pgBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	var found []string
	for _, d := range dirs {
		if fileExists(filepath.Join(d, "initdb")) {
			found = append(found, d)
		}
	}
	if len(found) > 0 {
		sort.Slice(found, func(i, j int) bool { return pgMajor(found[i]) < pgMajor(found[j]) })
		return found[len(found)-1], nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL not found (no /usr/lib/postgresql/*/bin/initdb, no initdb on the PATH): run `make tools`, which installs Debian's postgresql package")
}

// pgMajor is the version in /usr/lib/postgresql/VERSION/bin, for sorting.
func pgMajor(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

// account is a user to run PostgreSQL as.
type account struct {
	name     string
	uid, gid int
}

// pgOwner is the user to run PostgreSQL as: nil (ourselves) unless we are
// root.
func pgOwner() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range pgUsers {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("user %s: %w", name, err)
		}
		return &account{name: name, uid: uid, gid: gid}, nil
	}
	return nil, fmt.Errorf("PostgreSQL refuses to run as root and none of the users %v exists: create one (useradd --system postgres) or run the tests as another user", pgUsers)
}
