package activities

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	alierrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
	"github.com/vpcflow/vpcflow/contract"
)

var ref = RouterInterfaceRef{RegionId: "cn-hangzhou", RouterInterfaceId: "ri-init1"}

func TestConnectSendsRegionAndInterface(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnConnectRouterInterface: func(r *vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error) {
		assert.Equal(t, "cn-hangzhou", r.RegionId)
		assert.Equal(t, "ri-init1", r.RouterInterfaceId)
		return &vpc.ConnectRouterInterfaceResponse{RequestId: "RID-C"}, nil
	}}
	acts := &CloudActivities{VPC: fake}
	res, err := runActivity[ConnectRouterInterfaceResult](acts, acts.ConnectRouterInterface, ref)
	require.NoError(t, err)
	assert.Equal(t, "RID-C", res.RequestId)
	assert.False(t, res.AlreadyConnecting)
	assert.Equal(t, []string{"RID-C"}, res.RequestIds)
	assert.Equal(t, 1, fake.Calls("ConnectRouterInterface"))
	assert.Zero(t, fake.Calls("DescribeRouterInterfaces"), "a successful connect needs no read")
}

// A retry after a lost response gets IncorrectRIStatus: the read shows the
// first attempt's connect, so the activity succeeds without a second one.
func TestConnectSettlesIncorrectRIStatusByReading(t *testing.T) {
	for _, status := range []string{RouterInterfaceConnecting, RouterInterfaceActive} {
		fake := &activitiestest.FakeVPC{
			OnConnectRouterInterface: func(*vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error) {
				return nil, activitiestest.AliError(400, "IncorrectRIStatus", "RID-C2")
			},
			OnDescribeRouterInterfaces: func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
				return activitiestest.RouterInterfaces("RID-D", initiator(status)), nil
			},
		}
		acts := &CloudActivities{VPC: fake}
		res, err := runActivity[ConnectRouterInterfaceResult](acts, acts.ConnectRouterInterface, ref)
		require.NoError(t, err, status)
		assert.True(t, res.AlreadyConnecting, status)
		assert.Equal(t, status, res.CloudState)
		assert.Equal(t, []string{"RID-C2", "RID-D"}, res.RequestIds)
	}
}

func TestConnectRefusedForAStateThatCannotConnect(t *testing.T) {
	fake := &activitiestest.FakeVPC{
		OnConnectRouterInterface: func(*vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error) {
			return nil, activitiestest.AliError(400, "IncorrectRIStatus", "RID-C3")
		},
		OnDescribeRouterInterfaces: func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
			return activitiestest.RouterInterfaces("RID-D", initiator(RouterInterfaceInactive)), nil
		},
	}
	acts := &CloudActivities{VPC: fake}
	err := activityError(acts, acts.ConnectRouterInterface, ref)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.True(t, appErr.NonRetryable())
	assert.Equal(t, "IncorrectRIStatus", appErr.Type())
	assert.Contains(t, appErr.Error(), "Inactive")
	assert.Contains(t, appErr.Error(), "RID-C3")
}

func TestDescribeFindsNoInterface(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: func(r *vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
		require.NotNil(t, r.Filter)
		f := (*r.Filter)[0]
		assert.Equal(t, "RouterInterfaceId", f.Key)
		assert.Equal(t, []string{"ri-init1"}, *f.Value)
		return &vpc.DescribeRouterInterfacesResponse{RequestId: "RID-E"}, nil
	}}
	acts := &CloudActivities{VPC: fake}
	err := activityError(acts, acts.DescribeRouterInterface, ref)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, RouterInterfaceNotFoundCode, appErr.Type())
	assert.True(t, appErr.NonRetryable())
	assert.Contains(t, appErr.Error(), "RID-E")
}

var fastPoll = PollSchedule{First: 5 * time.Millisecond, Max: 20 * time.Millisecond, Factor: 2}

