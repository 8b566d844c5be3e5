package charts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"strings"
	"time"
)

// DefaultAddr is where 'transferlab serve' listens unless told otherwise:
// loopback only.
const DefaultAddr = "127.0.0.1:8080"

// CheckAddr validates a host:port listen address.
func CheckAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: give host:port, e.g. %s", addr, DefaultAddr)
	}
	if port == "" {
		return fmt.Errorf("--addr %q: no port, e.g. %s", addr, DefaultAddr)
	}
	return nil
}

// isLoopback says whether a listen address is reachable from this machine
// only.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// Serve serves resultsDir over HTTP on addr until ctx is done, then shuts
// down cleanly. Only files inside resultsDir can be read: paths with "..",
// and symbolic links that lead outside it, are refused, and such links are
// not listed.
func Serve(ctx context.Context, w io.Writer, resultsDir, addr string) error {
	if err := CheckAddr(addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ServeListener(ctx, w, ln, resultsDir)
}

// ServeListener is Serve on a listener the caller opened; it closes ln.
func ServeListener(ctx context.Context, w io.Writer, ln net.Listener, resultsDir string) error {
	return serveListener(ctx, w, ln, resultsDir, defaultTimeouts)
}

// timeouts are the http.Server's limits on one connection.
type timeouts struct {
	readHeader, read, write, idle time.Duration
}

// defaultTimeouts bound how long a client can hold a connection (and its
// goroutine and file) without making progress; with none set, a client
// that stops reading, or keeps a connection alive and never sends another
// request, holds it for good.
var defaultTimeouts = timeouts{
	// A request's headers are a few hundred bytes: a client that takes
	// longer than this to send them is stalling (slowloris).
	readHeader: 10 * time.Second,
	// Only GET and HEAD are served, without bodies: the whole request
	// arrives with its headers.
	read: 30 * time.Second,
	// From the end of the request's headers to the end of the response:
	// room for the largest files of a results folder (checkpoints of about
	// 100 MB) over a slow link, while a client that stopped reading is
	// still dropped.
	write: 5 * time.Minute,
	// Kept-alive connections on which no request comes: longer than the
	// 10 s self-reload of a running run's page (refreshSeconds), so that
	// the page reuses its connection, short enough that idle ones do not
	// pile up.
	idle: 30 * time.Second,
}

// newServer is the server of the results folder root, with timeouts tm.
func newServer(ctx context.Context, root *os.Root, tm timeouts) *http.Server {
	return &http.Server{
		Handler:           newHandler(root),
		ReadHeaderTimeout: tm.readHeader,
		ReadTimeout:       tm.read,
		WriteTimeout:      tm.write,
		IdleTimeout:       tm.idle,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
}

// serveListener is ServeListener with the server's timeouts given, so that
// tests can wait for them in a second.
func serveListener(ctx context.Context, w io.Writer, ln net.Listener, resultsDir string, tm timeouts) error {
	defer ln.Close()
	fi, err := os.Stat(resultsDir)
	if err != nil {
		return fmt.Errorf("results folder %s does not exist: train a run or run 'transferlab report' first, or pass --results-dir", resultsDir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("results folder %s is not a folder: pass --results-dir with the folder your runs were written to", resultsDir)
	}
	root, err := os.OpenRoot(resultsDir)
	if err != nil {
		return fmt.Errorf("open results folder: %w", err)
	}
	defer root.Close()

	srv := newServer(ctx, root, tm)
	if !isLoopback(ln.Addr()) {
		fmt.Fprintf(w, "warning: %s is not a loopback address: anyone who can reach this machine can read the reports\n", ln.Addr())
	}
	fmt.Fprintf(w, "serving %s at http://%s/ (Ctrl-C stops)\n", resultsDir, ln.Addr())

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	fmt.Fprintln(w, "stopped")
	return nil
}

// newHandler serves the files under root (GET and HEAD only). Requests
// whose path holds a ".." segment (also when percent-encoded), a
// backslash or a NUL are refused with 400; os.Root refuses symbolic links
// that lead outside the folder, which then read as missing (404) and are
// left out of directory listings.
func newHandler(root *os.Root) http.Handler {
	files := http.FileServerFS(notExistFS{root.FS()})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if badPath(r.URL.Path) || badPath(r.URL.RawPath) {
			http.Error(w, "bad path", http.StatusBadRequest)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache") // running pages reload: always revalidate
		files.ServeHTTP(w, r)
	})
}

func badPath(p string) bool {
	if strings.ContainsAny(p, "\\\x00") {
		return true
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return true
		}
	}
	lower := strings.ToLower(p)
	return strings.Contains(lower, "%2e%2e") || strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c")
}

// notExistFS reports every failure to open as "not found", so that a link
// leading outside the folder answers 404 like a missing file, not 500. Its
// directories list only what can be served (see servableDir).
type notExistFS struct{ fs.FS }

func (f notExistFS) Open(name string) (fs.File, error) {
	if isLock(path.Base(name)) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	file, err := f.FS.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, err
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if d, ok := file.(fs.ReadDirFile); ok && st.IsDir() {
		return servableDir{ReadDirFile: d, fsys: f.FS, name: name}, nil
	}
	return file, nil
}

// isLock says whether name is a run's or a network's lock file (.lock,
// .<name>.lock): each holds the pid and the full command line of the
// process that holds it, which is not the report's to show.
func isLock(name string) bool { return strings.HasSuffix(name, ".lock") }

// servableDir is a directory whose listing leaves out the symbolic links
// that cannot be served: those leading outside the results folder (which
// os.Root refuses) or to nothing. Listed, they would show the names of
// links to files outside the folder, and lead to a 404 anyway.
type servableDir struct {
	fs.ReadDirFile
	fsys fs.FS // the results folder, as os.Root confines it
	name string
}

func (d servableDir) ReadDir(n int) ([]fs.DirEntry, error) {
	for {
		entries, err := d.ReadDirFile.ReadDir(n)
		kept := entries[:0]
		for _, e := range entries {
			// Other entries are inside the folder by construction: only
			// links can lead elsewhere, and only they need the Stat.
			if isLock(e.Name()) {
				continue
			}
			if e.Type()&fs.ModeSymlink == 0 || d.servable(e.Name()) {
				kept = append(kept, e)
			}
		}
		// With n > 0 an empty slice must come with an error: read on while
		// everything read was left out.
		if n <= 0 || len(kept) > 0 || err != nil {
			return kept, err
		}
	}
}

// servable says whether entry, a symbolic link in d, resolves to something
// inside the folder: os.Root follows it and fails if it leads out.
func (d servableDir) servable(entry string) bool {
	_, err := fs.Stat(d.fsys, path.Join(d.name, entry))
	return err == nil
}
