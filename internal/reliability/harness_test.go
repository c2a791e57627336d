package reliability

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// ---------------------------------------------------------------------------
// Captured output of every child process and starter run. TestSecrets reads
// all of it.

// capture is a goroutine-safe buffer of one process's (or one starter run's)
// output.
type capture struct {
	name string
	mu   sync.Mutex
	buf  bytes.Buffer
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// tail is the end of the output, for a failing test's log.
func (c *capture) tail(n int) string {
	s := c.String()
	if len(s) > n {
		return "...\n" + s[len(s)-n:]
	}
	return s
}

var captures struct {
	mu   sync.Mutex
	list []*capture
}

// newCapture makes and registers a capture.
func newCapture(name string) *capture {
	c := &capture{name: name}
	captures.mu.Lock()
	captures.list = append(captures.list, c)
	captures.mu.Unlock()
	return c
}

// allCaptures returns every capture made so far in this test binary.
func allCaptures() []*capture {
	captures.mu.Lock()
	defer captures.mu.Unlock()
	return slices.Clone(captures.list)
}

// ---------------------------------------------------------------------------
// cloudsim over HTTP.

// simCloud is a cloudsim server listening on 127.0.0.1.
type simCloud struct {
	*cloudsim.Server
	URL string
}

// startCloud serves fixture (nil: the default) with transitions speed times
// faster than the wall clock. Faults draw from a fixed seed.
func startCloud(t *testing.T, fixture *cloudsim.Fixture, speed float64) *simCloud {
	t.Helper()
	return startCloudWith(t, fixture, speed, nil)
}

// startCloudWith is startCloud with a wrapper around cloudsim's handler.
func startCloudWith(t *testing.T, fixture *cloudsim.Fixture, speed float64, wrap func(http.Handler) http.Handler) *simCloud {
	t.Helper()
	sim, err := cloudsim.New(cloudsim.Options{Fixture: fixture, Clock: cloudsim.NewScaledClock(speed), Seed: 5})
	if err != nil {
		t.Fatalf("cloudsim: %v", err)
	}
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return &simCloud{Server: sim, URL: hs.URL}
}

// callsOf returns the recorded calls of action (all actions if "") for
// which keep is true (all if nil).
func (c *simCloud) callsOf(action string, keep func(cloudsim.Call) bool) []cloudsim.Call {
	var out []cloudsim.Call
	for _, call := range c.Calls(action) {
		if keep == nil || keep(call) {
			out = append(out, call)
		}
	}
	return out
}

// param returns a predicate on a call parameter.
func param(name, value string) func(cloudsim.Call) bool {
	return func(c cloudsim.Call) bool { return c.Params[name] == value }
}

// succeeded is true for calls answered without an error code.
func succeeded(c cloudsim.Call) bool { return c.Code == "" }

// ---------------------------------------------------------------------------
// Worker processes.

// workerConfig says what a worker process talks to.
type workerConfig struct {
	// frontend is the Temporal frontend; "" means the shared server.
	frontend string
	// cloud is where both clouds are.
	cloud *simCloud
	// env adds or replaces environment variables; an empty value removes one.
	env map[string]string
	// args are extra flags.
	args []string
}

// workerProc is a running worker command.
type workerProc struct {
	name    string
	cmd     *exec.Cmd
	out     *capture
	done    chan struct{}
	waitErr error
}

// childEnv is the whole environment of a worker: nothing is inherited but
// PATH, so no proxy, profile or key of the machine reaches it.
func childEnv(cfg workerConfig) []string {
	frontend := cfg.frontend
	if frontend == "" {
		frontend = temporalSrv.FrontendHostPort()
	}
	env := map[string]string{
		"PATH":            os.Getenv("PATH"),
		"HOME":            childHome,
		"XDG_CONFIG_HOME": filepath.Join(childHome, ".config"),
		"TMPDIR":          os.TempDir(),
		"NO_PROXY":        "127.0.0.1,localhost",
		"no_proxy":        "127.0.0.1,localhost",

		"TEMPORAL_ADDRESS":   frontend,
		"TEMPORAL_NAMESPACE": "default",

		"ALIBABA_CLOUD_ACCESS_KEY_ID":         cloudsim.DefaultAccessKeyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET":     cloudsim.DefaultAccessKeySecret,
		"ALIBABA_CLOUD_REGION_ID":             cloudsim.DefaultRegionID,
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", // never ask 100.100.100.200
		"HUAWEICLOUD_SDK_AK":                  cloudsim.DefaultHuaweiAK,
		"HUAWEICLOUD_SDK_SK":                  cloudsim.DefaultHuaweiSK,
		"HUAWEICLOUD_SDK_PROJECT_ID":          cloudsim.DefaultHuaweiProjectID,
	}
	if cfg.cloud != nil {
		env["VPCFLOW_ALIBABA_VPC_ENDPOINT"] = cfg.cloud.URL
		env["VPCFLOW_HUAWEI_APIG_ENDPOINT"] = cfg.cloud.URL
	}
	for k, v := range cfg.env {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	var list []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		list = append(list, k+"="+env[k])
	}
	return list
}

// startWorker runs the worker binary, configured only by
// the environment, and returns once it polls the task queue. The process is
// killed when the test ends; its output is logged if the test failed.
func startWorker(t *testing.T, name string, cfg workerConfig) *workerProc {
	t.Helper()
	w := &workerProc{name: name, out: newCapture(t.Name() + "/" + name), done: make(chan struct{})}
	// cloudsim here plays no quota unless a test sets one (quota_test.go,
	// which tells the worker the account's): the worker is told so, and
	// its per-API limits and the task queue's pace the tests no more than
	// the cloud does. Later flags win.
	args := append([]string{"-health=", "-metrics=", "-stop-timeout=2s", "-call-quotas=*=600000", "-task-queue-activities-per-second=1000"}, cfg.args...)
	w.cmd = exec.Command(workerBin, args...)
	w.cmd.Env = childEnv(cfg)
	w.cmd.Stdout = w.out
	w.cmd.Stderr = w.out
	if err := startChild(w.cmd); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		w.waitErr = w.cmd.Wait()
		close(w.done)
	}()
	t.Cleanup(func() {
		w.kill()
		if t.Failed() {
			measured(t, "%s (pid %d) output:\n%s", name, w.pid(), w.out.tail(8000))
		}
	})
	deadline := time.After(time.Minute)
	for !strings.Contains(w.out.String(), `"msg":"worker polling"`) {
		select {
		case <-w.done:
			t.Fatalf("%s exited before polling (%v):\n%s", name, w.waitErr, w.out.tail(4000))
		case <-deadline:
			t.Fatalf("%s did not poll within a minute:\n%s", name, w.out.tail(4000))
		case <-time.After(50 * time.Millisecond):
		}
	}
	return w
}

