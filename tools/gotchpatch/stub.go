package main

import (
	"bufio"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// wrapper is one generated C wrapper in torch_api_generated.cpp.h: its
// name and the 1-based line range of its definition, closing brace included.
type wrapper struct {
	Name       string
	ReturnType string
	First      int
	Last       int
}

// wrapperHead matches the first line of a generated wrapper, for example
// "void atg_abs(tensor *out__, tensor self) {" or "int64_t atg__dimi(tensor self) {".
var wrapperHead = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*\s*\*?)\s*(atg_[A-Za-z0-9_]+)\(.*\)\s*\{\s*$`)

// parseWrappers lists the wrappers of a generated file in file order.
func parseWrappers(src string) ([]wrapper, error) {
	var out []wrapper
	var cur *wrapper
	sc := bufio.NewScanner(strings.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if cur == nil {
			if m := wrapperHead.FindStringSubmatch(line); m != nil {
				cur = &wrapper{Name: m[2], ReturnType: strings.TrimSpace(m[1]), First: n}
			}
			continue
		}
		if line == "}" {
			cur.Last = n
			out = append(out, *cur)
			cur = nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("wrapper %s starting at line %d has no closing brace", cur.Name, cur.First)
	}
	return out, nil
}

// failingWrappers maps compiler diagnostics that point into the generated
// file (file:line:col: ...) to the wrappers containing those lines. It
// returns the names sorted, and the diagnostic lines it could not place
// inside any wrapper (an error outside the wrappers cannot be stubbed).
func failingWrappers(diagnostics, generatedFile string, ws []wrapper) (names []string, unplaced []string) {
	re := regexp.MustCompile(regexp.QuoteMeta(generatedFile) + `:(\d+):(\d+:)?\s*(error|required from here)`)
	seen := map[string]bool{}
	for _, line := range strings.Split(diagnostics, "\n") {
		m := re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		i := sort.Search(len(ws), func(i int) bool { return ws[i].Last >= n })
		if i < len(ws) && ws[i].First <= n {
			seen[ws[i].Name] = true
		} else {
			unplaced = append(unplaced, line)
		}
	}
	for name := range seen {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, unplaced
}

// stubWrappers replaces the bodies of the named wrappers by a thrown error.
// PROTECT turns the exception into gotch's last-error string, so a Go
// caller gets an ordinary error naming the function instead of a link or
// compile failure. Names not present in src are reported.
func stubWrappers(src string, names []string, reason string) (string, error) {
	ws, err := parseWrappers(src)
	if err != nil {
		return "", err
	}
	byName := map[string]wrapper{}
	for _, w := range ws {
		byName[w.Name] = w
	}
	stubAt := map[int]wrapper{}
	for _, name := range names {
		w, ok := byName[name]
		if !ok {
			return "", fmt.Errorf("no wrapper named %s in the generated file", name)
		}
		stubAt[w.First] = w
	}
	lines := strings.Split(src, "\n")
	var b strings.Builder
	for i := 0; i < len(lines); i++ {
		n := i + 1
		w, ok := stubAt[n]
		if !ok {
			b.WriteString(lines[i])
			if i < len(lines)-1 {
				b.WriteByte('\n')
			}
			continue
		}
		b.WriteString(lines[i])
		b.WriteByte('\n')
		fmt.Fprintf(&b, "  // transferlab: stubbed, %s\n", reason)
		fmt.Fprintf(&b, "  PROTECT(\n    throw std::runtime_error(%s);\n  )\n", strconv.Quote(w.Name+" is not available: "+reason))
		if w.ReturnType != "void" {
			b.WriteString("  return {};\n")
		}
		b.WriteString("}")
		if w.Last < len(lines) {
			b.WriteByte('\n')
		}
		i = w.Last - 1
	}
	return b.String(), nil
}
