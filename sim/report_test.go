package sim

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func reportOf(t *testing.T) (string, *Result) {
	t.Helper()
	r := runT(t, Options{Seed: 5, Nodes: 5, Duration: time.Minute, Faults: "all", KeepHops: true})
	var b bytes.Buffer
	if err := WriteReport(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String(), r
}

// The report holds the checks, the nodes, an arrow per trip and a line per fault.
func TestReportContents(t *testing.T) {
	page, r := reportOf(t)
	if len(r.Hops) == 0 || len(r.Marks) == 0 {
		t.Fatalf("%d hops, %d marks", len(r.Hops), len(r.Marks))
	}
	for _, want := range []string{`<svg id="timeline"`, `<table id="checks">`, ">no_leaks<", ">n4<", r.Hash} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	if n := strings.Count(page, `<line class="delivered"`) + strings.Count(page, `<line class="lost"`) + strings.Count(page, `<line class="cut"`); n != len(r.Hops) {
		t.Errorf("%d arrows for %d hops", n, len(r.Hops))
	}
	if n := strings.Count(page, `<line class="mark"`); n != len(r.Marks) {
		t.Errorf("%d fault lines for %d marks", n, len(r.Marks))
	}
}

// The report loads in a real headless browser without console errors, and its script runs
// over the timeline. Skipped where there is no chromium, unless AQUANET_REQUIRE_CHROMIUM is set
// (CI sets it: it installs chromium).
func TestReportRendersInChromium(t *testing.T) {
	var browser string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		if os.Getenv("AQUANET_REQUIRE_CHROMIUM") != "" {
			t.Fatal("no chromium, and AQUANET_REQUIRE_CHROMIUM is set")
		}
		t.Skip("no chromium to render the report in")
	}
	page, r := reportOf(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0", "--dump-dom", "file://"+path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), ":CONSOLE") {
		t.Errorf("console messages:\n%s", stderr.String())
	}
	m := regexp.MustCompile(`data-ready="(\d+)"`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("the page's script did not run; DOM:\n%.2000s", stdout.String())
	}
	if n, _ := strconv.Atoi(m[1]); n != len(r.Hops) {
		t.Errorf("the script saw %d arrows, the run had %d trips", n, len(r.Hops))
	}
	if !strings.Contains(stdout.String(), `<svg id="timeline"`) {
		t.Error("no timeline in the rendered page")
	}
}
