package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogWriterKeepsEveryLineInOrder(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	lw := newLogWriter(&out)
	lw.Write([]byte("first\n"))
	deadline := time.Now().Add(10 * time.Second)
	for out.String() != "first\n" { // flushed by the ticker, without Close
		if time.Now().After(deadline) {
			t.Fatalf("a line was not flushed within 10s: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var want strings.Builder
	want.WriteString("first\n")
	for i := range 20000 { // more than logFlushBytes
		line := strings.Repeat("x", i%50) + "\n"
		want.WriteString(line)
		lw.Write([]byte(line))
	}
	lw.Close()
	if out.String() != want.String() {
		t.Errorf("wrote %d bytes, got %d back (or out of order)", want.Len(), len(out.String()))
	}
}
