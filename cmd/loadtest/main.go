// Command loadtest measures acucover over HTTP with wrk, side by side with a
// baseline: a minimal Gin server that answers the same routes with the same
// response — the status, headers and body acucover sent for the measured
// request, replayed as recorded (net/http adds Date and Content-Length to
// both) — and does nothing else, on the same http.Server
// (httpapi.NewServer, with acucover's timeouts), so the ratios are the cost
// of acucover's handler chain. With -bare-server the baseline runs without
// the read, write and idle timeouts, and the ratios include what those
// cost. It builds acucover, serves the embedded catalog and a synthetic one
// (acucover gen), drives GET /v1/coverage, POST /v1/coverage and POST
// /v1/estimates (12 visits) against both, and prints requests/s, p50 and
// p99 and the ratios to the baseline. All traffic goes to 127.0.0.1. It
// exits 1 if a target is missed:
//
//	GET lookups:            ≥ 0.9× baseline requests/s, p99 ≤ 1.25× baseline p99
//	POST lookups, estimates: ≥ 0.6× baseline requests/s
//
// Each endpoint is measured in -rounds rounds, acucover then the baseline
// in each, and each side's figures are the median of its rounds: the load
// generator shares the machine, and a burst of other work during one run
// would otherwise decide the ratio.
//
// Usage (make load): go run ./cmd/loadtest [-duration 5s] [-rounds 3] [-connections 64] [-rules 20000] [-only REGEXP] [-bare-server]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/acucover/acucover/internal/httpapi"
	"github.com/acucover/acucover/internal/synth"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "baseline" {
		if err := baseline(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest baseline:", err)
			os.Exit(1)
		}
		return
	}
	ok, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	if !ok {
		fmt.Println("\nFAIL: a target was missed (see the last column)")
		os.Exit(1)
	}
}

// endpoint is one measured request.
type endpoint struct {
	name, method, path, query, body string
	minRPS, maxP99                  float64 // targets as ratios to the baseline; 0: none
}

func endpoints(plan, state, cond string) []endpoint {
	patient := `"patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true}`
	return []endpoint{
		{name: "GET /v1/coverage", method: "GET", path: "/v1/coverage",
			query:  fmt.Sprintf("plan=%s&state=%s&condition=%s&date=2026-03-10", plan, state, cond),
			minRPS: 0.9, maxP99: 1.25},
		{name: "POST /v1/coverage", method: "POST", path: "/v1/coverage",
			body: fmt.Sprintf(`{"plan":%q,"state":%q,"condition":%q,"date":"2026-03-10",%s,"usage":{"visits_this_year":6,"visits_last_90_days":6,"visits_this_month":2},"provider":{"type":"physician"}}`,
				plan, state, cond, patient),
			minRPS: 0.6},
		{name: "POST /v1/estimates (12 visits)", method: "POST", path: "/v1/estimates",
			body: fmt.Sprintf(`{"plan":%q,"state":%q,"condition":%q,"start_date":"2026-03-10","course":{"visits":12,"visits_per_week":2},%s}`,
				plan, state, cond, patient),
			minRPS: 0.6},
	}
}

type result struct {
	rps, p50, p99 float64 // requests/s, seconds
}

