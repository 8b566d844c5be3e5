package data

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxRetries is how often a download that broke off is re-requested from
// where it stopped, per URL.
const maxRetries = 5

// StatusError is an HTTP response other than the content asked for.
type StatusError struct {
	URL    string
	Status string
	Code   int
}

func (e *StatusError) Error() string { return fmt.Sprintf("GET %s: %s", e.URL, e.Status) }

// rangeReader reads one URL from a byte offset on. When the connection
// breaks off, it asks again from where it stopped (an HTTP Range request)
// up to maxRetries times. A server that ignores Range gets its first
// bytes read and dropped.
type rangeReader struct {
	ctx     context.Context
	client  *http.Client
	url     string
	wait    time.Duration
	off     int64 // bytes of the resource behind us
	total   int64 // resource size; -1 = unknown
	ranges  bool  // the server answered a Range request with 206
	body    io.ReadCloser
	retries int
	onSkip  func(int64) // progress: called with the new offset after Skip
	// sum, when set, hashes every byte of the resource in order (the
	// resumed requests continue where the broken ones stopped), and Skip
	// then reads through rather than asking the server to skip: a hash
	// of the whole resource needs every byte.
	sum hash.Hash
}

func newRangeReader(ctx context.Context, client *http.Client, url string, off int64, wait time.Duration) *rangeReader {
	if wait <= 0 {
		wait = time.Second
	}
	return &rangeReader{ctx: ctx, client: client, url: url, off: off, total: -1, wait: wait}
}

// open requests the resource from r.off on.
func (r *rangeReader) open() error {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "transferlab")
	// Ask for a range even from byte 0: a 206 answer says the server can
	// resume and skip.
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-", r.off))
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != r.off {
			resp.Body.Close()
			return fmt.Errorf("GET %s: asked for bytes from %d, got Content-Range %q", r.url, r.off, resp.Header.Get("Content-Range"))
		}
		r.ranges, r.total, r.body = true, total, resp.Body
		return nil
	case http.StatusOK:
		r.total = resp.ContentLength
		if r.off > 0 {
			// The server ignored Range: read up to where we were.
			if _, err := io.CopyN(io.Discard, resp.Body, r.off); err != nil {
				resp.Body.Close()
				return fmt.Errorf("GET %s: skipping to byte %d: %w", r.url, r.off, err)
			}
		}
		r.body = resp.Body
		return nil
	case http.StatusRequestedRangeNotSatisfiable:
		resp.Body.Close()
		if _, total, ok := parseContentRange(resp.Header.Get("Content-Range")); ok && total == r.off {
			r.total, r.body = total, io.NopCloser(strings.NewReader(""))
			return nil
		}
		return &StatusError{URL: r.url, Status: resp.Status, Code: resp.StatusCode}
	default:
		resp.Body.Close()
		return &StatusError{URL: r.url, Status: resp.Status, Code: resp.StatusCode}
	}
}

// parseContentRange reads "bytes START-END/TOTAL" (TOTAL may be *).
func parseContentRange(s string) (start, total int64, ok bool) {
	s, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(s, "/")
	if !found {
		return 0, 0, false
	}
	total = -1
	if tot != "*" {
		t, err := strconv.ParseInt(tot, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		total = t
	}
	if rng == "*" {
		return 0, total, true
	}
	a, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return start, total, true
}

func (r *rangeReader) Read(p []byte) (int, error) {
	for {
		if r.body == nil {
			if err := r.open(); err != nil {
				if r.off == 0 || !retryable(err) || r.retries >= maxRetries || r.ctx.Err() != nil {
					return 0, err
				}
				r.retries++
				if err := r.pause(); err != nil {
					return 0, err
				}
				continue
			}
		}
		n, err := r.body.Read(p)
		r.off += int64(n)
		if r.sum != nil {
			r.sum.Write(p[:n])
		}
		if err == nil {
			return n, nil
		}
		if errors.Is(err, io.EOF) && (r.total < 0 || r.off >= r.total) {
			return n, io.EOF
		}
		// The transfer broke off: ask again from r.off.
		r.body.Close()
		r.body = nil
		if cerr := r.ctx.Err(); cerr != nil {
			return n, cerr
		}
		if r.retries >= maxRetries {
			return n, fmt.Errorf("GET %s: broke off at byte %d after %d retries: %w", r.url, r.off, r.retries, err)
		}
		r.retries++
		if n > 0 {
			return n, nil
		}
		if err := r.pause(); err != nil {
			return 0, err
		}
	}
}

func (r *rangeReader) pause() error {
	t := time.NewTimer(r.wait * time.Duration(r.retries))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}

// retryable: a status error is an answer, not a broken connection.
func retryable(err error) bool {
	var se *StatusError
	return !errors.As(err, &se) || se.Code >= 500
}

// Skip moves n bytes on: with a server that honours Range, by asking again
// from there; otherwise by reading and dropping them.
func (r *rangeReader) Skip(n int64) error {
	if n <= 0 {
		return nil
	}
	if r.body == nil && r.off == 0 {
		// Open first to learn whether the server honours Range.
		if err := r.open(); err != nil {
			return err
		}
	}
	if r.ranges && n > 1<<20 && r.sum == nil {
		if r.body != nil {
			r.body.Close()
			r.body = nil
		}
		r.off += n
		if r.onSkip != nil {
			r.onSkip(r.off)
		}
		return nil
	}
	// Read through, a MB at a time so that the progress moves.
	for n > 0 {
		m, err := io.CopyN(io.Discard, r, min(n, 1<<20))
		n -= m
		if r.onSkip != nil {
			r.onSkip(r.off)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("GET %s: ends at byte %d, before byte %d", r.url, r.off, r.off+n)
			}
			return err
		}
	}
	return nil
}

