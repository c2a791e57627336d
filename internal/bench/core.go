package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
)

// runStats is one batch of workflows (or direct changes).
type runStats struct {
	Name       string        `json:"name"`
	N          int           `json:"n"`
	Inflight   int           `json:"inflight"`
	Failed     int           `json:"failed"`
	Elapsed    time.Duration `json:"elapsed"`
	PerSecond  float64       `json:"perSecond"`
	P50        time.Duration `json:"p50"`
	P99        time.Duration `json:"p99"`
	CPUPerUnit time.Duration `json:"cpuPerWorkflow"` // the whole bench process: server, worker, cloudsim, load
	// OtherCores is how many cores other processes used meanwhile, on
	// average: a run that shared the machine is slower for it.
	OtherCores float64 `json:"otherCores"`
}

// cpuMeter measures this process's CPU and the rest of the machine's over
// a run.
type cpuMeter struct {
	self, machine time.Duration
	wall          time.Time
}

func startCPU() cpuMeter { return cpuMeter{self: selfCPU(), machine: machineCPU(), wall: time.Now()} }

// stop returns this process's CPU and the other processes' average cores.
func (m cpuMeter) stop() (self time.Duration, otherCores float64) {
	self = selfCPU() - m.self
	other := machineCPU() - m.machine - self
	return self, max(0, other.Seconds()/time.Since(m.wall).Seconds())
}

func statsOf(name string, res loadResult, inflight int, m cpuMeter) runStats {
	cpu, other := m.stop()
	l := res.latencies()
	return runStats{Name: name, N: len(res.outcomes), Inflight: inflight, Failed: len(res.failed()), Elapsed: res.elapsed,
		PerSecond: res.throughput(), P50: percentile(l, 50), P99: percentile(l, 99),
		CPUPerUnit: cpu / time.Duration(max(1, len(res.outcomes))), OtherCores: other}
}

func networkChangeJobs(prefix string, from, n int, sharedVpn, startAttrs bool) []job {
	jobs := make([]job, n)
	for k := range n {
		in := networkChange(from+k, sharedVpn)
		j := job{id: fmt.Sprintf("bench/%s/%d", prefix, k), key: in.RouterInterfaceId,
			workflowType: contract.NetworkChange.Type, input: in}
		if startAttrs {
			j.attrs = contract.StartSearchAttributes(in.RegionId, in.RouterInterfaceId, in.VpnConnectionId)
		}
		jobs[k] = j
	}
	return jobs
}

func chainJobs(prefix string, n int, steps string) []job {
	jobs := make([]job, n)
	for k := range n {
		jobs[k] = job{id: fmt.Sprintf("bench/%s/%d", prefix, k), workflowType: chainWorkflowType, input: ChainInput{Steps: steps}}
	}
	return jobs
}

// callsByAction counts cloudsim's calls per action, per workflow.
func callsByAction(s *sim, workflows int) map[string]float64 {
	counts := map[string]int{}
	for _, c := range s.srv.Calls("") {
		counts[c.Action]++
	}
	out := map[string]float64{}
	for k, v := range counts {
		out[k] = float64(v) / float64(max(1, workflows))
	}
	return out
}

func failure(res loadResult, what string) error {
	f := res.failed()
	if len(f) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %d of %d workflows failed, first %s: %v", what, len(f), len(res.outcomes), f[0].id, f[0].err)
}

// throughputRun runs NetworkChange batch and its ceiling with one worker
// setting.
type throughputRun struct {
	vpcflow, ceiling runStats
	// pairRatios are vpcflow/ceiling for each repeat, each vpcflow batch
	// against the ceiling batch run right after it: two identical batches
	// on this machine differ by up to a fifth, so one pair proves little.
	pairRatios  []float64
	cost        costSummary
	calls       map[string]float64
	ceilingCost costSummary
}

