package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAirCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.air", `(seq (call %init_peer_id% ("op" "noop") [] x) (call x ("s" "f") [x]))`)
	bad := writeFile(t, dir, "bad.air", "(seq\n  (call a (\"s\" \"f\") [b])\n  (fail 0 \"no\"))\n")
	broken := writeFile(t, dir, "broken.air", "(seq (null)")

	if code, out, stderr := aquanet(t, "", "air", "check", good); code != 0 || out != "" || stderr != "" {
		t.Fatalf("check of a valid file: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, out, _ := aquanet(t, "", "air", "check", good, bad, broken)
	if code != 1 {
		t.Fatalf("check with invalid files exited %d", code)
	}
	want := []string{
		bad + ":2:9: variable a is not defined",
		bad + ":2:22: variable b is not defined",
		bad + ":3:9: fail with error code 0",
		broken + ":1:12: expected an instruction for the right side of seq",
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(want) {
		t.Fatalf("check printed %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}

	code, out, _ = aquanet(t, "(null", "air", "check", "-")
	if code != 1 || !strings.HasPrefix(out, "-:1:6: expected ')'") {
		t.Fatalf("check of stdin: exit %d, %q", code, out)
	}
	code, _, stderr := aquanet(t, "", "air", "check", filepath.Join(dir, "missing.air"))
	if code != 1 || !strings.Contains(stderr, "no such file") {
		t.Fatalf("check of a missing file: exit %d, %q", code, stderr)
	}

	// Valid, but the last call waits for r until the TTL: a warning, exit 0.
	joins := writeFile(t, dir, "joins.air", "(seq\n  (fold [] x (ap x r))\n  (call %init_peer_id% (\"s\" \"f\") [r]))\n")
	code, out, _ = aquanet(t, "", "air", "check", joins)
	if want := joins + ":3:35: warning: r is set only inside the fold at 2:3"; code != 0 || !strings.HasPrefix(out, want) || strings.Count(out, "\n") != 1 {
		t.Fatalf("check of a script that waits for a fold's scalar: exit %d, %q, want one line starting %q", code, out, want)
	}
}

func TestAirFmt(t *testing.T) {
	dir := t.TempDir()
	src := "(seq (null) ; keep me\n (call x (\"s\" \"f\") []))"
	path := writeFile(t, dir, "a.air", src)
	const want = "(seq\n  (null) ; keep me\n  (call x (\"s\" \"f\") []))\n"

	code, out, _ := aquanet(t, "", "air", "fmt", path)
	if code != 0 || out != want {
		t.Fatalf("fmt: exit %d, output\n%s\nwant\n%s", code, out, want)
	}
	if got, _ := os.ReadFile(path); string(got) != src {
		t.Fatal("fmt without -w changed the file")
	}
	code, out, _ = aquanet(t, "", "air", "fmt", "-l", path)
	if code != 0 || strings.TrimSpace(out) != path {
		t.Fatalf("fmt -l: exit %d, %q", code, out)
	}
	if code, _, stderr := aquanet(t, "", "air", "fmt", "-w", path); code != 0 {
		t.Fatalf("fmt -w: exit %d, %s", code, stderr)
	}
	got, _ := os.ReadFile(path)
	if string(got) != want {
		t.Fatalf("fmt -w wrote\n%s", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Fatalf("fmt -w changed the mode to %v", st.Mode().Perm())
	}
	if code, out, _ = aquanet(t, "", "air", "fmt", "-l", path); code != 0 || out != "" {
		t.Fatalf("fmt -l of a formatted file: exit %d, %q", code, out)
	}

	code, out, _ = aquanet(t, "(par (null) (never))", "air", "fmt", "-")
	if code != 0 || out != "(par\n  (null)\n  (never))\n" {
		t.Fatalf("fmt of stdin: exit %d, %q", code, out)
	}
	broken := writeFile(t, dir, "broken.air", "(seq (null)")
	code, out, stderr := aquanet(t, "", "air", "fmt", "-w", broken)
	if code != 1 || out != "" || !strings.HasPrefix(stderr, broken+":1:12: ") {
		t.Fatalf("fmt of a broken file: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if got, _ := os.ReadFile(broken); string(got) != "(seq (null)" {
		t.Fatal("fmt -w changed a file that does not parse")
	}
	if code, _, stderr = aquanet(t, "", "air", "fmt", "-w", "-"); code != 1 || !strings.Contains(stderr, "standard input") {
		t.Fatalf("fmt -w -: exit %d, %q", code, stderr)
	}
}
