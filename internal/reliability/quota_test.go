package reliability

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// accountQuota is the account's quota in these tests: 20 calls a second of
// each API, for every key of the account together.
var accountQuota = cloudsim.Quotas{PerSecond: map[string]float64{"*": 20}, PerAccount: true}

// quotaArgs tell workers that the account's quota is 20 calls a second of
// each API (1,200 a minute), that vpcflow may take 90% of it, and how many
// workers share it; the server lets 50 activities a second start.
func quotaArgs(workers int) []string {
	return []string{"-call-quotas=*=1200", "-quota-share=0.9", fmt.Sprintf("-workers=%d", workers),
		"-task-queue-activities-per-second=50"}
}

// loadInterfaces are the initiating interfaces of the first n pairs of a
// generated fixture.
func loadInterfaces(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i], _ = cloudsim.LoadRouterInterfaceIDs(i)
	}
	return ids
}

// startConnects starts a ConnectRouterInterface workflow on each of the
// first n interface pairs of a generated fixture.
func startConnects(ctx context.Context, t *testing.T, n int, prefix string) []client.WorkflowRun {
	t.Helper()
	runs := make([]client.WorkflowRun, n)
	for i, ri := range loadInterfaces(n) {
		in := contract.ConnectRouterInterfaceInput{RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: ri, WaitTimeout: contract.Duration(5 * time.Minute)}
		runs[i] = startWorkflow(ctx, t, tc, stacktest.ID(t, prefix+ri), contract.ConnectRouterInterface.Type,
			contract.StartSearchAttributes(in.RegionId, ri, ""), in)
	}
	return runs
}

// throttledCalls are the calls cloudsim answered with a Throttling code.
func throttledCalls(cloud *simCloud) []cloudsim.Call {
	return cloud.callsOf("", func(c cloudsim.Call) bool { return strings.HasPrefix(c.Code, "Throttling") })
}

// TestWaitsStayUnderTheAccountsQuota: 500 connects whose interfaces stay
// Connecting until all 500 wait for Active, on an account whose quota is
// 20 calls a second of each API (cloudsim answers Throttling.User above
// it), with one worker and with two sharing the quota. Every change
// completes, and the cloud throttles none of vpcflow's calls.
func TestWaitsStayUnderTheAccountsQuota(t *testing.T) {
	needStack(t)
	const n = 500
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			ctx := stacktest.Ctx(t, 6*time.Minute)
			cloud := startCloud(t, cloudsim.GenerateFixture(n), 20)
			require.NoError(t, cloud.SetQuotas(accountQuota))
			require.NoError(t, cloud.SetFaults(cloudsim.Faults{Stuck: loadInterfaces(n)}))
			for i := range workers {
				startWorker(t, fmt.Sprintf("worker-%d", i+1), workerConfig{cloud: cloud, args: quotaArgs(workers)})
			}
			began := time.Now()
			runs := startConnects(ctx, t, n, "quota/")
			var ids []string
			for _, r := range runs {
				ids = append(ids, r.GetID())
			}
			waitFor(ctx, t, "every change to wait for Active", func() (bool, string) {
				held, err := pendingOn(ctx, tc, ids, "")
				if err != nil {
					return false, err.Error()
				}
				return held[waitActivity] == n, fmt.Sprint(held)
			})
			allWaiting := time.Since(began)
			describesBefore := cloud.CallCount("DescribeRouterInterfaces")
			time.Sleep(20 * time.Second) // 500 waits polling at their pace
			waitingReads := cloud.CallCount("DescribeRouterInterfaces") - describesBefore

			require.NoError(t, cloud.SetFaults(cloudsim.Faults{}))
			outs := make([]outcome, n)
			for i, r := range runs {
				outs[i] = outcome{id: r.GetID(), err: r.Get(ctx, nil)}
			}
			completed := requireAllCompleted(t, outs)
			throttled := throttledCalls(cloud)
			measured(t, "%d workers: %d of %d connects completed in %.1fs (all waiting after %.1fs); %d calls answered Throttling; "+
				"%d DescribeRouterInterfaces calls in 20 s while 500 waited (%.3f per wait a second); %d calls in all",
				workers, completed, n, time.Since(began).Seconds(), allWaiting.Seconds(), len(throttled),
				waitingReads, float64(waitingReads)/n/20, len(cloud.Calls("")))
			assert.Empty(t, throttled, "vpcflow stays under the account's quota")
			assert.Less(t, waitingReads, 20*20, "500 waits share their reads: well under the quota")
		})
	}
}

// heldReads holds back every shared DescribeRouterInterfaces read (more
// than one interface asked for) while hold is set, and counts those in
// flight.
type heldReads struct {
	next     http.Handler
	hold     atomic.Bool
	inFlight atomic.Int32
	release  chan struct{}
	once     sync.Once
}