// measureThroughput runs cfg.Workflows NetworkChange workflows, then as many
// no-op chains, on one worker with tuning t; with cfg.Repeat > 1 it runs the
// pair that many times and keeps each one's best run (the machine is shared:
// other processes only ever make a run slower). Costs come from the first.
//
// Every batch runs on a fresh server from fresh(name): the embedded server
// slows down as its SQLite database grows (a batch after 1000 workflows ran
// 10-25 % slower than the same batch on an empty one), which would favour
// whichever batch runs first.
func measureThroughput(ctx context.Context, fresh func(name string) (*stack, error), cfg config, t tuning, tag string, chain string, startAttrs bool,
	profile bool, logf func(string, ...any)) (throughputRun, error) {
	var tr throughputRun
	repeat := max(1, cfg.Repeat)
	s, err := startSim(benchFixture(repeat*cfg.Workflows, immediate(), cfg.Shared), nil)
	if err != nil {
		return tr, err
	}
	defer s.stop()
	acts, err := simActivities(s, activities.PollSchedule{})
	if err != nil {
		return tr, err
	}
	// onServer runs fn with a worker on a fresh server.
	onServer := func(name string, fn func(w *benchWorker) error) error {
		st, err := fresh(name)
		if err != nil {
			return err
		}
		defer st.stop()
		w, err := st.startWorker(ctx, "bench-"+tag, acts, t)
		if err != nil {
			return err
		}
		defer w.stop()
		return fn(w)
	}

	var lastVpcflow float64
	runVpcflow := func(r int, w *benchWorker) error {
		profiling := profile && r == 0 && cfg.CPUProfile != ""
		if profiling {
			f, err := os.Create(cfg.CPUProfile)
			if err != nil {
				return err
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				f.Close()
				return err
			}
			defer f.Close()
		}
		quiesce(ctx)
		hb0 := w.rpcs.get("RecordActivityTaskHeartbeat")
		calls0 := callsByAction(s, 1)
		meter := startCPU()
		res := runLoad(ctx, w.client, w.queue, networkChangeJobs(fmt.Sprintf("%s-%d", tag, r), r*cfg.Workflows, cfg.Workflows, cfg.Shared, startAttrs), cfg.Inflight)
		vs := statsOf("vpcflow NetworkChange", res, cfg.Inflight, meter)
		if profiling {
			pprof.StopCPUProfile()
		}
		if profile && r == 0 && cfg.MemProfile != "" {
			runtime.GC()
			if f, err := os.Create(cfg.MemProfile); err == nil {
				_ = pprof.WriteHeapProfile(f)
				f.Close()
			}
		}
		if err := failure(res, "NetworkChange "+tag); err != nil {
			return err
		}
		logf("%s: NetworkChange %d workflows, %d in flight: %.1f/s, p50 %s, p99 %s, %s CPU each, other processes %.2f cores",
			tag, cfg.Workflows, cfg.Inflight, vs.PerSecond, ms(vs.P50), ms(vs.P99), ms(vs.CPUPerUnit), vs.OtherCores)
		if r == 0 {
			hs, err := histories(ctx, w.client, res.outcomes)
			if err != nil {
				return err
			}
			tr.cost = summarize(hs, w.rpcs.get("RecordActivityTaskHeartbeat")-hb0)
			tr.calls = callsByAction(s, cfg.Workflows)
			for k, v := range calls0 {
				tr.calls[k] -= v / float64(cfg.Workflows)
			}
		}
		if r == 0 || vs.PerSecond > tr.vpcflow.PerSecond {
			tr.vpcflow = vs
		}
		lastVpcflow = vs.PerSecond
		return nil
	}
	runChain := func(r int, w *benchWorker) error {
		quiesce(ctx)
		meter := startCPU()
		cres := runLoad(ctx, w.client, w.queue, chainJobs(fmt.Sprintf("%s-chain-%d", tag, r), cfg.Workflows, chain), cfg.Inflight)
		cs := statsOf(fmt.Sprintf("ceiling: chain of %d no-op activities", activitiesIn(chain)), cres, cfg.Inflight, meter)
		if err := failure(cres, "no-op chain "+tag); err != nil {
			return err
		}
		logf("%s: chain %s, %d workflows: %.1f/s, p50 %s, p99 %s, %s CPU each, other processes %.2f cores", tag, chain, cfg.Workflows,
			cs.PerSecond, ms(cs.P50), ms(cs.P99), ms(cs.CPUPerUnit), cs.OtherCores)
		if r == 0 {
			chs, err := histories(ctx, w.client, cres.outcomes)
			if err != nil {
				return err
			}
			tr.ceilingCost = summarize(chs, 0)
		}
		if r == 0 || cs.PerSecond > tr.ceiling.PerSecond {
			tr.ceiling = cs
		}
		if lastVpcflow > 0 {
			tr.pairRatios = append(tr.pairRatios, lastVpcflow/cs.PerSecond)
		}
		return nil
	}
	for r := range repeat {
		if !cfg.ChainOnly {
			if err := onServer(fmt.Sprintf("%s-vpcflow-%d", tag, r), func(w *benchWorker) error { return runVpcflow(r, w) }); err != nil {
				return tr, err
			}
		}
		if err := onServer(fmt.Sprintf("%s-chain-%d", tag, r), func(w *benchWorker) error { return runChain(r, w) }); err != nil {
			return tr, err
		}
	}
	return tr, nil
}

