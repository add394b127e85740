package main

import (
	"bytes"
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
	allowRollback := fs.Bool("allow-rollback", false, "import content equal to an older revision, moving the head back to it")
	ifEmpty := fs.Bool("if-empty", false, "import only into a database with no catalog yet (the Helm chart's first install); otherwise do nothing")
	dbURL, parse := dbFlags(fs, args, getenv)
	pos, err := parse()
	if err != nil || (len(pos) == 1) == *def || len(pos) > 1 {
		return usageError{fmt.Errorf("usage: acucover import FILE|--default [--if-empty] [--author NAME] [--comment TEXT] [--allow-rollback] [--database-url URL]%s", because(err))}
	}
	if strings.TrimSpace(*author) == "" {
		return usageError{errors.New("import: give --author (no $USER to default to)")}
	}

	// The file is read as a stream (no size limit: only the catalog is
	// held, not its text) and checked whole before the database is
	// touched, showing every problem with its line, as validate does.
	bar := newProgress(stderr)
	name, in := "default catalog", io.Reader(bytes.NewReader(catalog.DefaultYAML()))
	if !*def {
		name = pos[0]
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		in = f
		if st, err := f.Stat(); err == nil {
			in = &inputCounter{r: f, total: st.Size(), bar: bar}
		}
	}
	bar.phase("parse", 0)
	// Ctrl-C or SIGTERM stops the parse too, not only the writing.
	in = ctxReader{ctx, in}
	snap, positions, err := catalog.ReadDocument(in, func(n int) { bar.update(int64(n), "items") })
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("import %s: %w", name, err)
	}
	var ps catalog.Problems
	if err == nil {
		bar.done(fmt.Sprintf("%d items", len(snap.Plans)+len(snap.Conditions)+len(snap.Rules)+len(snap.FeeSchedules)+len(snap.CashPrices)+len(snap.Licensure)))
		bar.phase("validate", 0)
		ps = catalog.Validate(snap, positions)
		bar.done("")
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
		switch {
		case p.Done:
			bar.phase(p.Table, int64(p.Total))
			bar.done(fmt.Sprintf("%d rows", p.Rows))
		case p.Rows == 0:
			bar.phase(p.Table, int64(p.Total))
		default:
			bar.phase(p.Table, int64(p.Total))
			bar.update(int64(p.Rows), "rows")
		}
	})
	// The file was validated above, and snap is not used again but to
	// count: Import need not validate or copy it again.
	opts := []postgres.ImportOption{progress, postgres.HandedOver()}
	if *allowRollback {
		opts = append(opts, postgres.AllowRollback(func(from, to string) {
			fmt.Fprintf(stdout, "%s: head moves back from %s to %s (the content of revision %s)\n", name, from, to, to)
		}))
	}
	rev, created, err := db.Import(ctx, snap, *author, *comment, opts...)
	var rb *postgres.RollbackError
	if errors.As(err, &rb) {
		fmt.Fprintf(stdout, "%s: head moves back from %s to %s: the file's content is revision %s's\n", name, rb.From, rb.To, rb.To)
		return fmt.Errorf("%s: nothing imported: give --allow-rollback to move the head back from %s to %s", name, rb.From, rb.To)
	}
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

