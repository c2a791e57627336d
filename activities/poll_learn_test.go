package activities

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
)

func TestWaitMemoryKeepsTheRecentFlipsOfEachKind(t *testing.T) {
	var m waitMemory
	_, known := m.window("WaitRouterInterfaceActive")
	assert.False(t, known, "nothing remembered yet")

	m.record("WaitRouterInterfaceActive", flip{missed: 29 * time.Second, seen: 30 * time.Second})
	m.record("WaitRouterInterfaceActive", flip{missed: 27 * time.Second, seen: 28 * time.Second})
	m.record("WaitVpnRoutes", flip{missed: 4 * time.Second, seen: 5 * time.Second})
	w, known := m.window("WaitRouterInterfaceActive")
	require.True(t, known)
	assert.Equal(t, flipWindow{from: 27 * time.Second, to: 30 * time.Second}, w)
	w, _ = m.window("WaitVpnRoutes")
	assert.Equal(t, flipWindow{from: 4 * time.Second, to: 5 * time.Second}, w, "kinds are apart")

	// An early outlier is forgotten after rememberedWaits later waits.
	m.record("WaitRouterInterfaceActive", flip{missed: time.Second, seen: 2 * time.Second})
	w, _ = m.window("WaitRouterInterfaceActive")
	assert.Equal(t, time.Second, w.from)
	for range rememberedWaits {
		m.record("WaitRouterInterfaceActive", flip{missed: 29 * time.Second, seen: 30 * time.Second})
	}
	w, _ = m.window("WaitRouterInterfaceActive")
	assert.Equal(t, flipWindow{from: 29 * time.Second, to: 30 * time.Second}, w)

	// A cold flip (seen by the backoff alone, reads up to Max apart) starts
	// a kind's memory and is set aside once a flip seen with a window is in.
	m.record("cold", flip{missed: 20 * time.Second, seen: 30 * time.Second, cold: true})
	w, _ = m.window("cold")
	assert.Equal(t, flipWindow{from: 20 * time.Second, to: 30 * time.Second}, w)
	m.record("cold", flip{missed: 28 * time.Second, seen: 29 * time.Second})
	m.record("cold", flip{missed: 11 * time.Second, seen: 40 * time.Second, cold: true})
	w, _ = m.window("cold")
	assert.Equal(t, flipWindow{from: 28 * time.Second, to: 29 * time.Second}, w)

	// Nonsense is not remembered.
	m.record("x", flip{missed: 2 * time.Second, seen: time.Second})
	m.record("x", flip{})
	_, known = m.window("x")
	assert.False(t, known)
}

func TestWaitMemoryIsSafeForConcurrentUse(t *testing.T) {
	var m waitMemory
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				kind := fmt.Sprint("kind", i%3)
				m.record(kind, flip{missed: time.Duration(g) * time.Second, seen: time.Duration(g+1) * time.Second})
				m.window(kind)
			}
		}()
	}
	wg.Wait()
	w, known := m.window("kind0")
	require.True(t, known)
	assert.GreaterOrEqual(t, w.from, time.Duration(0))
	assert.LessOrEqual(t, w.to, 8*time.Second)
}

func TestLearnedNarrowsWhatTheWindowsFirstReadSaw(t *testing.T) {
	s := DefaultPollSchedule
	w := flipWindow{from: 27 * time.Second, to: 31 * time.Second}
	// Seen inside the window by a dense read: taken as it is.
	assert.Equal(t, flip{missed: 28 * time.Second, seen: 29 * time.Second}, s.learned(28*time.Second, 29*time.Second, w, true))
	// Seen by the window's first read, the read before being 9 s earlier:
	// the window moves one First earlier, not back to the sparse read.
	assert.Equal(t, flip{missed: 26 * time.Second, seen: 27 * time.Second}, s.learned(18*time.Second, 27*time.Second, w, true))
	// Seen by a sparse read a little before the window: a little earlier.
	assert.Equal(t, flip{missed: 24500 * time.Millisecond, seen: 26 * time.Second},
		s.learned(17*time.Second, 26*time.Second, flipWindow{from: 26500 * time.Millisecond, to: 31 * time.Second}, true))
	// Seen by a sparse read well before the window: the cloud got faster,
	// and the window reaches back to the read that missed.
	assert.Equal(t, flip{missed: 9 * time.Second, seen: 18 * time.Second}, s.learned(9*time.Second, 18*time.Second, w, true))
	// Late, or with nothing known: as it is (the backoff's gap is the truth
	// there, and a wider window only costs reads).
	assert.Equal(t, flip{missed: 31 * time.Second, seen: 33 * time.Second}, s.learned(31*time.Second, 33*time.Second, w, true))
	assert.Equal(t, flip{missed: 20 * time.Second, seen: 30 * time.Second, cold: true}, s.learned(20*time.Second, 30*time.Second, flipWindow{}, false))
}

