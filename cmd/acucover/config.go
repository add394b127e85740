package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/acucover/acucover/internal/httpapi"
	"github.com/acucover/acucover/internal/postgres"
)

// Config is the serve command's configuration. Every field can be set by a
// flag or by its environment variable; flags win.
type Config struct {
	Addr            string        // --addr, ACUCOVER_ADDR
	MetricsAddr     string        // --metrics-addr, ACUCOVER_METRICS_ADDR
	CatalogFile     string        // --catalog, ACUCOVER_CATALOG
	ClinicsFile     string        // --clinics, ACUCOVER_CLINICS: read-only clinics for demos without a database
	DatabaseURL     string        // --database-url, DATABASE_URL
	RefreshInterval time.Duration // --refresh-interval, ACUCOVER_REFRESH_INTERVAL
	DBStartTimeout  time.Duration // --db-start-timeout, ACUCOVER_DB_START_TIMEOUT
	ShutdownTimeout time.Duration // --shutdown-timeout, ACUCOVER_SHUTDOWN_TIMEOUT
	MaxBodyBytes    int64         // --max-body-bytes, ACUCOVER_MAX_BODY_BYTES
	LogLevel        string        // --log-level, ACUCOVER_LOG_LEVEL
	PublicAccess    string        // --public-access, ACUCOVER_PUBLIC_ACCESS: open or key
	RateLimit       float64       // --rate-limit, ACUCOVER_RATE_LIMIT: requests/s per client; 0 disables
	RateBurst       int           // --rate-burst, ACUCOVER_RATE_BURST
	MaxBatches      int           // --max-batches, ACUCOVER_MAX_BATCHES: batches answered at once; 0 = two per core
	TrustedProxies  []string      // --trusted-proxies, ACUCOVER_TRUSTED_PROXIES: comma-separated IPs/CIDRs
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
		PublicAccess:    "open",
		// Generous for one person or widget, low enough that one client
		// cannot monopolize a replica; billing staff use batches.
		RateLimit: 0, // opt-in: behind a proxy, per-IP limits need --trusted-proxies first
		RateBurst: 100,
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
	env("ACUCOVER_CLINICS", str(&c.ClinicsFile))
	env("DATABASE_URL", str(&c.DatabaseURL))
	env("ACUCOVER_REFRESH_INTERVAL", dur(&c.RefreshInterval))
	env("ACUCOVER_DB_START_TIMEOUT", dur(&c.DBStartTimeout))
	env("ACUCOVER_SHUTDOWN_TIMEOUT", dur(&c.ShutdownTimeout))
	env("ACUCOVER_MAX_BODY_BYTES", func(v string) (err error) { c.MaxBodyBytes, err = strconv.ParseInt(v, 10, 64); return err })
	env("ACUCOVER_LOG_LEVEL", str(&c.LogLevel))
	env("ACUCOVER_PUBLIC_ACCESS", str(&c.PublicAccess))
	env("ACUCOVER_RATE_LIMIT", func(v string) (err error) { c.RateLimit, err = strconv.ParseFloat(v, 64); return err })
	env("ACUCOVER_RATE_BURST", func(v string) (err error) { c.RateBurst, err = strconv.Atoi(v); return err })
	env("ACUCOVER_MAX_BATCHES", func(v string) (err error) { c.MaxBatches, err = strconv.Atoi(v); return err })
	env("ACUCOVER_TRUSTED_PROXIES", func(v string) error { c.TrustedProxies = splitList(v); return nil })
	env("ACUCOVER_CORS_ORIGINS", func(v string) error { c.CORSOrigins = splitList(v); return nil })

	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address for the API (ACUCOVER_ADDR)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "listen address for /metrics; empty disables (ACUCOVER_METRICS_ADDR)")
	fs.StringVar(&c.CatalogFile, "catalog", c.CatalogFile, "serve this catalog file instead of the embedded default (ACUCOVER_CATALOG)")
	fs.StringVar(&c.ClinicsFile, "clinics", c.ClinicsFile, "serve these clinics read-only, without a database, for demos (ACUCOVER_CLINICS)")
	// A Func flag shows no default: --help must not print DATABASE_URL,
	// which holds a password.
	fs.Func("database-url", "PostgreSQL URL; the store of record when set (DATABASE_URL)", func(v string) error { c.DatabaseURL = v; return nil })
	fs.DurationVar(&c.RefreshInterval, "refresh-interval", c.RefreshInterval, "periodic catalog refresh from PostgreSQL (ACUCOVER_REFRESH_INTERVAL)")
	fs.DurationVar(&c.DBStartTimeout, "db-start-timeout", c.DBStartTimeout, "how long to retry an unreachable database at start (ACUCOVER_DB_START_TIMEOUT)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "graceful shutdown limit (ACUCOVER_SHUTDOWN_TIMEOUT)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "request body limit in bytes (ACUCOVER_MAX_BODY_BYTES)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (ACUCOVER_LOG_LEVEL)")
	fs.StringVar(&c.PublicAccess, "public-access", c.PublicAccess, "open, or key: the public read routes need an API key (ACUCOVER_PUBLIC_ACCESS)")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "requests per second per client (key, else IP); 0 disables (ACUCOVER_RATE_LIMIT)")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "requests a client may burst above the rate (ACUCOVER_RATE_BURST)")
	fs.IntVar(&c.MaxBatches, "max-batches", c.MaxBatches, "batches answered at once, past which a batch gets 503; 0 means two per core, at least 4 (ACUCOVER_MAX_BATCHES)")
	fs.Func("trusted-proxies", "comma-separated proxy IPs/CIDRs whose X-Forwarded-For names the client; default none (ACUCOVER_TRUSTED_PROXIES)",
		func(v string) error { c.TrustedProxies = splitList(v); return nil })
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

