// Command acucover serves acupuncture coverage decisions and cost estimates
// from a rule catalog, and manages that catalog.
//
//	acucover [serve] [flags]   serve the API (default)
//	acucover validate FILE     check a catalog file; print every problem
//	acucover version           print the version
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
	"syscall"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/httpapi"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: acucover <command> [arguments]

commands:
  serve [flags]        serve the API (the default command)
  validate FILE        check a catalog file and print every problem
  version              print the version
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
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stderr, getenv)
	case "validate":
		return validate(args, stdout)
	case "version":
		fmt.Fprintln(stdout, "acucover", version)
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Errorf("unknown command %q\n%s", cmd, usage)}
}

// validate checks a catalog file and prints every problem, one per line.
func validate(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return usageError{errors.New("usage: acucover validate FILE")}
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
	log := newLogger(stderr, cfg.LogLevel)
	log.Info("starting", "version", version, "config", cfg.String())

	first, err := loadFirst(cfg)
	if err != nil {
		return err
	}
	store := catalog.NewStore(first)
	log.Info("catalog loaded", "revision", first.Revision(), "rules", first.RuleCount())

	handler := httpapi.New(httpapi.Deps{
		Store:        store,
		Logger:       log,
		Version:      version,
		Now:          time.Now,
		MaxBodyBytes: cfg.MaxBodyBytes,
		CORSOrigins:  cfg.CORSOrigins,
	})
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
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

// loadFirst loads the catalog to serve first: a file, or the embedded default.
func loadFirst(cfg Config) (*catalog.Index, error) {
	if cfg.CatalogFile != "" {
		ix, err := catalog.LoadFile(cfg.CatalogFile)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", cfg.CatalogFile, err)
		}
		return ix, nil
	}
	if cfg.DatabaseURL != "" {
		return nil, errors.New("DATABASE_URL is set but this build cannot serve from PostgreSQL yet")
	}
	return catalog.Default()
}
