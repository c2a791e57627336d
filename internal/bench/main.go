// Command bench measures vpcflow against the engine's ceiling and a
// direct-SDK baseline, on the embedded Temporal server (internal/devserver)
// and cloudsim, in one process (the footprint section runs the worker binary
// as its own process). See docs/benchmarks.md for what it reports and the
// numbers of a full run.
//
//	go run ./internal/bench                 # full run, about 12 minutes
//	go run ./internal/bench -quick          # under a minute: what CI may run (go test ./internal/bench)
//	go run ./internal/bench -repeat 2 -wait-idle 10m   # best of two, on a quiet machine
//	go run ./internal/bench -tune           # also compare worker options and workflow shapes
//	go run ./internal/bench -core=false -lag=false -footprint=false -fleet 1000   # fleets only
//	go run ./internal/bench -out report.md  # or .json
//	go run ./internal/bench -cpuprofile cpu.out -memprofile mem.out
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // -pprof serves /debug/pprof
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config is one run's settings.
type config struct {
	Quick      bool          `json:"quick"`
	Workflows  int           `json:"workflows"`
	Inflight   int           `json:"inflight"`
	Repeat     int           `json:"repeat"`           // throughput runs of each kind; the best is kept
	NoCore     bool          `json:"noCore,omitempty"` // skip throughput, ceiling, direct baseline and cost
	ChainOnly  bool          `json:"-"`                // a tuning variant that runs only the chain
	Serial     int           `json:"serial"`           // one-at-a-time runs for the overhead
	DB         string        `json:"db"`               // "file" or "memory"
	Postgres   string        `json:"postgres,omitempty"`
	Shared     bool          `json:"shared"`
	Lag        bool          `json:"lag"`
	LagDelays  []string      `json:"lagDelays"`
	LagN       int           `json:"lagN"`
	LagAtScale int           `json:"lagAtScale,omitempty"` // the learning schedule's lag at a 30 s flip, this many waits at once
	LagJitter  float64       `json:"lagJitter"`
	WaitShort  time.Duration `json:"waitShort"` // history events must not grow from
	WaitLong   time.Duration `json:"waitLong"`  // a short wait to a long one
	WaitN      int           `json:"waitN"`
	WaitSpeed  float64       `json:"waitClockSpeed"` // cloudsim clock speed for those waits; 1 = real time
	Footprint  bool          `json:"footprint"`
	Waiting    []int         `json:"footprintWaiting"`
	QuotaWait  int           `json:"footprintQuotaWaiting,omitempty"` // waits held under a 20 calls/s quota (0: none)
	FootWindow time.Duration `json:"footprintWindow"`
	FootImm    int           `json:"footprintImmediate"`
	WorkerBin  string        `json:"-"`
	// StickyCache is the footprint worker's -sticky-cache (0: the worker's default).
	StickyCache int           `json:"footprintStickyCache,omitempty"`
	Tune        bool          `json:"tune"`
	Fleet       int           `json:"fleet,omitempty"` // changes of the fleet section (0: none)
	CPUProfile  string        `json:"-"`
	MemProfile  string        `json:"-"`
	Dir         string        `json:"-"` // scratch directory; "" makes a temporary one
	WaitIdle    time.Duration `json:"-"` // wait up to this long for the rest of the machine to be idle
	// ServerConfig overrides the embedded server's dynamic config
	// (devserver.Options.DynamicConfig), e.g. to see what a dev default costs.
	ServerConfig map[string]any `json:"serverConfig,omitempty"`
	Log          io.Writer      `json:"-"` // progress lines
}

func fullConfig() config {
	return config{Workflows: 500, Inflight: 100, Serial: 20, DB: "file",
		Lag: true, LagDelays: []string{"5s", "30s"}, LagN: 40, LagJitter: 0.05, LagAtScale: 1000,
		WaitShort: 5 * time.Second, WaitLong: 60 * time.Second, WaitN: 10, WaitSpeed: 1,
		Footprint: true, Waiting: []int{10, 100, 1000, 10000}, QuotaWait: 1000, FootWindow: 30 * time.Second, FootImm: 500, Fleet: 1000}
}

// quickConfig is the CI mode: the same sections, small, in under a minute.
func quickConfig() config {
	return config{Quick: true, Workflows: 40, Inflight: 10, Serial: 3, DB: "memory",
		Lag: true, LagDelays: []string{"1s", "3s"}, LagN: 4, LagJitter: 0.05,
		WaitShort: 5 * time.Second, WaitLong: 60 * time.Second, WaitN: 2, WaitSpeed: 20}
}