func (r *rangeReader) Close() error {
	if r.body != nil {
		err := r.body.Close()
		r.body = nil
		return err
	}
	return nil
}

// progressReader reports a rangeReader's offset to a progress bar.
type progressReader struct {
	r   *rangeReader
	bar *progressBar
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if p.r.total > 0 {
		p.bar.SetTotal(p.r.total)
	}
	p.bar.Set(p.r.off)
	return n, err
}

// downloadFile fetches want from the first of urls (base URLs) that has
// it into dir, atomically: it writes NAME.part, resuming one a broken
// earlier run left, checks size and SHA-256 (or, with no known sum, the
// IDX structure), then renames it to NAME. A file that fails the check is
// removed; a download that breaks off for good keeps NAME.part for the
// next run to resume.
func downloadFile(ctx context.Context, o Options, label string, urls []string, dir string, want File) (string, error) {
	if len(urls) == 0 {
		return "", fmt.Errorf("download %s: no URL known", want.Name)
	}
	dst := dir + string(os.PathSeparator) + want.Name
	part := dst + ".part"
	var errs []string
	for _, base := range urls {
		url := base + want.Name
		if err := downloadPart(ctx, o, label, url, part, want); err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			errs = append(errs, err.Error())
			continue // try the next source, resuming what this one gave
		}
		if err := checkFile(part, want); err != nil {
			os.Remove(part)
			return "", fmt.Errorf("download %s: %w; the download was removed", url, err)
		}
		if err := os.Rename(part, dst); err != nil {
			os.Remove(part)
			return "", fmt.Errorf("download %s: %w", url, err)
		}
		return url, nil
	}
	msg := fmt.Sprintf("download %s failed: %s", want.Name, strings.Join(errs, "; "))
	if st, err := os.Stat(part); err == nil && st.Size() > 0 {
		msg += fmt.Sprintf(" (the %s downloaded so far are kept in %s: run again to resume)", humanSize(st.Size()), part)
	} else {
		os.Remove(part)
	}
	return "", errors.New(msg)
}

// downloadPart appends url's bytes to part from where part ends.
func downloadPart(ctx context.Context, o Options, label, url, part string, want File) error {
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	off, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if want.Size > 0 && off >= want.Size {
		// Complete (or too long): start again if it does not check out.
		if off == want.Size && checkFile(part, want) == nil {
			return nil
		}
		if err := f.Truncate(0); err != nil {
			return err
		}
		if off, err = f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	}
	rr := newRangeReader(ctx, o.client(), url, off, o.RetryWait)
	defer rr.Close()
	bar := newProgressBar(o.Progress, label, want.Size, off)
	var src io.Reader = progressReader{rr, bar}
	if want.Size > 0 {
		src = io.LimitReader(src, want.Size-off+1) // one byte more shows a file that is too long
	}
	_, err = io.Copy(f, src)
	if err != nil {
		bar.Finish("failed")
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	note := "done"
	if off > 0 {
		note = fmt.Sprintf("done (resumed at %s)", humanSize(off))
	}
	bar.Finish(note)
	return f.Close()
}

func (o Options) client() *http.Client {
	if o.Client != nil {
		return o.Client
	}
	return defaultClient()
}

// defaultClient has no overall timeout (a download of hundreds of MB takes
// what it takes; the context ends it) but gives up on a server that does
// not connect or answer.
var defaultClient = sync.OnceValue(func() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: time.Minute,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}}
})
