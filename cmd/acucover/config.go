package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/acucover/acucover/internal/httpapi"
)

// Config is the serve command's configuration. Every field can be set by a
// flag or by its environment variable; flags win.
type Config struct {
	Addr            string        // --addr, ACUCOVER_ADDR
	MetricsAddr     string        // --metrics-addr, ACUCOVER_METRICS_ADDR
	CatalogFile     string        // --catalog, ACUCOVER_CATALOG
	DatabaseURL     string        // --database-url, DATABASE_URL
	RefreshInterval time.Duration // --refresh-interval, ACUCOVER_REFRESH_INTERVAL
	DBStartTimeout  time.Duration // --db-start-timeout, ACUCOVER_DB_START_TIMEOUT
	ShutdownTimeout time.Duration // --shutdown-timeout, ACUCOVER_SHUTDOWN_TIMEOUT
	MaxBodyBytes    int64         // --max-body-bytes, ACUCOVER_MAX_BODY_BYTES
	LogLevel        string        // --log-level, ACUCOVER_LOG_LEVEL
	CORSOrigins     []string      // --cors-origins, ACUCOVER_CORS_ORIGINS (comma-separated)
}

func defaultConfig() Config {
	return Config{
		Addr:            ":8080",
		MetricsAddr:     ":9464",
		RefreshInterval: 30 * time.Second,
		DBStartTimeout:  30 * time.Second,
		ShutdownTimeout: 15 * time.Second,
		MaxBodyBytes:    1 << 20,
		LogLevel:        "info",
	}
}

// parseConfig reads the environment, then flags from args.
func parseConfig(name string, args []string, getenv func(string) string) (Config, error) {
	c := defaultConfig()
	var errs []error
	env := func(key string, set func(string) error) {
		if v := getenv(key); v != "" {
			if err := set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", key, err))
			}
		}
	}
	str := func(p *string) func(string) error { return func(v string) error { *p = v; return nil } }
	dur := func(p *time.Duration) func(string) error {
		return func(v string) (err error) { *p, err = time.ParseDuration(v); return err }
	}
	env("ACUCOVER_ADDR", str(&c.Addr))
	env("ACUCOVER_METRICS_ADDR", str(&c.MetricsAddr))
	env("ACUCOVER_CATALOG", str(&c.CatalogFile))
	env("DATABASE_URL", str(&c.DatabaseURL))
	env("ACUCOVER_REFRESH_INTERVAL", dur(&c.RefreshInterval))
	env("ACUCOVER_DB_START_TIMEOUT", dur(&c.DBStartTimeout))
	env("ACUCOVER_SHUTDOWN_TIMEOUT", dur(&c.ShutdownTimeout))
	env("ACUCOVER_MAX_BODY_BYTES", func(v string) (err error) { c.MaxBodyBytes, err = strconv.ParseInt(v, 10, 64); return err })
	env("ACUCOVER_LOG_LEVEL", str(&c.LogLevel))
	env("ACUCOVER_CORS_ORIGINS", func(v string) error { c.CORSOrigins = splitList(v); return nil })

	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address for the API (ACUCOVER_ADDR)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "listen address for /metrics; empty disables (ACUCOVER_METRICS_ADDR)")
	fs.StringVar(&c.CatalogFile, "catalog", c.CatalogFile, "serve this catalog file instead of the embedded default (ACUCOVER_CATALOG)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL; the store of record when set (DATABASE_URL)")
	fs.DurationVar(&c.RefreshInterval, "refresh-interval", c.RefreshInterval, "periodic catalog refresh from PostgreSQL (ACUCOVER_REFRESH_INTERVAL)")
	fs.DurationVar(&c.DBStartTimeout, "db-start-timeout", c.DBStartTimeout, "how long to retry an unreachable database at start (ACUCOVER_DB_START_TIMEOUT)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "graceful shutdown limit (ACUCOVER_SHUTDOWN_TIMEOUT)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "request body limit in bytes (ACUCOVER_MAX_BODY_BYTES)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (ACUCOVER_LOG_LEVEL)")
	fs.Func("cors-origins", "comma-separated exact origins whose pages may call the API, e.g. the widget's (ACUCOVER_CORS_ORIGINS)",
		func(v string) error { c.CORSOrigins = splitList(v); return nil })
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " ")))
	}
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr must not be empty"))
	}
	if c.CatalogFile != "" && c.DatabaseURL != "" {
		errs = append(errs, errors.New("give either a catalog file or DATABASE_URL, not both"))
	}
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("DATABASE_URL must be a postgres:// URL"))
		}
	}
	if c.RefreshInterval < time.Second {
		errs = append(errs, errors.New("refresh-interval must be at least 1s"))
	}
	if c.DBStartTimeout < 0 || c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("timeouts must be positive"))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, errors.New("max-body-bytes must be at least 1024"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level %q is not debug, info, warn or error", c.LogLevel))
	}
	for _, o := range c.CORSOrigins {
		if err := httpapi.CheckCORSOrigin(o); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// String renders c for the start-up log with the database password masked.
func (c Config) String() string {
	db := ""
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err == nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
			db = u.Redacted()
		}
	}
	return fmt.Sprintf("addr=%s metrics_addr=%s catalog=%q database_url=%q refresh_interval=%s db_start_timeout=%s shutdown_timeout=%s max_body_bytes=%d log_level=%s cors_origins=%q",
		c.Addr, c.MetricsAddr, c.CatalogFile, db, c.RefreshInterval, c.DBStartTimeout, c.ShutdownTimeout, c.MaxBodyBytes, c.LogLevel, strings.Join(c.CORSOrigins, ","))
}
