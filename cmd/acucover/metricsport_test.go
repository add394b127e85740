package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestMetricsServerBoundsClients: the metrics port has read, header and
// idle timeouts (an idle keep-alive once stayed open 205 s, and 245 of them
// exhausted file descriptors), and an idle connection is closed by the
// server; its errors are JSON log lines.
func TestMetricsServerBoundsClients(t *testing.T) {
	var logs bytes.Buffer
	srv := metricsServer("127.0.0.1:0", prometheus.NewRegistry(), slog.New(slog.NewJSONHandler(&logs, nil)))
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 || srv.IdleTimeout > 2*time.Minute || srv.WriteTimeout <= 0 {
		t.Errorf("metrics server timeouts: header %v, read %v, idle %v, write %v; want all set, idle at most 2m",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout, srv.WriteTimeout)
	}
	if srv.ErrorLog == nil {
		t.Fatal("metrics server errors go to the standard logger, not the JSON log")
	}
	srv.ErrorLog.Print("http: test error")
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil || line["msg"] != "http: test error" {
		t.Errorf("metrics server error logged as %q, want a JSON line", logs.String())
	}

	// A client that opens a connection and sends nothing is dropped after
	// the header timeout.
	srv.ReadHeaderTimeout = 200 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Errorf("silent connection still open after the header timeout: %v", err)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
