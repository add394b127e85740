// Command acucover serves acupuncture coverage decisions and cost estimates
// from a rule catalog, and manages that catalog.
//
//	acucover [serve] [flags]   serve the API (default)
//	acucover validate FILE     check a catalog file; print every problem
//	acucover catalog report    per state, what the catalog knows
//	acucover migrate up|down|status   manage the PostgreSQL schema
//	acucover import FILE|--default    store a catalog as a new revision
//	acucover export [--revision ID]   print a stored catalog as YAML
//	acucover revisions         list stored catalog revisions
//	acucover version           print the version
//	acucover keys create|list|revoke   manage API keys
//	acucover clinics import|list|show|export|delete   manage clinics
//	acucover gfe list|delete   review and delete stored Good Faith Estimates
//	acucover healthcheck       probe a running server (for container health checks)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/httpapi"
	"github.com/acucover/acucover/internal/postgres"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: acucover <command> [arguments]

commands:
  serve [flags]        serve the API (the default command)
  validate [--sources] FILE
                       check a catalog file and print every problem; --sources also
                       checks every rule has a source with URL, date and quote
  catalog report [--date YYYY-MM-DD] [FILE]
                       per state, what the catalog (FILE or the embedded default) knows
  migrate up|down|status
                       apply, roll back (one) or list schema migrations
  import FILE|--default [--author NAME] [--comment TEXT]
                       validate a catalog and store it as the current revision
  export [--revision ID]
                       print a stored catalog revision as YAML
  revisions            list stored catalog revisions
  gen [--plans N --conditions M --states-per-plan K | --rules N] [-o FILE]
                       write a synthetic catalog (fictional) for load and scale tests
  version              print the version (also --version)
  keys create --name NAME --role ROLE [--clinic ID] | keys list | keys revoke NAME
                       manage API keys (the new key is printed once; --clinic ID scopes it)
  clinics import FILE | list | show ID | export [ID] | delete ID
                       manage clinics (prices, contracts, networks) in PostgreSQL
  gfe list [--clinic ID] [--before DATE] | gfe delete ID
                       review and delete stored Good Faith Estimates (PHI)
  healthcheck [--url URL]
                       GET URL (default: this host's /healthz on ACUCOVER_ADDR's port);
                       exit 0 on 2xx, 1 otherwise

Database commands use DATABASE_URL or --database-url.
Run "acucover help COMMAND" or "acucover COMMAND --help" for a command's usage.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "acucover:", err)
		}
		os.Exit(exitCode(err))
	}
}

// usageError marks a command-line mistake (exit status 2).
type usageError struct{ error }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if handled, err := helpOrVersion(args, stdout); handled {
		return err
	}
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stderr, getenv)
	case "validate":
		return validate(args, stdout)
	case "migrate":
		return migrate(ctx, args, stdout, getenv)
	case "import":
		return importCatalog(ctx, args, stdout, stderr, getenv)
	case "export":
		return export(ctx, args, stdout, getenv)
	case "revisions":
		return revisions(ctx, args, stdout, getenv)
	case "version":
		fmt.Fprintln(stdout, "acucover", version)
		return nil
	case "healthcheck":
		return healthcheck(ctx, args, stdout, getenv)
	case "keys":
		return keys(ctx, args, stdout, stderr, getenv)
	case "gen":
		return gen(args, stdout)
	case "catalog":
		return catalogCmd(args, stdout)
	case "clinics":
		return clinics(ctx, args, stdout, getenv)
	case "gfe":
		return gfeCmd(ctx, args, stdout, getenv)
	}
	return unknownCommand(cmd)
}

// validate checks a catalog file and prints every problem, one per line.
func validate(args []string, stdout io.Writer) error {
	sources := slices.Contains(args, "--sources")
	args = slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "--sources" })
	if len(args) != 1 {
		return usageError{errors.New("usage: acucover validate [--sources] FILE")}
	}
	ix, err := catalog.LoadFile(args[0])
	var ps catalog.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Fprintf(stdout, "%s: %s\n", args[0], p)
		}
		return fmt.Errorf("%s: %d problem(s)", args[0], len(ps))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ok (%d plans, %d conditions, %d rules, revision %s)\n", args[0],
		len(ix.Plans()), len(ix.Conditions()), ix.RuleCount(), ix.Revision())
	if sources {
		return checkSources(args[0], ix, stdout)
	}
	return nil
}

