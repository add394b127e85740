package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/postgres"
)

// dbFlags parses a database command's flags, which may come before or after
// its positional arguments, and returns the positional ones. --database-url
// defaults to DATABASE_URL.
func dbFlags(fs *flag.FlagSet, args []string, getenv func(string) string) (dbURL *string, parse func() ([]string, error)) {
	dbURL = fs.String("database-url", getenv("DATABASE_URL"), "PostgreSQL URL (DATABASE_URL)")
	return dbURL, func() ([]string, error) {
		var pos []string
		for {
			if err := fs.Parse(args); err != nil {
				return nil, err
			}
			if fs.NArg() == 0 {
				break
			}
			pos = append(pos, fs.Arg(0))
			args = fs.Args()[1:]
		}
		if *dbURL == "" {
			return nil, errors.New("set DATABASE_URL or --database-url")
		}
		return pos, nil
	}
}

// migrate applies or rolls back schema migrations, or lists them.
func migrate(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbURL, parse := dbFlags(fs, args, getenv)
	pos, err := parse()
	if err != nil || len(pos) != 1 {
		return usageError{fmt.Errorf("usage: acucover migrate up|down|status [--database-url URL]%s", because(err))}
	}
	db, err := postgres.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	switch pos[0] {
	case "up", "down":
		lines, err := db.Migrate(ctx, postgres.Direction(pos[0]))
		if err != nil {
			return err
		}
		if len(lines) == 0 {
			fmt.Fprintf(stdout, "migrate %s: nothing to do\n", pos[0])
		}
		for _, l := range lines {
			fmt.Fprintln(stdout, l)
		}
		return nil
	case "status":
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			state := "pending"
			if s.Applied {
				state = "applied " + s.AppliedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%s\t%s\n", s.Name, state)
		}
		return nil
	}
	return usageError{fmt.Errorf("migrate: %q is not up, down or status", pos[0])}
}

func because(err error) string {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return ""
	}
	return ": " + err.Error()
}

