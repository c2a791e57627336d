package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
)

// Detection lag: how long after a router interface turns Active the
// workflow learns it, and how many DescribeRouterInterfaces calls the wait
// spends, for each polling schedule.
//
// The cloud's delay is not exact in life, and a fixed-period poll's lag
// depends on where the flip falls in its period (a 30 s delay polled every
// 5 s from the connect is caught at once, every time). So the flip comes
// after the wait started by delay*(1 +/- jitter), uniformly: cloudsim's
// connect delay is delay*(1+jitter), and the bench's front holds the
// ConnectRouterInterface answer back a random 0..2*jitter*delay, which
// starts the wait that much later.

// schedule is one polling schedule under test.
type schedule struct {
	Name string                  `json:"name"`
	Poll activities.PollSchedule `json:"poll"`
}

// lagSchedules are the schedules compared: the one vpcflow runs (learning),
// the backoff it ran before, and fixed polls.
func lagSchedules() []schedule {
	return []schedule{
		{Name: "vpcflow (learning)", Poll: activities.PollSchedule{}},
		{Name: "backoff 1 s x1.5 to 10 s (before)", Poll: staticSchedule(time.Second, 10*time.Second, 1.5)},
		{Name: "fixed 1 s", Poll: staticSchedule(time.Second, time.Second, 1)},
		{Name: "fixed 5 s", Poll: staticSchedule(5*time.Second, 5*time.Second, 1)},
		{Name: "fixed 10 s", Poll: staticSchedule(10*time.Second, 10*time.Second, 1)},
	}
}

// lagRow is one schedule at one delay.
type lagRow struct {
	Delay    time.Duration `json:"delay"`
	Schedule string        `json:"schedule"`
	Round    string        `json:"round"` // of the learning schedule: first, second or third
	N        int           `json:"n"`
	LagP50   time.Duration `json:"lagP50"`
	LagP99   time.Duration `json:"lagP99"`
	LagMax   time.Duration `json:"lagMax"`
	CallsAvg float64       `json:"describeCallsMean"`
	CallsMax int           `json:"describeCallsMax"`
	Failed   int           `json:"failed"`
}

type lagConfig struct {
	delays []time.Duration
	n      int // workflows per schedule, delay and round
	jitter float64
	// stagger spreads each round's starts over this share of the delay.
	stagger float64
	// atScale runs the learning schedule alone, its n waits at once, on a
	// worker with a slot for each.
	atScale bool
}

// runLag runs every schedule at every delay, all at once: each (delay,
// schedule) has its own worker (so its own learned estimates) and its own
// interface pairs. The learning schedule runs three rounds: the first from
// nothing (the backoff until a wait ends), the second from what the first
// left (the flips a backoff saw, up to Max apart, then its own), the third
// from its own flips alone, as a worker that has run a while does. All three
// are reported.
func runLag(ctx context.Context, st *stack, cfg lagConfig, progress func(string)) ([]lagRow, error) {
	scheds := lagSchedules()
	slots := tuning{}
	if cfg.atScale {
		scheds = scheds[:1]
		scheds[0].Name = fmt.Sprintf("%s, %d at once", scheds[0].Name, cfg.n)
		slots.ActivitySlots = cfg.n + 200
	}
	const rounds = 3
	var (
		mu   sync.Mutex
		rows []lagRow
		errs []error
		wg   sync.WaitGroup
	)
	for di, delay := range cfg.delays {
		pairs := len(scheds) * (rounds + 1) * cfg.n
		// Only the interface pairs matter here: the shared layout is smaller.
		s, err := startSim(benchFixture(pairs, withConnect(time.Duration(float64(delay)*(1+cfg.jitter))), true), nil)
		if err != nil {
			return nil, err
		}
		defer s.stop()
		rng := rand.New(rand.NewPCG(uint64(di+1), 42))
		var rngMu sync.Mutex
		hold := time.Duration(2 * cfg.jitter * float64(delay))
		s.connectDelay = func(string) time.Duration {
			rngMu.Lock()
			defer rngMu.Unlock()
			return time.Duration(rng.Int64N(int64(hold) + 1))
		}
		cloudDelay := time.Duration(float64(delay) * (1 + cfg.jitter))
		for si, sc := range scheds {
			acts, err := simActivities(s, sc.Poll)
			if err != nil {
				return nil, err
			}
			queue := fmt.Sprintf("bench-lag-%s-%d", delay, si)
			w, err := st.startWorker(ctx, queue, acts, slots)
			if err != nil {
				return nil, err
			}
			defer w.stop()
			wg.Add(1)
			// Only the learning schedule needs a first round to learn
			// from, and a fresh worker that recalls what it learned; the
			// others are the same every round.
			myRounds := 1
			if si == 0 {
				myRounds = rounds + 1
			}
			go func() {
				defer wg.Done()
				for round := range myRounds {
					if round == rounds {
						// A deploy: a fresh worker recalls the waits' pace
						// from the histories, this one stops, and the fresh
						// one runs the round.
						fresh, err := simActivities(s, sc.Poll)
						if err == nil {
							_, err = activities.RecallRecentWaits(ctx, fresh, w.client, queue)
						}
						w.stop()
						if err == nil {
							w, err = st.startWorker(ctx, queue, fresh, slots)
						}
						if err != nil {
							mu.Lock()
							errs = append(errs, fmt.Errorf("fresh worker at %s: %w", delay, err))
							mu.Unlock()
							return
						}
						defer w.stop()
					}
					base := (si*(rounds+1) + round) * cfg.n
					res := runStaggered(ctx, w, base, cfg.n, time.Duration(cfg.stagger*float64(delay)),
						fmt.Sprintf("lag-%s-%d-%d", delay, si, round))
					row, err := lagOf(ctx, w, s, res, cloudDelay)
					row.Delay, row.Schedule = delay, sc.Name
					switch {
					case myRounds == 1:
						row.Round = "-"
					case round == 0:
						row.Round = "first (from nothing)"
					case round == 1:
						row.Round = "second"
					case round == 2:
						row.Round = "third (steady)"
					default:
						row.Round = "fresh worker (recalled)"
					}
					mu.Lock()
					if err != nil {
						errs = append(errs, fmt.Errorf("%s at %s: %w", sc.Name, delay, err))
					}
					rows = append(rows, row)
					mu.Unlock()
					if progress != nil {
						progress(fmt.Sprintf("lag %s %s round %d: p99 %s, %.1f calls", delay, sc.Name, round, ms(row.LagP99), row.CallsAvg))
					}
				}
			}()
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		return rows, errs[0]
	}
	return rows, nil
}

// runStaggered starts n ConnectRouterInterface workflows on pairs
// base..base+n-1, spread evenly over spread, and waits for them.
func runStaggered(ctx context.Context, w *benchWorker, base, n int, spread time.Duration, prefix string) loadResult {
	jobs := make([]job, n)
	for k := range n {
		in := connectInput(base + k)
		jobs[k] = job{id: fmt.Sprintf("bench/%s/%d", prefix, k), key: in.RouterInterfaceId, workflowType: contract.ConnectRouterInterface.Type,
			input: in, attrs: contract.StartSearchAttributes(in.RegionId, in.RouterInterfaceId, "")}
	}
	out := make([]outcome, n)
	var wg sync.WaitGroup
	begin := time.Now()
	for k, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if d := time.Duration(int64(spread) * int64(k) / int64(max(1, n))); d > 0 {
				_ = sleep(ctx, d)
			}
			out[k] = runLoad(ctx, w.client, w.queue, []job{j}, 1).outcomes[0]
		}()
	}
	wg.Wait()
	return loadResult{outcomes: out, elapsed: time.Since(begin)}
}