// simulate plays a wait against a target that appears at flipAt: it returns
// when each read was made, with every read taking no time.
func simulate(s PollSchedule, w flipWindow, known bool, flipAt, limit time.Duration) []time.Duration {
	var p PollProgress
	reads := []time.Duration{0}
	for at := time.Duration(0); at < flipAt && at < limit; {
		at += s.pauseAfterMiss(at, &p, w, known)
		reads = append(reads, at)
	}
	return reads
}

func TestPauseAfterMissWithoutHistoryIsTheBackoff(t *testing.T) {
	reads := simulate(DefaultPollSchedule, flipWindow{}, false, time.Hour, 60*time.Second)
	want := []time.Duration{0, time.Second, 2500 * time.Millisecond, 4750 * time.Millisecond}
	assert.Equal(t, want, reads[:4])
	for i := 2; i < len(reads); i++ {
		assert.LessOrEqual(t, reads[i]-reads[i-1], 10*time.Second)
	}
	assert.Equal(t, 10*time.Second, reads[len(reads)-1]-reads[len(reads)-2])
}

// With the window of recent 30 s waits, every flip inside it is seen within
// First, for fewer reads than polling every 5 s; the backoff alone sees some
// flips 10 s late.
func TestPauseAfterMissPollsAroundTheExpectedFlip(t *testing.T) {
	s := DefaultPollSchedule
	window := flipWindow{from: 27500 * time.Millisecond, to: 31500 * time.Millisecond}
	worstBackoff := time.Duration(0)
	for flipAt := 28500 * time.Millisecond; flipAt <= 31500*time.Millisecond; flipAt += 100 * time.Millisecond {
		reads := simulate(s, window, true, flipAt, time.Hour)
		lag := reads[len(reads)-1] - flipAt
		assert.GreaterOrEqual(t, lag, time.Duration(0))
		assert.LessOrEqual(t, lag, s.First, "flip at %s: reads %v", flipAt, reads)
		assert.LessOrEqual(t, len(reads), 10, "flip at %s: reads %v", flipAt, reads)
		for i := 1; i < len(reads); i++ {
			assert.LessOrEqual(t, reads[i]-reads[i-1], s.Max, "no pause beyond Max")
		}
		backoff := simulate(s, flipWindow{}, false, flipAt, time.Hour)
		worstBackoff = max(worstBackoff, backoff[len(backoff)-1]-flipAt)
	}
	assert.Greater(t, worstBackoff, 5*time.Second, "the backoff alone is what this improves on")
}

func TestPauseAfterMissLandsOnTheWindowThenBacksOffWhenLate(t *testing.T) {
	s := DefaultPollSchedule
	reads := simulate(s, flipWindow{from: 27 * time.Second, to: 30 * time.Second}, true, time.Hour, 45*time.Second)
	// Three even sparse pauses to 27 s, every second to 2 s past the
	// latest sighting, then the backoff.
	want := []time.Duration{0, 9 * time.Second, 18 * time.Second, 27 * time.Second, 28 * time.Second,
		29 * time.Second, 30 * time.Second, 31 * time.Second, 32 * time.Second, 33500 * time.Millisecond, 35750 * time.Millisecond}
	assert.Equal(t, want, reads[:len(want)])

	// A window wider than maxDenseReads seconds is polled maxDenseReads times.
	wide := simulate(s, flipWindow{from: 10 * time.Second, to: 50 * time.Second}, true, 49*time.Second, time.Hour)
	assert.LessOrEqual(t, len(wide), 2+maxDenseReads+1, "%v", wide)

	// A window at the very start (targets seen at once): every First to
	// 2 s, then the backoff.
	early := simulate(s, flipWindow{from: 0, to: 50 * time.Millisecond}, true, time.Hour, 10*time.Second)
	assert.Equal(t, []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second, 4500 * time.Millisecond,
		6750 * time.Millisecond, 10125 * time.Millisecond}, early)
}