// statuses answers DescribeRouterInterfaces with each status in turn, then
// the last one for ever.
func statuses(list ...string) func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
	n := 0
	return func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
		s := list[min(n, len(list)-1)]
		n++
		return activitiestest.RouterInterfaces("RID-"+s, initiator(s)), nil
	}
}

func TestWaitActiveGoesOnThroughConnecting(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: statuses("Connecting", "Connecting", "Active")}
	ri, err := waitActive(fake, fastPoll, time.Minute, nil)
	require.NoError(t, err)
	assert.Equal(t, RouterInterfaceActive, ri.Status)
	assert.Equal(t, 3, fake.Calls("DescribeRouterInterfaces"))
	assert.Equal(t, []string{"RID-Connecting", "RID-Connecting", "RID-Active"}, ri.RequestIds)
}

func TestWaitActiveEndsAtOnceOnAStateThatCannotLeadThere(t *testing.T) {
	for _, state := range []string{"Inactive", "Deactivating", "Deleting", "Deleted", "Idle"} {
		fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: statuses("Connecting", state)}
		_, err := waitActive(fake, fastPoll, time.Minute, nil)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr, state)
		assert.Equal(t, contract.UnreachableStateType, appErr.Type())
		assert.True(t, appErr.NonRetryable())
		assert.Contains(t, appErr.Error(), "state "+state)
		assert.Equal(t, 2, fake.Calls("DescribeRouterInterfaces"), "no read after %s", state)
	}
}

func TestWaitActiveStopsAtTheDeadline(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: statuses("Connecting")}
	_, err := waitActive(fake, fastPoll, 200*time.Millisecond, nil)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, contract.WaitTimeoutType, appErr.Type())
	assert.True(t, appErr.NonRetryable())
	assert.Contains(t, appErr.Error(), `last state "Connecting"`)
	assert.Contains(t, appErr.Error(), "RID-Connecting")
	// Backing off from 5 ms to a 20 ms cap: about 12 reads in 200 ms, never hundreds.
	assert.Less(t, fake.Calls("DescribeRouterInterfaces"), 20)
	assert.Greater(t, fake.Calls("DescribeRouterInterfaces"), 3)
}

// A retried attempt resumes from the heartbeat: its poll count and pause go
// on from the last attempt's.
func TestWaitActiveResumesFromHeartbeat(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: statuses("Active")}
	ri, err := waitActive(fake, fastPoll, time.Minute, &PollProgress{Polls: 7, Pause: 20 * time.Millisecond, LastState: "Connecting",
		LastRequestId: "RID-old", RequestIds: []string{"RID-old"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"RID-old", "RID-Active"}, ri.RequestIds)
}

func TestPollScheduleBacksOffToItsCap(t *testing.T) {
	s := DefaultPollSchedule
	var pauses []time.Duration
	for p := time.Duration(0); len(pauses) < 8; {
		p = s.after(p)
		pauses = append(pauses, p)
	}
	assert.Equal(t, time.Second, pauses[0])
	assert.Equal(t, 1500*time.Millisecond, pauses[1])
	assert.Equal(t, 10*time.Second, pauses[7])
	for i := 1; i < len(pauses); i++ {
		assert.GreaterOrEqual(t, pauses[i], pauses[i-1])
	}
	assert.Equal(t, DefaultPollSchedule, PollSchedule{}.orDefault())
}

// waitActive runs WaitRouterInterfaceActive against fake, paced by poll,
// with a deadline within from now, resuming from resume's heartbeat if set.
func waitActive(fake *activitiestest.FakeVPC, poll PollSchedule, within time.Duration, resume *PollProgress) (RouterInterface, error) {
	acts := &CloudActivities{VPC: fake, Poll: poll}
	env := newActivityEnv(acts)
	if resume != nil {
		env.SetHeartbeatDetails(*resume)
	}
	ri, err := runIn[RouterInterface](env, acts.WaitRouterInterfaceActive,
		WaitRouterInterfaceActiveInput{RouterInterfaceRef: ref, Deadline: time.Now().Add(within)})
	return ri, err
}

