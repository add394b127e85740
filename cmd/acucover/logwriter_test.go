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

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct {
	release chan struct{}
	lockedBuffer
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	<-b.release
	return b.lockedBuffer.Write(p)
}

// TestLogWriterDoesNotWaitForAStuckWriter: while the log's destination is
// stuck, lines are still accepted at once (up to logMaxPending), and none
// is lost once it moves again.
func TestLogWriterDoesNotWaitForAStuckWriter(t *testing.T) {
	t.Parallel()
	out := &blockingWriter{release: make(chan struct{})}
	lw := newLogWriter(out)
	line := strings.Repeat("y", 99) + "\n"
	n := logFlushBytes * 4 / len(line) // several flushes' worth, well under logMaxPending
	accepted := make(chan struct{})
	go func() {
		for range n {
			lw.Write([]byte(line))
		}
		close(accepted)
	}()
	select {
	case <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("Write waited for a stuck destination")
	}
	close(out.release)
	lw.Close()
	if got := out.String(); got != strings.Repeat(line, n) {
		t.Errorf("wrote %d bytes, want %d", len(got), n*len(line))
	}
}
