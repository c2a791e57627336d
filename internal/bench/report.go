package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// report is everything one run measured.
type report struct {
	Command string `json:"command"`
	// Commit is the commit the bench ran at (git rev-parse), with a mark
	// when the work tree had uncommitted changes.
	Commit        string        `json:"commit"`
	Config        config        `json:"config"`
	Machine       machine       `json:"machine"`
	Started       time.Time     `json:"started"`
	Elapsed       time.Duration `json:"elapsed"`
	DB            string        `json:"db"`
	ServerStartup time.Duration `json:"serverStartup"`

	// ChainActivities is how many activities a NetworkChange runs, local
	// ones included: the ceiling chain runs as many, all activities.
	ChainActivities int `json:"chainActivities"`
	ChainUpserts    int `json:"chainUpserts"`
	// ChainShape is NetworkChange's commands in order (see historyCost.Shape).
	ChainShape string `json:"chainShape"`
	// The chain of NetworkChange's shape: the engine's cost of what
	// NetworkChange asks of it.
	CeilingShape         runStats    `json:"ceilingShape"`
	CeilingShapeCost     costSummary `json:"ceilingShapeCost"`
	Throughput           runStats    `json:"throughput"`
	Ceiling              runStats    `json:"ceiling"`
	Ratio                float64     `json:"ratio"` // best vpcflow batch / best ceiling batch
	PairRatios           []float64   `json:"pairRatios"`
	Serial               runStats    `json:"serial"`
	DirectSerial         runStats    `json:"directSerial"`
	DirectConcurrent     runStats    `json:"directConcurrent"`
	DirectCallsPerChange float64     `json:"directCallsPerChange"`
	// The direct baseline with the publish status read by destination.
	DirectByDestination      runStats           `json:"directByDestination"`
	DirectByDestinationCalls float64            `json:"directByDestinationCallsPerChange"`
	OverheadPerWorkflow      time.Duration      `json:"overheadPerWorkflow"`
	Cost                     costSummary        `json:"cost"`
	CeilingCost              costSummary        `json:"ceilingCost"`
	CallsPerWorkflow         map[string]float64 `json:"callsPerWorkflow"`
	Waits                    []waitCost         `json:"waits"`
	Lag                      []lagRow           `json:"lag"`
	Builds                   []buildRow         `json:"builds"`
	Footprint                []footprintRow     `json:"footprint"`
	Tuning                   []tuneRow          `json:"tuning"`
	Fleets                   []fleetRow         `json:"fleets"`
	// OtherCPU is the CPU time the rest of the machine (other processes
	// than the bench and its worker) used during the run: the two cores
	// are shared, and anything else running skews the numbers.
	OtherCPU time.Duration `json:"otherCpu"`
	LoadAvg  [2]string     `json:"loadAvg"` // /proc/loadavg at the start and the end
	// WorkerProcessCPU is what the footprint's worker process used.
	WorkerProcessCPU time.Duration `json:"workerProcessCpu"`
}

type machine struct {
	NProc     int    `json:"nproc"`
	CPU       string `json:"cpu"`
	MemTotal  string `json:"memTotal"`
	GoVersion string `json:"go"`
	OS        string `json:"os"`
}

