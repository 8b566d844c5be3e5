package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"transferlab/data"
)

// checkTarget checks a --target before anything runs: an unknown dataset
// is a usage error listing the choices, and an idx:DIR or folder:DIR whose
// folder is not there fails now rather than after the stages before the
// transfers (reproduce's Q4 and pretrainings take many minutes). "" (no
// target) passes.
func checkTarget(name string) error {
	if name == "" {
		return nil
	}
	d, err := data.Lookup(name)
	if err != nil {
		return usageError{suggestDataset(name, fmt.Errorf("--target: %w", err))}
	}
	if d.Dir == "" {
		return nil
	}
	st, err := os.Stat(d.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--target %s: folder %s does not exist", name, d.Dir)
	}
	if err != nil {
		return fmt.Errorf("--target %s: %w", name, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("--target %s: %s is not a folder", name, d.Dir)
	}
	return nil
}

// suggestDataset adds "did you mean emnist-letters?" to err for a dataset
// name that begins a registry name ("emnist"), else one that is a typo of
// one (two edits at most), as suggestFlag does for flags.
func suggestDataset(name string, err error) error {
	if name == "" {
		return err
	}
	var begun, typo []string
	for _, n := range data.Names() {
		if strings.HasPrefix(n, name) {
			begun = append(begun, n)
		} else if editDistance(name, n) <= 2 {
			typo = append(typo, n)
		}
	}
	close := begun
	if len(close) == 0 {
		close = typo
	}
	if len(close) == 0 {
		return err
	}
	return fmt.Errorf("%w (did you mean %s?)", err, orList(close))
}

// targetUnavailable turns a failed download of EMNIST letters, the default
// --target of finetune, transfer and sweep (or its absence with
// --download=false), into one line that says so and names the targets that
// need no download; the nested error (the URL, the
// archive reader, the resolver) says nothing a user can act on. It is a
// data error (exit 1), as a dataset missing with --download=false is.
func targetUnavailable(err error) error {
	const instead = "use --target mnist, --target fashion or --target folder:DIR"
	var fe *data.FetchError
	if errors.As(err, &fe) && fe.Dataset == data.EMNISTLetters {
		return fmt.Errorf("EMNIST letters could not be downloaded (%s): %s, or put EMNIST's gzip.zip in the data folder", fe.Reason(), instead)
	}
	var me *data.MissingError
	if errors.As(err, &me) && me.Dataset.Name == data.EMNISTLetters {
		return fmt.Errorf("EMNIST letters is not in the data folder (--download=false): %s, or run 'transferlab data fetch emnist-letters' where there is internet", instead)
	}
	return err
}