// throttledWhen answers DescribeRouterInterfaces with Throttling.User (with
// the cloud's x-acs-retry-after of 10 ms) whenever fail says so, else with
// the next status of list.
func throttledWhen(fail func(read int) bool, list ...string) func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
	answer := statuses(list...)
	read := 0
	return func(r *vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
		read++
		if fail(read) {
			err := activitiestest.AliError(400, "Throttling.User", fmt.Sprintf("RID-THROTTLED-%d", read)).(*alierrors.ServerError)
			err.RespHeaders = map[string][]string{"X-Acs-Retry-After": {"10"}}
			return nil, err
		}
		return answer(r)
	}
}

// A throttled read inside a wait is retried by the wait itself, after the
// cloud's delay: the attempt goes on, and the reads after it are not slowed
// by failures that were answered since.
func TestAWaitRetriesAThrottledReadItself(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: throttledWhen(func(read int) bool { return read%2 == 0 },
		"Connecting", "Connecting", "Connecting", "Active")}
	ri, err := waitActive(fake, fastPoll, time.Minute, nil)
	require.NoError(t, err)
	assert.Equal(t, RouterInterfaceActive, ri.Status)
	assert.Equal(t, 7, fake.Calls("DescribeRouterInterfaces"), "4 answered reads, 3 throttled between them")
}

// Reads that keep failing end the attempt after maxFailedReadsPerAttempt,
// with the cloud's error (Temporal retries it), and the heartbeat keeps the
// count so the next attempt paces on from it.
func TestAWaitGivesUpItsAttemptAfterFailedReadsInARow(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
		return nil, activitiestest.AliError(503, "ServiceUnavailable", "RID-503")
	}}
	_, err := waitActive(fake, fastPoll, time.Minute, nil)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, "ServiceUnavailable", appErr.Type())
	assert.False(t, appErr.NonRetryable())
	assert.Equal(t, maxFailedReadsPerAttempt+1, fake.Calls("DescribeRouterInterfaces"))
}

// A throttling delay longer than the schedule's Max would outlast the
// heartbeat timeout: the wait returns the error for Temporal to retry after
// it, and the delay counts the read's failures in a row, not the attempt.
func TestAWaitHandsALongThrottleToTemporal(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
		return nil, activitiestest.AliError(400, "Throttling.User", "RID-T")
	}}
	_, err := waitActive(fake, PollSchedule{First: 5 * time.Millisecond, Max: time.Second, Factor: 2}, time.Minute, &PollProgress{Polls: 9, FailedReads: 2})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, "Throttling.User", appErr.Type())
	assert.Equal(t, 1, fake.Calls("DescribeRouterInterfaces"), "2 s or more is past Max: no pause inside the wait")
	// The third failure in a row: 2 s doubled twice, ±20 %.
	assert.InDelta(t, 8*time.Second, appErr.NextRetryDelay(), float64(1700*time.Millisecond))
}

func TestAWaitThatTimesOutTellsItsLastReadError(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: throttledWhen(func(read int) bool { return read > 1 }, "Connecting")}
	_, err := waitActive(fake, fastPoll, 25*time.Millisecond, nil)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, contract.WaitTimeoutType, appErr.Type())
	assert.Contains(t, appErr.Error(), "Throttling.User")
	var p PollProgress
	require.NoError(t, appErr.Details(&p))
	assert.Equal(t, fake.Calls("DescribeRouterInterfaces"), p.Polls, "every read counted, the failed ones too")
}