func main() {
	quick := flag.Bool("quick", false, "small run for CI (under a minute): 40 workflows, 10 in flight, short waits, no footprint")
	workflowsN := flag.Int("workflows", 0, "NetworkChange workflows in the throughput run (default 500, quick 40)")
	inflight := flag.Int("inflight", 0, "workflows in flight (default 100, quick 10)")
	db := flag.String("db", "", `Temporal persistence: "file" (a temporary SQLite file, as the dev stack runs; default) or "memory" (quick's default)`)
	flag.Func("postgres", "run the Temporal servers on the PostgreSQL server of `URL`, postgres://user:password@host:port/dbname, with 4 history shards: each in a new database <dbname>_b<pid>_<n>, dropped after; -db is then unused", setPostgres)
	lag := flag.Bool("lag", true, "measure detection lag and history against wait length (about 70 s in a full run)")
	footprint := flag.Bool("footprint", true, "measure the worker process's RSS and CPU (full run only unless set explicitly)")
	stickyCache := flag.Int("sticky-cache", 0, "the footprint worker's -sticky-cache (default: the worker's)")
	workerBin := flag.String("worker-bin", "", "prebuilt worker binary for the footprint (default: go build ./worker)")
	tune := flag.Bool("tune", false, "also compare worker options, local activities and upserts (a few minutes more)")
	shared := flag.Bool("shared", false, "every change on the default fixture's one route table, ECR and VPN connection: its reads page through every route of the run")
	lagN := flag.Int("lag-n", 0, "workflows per schedule, delay and round in the lag run (default 40, quick 4)")
	quotaWaiting := flag.Int("quota-waiting", -1, "changes waiting at once under a cloudsim quota of 20 calls/s per API in the footprint (default 1000, quick 50; 0: none)")
	waiting := flag.String("waiting", "", "the footprint's numbers of changes waiting at once, comma separated (default 10,100,1000,10000)")
	lagScale := flag.Int("lag-scale", -1, "waits at once in the learning schedule's lag run at a 30 s flip (default 1000, quick none; 0: none)")
	lagJitter := flag.Float64("lag-jitter", 0, "the flip comes delay*(1 +/- jitter) after the wait starts (default 0.05)")
	out := flag.String("out", "", "write the report to this file: .json for JSON, anything else Markdown")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the throughput run (server, worker, cloudsim and load in one process)")
	memProfile := flag.String("memprofile", "", "write a heap profile after the throughput run")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060) while running")
	serverConfig := map[string]any{}
	flag.Func("dc", "server dynamic config key=value (repeatable; true/false and integers are typed), e.g. -dc system.forceSearchAttributesCacheRefreshOnRead=false", func(v string) error {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return fmt.Errorf("want key=value, got %q", v)
		}
		if b, err := strconv.ParseBool(val); err == nil {
			serverConfig[k] = b
		} else if n, err := strconv.Atoi(val); err == nil {
			serverConfig[k] = n
		} else {
			serverConfig[k] = val
		}
		return nil
	})
	fleet := flag.Int("fleet", -1, "changes made as one NetworkFleet and as independent workflows, plain and with a tenth sharing (default 1000; quick 0: none)")
	core := flag.Bool("core", true, "measure throughput, the ceiling, the direct baseline and the cost per workflow")
	repeat := flag.Int("repeat", 1, "run each throughput batch (and its ceiling) this many times and keep the best: other processes only slow a run down")
	waitIdle := flag.Duration("wait-idle", 0, "first wait up to this long until other processes use under a fifth of a core (the 2 cores are shared)")
	flag.Parse()

	cfg := fullConfig()
	if *quick {
		cfg = quickConfig()
	}
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *workflowsN > 0 {
		cfg.Workflows = *workflowsN
	}
	if *inflight > 0 {
		cfg.Inflight = *inflight
	}
	if *db != "" {
		cfg.DB = *db
	}
	cfg.Postgres = postgresRedacted()
	if set["lag"] {
		cfg.Lag = *lag
	}
	if set["footprint"] || !*quick {
		cfg.Footprint = *footprint
		if cfg.Footprint && len(cfg.Waiting) == 0 {
			cfg.Waiting, cfg.FootWindow, cfg.FootImm, cfg.QuotaWait = []int{10, 50}, 5*time.Second, 20, 50
		}
	}
	if *waiting != "" {
		cfg.Waiting = nil
		for _, f := range strings.Split(*waiting, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				fmt.Fprintf(os.Stderr, "bench: -waiting: %q is not a number of changes\n", f)
				os.Exit(2)
			}
			cfg.Waiting = append(cfg.Waiting, n)
		}
	}
	if *quotaWaiting >= 0 {
		cfg.QuotaWait = *quotaWaiting
	}
	if *lagScale >= 0 {
		cfg.LagAtScale = *lagScale
	}
	if *lagN > 0 {
		cfg.LagN = *lagN
	}
	if *lagJitter > 0 {
		cfg.LagJitter = *lagJitter
	}
	cfg.WorkerBin, cfg.Tune, cfg.Shared, cfg.StickyCache = *workerBin, *tune, *shared, *stickyCache
	cfg.CPUProfile, cfg.MemProfile = *cpuProfile, *memProfile
	cfg.Log = os.Stderr
	cfg.WaitIdle = *waitIdle
	cfg.Repeat = *repeat
	cfg.NoCore = !*core
	if *fleet >= 0 {
		cfg.Fleet = *fleet
	}
	if len(serverConfig) > 0 {
		cfg.ServerConfig = serverConfig
	}
	if cfg.DB != "file" && cfg.DB != "memory" {
		fmt.Fprintf(os.Stderr, "bench: -db must be file or memory, not %q\n", cfg.DB)
		os.Exit(2)
	}
	if *pprofAddr != "" {
		go func() {
			if err := http.ListenAndServe(*pprofAddr, nil); err != nil {
				fmt.Fprintln(os.Stderr, "bench: pprof:", err)
			}
		}()
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, cfg)
	if rep != nil {
		md := rep.markdown()
		fmt.Print(md)
		if *out != "" {
			if werr := writeReport(*out, rep, md); werr != nil {
				fmt.Fprintln(os.Stderr, "bench:", werr)
				os.Exit(1)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func writeReport(path string, rep *report, md string) error {
	if strings.HasSuffix(path, ".json") {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(path, append(b, '\n'), 0o644)
	}
	return os.WriteFile(path, []byte(md), 0o644)
}

// run runs every section cfg asks for and returns the report, complete or
// as far as it got.
func run(ctx context.Context, cfg config) (*report, error) {
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, "bench: "+format+"\n", args...)
		}
	}
	progress := func(s string) { logf("%s", s) }
	dir := cfg.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "vpcflow-bench-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	if cfg.WaitIdle > 0 {
		waitForIdleMachine(ctx, cfg.WaitIdle, logf)
	}
	began := time.Now()
	rep := &report{Config: cfg, Machine: describeMachine(), Started: began.UTC(), Commit: commitOf()}
	rep.LoadAvg[0] = loadAvg()
	machine0, self0 := machineCPU(), selfCPU()
	defer func() {
		rep.LoadAvg[1] = loadAvg()
		rep.OtherCPU = max(0, machineCPU()-machine0-(selfCPU()-self0)-rep.WorkerProcessCPU)
	}()
	rep.Command = "go run ./internal/bench " + strings.Join(os.Args[1:], " ")
	if filepath.Base(os.Args[0]) == "bench.test" {
		rep.Command = "go test ./internal/bench (quick mode)"
	}

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	t0 := time.Now()
	st, err := startStack(ctx, cfg.DB, dir, cfg.ServerConfig, quiet)
	if err != nil {
		return rep, err
	}
	defer st.stop()
	rep.DB = st.dbDesc
	rep.ServerStartup = time.Since(t0)
	// Throughput batches each get a fresh server (see measureThroughput).
	fresh := func(name string) (*stack, error) {
		return startStack(ctx, cfg.DB, filepath.Join(dir, name), cfg.ServerConfig, quiet)
	}
	logf("Temporal server up in %s (%s)", rep.ServerStartup.Round(time.Millisecond), st.dbDesc)

	if !cfg.NoCore || cfg.Tune {
		if err := probe(ctx, st, cfg, rep, logf); err != nil {
			return rep, err
		}
	}
	if !cfg.NoCore {
		if err := runCore(ctx, st, fresh, cfg, rep, logf); err != nil {
			return rep, err
		}
	}
	if cfg.Lag {
		if err := runWaits(ctx, st, cfg, rep, progress); err != nil {
			return rep, err
		}
	}
	if cfg.Footprint {
		builds, rows, workerCPU, err := runFootprint(ctx, st, footprintConfig{immediate: cfg.FootImm, waiting: cfg.Waiting, window: cfg.FootWindow,
			workerBin: cfg.WorkerBin, quotaWaiting: cfg.QuotaWait, stickyCache: cfg.StickyCache}, dir, progress)
		rep.Builds, rep.Footprint, rep.WorkerProcessCPU = builds, rows, workerCPU
		if err != nil {
			return rep, err
		}
	}
	if cfg.Tune {
		if err := runTuning(ctx, fresh, cfg, rep, logf); err != nil {
			return rep, err
		}
	}
	if cfg.Fleet > 0 {
		rows, err := runFleets(ctx, st, cfg.Fleet, logf)
		rep.Fleets = rows
		if err != nil {
			return rep, err
		}
	}
	rep.Elapsed = time.Since(began)
	logf("done in %s", rep.Elapsed.Round(time.Second))
	return rep, nil
}

// waitForIdleMachine waits, at most limit, until the other processes on
// the machine use less than a fifth of a core over 5 s.
func waitForIdleMachine(ctx context.Context, limit time.Duration, logf func(string, ...any)) {
	deadline := time.Now().Add(limit)
	for {
		m0, s0 := machineCPU(), selfCPU()
		if sleep(ctx, 5*time.Second) != nil {
			return
		}
		other := (machineCPU() - m0) - (selfCPU() - s0)
		if other < time.Second {
			return
		}
		if time.Now().After(deadline) {
			logf("other processes still use %.1f cores; going on", other.Seconds()/5)
			return
		}
		logf("waiting: other processes use %.1f cores", other.Seconds()/5)
	}
}