func describeMachine() machine {
	m := machine{NProc: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				m.MemTotal = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	return m
}

// machineCPU is the CPU time all processes have used since boot
// (/proc/stat: user, nice, system, irq, softirq, steal).
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += v
	}
	return time.Duration(ticks) * time.Second / 100
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// commitOf is the commit of the work tree the bench runs in, "unknown"
// outside a git checkout.
func commitOf() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if dirty, _ := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); len(strings.TrimSpace(string(dirty))) > 0 {
		commit += " (with uncommitted changes)"
	}
	return commit
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// markdown renders the report as the tables docs/benchmarks.md shows.
func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("## vpcflow benchmark\n\n")
	p("`%s` at commit %s on %d × %s, %s, %s %s; Temporal %s; server up in %s; run took %s.\n\n",
		r.Command, r.Commit, r.Machine.NProc, r.Machine.CPU, r.Machine.MemTotal, r.Machine.GoVersion, r.Machine.OS, r.DB,
		r.ServerStartup.Round(time.Millisecond), r.Elapsed.Round(time.Second))
	if len(r.Config.ServerConfig) > 0 {
		p("Server dynamic config overrides: %v.\n\n", r.Config.ServerConfig)
	}
	p("Other processes used %s of CPU during the run (load average %s at the start, %s at the end).\n\n",
		secs(r.OtherCPU), r.LoadAvg[0], r.LoadAvg[1])

	if r.Throughput.N > 0 {
		p("### Throughput and latency (%d workflows, %d in flight, transitions immediate)\n\n", r.Throughput.N, r.Throughput.Inflight)
		p("| run | workflows/s | p50 | p99 | CPU per workflow (whole process) | other processes (cores) |\n|---|---|---|---|---|---|\n")
		for _, s := range []runStats{r.Throughput, r.Ceiling, r.CeilingShape, r.DirectConcurrent, r.DirectByDestination} {
			if s.N > 0 {
				p("| %s | %.1f | %s | %s | %s | %.2f |\n", s.Name, s.PerSecond, ms(s.P50), ms(s.P99), ms(s.CPUPerUnit), s.OtherCores)
			}
		}
		p("\n**vpcflow / ceiling: %.2f** best against best (target ≥ 0.85); %s. The ceiling chain has %d no-op activities, as many as a NetworkChange runs (`%s`: a activity, l local activity, u upsert).\n\n",
			r.Ratio, pairRatios(r.PairRatios), r.ChainActivities, r.ChainShape)
		if r.CeilingShape.N > 0 {
			p("vpcflow / ceiling of NetworkChange's shape: **%.2f** (the engine's cost of the same commands; what remains is vpcflow's own: cloud calls, payloads, bookkeeping).\n\n",
				r.Throughput.PerSecond/r.CeilingShape.PerSecond)
		}
		p("### Orchestration overhead (one change at a time, %d each)\n\n", r.Serial.N)
		p("| run | p50 | p99 |\n|---|---|---|\n")
		for _, s := range []runStats{r.Serial, r.DirectSerial} {
			p("| %s | %s | %s |\n", s.Name, ms(s.P50), ms(s.P99))
		}
		p("\n**Overhead per workflow: %s** (p50 vpcflow − p50 direct; both include the verify's 1 s pause between its two reads).\n\n", ms(r.OverheadPerWorkflow))

		p("### Cost per workflow\n\n")
		p("| | per NetworkChange | per ceiling chain | per chain of its shape |\n|---|---|---|---|\n")
		p("| history events | %.1f (min %d, max %d) | %.1f | %.1f |\n", r.Cost.EventsMean, r.Cost.EventsMin, r.Cost.EventsMax,
			r.CeilingCost.EventsMean, r.CeilingShapeCost.EventsMean)
		p("| billable actions | %.2f | %.2f | %.2f |\n", r.Cost.ActionsMean, r.CeilingCost.ActionsMean, r.CeilingShapeCost.ActionsMean)
		p("| cloud API calls | %.2f (direct baseline: %.2f) | 0 | 0 |\n\n", sumCalls(r.CallsPerWorkflow), r.DirectCallsPerChange)
		if r.DirectByDestinationCalls > 0 {
			p("With the shared route table, reading the publish status by destination takes %.2f calls per change instead of %.2f.\n\n",
				r.DirectByDestinationCalls, r.DirectCallsPerChange)
		}
		p("Billable actions: %s.\n\n", r.Cost.actionsBreakdown())
		p("Cloud calls by action: %s.\n\n", callList(r.CallsPerWorkflow))
		p("History events by type: %s.\n\n", r.Cost.eventTypes())
	}

	if len(r.Waits) > 0 {
		p("### History against wait length (NetworkChange, connect taking the time shown)\n\n")
		p("| connect takes | cloudsim clock | events | billable actions | heartbeats reaching the server | DescribeRouterInterfaces | p50 latency |\n|---|---|---|---|---|---|---|\n")
		for _, w := range r.Waits {
			p("| %s | ×%g | %.1f (min %d, max %d) | %.2f | %.2f | %.1f | %s |\n", w.Wait, w.ClockSpeed, w.Cost.EventsMean, w.Cost.EventsMin, w.Cost.EventsMax,
				w.Cost.ActionsMean, float64(w.Cost.Heartbeats)/float64(max(1, w.Cost.Workflows)),
				w.Calls["DescribeRouterInterfaces"], secs(w.Latency))
		}
		p("\n")
	}

	if len(r.Lag) > 0 {
		p("### Detection lag (ConnectRouterInterface; Active %s ± %.0f%% after the wait starts)\n\n", r.Config.LagDelays, 100*r.Config.LagJitter)
		p("| Active after | schedule | round | n | lag p50 | lag p99 | lag max | Describe calls (mean) | max |\n|---|---|---|---|---|---|---|---|---|\n")
		rows := append([]lagRow(nil), r.Lag...)
		sort.SliceStable(rows, func(i, j int) bool {
			if rows[i].Delay != rows[j].Delay {
				return rows[i].Delay < rows[j].Delay
			}
			return false
		})
		for _, l := range rows {
			p("| %s | %s | %s | %d | %s | %s | %s | %.1f | %d |\n", l.Delay, l.Schedule, l.Round, l.N-l.Failed,
				ms(l.LagP50), ms(l.LagP99), ms(l.LagMax), l.CallsAvg, l.CallsMax)
		}
		p("\n")
	}

	if len(r.Builds) > 0 {
		p("### Builds (`go build`; packages: `go list -deps`, standard library included)\n\n| command | binary | packages |\n|---|---|---|\n")
		for _, b := range r.Builds {
			p("| `%s` | %.1f MB | %d |\n", b.Package, float64(b.Bytes)/1e6, b.Packages)
		}
		p("\n")
	}

	if len(r.Footprint) > 0 {
		p("### Worker footprint (`go build ./worker`, its own process, configured by the environment)\n\n")
		p("| binary | phase | workflows | RSS | peak RSS (VmHWM) | CPU | CPU per workflow | CPU s per s while waiting | Describe/s | calls per wait a minute | reads per wait a minute | calls per read | throttled |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, f := range r.Footprint {
			p("| %s | %s | %d | %s | %s | %s | %s | %.3f | %.1f | %.3f | %.2f | %.3f | %d |\n", f.Binary, f.Phase, f.Workflows, mib(f.RSS), mib(f.HWM), secs(f.CPU),
				ms(f.CPUPerWf), f.CPUPerSec, f.DescribeRPS, f.CallsPerWaitMinute, f.ReadsPerWaitMinute, f.CallsPerRead, f.Throttled)
		}
		p("\n")
	}

	if len(r.Fleets) > 0 {
		p("### Fleets (cloudsim refusing writes in flight together on a route table or a router; the fleet's Concurrency %d)\n\n", fleetConcurrency)
		p("| run | changes | sharing | wall | completed | failed | cloud calls | per change | conflict answers | fleet events (runs) |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for _, f := range r.Fleets {
			events := "-"
			if f.FleetRuns > 0 {
				events = fmt.Sprintf("%d (%d)", f.FleetEvents, f.FleetRuns)
			}
			p("| %s | %d | %d | %s | %d | %d | %d | %.1f | %d | %s |\n", f.Name, f.Changes, f.Sharing, secs(f.Wall), f.Completed, f.Failed,
				f.CloudCalls, float64(f.CloudCalls)/float64(max(1, f.Changes)), f.Conflicts, events)
		}
		p("\n")
	}

	if len(r.Tuning) > 0 {
		p("### Worker options and workflow shape (each on a fresh server, against its own ceiling run; best of %d)\n\n", max(1, r.Config.Repeat))
		p("| variant | vpcflow wf/s | p50 | p99 | CPU/wf | events | billable actions | chain | chain wf/s | CPU/wf | events | billable actions | ratio | other processes (cores) |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, t := range r.Tuning {
			v := "-"
			if t.Vpcflow.N > 0 {
				v = fmt.Sprintf("%.1f | %s | %s | %s | %.1f | %.2f", t.Vpcflow.PerSecond, ms(t.Vpcflow.P50), ms(t.Vpcflow.P99),
					ms(t.Vpcflow.CPUPerUnit), t.Events, t.Actions)
			} else {
				v = "- | - | - | - | - | -"
			}
			ratio := "-"
			if t.Ratio > 0 {
				ratio = fmt.Sprintf("%.2f (%s)", t.Ratio, pairRatios(t.PairRatios))
			}
			p("| %s | %s | `%s` | %.1f | %s | %.1f | %.2f | %s | %.2f / %.2f |\n", t.Name, v, t.Chain, t.Ceiling.PerSecond,
				ms(t.Ceiling.CPUPerUnit), t.ChainEvents, t.ChainActions, ratio, t.Vpcflow.OtherCores, t.Ceiling.OtherCores)
		}
		p("\n")
	}
	return b.String()
}

// pairRatios describes the ratios of each repeat's vpcflow batch to the
// ceiling batch after it: their median and each of them.
func pairRatios(rs []float64) string {
	if len(rs) == 0 {
		return "no pairs"
	}
	sorted := append([]float64(nil), rs...)
	sort.Float64s(sorted)
	med := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		med = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%.2f", r)
	}
	return fmt.Sprintf("median of pairs %.2f (%s)", med, strings.Join(parts, ", "))
}

func sumCalls(m map[string]float64) float64 {
	t := 0.0
	for _, v := range m {
		t += v
	}
	return t
}

func callList(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.2f", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
