package sim

import (
	"bytes"
	"context"
	"html"
	"math"
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

// The report holds the checks, the nodes, an arrow per trip with a head and a label, a line
// per fault, a span per crash; the faults come first, above the timeline.
func TestReportContents(t *testing.T) {
	page, r := reportOf(t)
	if len(r.Hops) == 0 || len(r.Marks) == 0 {
		t.Fatalf("%d hops, %d marks", len(r.Hops), len(r.Marks))
	}
	for _, want := range []string{`<svg id="timeline"`, `<table id="checks-table">`, ">no_leaks<", ">n4<", r.Hash, `<marker id="head-delivered"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	arrows := regexp.MustCompile(`<g class="hop (\w+)" [^>]*data-particle="([^"]+)"[^>]*><title>([^<]*)</title><line class="hit"/><line class="vis" marker-end="url\(#head-(\w+)\)"/></g>`).FindAllStringSubmatch(page, -1)
	if len(arrows) != len(r.Hops) {
		t.Fatalf("%d arrows for %d hops", len(arrows), len(r.Hops))
	}
	for i, a := range arrows {
		h := r.Hops[i]
		if a[1] != h.Fate || a[4] != h.Fate || a[2] != h.Particle || !strings.HasPrefix(html.UnescapeString(a[3]), h.Particle+": "+h.From+" → "+h.To+", sent ") {
			t.Errorf("hop %+v drawn as %q", h, a[0])
		}
	}
	if n := strings.Count(page, `<g class="mark"`); n != len(r.Marks) {
		t.Errorf("%d fault lines for %d marks", n, len(r.Marks))
	}
	crashes := 0
	for _, n := range r.Nodes {
		crashes += n.Crashes
	}
	if n := strings.Count(page, `<rect class="span down"`); crashes == 0 || n != crashes {
		t.Errorf("%d spans of a node down for %d crashes", n, crashes)
	}
	splits := 0
	for _, m := range r.Marks {
		if strings.HasPrefix(m.What, "split ") {
			splits++
		}
	}
	if n := strings.Count(page, `<rect class="span split"`); splits == 0 || n != splits {
		t.Errorf("%d spans of a partition for %d splits", n, splits)
	}
	if !strings.Contains(page, `<span class="verdict pass">all 5 checks pass</span>`) {
		t.Error("the verdict does not say every check passed")
	}
	r.Checks["liveness"] = Check{Detail: "stuck"}
	var b bytes.Buffer
	if err := WriteReport(&b, r); err != nil || !strings.Contains(b.String(), `<span class="verdict fail">1 of 5 checks FAILED</span>`) {
		t.Errorf("a failed check is not in the verdict (%v)", err)
	}
	text := html.UnescapeString(page)
	faults, timeline := strings.Index(text, `<section id="faults">`), strings.Index(text, `<svg id="timeline"`)
	if faults < 0 || faults > timeline {
		t.Error("the faults do not come before the timeline")
	}
	for _, l := range r.FaultLines() {
		if i := strings.Index(text, l); i < 0 || i > timeline {
			t.Errorf("the faults above the timeline lack %q", l)
		}
	}
}

// The report loads in a real headless browser without console errors; its script lays the
// timeline out for the events' range (the first trip or fault to the last, not the start to
// the deadline), so that every event is on the first screen, and draws every arrow with its
// head; a link to a trip (as a click on it does) shows its details in the side panel. Skipped
// where there is no chromium, unless AQUANET_REQUIRE_CHROMIUM is set (CI sets it: it installs
// chromium).
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
	render := func(fragment string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1400,900",
			"--user-data-dir="+filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0", "--dump-dom", "file://"+path+fragment)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium: %v\n%s", err, stderr.String())
		}
		if strings.Contains(stderr.String(), ":CONSOLE") {
			t.Errorf("console messages:\n%s", stderr.String())
		}
		return stdout.String()
	}
	dom := render("")
	body := map[string]string{}
	for _, m := range regexp.MustCompile(`<body((?: data-[\w-]+="[^"]*")*)>`).FindAllStringSubmatch(dom, 1) {
		for _, a := range regexp.MustCompile(`data-([\w-]+)="([^"]*)"`).FindAllStringSubmatch(m[1], -1) {
			body[a[1]] = a[2]
		}
	}
	if body["ready"] == "" {
		t.Fatalf("the page's script did not run; DOM:\n%.2000s", dom)
	}
	if n, _ := strconv.Atoi(body["ready"]); n != len(r.Hops) {
		t.Errorf("the script saw %d arrows, the run had %d trips", n, len(r.Hops))
	}

	// The range the script found is the events'.
	first, last := time.Duration(math.MaxInt64), time.Duration(0)
	for _, h := range r.Hops {
		first, last = min(first, h.Sent), max(last, h.Arrived)
	}
	for _, m := range r.Marks {
		first, last = min(first, m.At), max(last, m.At)
	}
	a, b, _ := strings.Cut(body["range"], ",")
	from, err1 := strconv.ParseFloat(a, 64)
	to, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil || math.Abs(from-msf(first)) > 1e-6 || math.Abs(to-msf(last)) > 1e-6 {
		t.Errorf("the script's range %q, the events' %v to %v (of %.0f s)", body["range"], first, last, r.VirtualSeconds)
	}
	// Every event is on the first screen.
	top, _ := strconv.Atoi(body["events-top"])
	bottom, _ := strconv.Atoi(body["events-bottom"])
	viewport, _ := strconv.Atoi(body["viewport"])
	if top < 0 || bottom <= top || bottom > viewport {
		t.Errorf("the events are drawn from %d px to %d px down a window of %d px", top, bottom, viewport)
	}

	// Every arrow is laid out, with a head that exists and a label.
	markers := map[string]bool{}
	for _, m := range regexp.MustCompile(`<marker id="([\w-]+)"`).FindAllStringSubmatch(dom, -1) {
		markers[m[1]] = true
	}
	arrows := regexp.MustCompile(`<g class="hop [^"]*" [^>]*data-particle="([^"]+)"[^>]*><title>([^<]*)</title><line class="hit"[^>]*></line><line class="vis" marker-end="url\(#([\w-]+)\)" x1="([-\d.e]+)" y1="([-\d.e]+)" x2="([-\d.e]+)" y2="([-\d.e]+)"></line></g>`).FindAllStringSubmatch(dom, -1)
	if len(arrows) != len(r.Hops) {
		t.Fatalf("%d arrows laid out with a head, for %d trips", len(arrows), len(r.Hops))
	}
	for _, a := range arrows {
		if !markers[a[3]] || !strings.HasPrefix(a[2], a[1]+": ") {
			t.Errorf("arrow %q: head %s (defined: %v), title %q", a[1], a[3], markers[a[3]], a[2])
		}
	}

	// A link to a trip selects it: its details are in the side panel.
	k := len(r.Hops) / 2
	dom = render("#hop=" + strconv.Itoa(k))
	details := regexp.MustCompile(`(?s)<aside id="details">(.*?)</aside>`).FindStringSubmatch(dom)
	if details == nil || !strings.Contains(details[1], "particle "+r.Hops[k].Particle+"<") || !strings.Contains(details[1], r.Hops[k].From+" → "+r.Hops[k].To) {
		t.Errorf("trip %d (%+v) selected; the side panel:\n%.1500s", k, r.Hops[k], details)
	}
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