// waitWithMemory plays one wait as poll does, against a target that appears
// at flipAt, learning into m: reads take no time.
func waitWithMemory(s PollSchedule, m *waitMemory, flipAt time.Duration) (reads int, lag time.Duration) {
	return waitStartingAt(s, m, 0, flipAt)
}

// waitStartingAt is waitWithMemory for a wait that starts at start after
// its origin (the write it follows): its times are the origin's.
func waitStartingAt(s PollSchedule, m *waitMemory, start, flipAt time.Duration) (reads int, lag time.Duration) {
	var p PollProgress
	window, known := m.window("kind")
	at := start + s.firstRead(start, window, known)
	deferred := at > 0
	for {
		reads++
		if at >= flipAt {
			if reads > 1 || deferred {
				m.record("kind", s.learned(p.Missed, at, window, known))
			}
			return reads, at - flipAt
		}
		p.Missed = at
		window, known = m.window("kind")
		at += s.pauseAfterMiss(at, &p, window, known)
	}
}

// When the cloud's pace changes, the schedule follows: faster (30 s -> 10 s),
// a sparse read sees it and the window reaches back at once; slower (-> 40
// s), the backoff after the window sees it and the window reaches forward.
func TestWaitsFollowACloudThatChangesPace(t *testing.T) {
	s := DefaultPollSchedule
	var m waitMemory
	jitter := func(i int) time.Duration { return time.Duration(i%7-3) * 400 * time.Millisecond } // -1.2 .. +1.2 s
	for _, phase := range []time.Duration{30 * time.Second, 10 * time.Second, 40 * time.Second} {
		var lags []time.Duration
		var reads []int
		for i := range 3 * rememberedWaits {
			r, lag := waitWithMemory(s, &m, phase+jitter(i))
			reads, lags = append(reads, r), append(lags, lag)
		}
		// The first waits after a change may be late by up to a sparse
		// pause (faster) or a backoff pause (slower). Until the old pace's
		// flips are forgotten the window spans both, and is polled at
		// width/maxDenseReads; then at about First again.
		for i, lag := range lags {
			switch {
			case i >= rememberedWaits+3:
				assert.LessOrEqual(t, lag, s.First*3/2, "%s: wait %d lags %v", phase, i, lags)
				assert.LessOrEqual(t, reads[i], 12, "%s: wait %d reads %v", phase, i, reads)
			case i >= 3:
				assert.LessOrEqual(t, lag, 5*time.Second, "%s: wait %d lags %v", phase, i, lags)
			default:
				assert.LessOrEqual(t, lag, s.Max, "%s: wait %d lags %v", phase, i, lags)
			}
		}
	}
}

// flipAfter answers Connecting until d after each wait starts (start), then
// Active, and notes how many reads the wait made and how late it saw
// Active.
type flipAfter struct {
	d     time.Duration
	mu    sync.Mutex
	first time.Time
	reads int
	lag   time.Duration
}

func (f *flipAfter) start() {
	f.mu.Lock()
	f.first, f.reads, f.lag = time.Now(), 0, 0
	f.mu.Unlock()
}

func (f *flipAfter) describe(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.first.IsZero() { // a test that does not call start: from the first read
		f.first = time.Now()
	}
	f.reads++
	if since := time.Since(f.first); since >= f.d {
		f.lag = since - f.d
		return activitiestest.RouterInterfaces("RID-A", initiator(RouterInterfaceActive)), nil
	}
	return activitiestest.RouterInterfaces("RID-C", initiator(RouterInterfaceConnecting)), nil
}