// A stopping worker (a deploy, a scale-down) hands its waits over at once:
// the attempt fails retryably, soon retried, with the progress to resume
// from, instead of holding the wait until the stop timeout and leaving it to
// the heartbeat timeout.
func TestAWaitHandsOverWhenItsWorkerStops(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: statuses("Connecting")}
	acts := &CloudActivities{VPC: fake, Poll: PollSchedule{First: time.Hour, Max: time.Hour, Factor: 1, Static: true}}
	env := newActivityEnv(acts)
	stop := make(chan struct{})
	env.SetWorkerStopChannel(stop)
	time.AfterFunc(50*time.Millisecond, func() { close(stop) })
	began := time.Now()
	_, err := env.ExecuteActivity(acts.WaitRouterInterfaceActive,
		WaitRouterInterfaceActiveInput{RouterInterfaceRef: ref, Deadline: time.Now().Add(2 * time.Hour)})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, contract.WorkerStoppingType, appErr.Type())
	assert.False(t, appErr.NonRetryable())
	assert.Equal(t, handoverDelay, appErr.NextRetryDelay())
	assert.Less(t, time.Since(began), time.Minute, "not held for the hour's pause")
	var p PollProgress
	require.NoError(t, appErr.Details(&p))
	assert.Equal(t, 1, p.Polls)
	assert.Equal(t, "Connecting", p.LastState)
}

// Forbidden.OnlyOneConnection ("Cannot connect concurrently between same
// routers"), which some clouds answer before IncorrectRIStatus, is settled
// by reading too: found connecting, it was this change's own connect.
func TestConnectSettlesOnlyOneConnectionByReading(t *testing.T) {
	fake := &activitiestest.FakeVPC{
		OnConnectRouterInterface: func(*vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error) {
			return nil, activitiestest.AliError(400, "Forbidden.OnlyOneConnection", "RID-C")
		},
		OnDescribeRouterInterfaces: statuses(RouterInterfaceConnecting),
	}
	acts := &CloudActivities{VPC: fake}
	res, err := runActivity[ConnectRouterInterfaceResult](acts, acts.ConnectRouterInterface, ref)
	require.NoError(t, err)
	assert.True(t, res.AlreadyConnecting)
	assert.Equal(t, []string{"RID-C", "RID-Connecting"}, res.RequestIds)
}

// Found Idle, Forbidden.OnlyOneConnection is about another connection
// between the routers: it stops the change at once, naming the fix.
func TestOnlyOneConnectionWithTheInterfaceIdleIsPermanent(t *testing.T) {
	fake := &activitiestest.FakeVPC{
		OnConnectRouterInterface: func(*vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error) {
			return nil, activitiestest.AliError(400, "Forbidden.OnlyOneConnection", "RID-C")
		},
		OnDescribeRouterInterfaces: statuses(RouterInterfaceIdle),
	}
	acts := &CloudActivities{VPC: fake}
	err := activityError(acts, acts.ConnectRouterInterface, ref)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, "Forbidden.OnlyOneConnection", appErr.Type())
	assert.True(t, appErr.NonRetryable())
	assert.Contains(t, appErr.Error(), "use the existing pair")
	assert.Contains(t, appErr.Error(), "RequestId: RID-C")
}

// After an earlier attempt whose answer was lost, a read that still shows
// Idle may lag behind that attempt's connect: the refusal is retried as
// busy until the read shows it.
func TestARetriedConnectDoubtsAnIdleRead(t *testing.T) {
	connects := 0
	fake := &activitiestest.FakeVPC{
		OnConnectRouterInterface: func(*vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error) {
			connects++
			if connects == 1 { // applied, but the answer never came
				return nil, &url.Error{Op: "Post", URL: "http://vpc", Err: io.EOF}
			}
			return nil, activitiestest.AliError(400, "Forbidden.OnlyOneConnection", fmt.Sprint("RID-C", connects))
		},
		OnDescribeRouterInterfaces: statuses(RouterInterfaceIdle, RouterInterfaceIdle, RouterInterfaceConnecting),
	}
	acts := &CloudActivities{VPC: fake}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterActivity(acts)
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) (ConnectRouterInterfaceResult, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
			RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 10}})
		var res ConnectRouterInterfaceResult
		err := workflow.ExecuteActivity(ctx, acts.ConnectRouterInterface, ref).Get(ctx, &res)
		return res, err
	}, workflow.RegisterOptions{Name: "connect"})
	env.ExecuteWorkflow("connect")
	require.NoError(t, env.GetWorkflowError())
	var res ConnectRouterInterfaceResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.True(t, res.AlreadyConnecting)
	assert.EqualValues(t, 4, res.Attempt, "lost, Idle read, Idle read, found Connecting")
	assert.Equal(t, 4, connects, "refused twice while the read lagged, never applied twice")
}