// healthcheck GETs a health URL and fails unless it answers 2xx. It lets a
// distroless image (no shell, no curl) check itself.
func healthcheck(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	target := fs.String("url", "", "URL to probe (default http://127.0.0.1:PORT/healthz, PORT from ACUCOVER_ADDR)")
	timeout := fs.Duration("timeout", 3*time.Second, "request timeout")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *target == "" {
		addr := getenv("ACUCOVER_ADDR")
		if addr == "" {
			addr = defaultConfig().Addr
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return usageError{fmt.Errorf("ACUCOVER_ADDR %q: %w", addr, err)}
		}
		*target = "http://" + net.JoinHostPort("127.0.0.1", port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
	if err != nil {
		return usageError{err}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("healthcheck: %s answered %s", *target, resp.Status)
	}
	fmt.Fprintf(stdout, "healthy: %s answered %s\n", *target, resp.Status)
	return nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by Config.Validate
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func serve(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	cfg, err := parseConfig("serve", args, getenv)
	if err != nil {
		return usageError{err}
	}
	lw := newLogWriter(stderr)
	defer lw.Close()
	log := newLogger(lw, cfg.LogLevel)
	log.Info("starting", "version", version, "config", cfg.String())
	keepGCHeadroom(getenv)

	var (
		first *catalog.Index
		db    *postgres.DB
	)
	loadStart, source := time.Now(), "embedded"
	if cfg.DatabaseURL != "" {
		source = "database"
		db, first, err = openCatalogDB(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer db.Close()
	} else if first, err = loadFirst(cfg); err != nil {
		return err
	} else if cfg.CatalogFile != "" {
		source = "file"
	}
	catalogLoadSeconds.WithLabelValues(source).Observe(time.Since(loadStart).Seconds())
	var clinicFile *clinic.FileStore
	if cfg.ClinicsFile != "" {
		cs, err := clinic.LoadFile(cfg.ClinicsFile)
		if err != nil {
			return fmt.Errorf("clinics %s: %w", cfg.ClinicsFile, err)
		}
		clinicFile = clinic.NewFileStore(cs)
		log.Info("clinics loaded (read-only, from a file)", "clinics", len(cs))
	}
	clinics := clinicReader(db, clinicFile)
	store := catalog.NewStore(first)
	log.Info("catalog loaded", "revision", first.Revision(), "rules", first.RuleCount())
	// A load and build of a large catalog leave garbage several times the
	// catalog's size (and a reload briefly holds two catalogs); give it back
	// to the OS now rather than when the scavenger gets to it, so RSS
	// follows the catalog in force.
	debug.FreeOSMemory()
	var extra []prometheus.Collector
	if db != nil {
		extra = append(extra, collectors.NewDBStatsCollector(db.SQL(), "acucover"))
		databaseUp.Set(1)
		wctx, stopWatch := context.WithCancel(ctx)
		var wg sync.WaitGroup
		served := first.Revision()
		wg.Go(func() {
			postgres.Watch(wctx, db, store, postgres.WatchOptions{
				Every:  cfg.RefreshInterval,
				Logger: log,
				OnSuccess: func() {
					databaseUp.Set(1)
					if rev := store.Index().Revision(); rev != served {
						served = rev
						debug.FreeOSMemory() // as after the first load
					}
				},
				OnFailure: func(error) { reloadFailures.Inc(); databaseUp.Set(0) },
				OnReload:  func(d time.Duration) { catalogLoadSeconds.WithLabelValues("reload").Observe(d.Seconds()) },
			})
		})
		// Revocations and creations on any replica reach this one's key
		// cache at once (postgres.KeyChannel).
		wg.Go(func() { db.WatchKeys(wctx, log, nil) })
		// Stop reloading before the deferred db.Close.
		defer wg.Wait()
		defer stopWatch()
	}
	reg := newRegistry(store, db != nil, append(extra, httpapi.Collectors()...)...)
	if cfg.MetricsAddr != "" {
		msrv := metricsServer(cfg.MetricsAddr, reg, log)
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen (metrics): %w", err)
		}
		log.Info("serving metrics", "addr", mln.Addr().String())
		go func() {
			if err := msrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics server stopped", "err", err)
			}
		}()
		defer msrv.Close()
	}

	// serve loads the first catalog before it listens, so the API is ready
	// from its first request; Deps.Ready stays unset.
	handler := httpapi.New(httpapi.Deps{
		Store:        store,
		Logger:       log,
		AccessLog:    lw, // the same JSON lines, without slog's per-record cost
		Version:      version,
		Now:          time.Now,
		MaxBodyBytes: cfg.MaxBodyBytes,
		// Keys and editing need PostgreSQL; without it the admin routes
		// answer 503 (config refuses --public-access key).
		Keys:           keyStore(db),
		Editor:         catalogEditor(db),
		PublicAccess:   cfg.PublicAccess,
		RateLimit:      cfg.RateLimit,
		RateBurst:      cfg.RateBurst,
		MaxBatches:     cfg.MaxBatches,
		TrustedProxies: cfg.TrustedProxies,
		CORSOrigins:    cfg.CORSOrigins,
		Clinics:        clinics,
		GFEs:           gfeStore(db),
	})
	srv := httpapi.NewServer(handler)
	srv.Addr = cfg.Addr
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Info("serving", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// loadFirst loads the catalog to serve without a database: a file, or the
// embedded default. With DATABASE_URL, serve uses openCatalogDB instead.
func loadFirst(cfg Config) (*catalog.Index, error) {
	if cfg.CatalogFile != "" {
		ix, err := catalog.LoadFile(cfg.CatalogFile)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", cfg.CatalogFile, err)
		}
		return ix, nil
	}
	return catalog.Default()
}