func (h *heldReads) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	for k, v := range r.URL.Query() {
		form[k] = v
	}
	ids := 0
	for k := range form {
		if strings.HasPrefix(k, "Filter.1.Value.") {
			ids++
		}
	}
	if form.Get("Action") == "DescribeRouterInterfaces" && ids > 1 && h.hold.Load() {
		h.inFlight.Add(1)
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
		h.inFlight.Add(-1)
	}
	h.next.ServeHTTP(w, r)
}

// TestAWaitResumesAfterItsWorkerDiesMidSharedRead: 40 connects wait for
// Active on worker-1; worker-1 is SIGKILLed while one of its shared
// DescribeRouterInterfaces reads is in flight. On worker-2, every wait
// resumes from its heartbeat and completes; no interface is connected
// twice.
func TestAWaitResumesAfterItsWorkerDiesMidSharedRead(t *testing.T) {
	needStack(t)
	const n = 40
	ctx := stacktest.Ctx(t, 4*time.Minute)
	held := &heldReads{release: make(chan struct{})}
	cloud := startCloudWith(t, cloudsim.GenerateFixture(n), 20, func(h http.Handler) http.Handler { held.next = h; return held })
	t.Cleanup(func() { held.once.Do(func() { close(held.release) }) })
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Stuck: loadInterfaces(n)}))
	first := startWorker(t, "worker-1", workerConfig{cloud: cloud})
	runs := startConnects(ctx, t, n, "midread/")
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.GetID())
	}
	waitAllOn(ctx, t, ids, first, n)

	held.hold.Store(true)
	waitFor(ctx, t, "a shared read in flight", func() (bool, string) {
		return held.inFlight.Load() > 0, fmt.Sprintf("%d in flight", held.inFlight.Load())
	})
	inFlight := held.inFlight.Load()
	first.kill()
	killedBySignal(t, first)
	killedAt := time.Now()
	measured(t, "worker-1 (pid %d) SIGKILLed with %d shared reads of its waits in flight", first.pid(), inFlight)
	held.hold.Store(false)
	held.once.Do(func() { close(held.release) })

	require.NoError(t, cloud.SetFaults(cloudsim.Faults{}))
	second := startWorker(t, "worker-2", workerConfig{cloud: cloud})
	outs := make([]outcome, n)
	for i, r := range runs {
		outs[i] = outcome{id: r.GetID(), err: r.Get(ctx, nil)}
	}
	completed := requireAllCompleted(t, outs)
	measured(t, "%d of %d connects completed, the last %.1fs after the crash", completed, n, time.Since(killedAt).Seconds())
	assert.Equal(t, n, cloud.CallCount("ConnectRouterInterface"), "each interface connected once")
	resumed := 0
	for _, run := range runs {
		events, err := fullHistory(ctx, tc, run.GetID(), run.GetRunID())
		require.NoError(t, err)
		for _, a := range activityRuns(events) {
			if a.activityType == waitActivity && a.attempt >= 2 && strings.HasPrefix(a.identity, second.identityPrefix()) {
				resumed++
			}
		}
	}
	assert.Equal(t, n, resumed, "every wait resumed on worker-2")
}

// TestAHugeRetryAfterDoesNotParkAWait: a wait for Active is throttled
// with x-acs-retry-after: 600000 (ten minutes). The read is retried after
// a minute at most (plus up to a fifth), and the change completes in well
// under ten.
func TestAHugeRetryAfterDoesNotParkAWait(t *testing.T) {
	needStack(t)
	ctx := stacktest.Ctx(t, 4*time.Minute)
	hint := &retryAfterHint{ms: 600000}
	cloud := startCloudWith(t, cloudsim.GenerateFixture(1), 20, func(h http.Handler) http.Handler { hint.next = h; return hint })
	ri, _ := cloudsim.LoadRouterInterfaceIDs(0)
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Stuck: []string{ri}}))
	w := startWorker(t, "worker", workerConfig{cloud: cloud})
	runs := startConnects(ctx, t, 1, "retry-after/")
	waitAllOn(ctx, t, []string{runs[0].GetID()}, w, 1)

	// The interface turns Active; the wait's next read is throttled.
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Scripted: []cloudsim.ScriptedFault{
		{Action: "DescribeRouterInterfaces", Count: 1, Code: "Throttling.User", Status: 400}}}))
	throttledFrom := time.Now()
	require.NoError(t, runs[0].Get(ctx, nil))
	took := time.Since(throttledFrom)
	measured(t, "a wait throttled with x-acs-retry-after: 600000 completed %.1fs later; %d throttling answers marked", took.Seconds(), hint.marked.Load())
	assert.EqualValues(t, 1, hint.marked.Load())
	assert.Less(t, took, 2*time.Minute, "the throttle parks the read a minute at most (plus a fifth), not ten")
}