// quiesce waits until the process is nearly idle (under a tenth of a core
// for half a second), at most 30 s: the server finishes the previous run's
// background work (visibility, transfer and timer tasks) before the next run
// is timed, so one run's work is not billed to the next.
func quiesce(ctx context.Context) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c0 := selfCPU()
		if sleep(ctx, 500*time.Millisecond) != nil {
			return
		}
		if selfCPU()-c0 < 50*time.Millisecond {
			return
		}
	}
}

// probe runs one real NetworkChange and reads its shape from its history:
// the ceiling chain runs as many activities (local ones counted too, all as
// activities), the shape chain the same commands in the same order.
func probe(ctx context.Context, st *stack, cfg config, rep *report, logf func(string, ...any)) error {
	probeSim, err := startSim(benchFixture(1, immediate(), cfg.Shared), nil)
	if err != nil {
		return err
	}
	defer probeSim.stop()
	probeActs, err := simActivities(probeSim, activities.PollSchedule{})
	if err != nil {
		return err
	}
	pw, err := st.startWorker(ctx, "bench-probe", probeActs, tuning{})
	if err != nil {
		return err
	}
	res := runLoad(ctx, pw.client, pw.queue, networkChangeJobs("probe", 0, 1, cfg.Shared, true), 1)
	if err := failure(res, "probe"); err != nil {
		pw.stop()
		return err
	}
	ph, err := historyOf(ctx, pw.client, res.outcomes[0].id, res.outcomes[0].runID)
	pw.stop()
	if err != nil {
		return err
	}
	rep.ChainActivities = ph.Activities + ph.LocalActivities
	rep.ChainUpserts = ph.Actions.Upserts
	rep.ChainShape = ph.Shape
	logf("a NetworkChange runs %d activities, %d local activities and %d upserts (%d history events): %s",
		ph.Activities, ph.LocalActivities, ph.Actions.Upserts, ph.Events, ph.Shape)
	return nil
}

// runCore: throughput and ceiling, the direct baseline and the
// one-at-a-time overhead, and the cost per workflow.
func runCore(ctx context.Context, st *stack, fresh func(string) (*stack, error), cfg config, rep *report, logf func(string, ...any)) error {
	tr, err := measureThroughput(ctx, fresh, cfg, tuning{}, "main", chainSteps(rep.ChainActivities), true, true, logf)
	if err != nil {
		return err
	}
	rep.Throughput, rep.Ceiling, rep.Cost, rep.CallsPerWorkflow, rep.CeilingCost = tr.vpcflow, tr.ceiling, tr.cost, tr.calls, tr.ceilingCost
	rep.Ratio = tr.vpcflow.PerSecond / tr.ceiling.PerSecond
	rep.PairRatios = tr.pairRatios

	// The engine's ceiling for NetworkChange's whole shape: its activities,
	// local activities and search attribute upserts in their order, nothing
	// else. What vpcflow adds to it is its own.
	if rep.ChainShape != chainSteps(rep.ChainActivities) {
		ucfg := cfg
		ucfg.ChainOnly = true
		utr, err := measureThroughput(ctx, fresh, ucfg, tuning{}, "main-shape", rep.ChainShape, true, false, logf)
		if err != nil {
			return err
		}
		rep.CeilingShape, rep.CeilingShapeCost = utr.ceiling, utr.ceilingCost
		rep.CeilingShape.Name = fmt.Sprintf("ceiling of NetworkChange's shape: chain `%s`", rep.ChainShape)
	}

	// One at a time: vpcflow's latency against the same calls made directly.
	s, err := startSim(benchFixture(2*cfg.Serial+cfg.Workflows, immediate(), cfg.Shared), nil)
	if err != nil {
		return err
	}
	defer s.stop()
	acts, err := simActivities(s, activities.PollSchedule{})
	if err != nil {
		return err
	}
	w, err := st.startWorker(ctx, "bench-serial", acts, tuning{})
	if err != nil {
		return err
	}
	defer w.stop()
	serialJobs := networkChangeJobs("serial", 0, cfg.Serial, cfg.Shared, true)
	meter := startCPU()
	sres := runLoad(ctx, w.client, w.queue, serialJobs, 1)
	rep.Serial = statsOf("vpcflow NetworkChange, one at a time", sres, 1, meter)
	if err := failure(sres, "serial NetworkChange"); err != nil {
		return err
	}

	pause := activities.DefaultPollSchedule.First
	inputs := func(from, n int) []contract.NetworkChangeInput {
		out := make([]contract.NetworkChangeInput, n)
		for k := range n {
			out[k] = networkChange(from+k, cfg.Shared)
		}
		return out
	}
	calls0 := s.srv.CallCount("")
	meter = startCPU()
	dres, err := runDirect(ctx, acts.VPC, inputs(cfg.Serial, cfg.Serial), 1, pause, false)
	if err != nil {
		return err
	}
	rep.DirectSerial = statsOf("direct SDK calls, one change at a time", dres, 1, meter)
	rep.DirectCallsPerChange = float64(s.srv.CallCount("")-calls0) / float64(cfg.Serial)
	quiesce(ctx)
	meter = startCPU()
	dres, err = runDirect(ctx, acts.VPC, inputs(2*cfg.Serial, cfg.Workflows), cfg.Inflight, pause, false)
	if err != nil {
		return err
	}
	rep.DirectConcurrent = statsOf("direct SDK calls, concurrent", dres, cfg.Inflight, meter)
	rep.OverheadPerWorkflow = rep.Serial.P50 - rep.DirectSerial.P50
	logf("one at a time: vpcflow p50 %s, direct p50 %s: overhead %s per workflow; direct concurrent %.1f/s",
		ms(rep.Serial.P50), ms(rep.DirectSerial.P50), ms(rep.OverheadPerWorkflow), rep.DirectConcurrent.PerSecond)

	if !cfg.Shared {
		return nil
	}
	// With one big route table: the same, reading the publish status by
	// destination (proposed).
	s2, err := startSim(benchFixture(cfg.Serial+cfg.Workflows, immediate(), cfg.Shared), nil)
	if err != nil {
		return err
	}
	defer s2.stop()
	acts2, err := simActivities(s2, activities.PollSchedule{})
	if err != nil {
		return err
	}
	meter = startCPU()
	dres, err = runDirect(ctx, acts2.VPC, inputs(0, cfg.Workflows), cfg.Inflight, pause, true)
	if err != nil {
		return err
	}
	rep.DirectByDestination = statsOf("direct SDK calls, concurrent, publish status read by destination", dres, cfg.Inflight, meter)
	rep.DirectByDestinationCalls = float64(s2.srv.CallCount("")) / float64(cfg.Workflows)
	return nil
}

