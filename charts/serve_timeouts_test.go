package charts

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// startServe serves results on a loopback port with timeouts tm and
// returns its address; the server stops when the test ends.
func startServe(t *testing.T, results string, tm timeouts) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveListener(ctx, io.Discard, ln, results, tm) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("shutdown: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	return ln.Addr().String()
}

// An idle keep-alive connection is closed by the server once the idle
// timeout has passed, instead of staying open for as long as the client
// likes.
func TestServeClosesIdleConnections(t *testing.T) {
	results, _ := serveTree(t)
	const idle = 400 * time.Millisecond
	tm := defaultTimeouts
	tm.idle = idle
	addr := startServe(t, results, tm)

	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "GET /run/ HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("GET /run/: %d, close %v; want 200 on a connection kept alive", resp.StatusCode, resp.Close)
	}

	// Now idle: wait (up to 5 s) for the server to close the connection.
	start := time.Now()
	conn.SetReadDeadline(start.Add(5 * time.Second))
	n, err := r.Read(make([]byte, 1))
	waited := time.Since(start)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		t.Fatalf("an idle keep-alive connection was still open after %.1f s (idle timeout %v)", waited.Seconds(), idle)
	case !errors.Is(err, io.EOF):
		t.Fatalf("idle connection: read %d bytes, %v; want the server to close it", n, err)
	case waited < idle/2 || waited > 3*idle+time.Second:
		t.Errorf("idle connection closed after %v, want about %v", waited, idle)
	}
	t.Logf("idle connection closed by the server after %v", waited.Round(time.Millisecond))
}

// Every timeout of the server that 'transferlab serve' runs is set: with
// none, a client that stops reading, or keeps a connection open without
// sending anything more, holds it for good.
func TestServeDefaultTimeouts(t *testing.T) {
	srv := newServer(context.Background(), nil, defaultTimeouts)
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout,
	} {
		if d <= 0 {
			t.Errorf("%s is %v: not set", name, d)
		}
	}
	// The idle timeout outlasts the 10 s reload of a running run's page,
	// so that the page keeps its connection, and is well under a minute.
	if srv.IdleTimeout <= refreshSeconds*time.Second || srv.IdleTimeout > time.Minute {
		t.Errorf("IdleTimeout %v, want between %d s and a minute", srv.IdleTimeout, refreshSeconds)
	}
}