// splitList splits a comma-separated list, dropping empty items.
func splitList(v string) []string {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr must not be empty"))
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		errs = append(errs, errors.New("metrics-addr must differ from addr: /metrics is served on its own listener"))
	}
	if c.CatalogFile != "" && c.DatabaseURL != "" {
		errs = append(errs, errors.New("give either a catalog file or DATABASE_URL, not both"))
	}
	if c.ClinicsFile != "" && c.DatabaseURL != "" {
		errs = append(errs, errors.New("clinics: with DATABASE_URL the clinics are stored in PostgreSQL; import the file with acucover clinics import FILE instead of --clinics"))
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
	switch c.PublicAccess {
	case "open":
	case "key":
		if c.DatabaseURL == "" {
			errs = append(errs, errors.New("public-access key needs DATABASE_URL: API keys live in PostgreSQL"))
		}
	default:
		errs = append(errs, fmt.Errorf("public-access %q is not open or key", c.PublicAccess))
	}
	if c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) {
		errs = append(errs, errors.New("rate-limit must be 0 (off) or a positive number of requests per second"))
	}
	if c.MaxBatches < 0 {
		errs = append(errs, errors.New("max-batches must be 0 (two per core) or more"))
	}
	if c.RateLimit > 0 && c.RateBurst < 1 {
		errs = append(errs, errors.New("rate-burst must be at least 1"))
	}
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				errs = append(errs, fmt.Errorf("trusted-proxies: %q is not an IP address or CIDR", p))
			}
		}
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

// String renders c for the start-up log with the database URL's secrets
// masked (postgres.Redact).
func (c Config) String() string {
	return fmt.Sprintf("addr=%s metrics_addr=%s catalog=%q clinics=%q database_url=%q refresh_interval=%s db_start_timeout=%s shutdown_timeout=%s max_body_bytes=%d log_level=%s public_access=%s rate_limit=%g rate_burst=%d max_batches=%d trusted_proxies=%q cors_origins=%q",
		c.Addr, c.MetricsAddr, c.CatalogFile, c.ClinicsFile, postgres.Redact(c.DatabaseURL), c.RefreshInterval, c.DBStartTimeout, c.ShutdownTimeout, c.MaxBodyBytes, c.LogLevel,
		c.PublicAccess, c.RateLimit, c.RateBurst, c.MaxBatches, strings.Join(c.TrustedProxies, ","), strings.Join(c.CORSOrigins, ","))
}
