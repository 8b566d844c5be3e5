// Package names turns free text (dataset names, checkpoint file names,
// layer choices) into parts of file and folder names. It is the one
// sanitiser: run folders, evaluation files and report pages made from the
// same dataset name agree because they all go through Slug.
package names

import (
	"path/filepath"
	"strings"
)

// Slug makes s fit in a file or folder name: letters, digits, '-', '_'
// and '.' only, everything else becoming '_', with no '_' or '.' at
// either end (so the result is never hidden or "..").
// A "kind:rest" value keeps its kind and the last element of rest, joined
// by '-': "idx:/data/mine" becomes "idx-mine" (the folder's own name
// stands for the path) and "from:conv3" becomes "from-conv3".
func Slug(s string) string {
	if kind, rest, ok := strings.Cut(s, ":"); ok {
		s = kind + "-" + filepath.Base(filepath.Clean(rest))
	}
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
	return strings.Trim(out, "_.")
}