// progress shows an import's phases (parse, validate, write per kind,
// analyze) with rows per second and, where the total is known, an ETA: as
// one updating line with a bar on a terminal, and as plain lines otherwise
// (at most one a second per phase).
type progress struct {
	w        io.Writer
	tty      bool
	name     string
	total    int64
	start    time.Time
	last     time.Time
	active   bool
	fraction func() float64 // of the input read, for parse
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// phase starts phase name (of total rows, 0 if unknown), unless it is the
// one shown.
func (p *progress) phase(name string, total int64) {
	if p.active && p.name == name {
		if total > 0 {
			p.total = total
		}
		return
	}
	p.name, p.total, p.start, p.last, p.active = name, total, time.Now(), time.Time{}, true
	if !p.tty {
		fmt.Fprintf(p.w, "import: %s…\n", name)
	}
}

// update reports n units done in the current phase.
func (p *progress) update(n int64, unit string) {
	now := time.Now()
	if !p.tty && now.Sub(p.last) < time.Second {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	rate := float64(n) / max(el, 1e-3)
	frac := -1.0
	if p.total > 0 {
		frac = float64(n) / float64(p.total)
	} else if p.fraction != nil && p.name == "parse" {
		frac = p.fraction()
	}
	line := fmt.Sprintf("import: %-14s %d %s, %.0f/s", p.name, n, unit, rate)
	if frac > 0 && frac <= 1 {
		eta := time.Duration(el * (1 - frac) / frac * float64(time.Second)).Round(time.Second)
		line += fmt.Sprintf(", %3.0f%%, ETA %s", 100*frac, eta)
	}
	if p.tty {
		const width = 24
		fill := 0
		if frac > 0 && frac <= 1 {
			fill = int(frac * width)
		}
		fmt.Fprintf(p.w, "\r[%s%s] %s\x1b[K", strings.Repeat("#", fill), strings.Repeat(".", width-fill), line)
		return
	}
	fmt.Fprintln(p.w, line)
}

// done ends the current phase.
func (p *progress) done(what string) {
	if !p.active {
		return
	}
	took := time.Since(p.start).Round(time.Millisecond)
	if what != "" {
		what = what + ", "
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintf(p.w, "import: %s: %sdone in %s\n", p.name, what, took)
	p.active = false
}

// ctxReader reads r until ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}

// inputCounter tells a progress how much of its input was read.
type inputCounter struct {
	r     io.Reader
	n     int64
	total int64
	bar   *progress
}

func (c *inputCounter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	if c.bar.fraction == nil {
		c.bar.fraction = func() float64 { return float64(c.n) / float64(max(c.total, 1)) }
	}
	return n, err
}

// export writes a stored revision (default: the current one) as a catalog
// document that validate accepts and import recognizes as unchanged.
func export(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	rev := fs.String("revision", "", "revision id to export (default: the current one)")
	format := fs.String("format", "yaml", "yaml or json")
	dbURL, parse := dbFlags(fs, args, getenv)
	pos, err := parse()
	if err != nil || len(pos) > 0 || (*format != "yaml" && *format != "json") {
		return usageError{fmt.Errorf("usage: acucover export [--revision ID] [--format yaml|json] [--database-url URL]%s", because(err))}
	}
	db, err := postgres.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	// Items stream from the database to stdout: memory stays small
	// whatever the catalog's size. The revision id belongs to the database,
	// not to the content: written into the document it would follow edits
	// that are no longer that revision, so it is only a comment.
	return db.Export(ctx, *rev, *format, stdout, func(id string) error {
		if *format == "yaml" {
			_, err := fmt.Fprintf(stdout, "# acucover catalog, revision %s exported from PostgreSQL.\n", id)
			return err
		}
		return nil
	})
}

// revisions lists the stored catalog revisions, newest first, or with
// "restore ID" makes revision ID's content the head again.
func revisions(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("revisions", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	author := fs.String("author", getenv("USER"), "who restores (recorded with the revision; default $USER)")
	comment := fs.String("comment", "", "why (recorded with the revision)")
	dbURL, parse := dbFlags(fs, args, getenv)
	pos, err := parse()
	if err != nil || !(len(pos) == 0 || (len(pos) == 2 && pos[0] == "restore")) {
		return usageError{fmt.Errorf("usage: acucover revisions [restore ID [--author NAME] [--comment TEXT]] [--database-url URL]%s", because(err))}
	}
	db, err := postgres.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if len(pos) == 2 {
		return restoreRevision(ctx, db, pos[1], *author, *comment, stdout)
	}
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

// restoreRevision stores revision id's content as a new head revision,
// writing only the items that differ and one audit entry.
func restoreRevision(ctx context.Context, db *postgres.DB, id, author, comment string, stdout io.Writer) error {
	if strings.TrimSpace(author) == "" {
		return usageError{errors.New("revisions restore: give --author (no $USER to default to)")}
	}
	old, err := db.LoadRevision(ctx, id)
	if err != nil {
		return err
	}
	old.Revision = ""
	var prev string
	rev, changes, err := db.Edit(ctx, author, "restore", comment, func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
		prev = cur.Revision
		return old, nil
	})
	if err != nil {
		return err
	}
	if len(changes) == 0 {
		fmt.Fprintf(stdout, "revision %s's content is the head's (revision %s): nothing to restore\n", id, rev)
		return nil
	}
	fmt.Fprintf(stdout, "head moves back from %s to %s: stored as revision %s (%d items changed)\n", prev, id, rev, len(changes))
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