// The worker learns from one wait when the next of the same kind will end
// and polls densely around then: the backoff sees a 750 ms flip 150 ms late
// (reads at 0, 20, 60, 140, 300, 500, 700, 900 ms), the learned schedule
// within a dense pace. A Static schedule learns nothing.
func TestWaitLearnsWhenItsKindEnds(t *testing.T) {
	poll := PollSchedule{First: 20 * time.Millisecond, Max: 200 * time.Millisecond, Factor: 2}
	for _, static := range []bool{false, true} {
		poll.Static = static
		f := &flipAfter{d: 750 * time.Millisecond}
		acts := &CloudActivities{VPC: &activitiestest.FakeVPC{OnDescribeRouterInterfaces: f.describe}, Poll: poll}
		var lags []time.Duration
		for range 4 {
			f.start()
			err := activityError(acts, acts.WaitRouterInterfaceActive,
				WaitRouterInterfaceActiveInput{RouterInterfaceRef: ref, Deadline: time.Now().Add(time.Minute)})
			require.NoError(t, err)
			lags = append(lags, f.lag)
			t.Logf("static %v: %d reads, %s late", static, f.reads, f.lag)
		}
		_, known := acts.waits.window("WaitRouterInterfaceActive")
		if static {
			assert.False(t, known, "a Static schedule learns nothing")
			continue
		}
		require.True(t, known)
		for _, lag := range lags[1:] {
			assert.Less(t, lag, lags[0], "once learned, the flip is seen sooner than by the backoff: %v", lags)
		}
	}
}

// heartbeatWorkflow runs a router interface wait with a heartbeat timeout,
// as the workflows do.
func heartbeatWorkflow(ctx workflow.Context, heartbeatTimeout time.Duration) error {
	var a *CloudActivities
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute, HeartbeatTimeout: heartbeatTimeout,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	return workflow.ExecuteActivity(ctx, a.WaitRouterInterfaceActive,
		WaitRouterInterfaceActiveInput{RouterInterfaceRef: ref, Deadline: workflow.Now(ctx).Add(time.Hour)}).Get(ctx, nil)
}

// A wait shorter than a third of its heartbeat timeout sends no heartbeat (a
// billable action once it reaches the server); a longer one heartbeats before
// its first pause that ends past that third, and after every read from then.
func TestWaitHeartbeatsOnlyOnceItRunsLong(t *testing.T) {
	for _, tc := range []struct {
		flip       time.Duration
		heartbeats bool
	}{
		{flip: 100 * time.Millisecond, heartbeats: false},
		{flip: 1500 * time.Millisecond, heartbeats: true},
	} {
		f := &flipAfter{d: tc.flip}
		acts := &CloudActivities{VPC: &activitiestest.FakeVPC{OnDescribeRouterInterfaces: f.describe},
			Poll: PollSchedule{First: 20 * time.Millisecond, Max: 200 * time.Millisecond, Factor: 2}}
		var suite testsuite.WorkflowTestSuite
		suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		env := suite.NewTestWorkflowEnvironment()
		env.RegisterWorkflow(heartbeatWorkflow)
		env.RegisterActivity(acts)
		var beats atomic.Int32
		env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { beats.Add(1) })
		env.ExecuteWorkflow(heartbeatWorkflow, 3*time.Second) // quiet for the first second
		require.True(t, env.IsWorkflowCompleted())
		require.NoError(t, env.GetWorkflowError())
		if tc.heartbeats {
			assert.Positive(t, beats.Load(), "a %s wait heartbeats", tc.flip)
		} else {
			assert.Zero(t, beats.Load(), "a %s wait sends no heartbeat", tc.flip)
		}
	}
}

// A wider window keeps its dense pace past the latest sighting for half its
// width: a flip a little later than the 16 remembered is seen within a
// dense pause, not after a backoff pause.
func TestAWideWindowStaysDenseForHalfItsWidthPastTheLatestSighting(t *testing.T) {
	s := DefaultPollSchedule
	reads := simulate(s, flipWindow{from: 22 * time.Second, to: 30 * time.Second}, true, time.Hour, 45*time.Second)
	// Dense from 22 s to 34 s: (34-22)/maxDenseReads = 1.5 s apart.
	for i := 1; i < len(reads) && reads[i-1] < 34*time.Second; i++ {
		if reads[i-1] >= 22*time.Second {
			assert.LessOrEqual(t, reads[i]-reads[i-1], 1500*time.Millisecond, "after %s: %v", reads[i-1], reads)
		}
	}
}