// importCatalog validates a catalog file (or the embedded default) and
// imports it as a new revision unless its content is already stored.
func importCatalog(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	def := fs.Bool("default", false, "import the embedded default catalog")
	author := fs.String("author", getenv("USER"), "who imports (recorded with the revision; default $USER)")
	comment := fs.String("comment", "", "why (recorded with the revision)")
	ifEmpty := fs.Bool("if-empty", false, "import only into a database with no catalog yet (the Helm chart's first install); otherwise do nothing")
	dbURL, parse := dbFlags(fs, args, getenv)
	pos, err := parse()
	if err != nil || (len(pos) == 1) == *def || len(pos) > 1 {
		return usageError{fmt.Errorf("usage: acucover import FILE|--default [--if-empty] [--author NAME] [--comment TEXT] [--database-url URL]%s", because(err))}
	}
	if strings.TrimSpace(*author) == "" {
		return usageError{errors.New("import: give --author (no $USER to default to)")}
	}

	name, data := "default catalog", catalog.DefaultYAML()
	if !*def {
		name = pos[0]
		if data, err = os.ReadFile(name); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	// Check the whole file before touching the database, and show every
	// problem with its line, as validate does.
	snap, positions, err := catalog.Parse(data)
	var ps catalog.Problems
	if err == nil {
		ps = catalog.Validate(snap, positions)
	} else if !errors.As(err, &ps) {
		return fmt.Errorf("import %s: %w", name, err)
	}
	if len(ps) > 0 {
		for _, p := range ps {
			fmt.Fprintf(stdout, "%s: %s\n", name, p)
		}
		return fmt.Errorf("%s: %d problem(s); nothing imported", name, len(ps))
	}

	db, err := postgres.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if *ifEmpty {
		head, err := db.HeadRevision(ctx)
		if err == nil {
			fmt.Fprintf(stdout, "%s: not imported: the database already has a catalog (revision %s)\n", name, head)
			return nil
		}
		if !errors.Is(err, postgres.ErrNoCatalog) {
			return fmt.Errorf("import: %w", err)
		}
	}
	start := time.Now()
	progress := postgres.WithProgress(func(p postgres.Progress) {
		// Only large tables are worth a line.
		if !p.Done || p.Rows >= 10_000 {
			state := "rows so far"
			if p.Done {
				state = "rows, done"
			}
			fmt.Fprintf(stderr, "import: %s: %d %s (%s)\n", p.Table, p.Rows, state, time.Since(start).Round(time.Millisecond))
		}
	})
	rev, created, err := db.Import(ctx, snap, *author, *comment, progress)
	if err != nil {
		return err
	}
	if !created {
		fmt.Fprintf(stdout, "%s: content unchanged: it is revision %s, which is current; no new revision\n", name, rev)
		return nil
	}
	fmt.Fprintf(stdout, "%s: imported as revision %s (%d plans, %d conditions, %d rules) in %s\n",
		name, rev, len(snap.Plans), len(snap.Conditions), len(snap.Rules), time.Since(start).Round(time.Millisecond))
	return nil
}

// export writes a stored revision (default: the current one) as a catalog
// document that validate accepts and import recognizes as unchanged.
func export(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	rev := fs.String("revision", "", "revision id to export (default: the current one)")
	dbURL, parse := dbFlags(fs, args, getenv)
	pos, err := parse()
	if err != nil || len(pos) > 0 {
		return usageError{fmt.Errorf("usage: acucover export [--revision ID] [--database-url URL]%s", because(err))}
	}
	db, err := postgres.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var snap *catalog.Snapshot
	if *rev == "" {
		snap, err = db.LoadCatalog(ctx)
	} else {
		snap, err = db.LoadRevision(ctx, *rev)
	}
	if err != nil {
		return err
	}
	id := snap.Revision
	// The revision id belongs to the database, not to the content: written
	// into the file it would follow edits that are no longer that revision.
	snap.Revision = ""
	out, err := catalog.Marshal(snap)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# acucover catalog, revision %s exported from PostgreSQL.\n", id)
	_, err = stdout.Write(out)
	return err
}

// revisions lists the stored catalog revisions, newest first.
func revisions(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("revisions", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbURL, parse := dbFlags(fs, args, getenv)
	pos, err := parse()
	if err != nil || len(pos) > 0 {
		return usageError{fmt.Errorf("usage: acucover revisions [--database-url URL]%s", because(err))}
	}
	db, err := postgres.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	revs, err := db.Revisions(ctx)
	if err != nil {
		return err
	}
	for _, r := range revs {
		cur := ""
		if r.Current {
			cur = "\tcurrent"
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%q%s\n", r.ID, r.CreatedAt.UTC().Format(time.RFC3339), r.ContentHash[:12], r.Author, r.Comment, cur)
	}
	return nil
}

// openCatalogDB opens the database and loads the first catalog to serve,
// retrying an unreachable database with backoff for at most
// cfg.DBStartTimeout. A database that answers but has no schema or no
// catalog, or a catalog that does not build, fails at once: waiting will not
// fix it. It never falls back to the embedded catalog.
func openCatalogDB(ctx context.Context, cfg Config, log *slog.Logger) (*postgres.DB, *catalog.Index, error) {
	deadline := time.Now().Add(cfg.DBStartTimeout)
	backoff := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		db, ix, err := loadFromDB(ctx, cfg.DatabaseURL)
		if err == nil {
			return db, ix, nil
		}
		var ps catalog.Problems
		if errors.Is(err, postgres.ErrNoCatalog) || errors.Is(err, postgres.ErrNotMigrated) || errors.As(err, &ps) {
			return nil, nil, err
		}
		if time.Now().Add(backoff).After(deadline) {
			return nil, nil, fmt.Errorf("database unreachable for %s (db-start-timeout), giving up: %w", cfg.DBStartTimeout, err)
		}
		log.Warn("database unreachable; retrying", "attempt", attempt, "retry_in", backoff.String(), "err", err)
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func loadFromDB(ctx context.Context, url string) (*postgres.DB, *catalog.Index, error) {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	snap, err := db.LoadCatalog(ctx)
	if err == nil {
		var ix *catalog.Index
		if ix, err = catalog.Build(snap); err == nil {
			return db, ix, nil
		}
		err = fmt.Errorf("catalog revision %s: %w", snap.Revision, err)
	}
	db.Close()
	return nil, nil, err
}