func TestAnIdleReadIsDoubtedOnlySoonAfterAnEarlierAttempt(t *testing.T) {
	now := time.Now()
	assert.False(t, readMayLagBehindEarlierAttempt(activity.Info{Attempt: 1, ScheduledTime: now}), "no earlier attempt")
	assert.True(t, readMayLagBehindEarlierAttempt(activity.Info{Attempt: 2, ScheduledTime: now.Add(-time.Second)}))
	assert.False(t, readMayLagBehindEarlierAttempt(activity.Info{Attempt: 5, ScheduledTime: now.Add(-ReadAfterWriteGrace - time.Second)}),
		"past the grace the read is believed")
}

// A read right after this change's connect may still show Idle: the wait
// goes on through it for the grace, and believes it after.
func TestWaitActiveDoubtsIdleRightAfterTheConnect(t *testing.T) {
	run := func(connectedAt time.Time) (*activitiestest.FakeVPC, RouterInterface, error) {
		fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: statuses("Idle", "Idle", "Connecting", "Active")}
		acts := &CloudActivities{VPC: fake, Poll: fastPoll}
		ri, err := runActivity[RouterInterface](acts, acts.WaitRouterInterfaceActive,
			WaitRouterInterfaceActiveInput{RouterInterfaceRef: ref, ConnectedAt: connectedAt, Deadline: time.Now().Add(time.Minute)})
		return fake, ri, err
	}
	fake, ri, err := run(time.Now())
	require.NoError(t, err)
	assert.Equal(t, RouterInterfaceActive, ri.Status)
	assert.Equal(t, 4, fake.Calls("DescribeRouterInterfaces"))

	fake, _, err = run(time.Now().Add(-ReadAfterWriteGrace - time.Second))
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, contract.UnreachableStateType, appErr.Type())
	assert.Equal(t, 1, fake.Calls("DescribeRouterInterfaces"), "past the grace, Idle ends the wait at its first read")
}

// What the workflow checks before connecting fails as the cloud's answer
// would: the code's type, its row's class and fix, the RequestId of the
// read that showed it; a state that cannot become Active is UnreachableState.
func TestReadyToConnectRefusesAsTheCloudWould(t *testing.T) {
	ready := RouterInterface{RouterInterfaceId: "ri-a", Status: RouterInterfaceIdle, Role: RoleInitiatingSide,
		OppositeInterfaceId: "ri-b", OppositeRouterId: "vrt-b", OppositeRouterType: "VRouter", OppositeInterfaceOwnerId: "1",
		CallTrace: CallTrace{RequestIds: []string{"req-read"}}}
	require.NoError(t, ready.ReadyToConnect())

	accepting := ready
	accepting.Role = RoleAcceptingSide
	noOpposite := ready
	noOpposite.OppositeRouterId = ""
	for code, ri := range map[string]RouterInterface{"IncorrectRole.NotInitiatingSide": accepting, "IncorrectOppositeInterfaceInfo.NotSet": noOpposite} {
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, ri.ReadyToConnect(), &appErr, code)
		assert.Equal(t, code, appErr.Type())
		assert.True(t, appErr.NonRetryable(), code)
		var details contract.CloudErrorDetails
		require.NoError(t, appErr.Details(&details))
		row, ok := LookupErrorCode(code)
		require.True(t, ok, "%s has a row", code)
		assert.Equal(t, row.Fix, details.Fix, code)
		assert.Equal(t, "req-read", details.RequestId)
		assert.Contains(t, appErr.Error(), "RequestId: req-read")
	}

	inactive := ready
	inactive.Status = RouterInterfaceInactive
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, inactive.ReadyToConnect(), &appErr)
	assert.Equal(t, contract.UnreachableStateType, appErr.Type())
	assert.True(t, appErr.NonRetryable())
	assert.Contains(t, appErr.Error(), "Inactive")
}