func (w *workerProc) pid() int {
	if w.cmd.Process == nil {
		return 0
	}
	return w.cmd.Process.Pid
}

// identityPrefix starts the worker identity Temporal records for this
// process ("<pid>@<host>@...").
func (w *workerProc) identityPrefix() string { return fmt.Sprintf("%d@", w.pid()) }

func (w *workerProc) alive() bool {
	select {
	case <-w.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (w *workerProc) kill() {
	killGroup(w.cmd)
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
	}
}

// stop asks for a graceful stop (SIGTERM), then kills after 20 s.
func (w *workerProc) stop() {
	terminate(w.cmd)
	select {
	case <-w.done:
	case <-time.After(20 * time.Second):
		w.kill()
	}
}

// ---------------------------------------------------------------------------
// Workflows.

// startWorkflow starts a workflow as the starter does (USE_EXISTING, the
// search attributes) and terminates it when the test ends if it still runs,
// so that no test leaves work behind for the next test's worker.
func startWorkflow(ctx context.Context, t *testing.T, c client.Client, id, workflowType string, sa temporal.SearchAttributes, args ...any) client.WorkflowRun {
	t.Helper()
	opts := client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    sa,
	}
	run, err := c.ExecuteWorkflow(ctx, opts, workflowType, args...)
	if err != nil {
		t.Fatalf("start %s %s: %v", workflowType, id, err)
	}
	t.Cleanup(func() { terminateIfRunning(c, run.GetID(), run.GetRunID()) })
	return run
}

func terminateIfRunning(c client.Client, id, runID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	desc, err := c.DescribeWorkflowExecution(ctx, id, runID)
	if err == nil && desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		_ = c.TerminateWorkflow(ctx, id, runID, "the test that started it has ended")
	}
}

