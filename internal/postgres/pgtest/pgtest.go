// Package pgtest gives tests a real, migrated PostgreSQL database.
//
// A test binary calls Main from TestMain. With TEST_DATABASE_URL set (a
// superuser or CREATEDB role on a server of its own choosing) Main uses that
// server; otherwise it starts a throwaway cluster with initdb and pg_ctl in a
// temporary directory, on a free port of 127.0.0.1 and a unix socket in that
// directory, so it never touches a PostgreSQL already running on the machine.
// Main migrates a template database once; NewDatabase then copies it for
// each test (CREATE DATABASE … TEMPLATE …), which takes milliseconds, and
// drops the copy when the test ends.
//
// If no server binaries are found, Main fails the run with a message saying
// how to install them: a database test that did not run has not passed.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/postgres"
)

// Set by Main for the whole test binary.
var (
	adminURL string // a connection to the server's maintenance database
	template string // the migrated template database
	seq      atomic.Int64
)

// Main prepares the server and template database, runs the tests and tears
// everything down. Use it as: func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }.
// It returns 1 without running any test if the database cannot be prepared.
func Main(m *testing.M) int {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	return code
}

func run(m *testing.M) (code int, err error) {
	ctx := context.Background()
	adminURL = os.Getenv("TEST_DATABASE_URL")
	if adminURL == "" {
		c, err := StartCluster()
		if err != nil {
			return 0, err
		}
		defer func() {
			if cerr := c.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}()
		adminURL = c.URL("postgres")
	}
	// Unique per test binary: go test runs packages in parallel against one
	// TEST_DATABASE_URL.
	template = fmt.Sprintf("acucover_tmpl_%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
	if err := exec1(ctx, adminURL, "CREATE DATABASE "+template); err != nil {
		return 0, fmt.Errorf("create template database: %w", err)
	}
	defer func() {
		if derr := exec1(ctx, adminURL, "DROP DATABASE IF EXISTS "+template+" WITH (FORCE)"); derr != nil && err == nil {
			err = derr
		}
	}()
	if err := Migrate(ctx, WithDatabase(adminURL, template)); err != nil {
		return 0, fmt.Errorf("migrate template database: %w", err)
	}
	return m.Run(), nil
}

// Migrate applies every migration to the database at url.
func Migrate(ctx context.Context, url string) error {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Migrate(ctx, postgres.Up)
	return err
}

// NewDatabase creates a migrated database of its own for t, dropped when t
// ends, and returns its URL. It requires Main.
func NewDatabase(t testing.TB) string {
	t.Helper()
	if template == "" {
		t.Fatal("pgtest: NewDatabase needs TestMain to call pgtest.Main")
	}
	name := fmt.Sprintf("acucover_test_%d_%d", os.Getpid(), seq.Add(1))
	ctx := context.Background()
	if err := exec1(ctx, adminURL, "CREATE DATABASE "+name+" TEMPLATE "+template); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		// FORCE ends connections the test left open (pools, listeners).
		if err := exec1(ctx, adminURL, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return WithDatabase(adminURL, name)
}

// Open returns a pool on a new database of t's own (see NewDatabase), closed
// when t ends.
func Open(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), NewDatabase(t))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// WithDatabase returns the postgres:// URL u pointing at database name.
func WithDatabase(u, name string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "postgres" && p.Scheme != "postgresql") {
		panic(fmt.Sprintf("pgtest: TEST_DATABASE_URL must be a postgres:// URL, got %q", u))
	}
	p.Path = "/" + name
	return p.String()
}

// exec1 runs one statement on its own connection.
func exec1(ctx context.Context, u, stmt string) error {
	db, err := postgres.Open(ctx, u)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.SQL().ExecContext(ctx, stmt)
	return err
}

// Cluster is a throwaway PostgreSQL server in a temporary directory, for
// tests. Start and Stop let a test take the database away and bring it back.
type Cluster struct {
	dir    string // temp dir: data/, the socket and the log
	bin    string // directory of initdb and pg_ctl
	port   int
	asUser string // when running as root: the OS user to run the server as
}

// NewCluster starts a cluster for t alone, removed when t ends. Use it for
// tests that stop the server.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	c, err := StartCluster()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return c
}

// StartCluster creates and starts a cluster; Close removes it.
func StartCluster() (*Cluster, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		if _, err := user.Lookup("postgres"); err != nil {
			return nil, errors.New("running as root, and there is no OS user \"postgres\" to run the test server as; " + installHint)
		}
		c.asUser = "postgres"
	}
	// As root, use /tmp: $TMPDIR may be under /root, where the server's
	// user cannot reach its data directory.
	base := ""
	if c.asUser != "" {
		base = "/tmp"
	}
	c.dir, err = os.MkdirTemp(base, "acucover-pgtest-")
	if err != nil {
		return nil, err
	}
	if c.asUser != "" {
		if out, err := exec.Command("chown", c.asUser, c.dir).CombinedOutput(); err != nil {
			os.RemoveAll(c.dir)
			return nil, fmt.Errorf("chown %s: %v: %s", c.dir, err, out)
		}
	}
	if err := c.pg("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(c.dir)
		return nil, err
	}
	// A free port can be taken between choosing and binding it; try again
	// with another.
	for attempt := 0; ; attempt++ {
		if c.port, err = freePort(); err == nil {
			if err = c.Start(); err == nil {
				return c, nil
			}
		}
		if attempt == 2 {
			os.RemoveAll(c.dir)
			return nil, err
		}
	}
}

// URL is the address of database name on c.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", c.port, c.dir)
	if err := c.pg("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "server.log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		return fmt.Errorf("%w\nserver log:\n%s", err, log)
	}
	return nil
}

// Stop stops the server (fast shutdown: connections are dropped).
func (c *Cluster) Stop() error {
	return c.pg("pg_ctl", "-D", c.data(), "-m", "fast", "-w", "-t", "60", "stop")
}

// Close stops the server if it runs and removes its directory.
func (c *Cluster) Close() error {
	var err error
	if c.pg("pg_ctl", "-D", c.data(), "status") == nil {
		err = c.Stop()
	}
	if rerr := os.RemoveAll(c.dir); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

// pg runs a server binary, as c.asUser when set.
func (c *Cluster) pg(name string, args ...string) error {
	path := filepath.Join(c.bin, name)
	cmd := exec.Command(path, args...)
	if c.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.asUser, "--", path}, args...)...)
	}
	cmd.Dir = c.dir // the server user may not be able to read the cwd
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

const installHint = "install the PostgreSQL server (Debian/Ubuntu: apt-get install -y postgresql), " +
	"or set TEST_DATABASE_URL to a postgres:// URL of a role that may create databases"

// findBinaries finds the directory holding initdb and pg_ctl: PATH first,
// then the newest /usr/lib/postgresql/N/bin (Debian puts them there, not on
// PATH), then /usr/local/pgsql/bin.
func findBinaries() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	versioned, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(versioned, func(a, b string) int { return version(b) - version(a) })
	dirs = append(dirs, versioned...)
	dirs = append(dirs, "/usr/local/pgsql/bin")
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries (initdb, pg_ctl) in PATH, /usr/lib/postgresql/*/bin or /usr/local/pgsql/bin; " + installHint)
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