// A wait of a kind that recently took 30 s reads first where the window's
// sparse reads land, not at once (the workflow's own read or write just
// showed the target not there): at most 6 reads per wait in the steady
// state, each flip seen within 1.5 First. A kind that ends within Max is
// read at once.
func TestASlowKindsWaitDoesNotReadAtOnce(t *testing.T) {
	s := DefaultPollSchedule
	slow := flipWindow{from: 27500 * time.Millisecond, to: 31500 * time.Millisecond}
	assert.Zero(t, s.firstRead(0, flipWindow{}, false), "nothing known: at once")
	assert.Zero(t, s.firstRead(0, flipWindow{from: 5 * time.Second, to: 6 * time.Second}, true), "a fast kind: at once")
	assert.Equal(t, 27500*time.Millisecond/3, s.firstRead(0, slow, true), "the first of three sparse reads landing on 27.5 s")
	assert.Equal(t, 7500*time.Millisecond, s.firstRead(20*time.Second, slow, true), "20 s after its write: one read, on the window")
	assert.Zero(t, s.firstRead(27*time.Second, slow, true), "at the window: at once")

	var m waitMemory
	jitter := func(i int) time.Duration { return time.Duration(i%7-3) * 400 * time.Millisecond } // -1.2 .. +1.2 s
	for i := range 4 * rememberedWaits {
		reads, lag := waitWithMemory(s, &m, 30*time.Second+jitter(i))
		if i >= rememberedWaits {
			assert.LessOrEqual(t, reads, 6, "wait %d", i)
			assert.LessOrEqual(t, lag, s.First*3/2, "wait %d", i)
		}
	}
}

// A deferred first read that already sees the target teaches the worker
// that the cloud got faster: the next wait reads at once.
func TestADeferredFirstReadThatSeesTheTargetReachesTheWindowBack(t *testing.T) {
	s := DefaultPollSchedule
	var m waitMemory
	for range rememberedWaits {
		waitWithMemory(s, &m, 30*time.Second)
	}
	reads, lag := waitWithMemory(s, &m, 0) // the target is there from the start
	assert.Equal(t, 1, reads)
	assert.LessOrEqual(t, lag, s.Max)
	w, _ := m.window("kind")
	assert.Less(t, w.from, s.Max, "the window reaches back: %+v", w)
	reads, lag = waitWithMemory(s, &m, 0)
	assert.Equal(t, 1, reads)
	assert.Zero(t, lag, "read at once")
}

// Waits that start late after their write (a loaded worker or server gets
// to them up to 10 s after the connect) are timed from the write, where the
// cloud's transition starts: they read first where the window is, and a
// late one that sees the target on its first read does not pull the window
// back to its own start. Timed from their scheduling, the same waits' flips
// spread from 18.8 s to 31.2 s, five times the cloud's 28.8-31.2 s, and
// the test fails (7 reads, 1.7 s late).
func TestWaitsThatStartLateAfterTheirWriteAreTimedFromTheWrite(t *testing.T) {
	s := DefaultPollSchedule
	var m waitMemory
	jitter := func(i int) time.Duration { return time.Duration(i%7-3) * 400 * time.Millisecond } // -1.2 .. +1.2 s
	start := func(i int) time.Duration { return time.Duration(i*37%11) * time.Second }           // 0 .. 10 s after the write
	var reads int
	for i := range 4 * rememberedWaits {
		r, lag := waitStartingAt(s, &m, start(i), 30*time.Second+jitter(i))
		if i >= rememberedWaits {
			reads += r
			assert.LessOrEqual(t, r, 6, "wait %d", i)
			assert.LessOrEqual(t, lag, s.First*3/2, "wait %d", i)
		}
	}
	w, _ := m.window("kind")
	assert.GreaterOrEqual(t, w.from, 26*time.Second, "the window stays where the cloud flips: %+v", w)
	t.Logf("%.1f reads per wait, window %+v", float64(reads)/float64(3*rememberedWaits), w)
}