// startChange starts NetworkChange with the starter's workflow ID scheme.
func startChange(ctx context.Context, t *testing.T, c client.Client, in contract.NetworkChangeInput) client.WorkflowRun {
	t.Helper()
	return startWorkflow(ctx, t, c, stacktest.ID(t, contract.NetworkChange.ID(in)), contract.NetworkChange.Type,
		contract.StartSearchAttributes(in.RegionId, in.RouterInterfaceId, in.VpnConnectionId), in)
}

// loadChange is the NetworkChange of the i-th pair of a generated fixture:
// connect it, publish its route to the default ECR, verify the route on the
// default VPN connection, after checking its cross-account authorization.
func loadChange(i int, wait time.Duration) contract.NetworkChangeInput {
	ini, _ := cloudsim.LoadRouterInterfaceIDs(i)
	return contract.NetworkChangeInput{
		RegionId:          cloudsim.DefaultRegionID,
		RouterInterfaceId: ini,
		TargetType:        "ECR",
		TargetInstanceId:  cloudsim.DefaultECRID,
		RouteEntries:      []contract.RouteEntry{{RouteTableId: cloudsim.DefaultSystemRouteTableID, DestinationCidrBlock: cloudsim.LoadRouteCIDR(i)}},
		VpnConnectionId:   cloudsim.DefaultVpnConnectionID,
		CrossAccount:      &contract.ExpectedCrossAccount{BindInstance: cloudsim.DefaultCenID, BindUid: 1210123456123456},
		WaitTimeout:       contract.Duration(wait),
	}
}

// outcome is how one workflow ended.
type outcome struct {
	id     string
	result contract.NetworkChangeResult
	err    error
}

// awaitAll waits for every run's result, in parallel.
func awaitAll(ctx context.Context, runs []client.WorkflowRun) []outcome {
	out := make([]outcome, len(runs))
	var wg sync.WaitGroup
	for i, run := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].id = run.GetID()
			out[i].err = run.Get(ctx, &out[i].result)
		}()
	}
	wg.Wait()
	return out
}

// requireAllCompleted fails the test for every workflow that did not
// complete, and returns how many did.
func requireAllCompleted(t *testing.T, outs []outcome) int {
	t.Helper()
	ok := 0
	for _, o := range outs {
		if o.err != nil {
			t.Errorf("workflow %s did not complete: %v", o.id, o.err)
			continue
		}
		ok++
	}
	return ok
}

// waitFor polls cond until it holds or ctx ends; then the test fails with
// cond's last description of what it saw.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	for {
		ok, seen := cond()
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not reached before the deadline; last seen: %s", what, seen)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// fullHistory reads every event of a workflow run.
func fullHistory(ctx context.Context, c client.Client, id, runID string) ([]*historypb.HistoryEvent, error) {
	it := c.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
}

// activityRun is one activity of a history as it ran: its type, the attempt
// that closed it and the identity of the worker that ran that attempt.
type activityRun struct {
	activityType string
	attempt      int32
	identity     string
	failed       bool
	// previousFailure is the ApplicationError type that ended the attempt
	// before the last one, if any.
	previousFailure string
}

// activityRuns lists the activities of a history, in schedule order.
func activityRuns(events []*historypb.HistoryEvent) []activityRun {
	byScheduled := map[int64]*activityRun{}
	var order []int64
	for _, ev := range events {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			byScheduled[ev.GetEventId()] = &activityRun{activityType: ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()}
			order = append(order, ev.GetEventId())
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			a := ev.GetActivityTaskStartedEventAttributes()
			if r := byScheduled[a.GetScheduledEventId()]; r != nil {
				r.attempt, r.identity = a.GetAttempt(), a.GetIdentity()
				r.previousFailure = a.GetLastFailure().GetApplicationFailureInfo().GetType()
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED:
			if r := byScheduled[ev.GetActivityTaskFailedEventAttributes().GetScheduledEventId()]; r != nil {
				r.failed = true
			}
		}
	}
	out := make([]activityRun, 0, len(order))
	for _, id := range order {
		out = append(out, *byScheduled[id])
	}
	return out
}

// countEvents counts the events of a type.
func countEvents(events []*historypb.HistoryEvent, typ enumspb.EventType) int {
	n := 0
	for _, ev := range events {
		if ev.GetEventType() == typ {
			n++
		}
	}
	return n
}

// notFound reports whether err says the workflow does not exist.
func notFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
