package sim

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

// WriteReport writes r as one self-contained HTML page: the options the seed expanded to, the
// checks' verdicts, each node's counters, and a timeline of the particles hopping between the
// nodes (a sequence diagram: a lane per node, time downwards, an arrow per trip, coloured by
// its fate) with the faults and the healing marked. r needs its hops (Options.KeepHops).
func WriteReport(w io.Writer, r *Result) error {
	opts, err := json.MarshalIndent(r.Options, "", "  ")
	if err != nil {
		return err
	}
	lanes := map[string]int{}
	for i, n := range r.Nodes {
		lanes[n.Name] = i
	}
	const laneGap, top, pxPerSecond = 90, 40, 40.0
	end := time.Duration(r.VirtualSeconds * float64(time.Second))
	y := func(d time.Duration) float64 { return top + d.Seconds()*pxPerSecond }
	x := func(name string) float64 { return 60 + float64(lanes[name]*laneGap) }
	var arrows []arrow
	for _, h := range r.Hops {
		arrows = append(arrows, arrow{X1: x(h.From), Y1: y(h.Sent), X2: x(h.To), Y2: y(h.Arrived), Fate: h.Fate,
			Title: fmt.Sprintf("%s %s → %s, %v → %v: %s", h.Particle, h.From, h.To, h.Sent.Round(time.Millisecond), h.Arrived.Round(time.Millisecond), h.Fate)})
	}
	var marks []mark
	for _, m := range r.Marks {
		marks = append(marks, mark{Y: y(m.At), Text: fmt.Sprintf("%v %s", m.At.Round(time.Millisecond), m.What)})
	}
	var ls []lane
	for _, n := range r.Nodes {
		ls = append(ls, lane{X: x(n.Name), Name: n.Name})
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range r.Checks {
			if !yield(k) {
				return
			}
		}
	})
	var checks []checkRow
	for _, n := range names {
		checks = append(checks, checkRow{Name: n, Pass: r.Checks[n].Pass, Detail: r.Checks[n].Detail})
	}
	return reportTemplate.Execute(w, reportData{
		Result: r, Options: string(opts), Checks: checks, Lanes: ls, Arrows: arrows, Marks: marks,
		Width: 60 + len(r.Nodes)*laneGap, Height: int(y(end)) + 20, Bottom: y(end), Truncated: len(r.Hops) >= maxHops,
		Fired: strings.Join(r.FaultsFired, " "),
	})
}

type arrow struct {
	X1, Y1, X2, Y2 float64
	Fate, Title    string
}

type mark struct {
	Y    float64
	Text string
}

type lane struct {
	X    float64
	Name string
}

type checkRow struct {
	Name, Detail string
	Pass         bool
}

type reportData struct {
	Result        *Result
	Options       string
	Checks        []checkRow
	Lanes         []lane
	Arrows        []arrow
	Marks         []mark
	Width, Height int
	Bottom        float64
	Truncated     bool
	Fired         string
}

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>aquanet sim, seed {{.Result.Seed}}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222 }
table { border-collapse: collapse; margin: .5em 0 1.5em }
td, th { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top }
.pass { color: #176c2b } .fail { color: #b00020; font-weight: bold }
pre { background: #f6f6f6; padding: .6em; max-height: 20em; overflow: auto }
svg line.delivered { stroke: #2f6fdf } svg line.lost { stroke: #b00020; stroke-dasharray: 4 3 }
svg line.cut { stroke: #e08a00; stroke-dasharray: 2 2 } svg line { stroke-width: 1.2 }
svg .lane { stroke: #bbb } svg .mark { stroke: #b00020; stroke-opacity: .35 } svg text { font-size: 11px }
#filter { margin-bottom: .5em }
</style></head>
<body>
<h1>aquanet sim: seed {{.Result.Seed}}</h1>
<p>{{len .Result.Nodes}} nodes, faults <b>{{.Result.Options.Faults}}</b>, {{.Result.Events}} events,
hash <code>{{.Result.Hash}}</code>, {{printf "%.0f" .Result.VirtualSeconds}} virtual seconds in {{printf "%.2f" .Result.RealSeconds}} real seconds.
Network: {{.Result.Net.Sent}} sent, {{.Result.Net.Delivered}} delivered, {{.Result.Net.Lost}} lost, {{.Result.Net.Duplicated}} duplicated, {{.Result.Net.Cut}} cut.
{{if .Fired}}Fault points fired: {{.Fired}}.{{end}}</p>
<h2>Checks</h2>
<table id="checks"><tr><th>check</th><th>verdict</th><th>detail</th></tr>
{{range .Checks}}<tr><td>{{.Name}}</td><td class="{{if .Pass}}pass{{else}}fail{{end}}">{{if .Pass}}pass{{else}}FAIL{{end}}</td><td>{{.Detail}}</td></tr>
{{end}}</table>
<h2>Nodes</h2>
<table id="nodes"><tr><th>node</th><th>arrivals</th><th>rejected</th><th>replays</th><th>expired</th><th>crashes</th></tr>
{{range .Result.Nodes}}<tr><td>{{.Name}}</td><td>{{.Accepted}}</td><td>{{.Rejected}}</td><td>{{.Replays}}</td><td>{{.Expired}}</td><td>{{.Crashes}}</td></tr>
{{end}}</table>
<h2>Timeline</h2>
<p>A lane per node, virtual time downwards; an arrow per particle trip: <span style="color:#2f6fdf">delivered</span>,
<span style="color:#b00020">lost</span>, <span style="color:#e08a00">cut by a partition, a clog or a crash</span>; faults and the healing are the red lines.
{{if .Truncated}}Only the first trips are drawn.{{end}}</p>
<input id="filter" placeholder="show one particle (its id)">
<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}">
{{range .Lanes}}<line class="lane" x1="{{.X}}" y1="30" x2="{{.X}}" y2="{{$.Bottom}}"/><text x="{{.X}}" y="20" text-anchor="middle">{{.Name}}</text>
{{end}}{{range .Marks}}<line class="mark" x1="0" y1="{{.Y}}" x2="{{$.Width}}" y2="{{.Y}}"><title>{{.Text}}</title></line>
{{end}}{{range .Arrows}}<line class="{{.Fate}}" x1="{{.X1}}" y1="{{.Y1}}" x2="{{.X2}}" y2="{{.Y2}}"><title>{{.Title}}</title></line>
{{end}}</svg>
<h2>Faults</h2>
<pre id="marks">{{range .Marks}}{{.Text}}
{{end}}</pre>
<h2>Options</h2>
<pre id="options">{{.Options}}</pre>
<script>
(function () {
  var filter = document.getElementById("filter");
  var arrows = document.querySelectorAll("#timeline line:not(.lane):not(.mark)");
  filter.addEventListener("input", function () {
    var want = filter.value.trim();
    arrows.forEach(function (a) {
      var t = a.querySelector("title").textContent;
      a.style.display = !want || t.indexOf(want + " ") === 0 ? "" : "none";
    });
  });
  document.body.dataset.ready = String(arrows.length);
})();
</script>
</body></html>
`))