// lagOf measures each workflow of res: the flip is when cloudsim began the
// connect plus its delay; the workflow sees it when the wait activity's
// completion is recorded in its history. Describe calls are the reads of
// the interface after the connect, from cloudsim's call log.
func lagOf(ctx context.Context, w *benchWorker, s *sim, res loadResult, cloudDelay time.Duration) (lagRow, error) {
	row := lagRow{N: len(res.outcomes)}
	calls := s.srv.Calls("DescribeRouterInterfaces")
	var lags []time.Duration
	var counts []int
	var firstErr error
	for _, o := range res.outcomes {
		if o.err != nil {
			row.Failed++
			if firstErr == nil {
				firstErr = fmt.Errorf("%s: %w", o.id, o.err)
			}
			continue
		}
		h, err := historyOf(ctx, w.client, o.id, o.runID)
		if err != nil {
			return row, err
		}
		var seen time.Time
		for _, c := range h.completions {
			if c.activityType == "WaitRouterInterfaceActive" {
				seen = c.completed
			}
		}
		riID := o.key
		connected, ok := s.connectedAt(riID)
		if seen.IsZero() || !ok {
			row.Failed++
			if firstErr == nil {
				firstErr = fmt.Errorf("%s: no wait completion or connect in the record", o.id)
			}
			continue
		}
		lags = append(lags, seen.Sub(connected.Add(cloudDelay)))
		n := 0
		for _, c := range calls {
			if asksFor(c, riID) && !c.Time.Before(connected) {
				n++
			}
		}
		counts = append(counts, n)
		if os.Getenv("BENCH_LAG_DEBUG") != "" { // each wait's flip and reads, from its scheduling
			var sched time.Time
			for _, c := range h.completions {
				if c.activityType == "WaitRouterInterfaceActive" {
					sched = c.scheduled
				}
			}
			var reads []string
			for _, c := range calls {
				if asksFor(c, riID) && !c.Time.Before(connected) {
					reads = append(reads, fmt.Sprintf("%.1f", c.Time.Sub(sched).Seconds()))
				}
			}
			fmt.Fprintf(os.Stderr, "lagdebug %s flip@%.2f lag %.2f reads %v\n", o.id, connected.Add(cloudDelay).Sub(sched).Seconds(),
				seen.Sub(connected.Add(cloudDelay)).Seconds(), reads)
		}
	}
	row.LagP50, row.LagP99 = percentile(lags, 50), percentile(lags, 99)
	row.LagMax = percentile(lags, 100)
	row.CallsAvg = meanInt(counts)
	for _, c := range counts {
		row.CallsMax = max(row.CallsMax, c)
	}
	return row, firstErr
}

// staticSchedule is a schedule that does not learn: First, then growing by
// Factor up to Max.
func staticSchedule(first, maxPause time.Duration, factor float64) activities.PollSchedule {
	return activities.PollSchedule{First: first, Max: maxPause, Factor: factor, Static: true}
}

// asksFor tells whether a DescribeRouterInterfaces call asked for the
// interface: a shared read asks for up to 20, each a value of its filter.
func asksFor(c cloudsim.Call, id string) bool {
	for k, v := range c.Params {
		if v == id && strings.HasPrefix(k, "Filter.1.Value.") {
			return true
		}
	}
	return false
}