func run() (bool, error) {
	duration := flag.Duration("duration", 5*time.Second, "wrk duration per run")
	rounds := flag.Int("rounds", 3, "runs of each side per endpoint, alternating; the medians are reported")
	conns := flag.Int("connections", 64, "wrk connections")
	threads := flag.Int("threads", 2, "wrk threads")
	rules := flag.Int("rules", 20000, "rules in the synthetic catalog (acucover gen --rules)")
	bare := flag.Bool("bare-server", false, "serve the baseline without acucover's read, write and idle timeouts (only a 5 s ReadHeaderTimeout), to see what they cost")
	only := flag.String("only", "", "measure only the endpoints whose \"catalog endpoint\" matches this regexp (e.g. 'synthetic.*GET')")
	flag.Parse()
	onlyRE, err := regexp.Compile(*only)
	if err != nil {
		return false, fmt.Errorf("-only: %w", err)
	}
	embeddedName, synthName := "embedded", fmt.Sprintf("synthetic (~%d rules)", *rules)
	if !slices.ContainsFunc(endpoints("", "", ""), func(ep endpoint) bool {
		return onlyRE.MatchString(embeddedName+" "+ep.name) || onlyRE.MatchString(synthName+" "+ep.name)
	}) {
		return false, fmt.Errorf("-only %q matches no endpoint", *only)
	}

	wrk, err := ensureWrk()
	if err != nil {
		return false, err
	}
	dir, err := os.MkdirTemp("", "acucover-load-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "acucover")
	if err := command("go", "build", "-trimpath", "-o", bin, "./cmd/acucover"); err != nil {
		return false, fmt.Errorf("build acucover: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return false, err
	}
	synthFile := filepath.Join(dir, "synth.json") // JSON: parses far faster than YAML at this size
	if err := command(bin, "gen", "--rules", strconv.Itoa(*rules), "-o", synthFile); err != nil {
		return false, fmt.Errorf("acucover gen: %w", err)
	}

	// A synthetic plan, asked about in a state with rules of its own.
	_, ruled := synth.PlanStates(1, synth.ForRules(*rules).StatesPerPlan)
	catalogs := []struct {
		name string
		args []string
		eps  []endpoint
	}{
		{embeddedName, nil, endpoints("medicare-part-b", "CA", "chronic_low_back_pain")},
		{synthName, []string{"--catalog", synthFile}, endpoints(synth.PlanID(1), ruled[0], synth.ConditionID(2))},
	}
	server := "the same http.Server as acucover (httpapi.NewServer: its timeouts)"
	if *bare {
		server = "a bare http.Server (ReadHeaderTimeout only)"
	}
	fmt.Printf("wrk -t%d -c%d -d%s --latency, 127.0.0.1; GOMAXPROCS unset; %d CPUs shared by wrk, server and baseline (one at a time);\nmedians of %d alternating rounds per side; the baseline runs on %s\n\n",
		*threads, *conns, *duration, runtime.NumCPU(), *rounds, server)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "catalog\tendpoint\tacucover req/s\tp50\tp99\tbaseline req/s\tp50\tp99\treq/s ratio\tp99 ratio\ttarget\t")
	allOK := true
	for _, cat := range catalogs {
		svcAddr, stop, err := start(bin, append([]string{"serve", "--metrics-addr", ""}, cat.args...), dir)
		if err != nil {
			return false, fmt.Errorf("%s: %w", cat.name, err)
		}
		bodies := filepath.Join(dir, "bodies")
		os.RemoveAll(bodies)
		if err := os.MkdirAll(bodies, 0o755); err != nil {
			stop()
			return false, err
		}
		for _, ep := range cat.eps {
			b, h, err := fetch(svcAddr, ep)
			if err != nil {
				stop()
				return false, fmt.Errorf("%s %s: %w", cat.name, ep.name, err)
			}
			name := filepath.Join(bodies, ep.method+strings.ReplaceAll(ep.path, "/", "_"))
			if err := os.WriteFile(name, b, 0o644); err != nil {
				stop()
				return false, err
			}
			if err := writeHeader(name+".header", h); err != nil {
				stop()
				return false, err
			}
		}
		baseArgs := []string{"baseline", "-dir", bodies}
		if *bare {
			baseArgs = append(baseArgs, "-bare-server")
		}
		baseAddr, stopBase, err := start(self, baseArgs, dir)
		if err != nil {
			stop()
			return false, fmt.Errorf("baseline: %w", err)
		}
		for _, ep := range cat.eps {
			if !onlyRE.MatchString(cat.name + " " + ep.name) {
				continue
			}
			script := filepath.Join(dir, "req.lua")
			if err := os.WriteFile(script, []byte(luaScript(ep)), 0o644); err != nil {
				return false, err
			}
			var svcs, bases []result
			for range max(*rounds, 1) {
				svc, err := runWrk(wrk, svcAddr, ep, script, *threads, *conns, *duration)
				if err != nil {
					return false, fmt.Errorf("%s %s: %w", cat.name, ep.name, err)
				}
				base, err := runWrk(wrk, baseAddr, ep, script, *threads, *conns, *duration)
				if err != nil {
					return false, fmt.Errorf("%s %s (baseline): %w", cat.name, ep.name, err)
				}
				svcs, bases = append(svcs, svc), append(bases, base)
			}
			svc, base := median(svcs), median(bases)
			rr, pr := svc.rps/base.rps, svc.p99/base.p99
			verdict := "met"
			if rr < ep.minRPS || (ep.maxP99 > 0 && pr > ep.maxP99) {
				verdict, allOK = "MISSED", false
			}
			want := fmt.Sprintf("≥%.2f×", ep.minRPS)
			if ep.maxP99 > 0 {
				want += fmt.Sprintf(", p99 ≤%.2f×", ep.maxP99)
			}
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%.0f\t%s\t%s\t%.2f\t%.2f\t%s %s\t\n", cat.name, ep.name,
				svc.rps, dur(svc.p50), dur(svc.p99), base.rps, dur(base.p50), dur(base.p99), rr, pr, verdict, want)
		}
		stopBase()
		stop()
	}
	tw.Flush()
	return allOK, nil
}

// median is the median of each figure over rs, separately.
func median(rs []result) result {
	mid := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return result{
		rps: mid(func(r result) float64 { return r.rps }),
		p50: mid(func(r result) float64 { return r.p50 }),
		p99: mid(func(r result) float64 { return r.p99 }),
	}
}

func dur(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Microsecond).String()
}