// waitCost is a NetworkChange whose connect takes a given time: its history
// must not grow with the wait.
type waitCost struct {
	Wait       time.Duration      `json:"wait"`
	ClockSpeed float64            `json:"clockSpeed"`
	Cost       costSummary        `json:"cost"`
	Calls      map[string]float64 `json:"callsPerWorkflow"`
	Latency    time.Duration      `json:"latencyP50"`
}

// runWaits runs the wait-length check and the detection-lag run together:
// both spend most of their time waiting.
func runWaits(ctx context.Context, st *stack, cfg config, rep *report, progress func(string)) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	for _, wait := range []time.Duration{cfg.WaitShort, cfg.WaitLong} {
		if cfg.WaitN == 0 {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var clock cloudsim.Clock
			if cfg.WaitSpeed > 1 {
				clock = cloudsim.NewScaledClock(cfg.WaitSpeed)
			}
			s, err := startSim(benchFixture(cfg.WaitN, withConnect(wait), cfg.Shared), clock)
			if err != nil {
				fail(err)
				return
			}
			defer s.stop()
			acts, err := simActivities(s, activities.PollSchedule{})
			if err != nil {
				fail(err)
				return
			}
			w, err := st.startWorker(ctx, fmt.Sprintf("bench-wait-%s", wait), acts, tuning{})
			if err != nil {
				fail(err)
				return
			}
			defer w.stop()
			res := runLoad(ctx, w.client, w.queue, networkChangeJobs(fmt.Sprintf("wait-%s", wait), 0, cfg.WaitN, cfg.Shared, true), cfg.WaitN)
			if err := failure(res, fmt.Sprintf("NetworkChange with a %s connect", wait)); err != nil {
				fail(err)
				return
			}
			hs, err := histories(ctx, w.client, res.outcomes)
			if err != nil {
				fail(err)
				return
			}
			wc := waitCost{Wait: wait, ClockSpeed: max(1, cfg.WaitSpeed), Cost: summarize(hs, w.rpcs.get("RecordActivityTaskHeartbeat")),
				Calls: callsByAction(s, cfg.WaitN), Latency: percentile(res.latencies(), 50)}
			mu.Lock()
			rep.Waits = append(rep.Waits, wc)
			mu.Unlock()
			progress(fmt.Sprintf("NetworkChange with a %s connect: %.1f events, %.1f billable actions per workflow", wait, wc.Cost.EventsMean, wc.Cost.ActionsMean))
		}()
	}
	if cfg.Lag {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var delays []time.Duration
			for _, d := range cfg.LagDelays {
				dd, err := time.ParseDuration(d)
				if err != nil {
					fail(err)
					return
				}
				delays = append(delays, dd)
			}
			rows, err := runLag(ctx, st, lagConfig{delays: delays, n: cfg.LagN, jitter: cfg.LagJitter, stagger: 0.3}, progress)
			mu.Lock()
			rep.Lag = rows
			mu.Unlock()
			if err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	if cfg.LagAtScale > 0 && len(errs) == 0 {
		// Alone: its thousand waits would slow the runs above, and theirs it.
		rows, err := runLag(ctx, st, lagConfig{delays: []time.Duration{30 * time.Second}, n: cfg.LagAtScale, jitter: cfg.LagJitter,
			stagger: 0.3, atScale: true}, progress)
		rep.Lag = append(rep.Lag, rows...)
		if err != nil {
			fail(err)
		}
	}
	sort.Slice(rep.Waits, func(i, j int) bool { return rep.Waits[i].Wait < rep.Waits[j].Wait })
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// tuneRow is one worker setting (or workflow shape) against its ceiling.
type tuneRow struct {
	Name    string   `json:"name"`
	Vpcflow runStats `json:"vpcflow"`
	Ceiling runStats `json:"ceiling"`
	Ratio   float64  `json:"ratio"`
	// PairRatios are the ratios of each repeat's pair of batches.
	PairRatios []float64 `json:"pairRatios"`
	Events     float64   `json:"eventsPerWorkflow"`
	Actions    float64   `json:"billableActionsPerWorkflow"`
	Chain      string    `json:"chain"`
	// ChainEvents and ChainActions are the chain's history events and
	// billable actions per workflow.
	ChainEvents  float64 `json:"chainEvents"`
	ChainActions float64 `json:"chainActions"`
}

// runTuning compares worker options, a workflow started without search
// attributes (no upserts), and chains of NetworkChange's shape before and
// after the lean history (workflows/progress.go).
func runTuning(ctx context.Context, fresh func(string) (*stack, error), cfg config, rep *report, logf func(string, ...any)) error {
	chain := chainSteps(rep.ChainActivities)
	variants := []struct {
		name       string
		t          tuning
		startAttrs bool
		chain      string
		chainOnly  bool
	}{
		{"SDK defaults (as workerapp)", tuning{}, true, chain, false},
		{"4 workflow + 4 activity pollers", tuning{WorkflowPollers: 4, ActivityPollers: 4}, true, chain, false},
		{"eager activities off", tuning{DisableEager: true}, true, chain, false},
		{"gRPC compression off (worker and client)", tuning{NoCompression: true}, true, chain, false},
		{"started without search attributes (no VpcFlowStage upserts)", tuning{}, false, chain, false},
		{"chain of NetworkChange's shape", tuning{}, true, rep.ChainShape, true},
		{"chain of NetworkChange's shape before the lean history (every read an activity, every stage upserted)", tuning{}, true, beforeLeanChain(rep.ChainActivities), true},
	}
	for i, v := range variants {
		tcfg := cfg
		tcfg.ChainOnly = v.chainOnly
		tr, err := measureThroughput(ctx, fresh, tcfg, v.t, fmt.Sprintf("tune%d", i), v.chain, v.startAttrs, false, logf)
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		row := tuneRow{Name: v.name, Vpcflow: tr.vpcflow, Ceiling: tr.ceiling, Events: tr.cost.EventsMean, Actions: tr.cost.ActionsMean,
			Chain: v.chain, ChainEvents: tr.ceilingCost.EventsMean, ChainActions: tr.ceilingCost.ActionsMean}
		if tr.vpcflow.N > 0 {
			row.Ratio = tr.vpcflow.PerSecond / tr.ceiling.PerSecond
			row.PairRatios = tr.pairRatios
		}
		rep.Tuning = append(rep.Tuning, row)
	}
	return nil
}

// beforeLeanChain is NetworkChange's shape before the lean history: every
// call an activity, each after an upsert of its stage, and the upsert of
// the completed stage.
func beforeLeanChain(n int) string {
	return strings.Repeat("ua", n) + "u"
}
