package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/aquanet/aquanet/interpreter/air"
	"github.com/spf13/cobra"
)

// maxScriptFile bounds what air fmt and air check read from one file.
const maxScriptFile = 64 << 20

func newAirCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "air",
		Short: "Check, format and run AIR scripts",
		Long: `AIR is the language particles carry. These commands parse scripts the way the reference
interpreter (AquaVM 0.62) does: what it rejects, they reject, with a message and a position.`,
	}
	c.AddCommand(newAirCheckCmd(), newAirFmtCmd(), newAirRunCmd())
	return c
}

func newAirCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE...",
		Short: "Report every syntax and validation error in AIR scripts (- reads standard input)",
		Long: `Parse and validate each FILE ("-" for standard input). Every problem is printed as
FILE:LINE:COL: message. The exit code is 0 when every file is valid, 1 otherwise.

A valid script may still do what its author rarely means; that is printed as
FILE:LINE:COL: warning: message, and does not change the exit code. The warning today: a
variable read where none of its values is visible any more (set only inside a fold, or a new
of its name, that has ended), so that the instruction reading it waits until the particle's
TTL ends.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			bad := false
			for _, name := range args {
				src, err := readScript(c, name)
				if err != nil {
					fprintf(c.ErrOrStderr(), "%v\n", err)
					bad = true
					continue
				}
				s, err := air.Parse(src)
				if err != nil {
					printScriptErrors(c.OutOrStdout(), name, err)
					bad = true
					continue
				}
				printScriptWarnings(c.OutOrStdout(), name, s)
			}
			if bad {
				return errExit1
			}
			return nil
		},
	}
}

func newAirFmtCmd() *cobra.Command {
	var write, list bool
	c := &cobra.Command{
		Use:   "fmt [-w] [-l] FILE...",
		Short: "Format AIR scripts canonically (- reads standard input)",
		Long: `Print each FILE ("-" for standard input) in canonical form: one instruction per line,
two-space indentation, comments kept. With -w, rewrite the files that change instead (atomically,
keeping their permissions); with -l, list the files whose formatting differs. Scripts with
syntax errors are reported as FILE:LINE:COL: message and left alone; undefined variables do not
stop formatting (use air check for them).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			bad := false
			for _, name := range args {
				if err := fmtFile(c, name, write, list); err != nil {
					if !errors.Is(err, errExit1) {
						fprintf(c.ErrOrStderr(), "%v\n", err)
					}
					bad = true
				}
			}
			if bad {
				return errExit1
			}
			return nil
		},
	}
	c.Flags().BoolVarP(&write, "write", "w", false, "rewrite files in place instead of printing them")
	c.Flags().BoolVarP(&list, "list", "l", false, "list files whose formatting differs from canonical")
	return c
}

func fmtFile(c *cobra.Command, name string, write, list bool) error {
	if write && name == "-" {
		return errors.New("air fmt -w: cannot rewrite standard input")
	}
	src, err := readScript(c, name)
	if err != nil {
		return err
	}
	s, err := air.ParseSyntax(src)
	if err != nil {
		printScriptErrors(c.ErrOrStderr(), name, err)
		return errExit1
	}
	out := air.Format(s)
	changed := out != src
	switch {
	case list:
		if changed {
			fprintf(c.OutOrStdout(), "%s\n", name)
		}
		if !write {
			return nil
		}
	case !write:
		_, err := io.WriteString(c.OutOrStdout(), out)
		return err
	}
	if !changed {
		return nil
	}
	return replaceFile(name, []byte(out))
}

// readScript reads a script file, or standard input for "-", refusing files over maxScriptFile.
func readScript(c *cobra.Command, name string) (string, error) {
	var r io.Reader
	if name == "-" {
		r = c.InOrStdin()
		name = "standard input"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return "", err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return "", fmt.Errorf("%s: is a directory, not an AIR script", name)
		}
		r = f
	}
	data, err := readAtMost(r, name, maxScriptFile, "an AIR script")
	return string(data), err
}

// readAtMost reads r (named name) whole, refusing more than limit bytes: too large for what.
func readAtMost(r io.Reader, name string, limit int, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s: larger than %d MiB, too large for %s", name, limit>>20, what)
	}
	return data, nil
}

func printScriptErrors(w io.Writer, name string, err error) {
	var list air.ErrorList
	if !errors.As(err, &list) {
		fprintf(w, "%s: %v\n", name, err)
		return
	}
	for _, e := range list {
		fprintf(w, "%s:%d:%d: %s\n", name, e.Pos.Line, e.Pos.Col, e.Msg)
	}
}

// printScriptWarnings prints what air.Lint says of a valid script, as FILE:LINE:COL: warning:
// message.
func printScriptWarnings(w io.Writer, name string, s *air.Script) {
	for _, e := range air.Lint(s.Root) {
		fprintf(w, "%s:%d:%d: warning: %s\n", name, e.Pos.Line, e.Pos.Col, e.Msg)
	}
}

// replaceFile writes data to path through a temporary file and a rename, so that a crash leaves
// the old or the new content, and keeps path's permissions.
func replaceFile(path string, data []byte) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename this fails harmlessly
	if _, err := io.Copy(tmp, bytes.NewReader(data)); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
