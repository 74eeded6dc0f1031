package bench

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

// callMethods are the methods of the calls column, in its order.
var callMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// Table renders the report as a markdown table, with the setup above it and
// what the columns mean below it, to paste into a closing note.
func (rep *Report) Table() string {
	var b strings.Builder
	extra := ""
	if rep.ProviderBuild != "" {
		extra = "; provider at " + rep.ProviderBuild
	}
	if rep.Profiled {
		extra += "; provider profiled (costs it some CPU)"
	}
	cpu := fmt.Sprintf("%d cores", rep.Cores)
	if rep.CPUModel != "" {
		cpu += " (" + rep.CPUModel + ")"
	}
	through := ""
	if rep.EdgeTier.Name != "" {
		through = "; through a simulated Ory Network edge, " + rep.EdgeTier.Name + " tier"
	}
	fmt.Fprintf(&b, "N = %d identities, -parallelism=%d; %s %s; Kratos %s on %s%s; %s%s\n\n",
		rep.N, rep.Parallelism, rep.CLIName, rep.CLIVersion, rep.KratosVersion, databaseName(rep.Database), through, cpu, extra)
	if rep.EdgeTier.Name != "" {
		rep.edgeTable(&b)
		return b.String()
	}

	rows := [][]string{{"config", "phase", "seconds", "floor+raw", "ratio", "provider CPU s", "CLI CPU s", "peak RSS MB",
		"API calls / identity (" + strings.Join(callMethods, "/") + ")"}}
	rep.eachRow(func(c config, row Row) {
		base, ratio := "–", "–"
		if c.provider {
			f, fok := rep.row(c.floor, row.Phase)
			raw, rok := rep.row(c.rawBase, row.Phase)
			if fok && rok {
				sum := f.Wall + raw.Wall
				base = seconds(sum)
				ratio = fmt.Sprintf("%.2f", row.Wall.Seconds()/sum.Seconds())
			}
		}
		providerCPU, rss, cliCPU := "–", "–", "–"
		if c.provider || c.null {
			providerCPU = seconds(row.ProviderCPU)
			rss = fmt.Sprintf("%.0f", float64(row.PeakRSS)/(1<<20))
		}
		if !c.raw {
			cliCPU = seconds(row.CLI)
		}
		rows = append(rows, []string{c.label, row.Phase, seconds(row.Wall), base, ratio, providerCPU, cliCPU, rss, rep.calls(row)})
	})
	writeMarkdown(&b, rows)
	b.WriteString(`
ratio = ours / (floor + raw), per phase: the floor is the CLI's own cost for as many terraform_data (pairs where
the second references the first by count.index, for identity + password), raw the same API calls made directly
at the same concurrency (create with the password in one POST; GET with include_credential=password; DELETE).
The provider that calls no API (internal/bench/nullprovider, same terraform-plugin-framework, a resource with
ory_identity's configured attributes) shows what N resources cost any framework provider before it does anything.
Provider CPU: summed over the provider processes of the command (the kernel's count, from the CLI's reaped
children); peak RSS: the largest VmHWM among them. API calls: counted by a proxy in front of Kratos, divided by N.
`)
	return b.String()
}

// edgeTable is the table of a run through the edge: each phase against the
// least time the tier allows for its calls.
func (rep *Report) edgeTable(b *strings.Builder) {
	rows := [][]string{{"config", "phase", "seconds", "bound s", "ratio", "requests", "429 rate", "429 inflight",
		"API calls / identity (" + strings.Join(callMethods, "/") + ")"}}
	rep.eachRow(func(c config, row Row) {
		bound := row.Edge.Bound(rep.EdgeTier)
		ratio := "–"
		if bound > 0 {
			ratio = fmt.Sprintf("%.2f", row.Wall.Seconds()/bound.Seconds())
		}
		rows = append(rows, []string{c.label, row.Phase, seconds(row.Wall), seconds(bound), ratio,
			strconv.Itoa(row.Edge.Requests), strconv.Itoa(row.Edge.RateLimited()), strconv.Itoa(row.Edge.Inflight()), rep.calls(row)})
	})
	writeMarkdown(b, rows)
	limits := make([]string, 0, len(ory.Buckets))
	for _, name := range ory.Buckets {
		l := rep.EdgeTier.Limits[name]
		limits = append(limits, fmt.Sprintf("%s %d/min, %d/s", name, l.PerMinute, l.PerSecond))
	}
	fmt.Fprintf(b, `
bound = the least time the %s tier's limits allow for the calls the phase made: per bucket, the time fixed
1 s and 60 s windows need to admit that many requests, starting from fresh windows; the largest over the buckets
(%s). ratio = seconds / bound. requests: all that the edge answered; 429 rate: refused as a window was
full; 429 inflight: refused as the same write was in flight. API calls: those that reached Kratos, divided by N.
`, rep.EdgeTier.Name, strings.Join(limits, "; "))
}

// eachRow calls f with the rows measured, in the table's order.
func (rep *Report) eachRow(f func(c config, row Row)) {
	for _, c := range configs {
		for _, phase := range phases {
			if row, ok := rep.row(c.name, phase); ok {
				f(c, row)
			}
		}
	}
}

func (rep *Report) row(config, phase string) (Row, bool) {
	for _, r := range rep.Rows {
		if r.Config == config && r.Phase == phase {
			return r, true
		}
	}
	return Row{}, false
}

// calls is "GET/POST/PUT/PATCH/DELETE" per identity, e.g. "1/0/1/0/0".
func (rep *Report) calls(row Row) string {
	parts := make([]string, len(callMethods))
	for i, m := range callMethods {
		n := row.Calls[m]
		if n%rep.N == 0 {
			parts[i] = strconv.Itoa(n / rep.N)
		} else {
			parts[i] = fmt.Sprintf("%.2f", float64(n)/float64(rep.N))
		}
	}
	return strings.Join(parts, " / ")
}

func seconds(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f", d.Seconds())
	}
	return fmt.Sprintf("%.1f", d.Seconds())
}

func databaseName(db string) string {
	if db == acctest.DatabasePostgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// writeMarkdown writes rows as a markdown table with padded columns, so
// that it reads in a terminal too; the first row is the header, and columns
// other than the first two are numbers, aligned right.
func writeMarkdown(b *strings.Builder, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	line := func(cells []string) {
		for i, cell := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i < 2 {
				fmt.Fprintf(b, "| %s%s ", cell, pad)
			} else {
				fmt.Fprintf(b, "| %s%s ", pad, cell)
			}
		}
		b.WriteString("|\n")
	}
	line(rows[0])
	for i, w := range widths {
		if i < 2 {
			fmt.Fprintf(b, "|%s", strings.Repeat("-", w+2))
		} else {
			fmt.Fprintf(b, "|%s:", strings.Repeat("-", w+1))
		}
	}
	b.WriteString("|\n")
	for _, r := range rows[1:] {
		line(r)
	}
}