// ensureWrk finds wrk, installing the Debian package if it is missing.
func ensureWrk() (string, error) {
	if p, err := exec.LookPath("wrk"); err == nil {
		return p, nil
	}
	fmt.Fprintln(os.Stderr, "loadtest: wrk not found; installing it with apt-get")
	if err := command("apt-get", "install", "-y", "-qq", "wrk"); err != nil {
		if err := command("sh", "-c", "apt-get update -qq && apt-get install -y -qq wrk"); err != nil {
			return "", fmt.Errorf("wrk is required and could not be installed (%v); install it: apt-get install -y wrk", err)
		}
	}
	return exec.LookPath("wrk")
}

func command(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start runs bin args --addr ADDR with its log in dir, and waits until it
// answers /healthz.
func start(bin string, args []string, dir string) (addr string, stop func(), err error) {
	if addr, err = freeAddr(); err != nil {
		return "", nil, err
	}
	logf, err := os.CreateTemp(dir, "log-")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, append(args, "--addr", addr)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		logf.Close()
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return addr, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("%s did not answer /healthz: %v", bin, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeHeader records h as JSON, less what net/http sets on every answer
// and what is about the connection, not the answer.
func writeHeader(name string, h http.Header) error {
	h = h.Clone()
	for _, k := range []string{"Date", "Content-Length", "Connection", "Keep-Alive", "Transfer-Encoding"} {
		h.Del(k)
	}
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o644)
}

func fetch(addr string, ep endpoint) ([]byte, http.Header, error) {
	url := "http://" + addr + ep.path
	if ep.query != "" {
		url += "?" + ep.query
	}
	req, err := http.NewRequestWithContext(context.Background(), ep.method, url, strings.NewReader(ep.body))
	if err != nil {
		return nil, nil, err
	}
	if ep.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("%s: %s", resp.Status, b)
	}
	return b, resp.Header, nil
}

func luaScript(ep endpoint) string {
	if ep.body == "" {
		return "wrk.method = \"GET\"\n"
	}
	return fmt.Sprintf("wrk.method = %q\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [==[%s]==]\n", ep.method, ep.body)
}

var (
	rpsRE     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	pctRE     = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	non2xxRE  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	sockErrRE = regexp.MustCompile(`Socket errors: .*`)
)

func runWrk(wrk, addr string, ep endpoint, script string, threads, conns int, d time.Duration) (result, error) {
	url := "http://" + addr + ep.path
	if ep.query != "" {
		url += "?" + ep.query
	}
	out, err := exec.Command(wrk, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", d.String(), "--latency", "-s", script, url).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	if m := non2xxRE.FindSubmatch(out); m != nil {
		return result{}, fmt.Errorf("wrk: %s non-2xx answers\n%s", m[1], out)
	}
	if m := sockErrRE.Find(out); m != nil {
		return result{}, fmt.Errorf("wrk: %s\n%s", m, out)
	}
	var r result
	m := rpsRE.FindSubmatch(out)
	if m == nil {
		return result{}, fmt.Errorf("no Requests/sec in wrk output:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	for _, p := range pctRE.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(p[2]), 64)
		v *= map[string]float64{"us": 1e-6, "ms": 1e-3, "s": 1}[string(p[3])]
		if string(p[1]) == "50" {
			r.p50 = v
		} else {
			r.p99 = v
		}
	}
	if r.p50 == 0 || r.p99 == 0 {
		return result{}, fmt.Errorf("no latency distribution in wrk output:\n%s", out)
	}
	return r, nil
}

// baseline serves the answers recorded in -dir (METHOD_v1_route, the body,
// and METHOD_v1_route.header, its header) for the same routes with a bare
// gin.Engine: no middleware, no parsing, no logging, on acucover's
// http.Server settings (or a bare server, with -bare-server).
func baseline(args []string) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory of response bodies")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	bare := fs.Bool("bare-server", false, "serve without acucover's read, write and idle timeouts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/healthz", func(c *gin.Context) { c.Status(http.StatusOK) })
	for _, route := range []struct{ method, path string }{{"GET", "/v1/coverage"}, {"POST", "/v1/coverage"}, {"POST", "/v1/estimates"}} {
		name := filepath.Join(*dir, route.method+strings.ReplaceAll(route.path, "/", "_"))
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		hb, err := os.ReadFile(name + ".header")
		if err != nil {
			return err
		}
		var h http.Header
		if err := json.Unmarshal(hb, &h); err != nil {
			return fmt.Errorf("%s.header: %w", name, err)
		}
		ct := h.Get("Content-Type")
		h.Del("Content-Type") // c.Data sets it
		r.Handle(route.method, route.path, func(c *gin.Context) {
			w := c.Writer.Header()
			for k, v := range h {
				w[k] = v
			}
			c.Data(http.StatusOK, ct, b)
		})
	}
	srv := httpapi.NewServer(r)
	if *bare {
		srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	}
	srv.Addr = *addr
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
