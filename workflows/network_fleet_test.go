package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// fleetInput is a fleet of n changes, each its own interface ri-f<i> on
// route table vtb-f<i>, but those listed in shared, which publish from
// vtb-shared.
func fleetInput(n int, shared ...int) contract.NetworkFleetInput {
	in := contract.NetworkFleetInput{Name: "test-fleet", Defaults: &contract.NetworkChangeInput{
		RegionId: region, TargetType: "ECR", TargetInstanceId: ecrID, VpnConnectionId: vcoID}}
	for i := range n {
		table := fmt.Sprintf("vtb-f%d", i)
		for _, j := range shared {
			if i == j {
				table = "vtb-shared"
			}
		}
		in.Changes = append(in.Changes, contract.NetworkChangeInput{RouterInterfaceId: fmt.Sprintf("ri-f%d", i),
			RouteEntries: []contract.RouteEntry{{RouteTableId: table, DestinationCidrBlock: fmt.Sprintf("10.%d.0.0/16", i)}}})
	}
	return in
}

// fleetChanges records the changes the fleet ran: when each ran, and the
// most that ran at once.
type fleetChanges struct {
	running, most int
	order         []string
	spans         map[string][2]time.Time
	fail          map[string]bool
}

// serveFleet answers the interface reads (every interface Idle on its own
// router) and runs each change as a child that takes a minute.
func (s *workflowSuite) serveFleet(fail ...string) *fleetChanges {
	fc := &fleetChanges{spans: map[string][2]time.Time{}, fail: map[string]bool{}}
	for _, id := range fail {
		fc.fail[id] = true
	}
	s.env.OnActivity(s.acts.DescribeRouterInterfaces, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RouterInterfacesRef) (activities.RouterInterfaces, error) {
			var out activities.RouterInterfaces
			for _, id := range in.RouterInterfaceIds {
				out.Found = append(out.Found, activities.RouterInterface{RouterInterfaceId: id, Status: "Idle", RouterId: "vrt-" + id})
			}
			out.RequestIds = []string{"RID-READ"}
			return out, nil
		}).Maybe()
	s.env.OnWorkflow(contract.NetworkChange.Type, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in contract.NetworkChangeInput) (contract.NetworkChangeResult, error) {
			fc.running++
			fc.most = max(fc.most, fc.running)
			fc.order = append(fc.order, in.RouterInterfaceId)
			start := workflow.Now(ctx)
			took := time.Minute
			if fc.fail[in.RouterInterfaceId] {
				took = 30 * time.Second // a refusal comes sooner than a change ends
			}
			err := workflow.Sleep(ctx, took)
			fc.running--
			fc.spans[in.RouterInterfaceId] = [2]time.Time{start, workflow.Now(ctx)}
			if err != nil {
				return contract.NetworkChangeResult{}, err
			}
			if fc.fail[in.RouterInterfaceId] {
				return contract.NetworkChangeResult{}, temporal.NewNonRetryableApplicationError("the cloud said no", "Forbidden", nil)
			}
			return contract.NetworkChangeResult{Connected: true}, nil
		}).Maybe()
	return fc
}

func (s *workflowSuite) fleetProgress() contract.FleetProgress {
	val, err := s.env.QueryWorkflow(contract.FleetProgressQuery)
	s.Require().NoError(err)
	var p contract.FleetProgress
	s.Require().NoError(val.Get(&p))
	return p
}

// A fleet runs its changes up to its concurrency, those sharing a route
// table one after another in the spec's order, and completes with each
// change's run.
func (s *workflowSuite) TestAFleetRunsItsChangesWithinTheCapAndSerialisesSharedTables() {
	fc := s.serveFleet()
	in := fleetInput(7, 1, 4, 5)
	in.Concurrency = 3
	s.env.ExecuteWorkflow(NetworkFleetWorkflow, in)
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.NetworkFleetResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(7, res.Counts[contract.FleetCompleted])
	s.Equal(3, fc.most, "at most 3 at once")
	for _, pair := range [][2]string{{"ri-f1", "ri-f4"}, {"ri-f4", "ri-f5"}} {
		s.False(fc.spans[pair[1]][0].Before(fc.spans[pair[0]][1]), "%s starts after %s ends: they share vtb-shared", pair[1], pair[0])
	}
	for _, c := range res.Changes {
		s.Equal(contract.FleetCompleted, c.State)
		table := "route-table/vtb-f" + c.WorkflowId[len("network-change/ri-f"):]
		if c.Index == 1 || c.Index == 4 || c.Index == 5 {
			table = "route-table/vtb-shared"
		}
		s.Contains(c.Keys, table)
		s.Contains(c.Keys, "router/vrt-"+c.WorkflowId[len("network-change/"):], "an Idle interface keys its router")
	}
	s.Equal(contract.StageCompleted, s.fleetProgress().Stage)
}

// MaxErrors 0 stops the fleet starting at the first failure: running
// changes finish, the rest are skipped, and the fleet fails naming it.
func (s *workflowSuite) TestAFleetStopsStartingAtMaxErrors() {
	s.serveFleet("ri-f0")
	in := fleetInput(5)
	in.Concurrency = 2
	s.env.ExecuteWorkflow(NetworkFleetWorkflow, in)
	err := s.env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	s.Require().True(errors.As(err, &appErr), "%v", err)
	s.Equal(contract.FleetChangesFailedType, appErr.Type())
	s.Contains(appErr.Error(), "network-change/ri-f0: the cloud said no")
	p := s.fleetProgress()
	s.Equal(1, p.Counts[contract.FleetFailed])
	s.Equal(1, p.Counts[contract.FleetCompleted], "ri-f1 ran beside it and finished")
	s.Equal(3, p.Counts[contract.FleetSkipped])
	s.Contains(p.Stopped, "MaxErrors is 0")
}

// MaxErrors -1 keeps going: every change runs; the fleet still fails,
// counting the failures.
func (s *workflowSuite) TestAFleetWithMaxErrorsMinusOneKeepsGoing() {
	s.serveFleet("ri-f0", "ri-f2")
	in := fleetInput(4)
	in.MaxErrors = -1
	s.env.ExecuteWorkflow(NetworkFleetWorkflow, in)
	s.Require().Error(s.env.GetWorkflowError())
	p := s.fleetProgress()
	s.Equal(2, p.Counts[contract.FleetFailed])
	s.Equal(2, p.Counts[contract.FleetCompleted])
	s.Zero(p.Counts[contract.FleetSkipped])
}

// A fleet continues as new after RunLength changes, handing over what it
// did; the next run starts only what is left.
func (s *workflowSuite) TestAFleetContinuesAsNewAfterItsRunLength() {
	fc := s.serveFleet()
	in := fleetInput(5)
	in.RunLength = 2
	s.env.ExecuteWorkflow(NetworkFleetWorkflow, in)
	err := s.env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	s.Require().True(errors.As(err, &can), "%v", err)
	s.Equal(contract.NetworkFleet.Type, can.WorkflowType.Name)
	s.ElementsMatch([]string{"ri-f0", "ri-f1"}, fc.order)

	var next contract.NetworkFleetInput
	s.Require().NoError(contract.StrictInputs(converter.GetDefaultDataConverter()).FromPayloads(can.Input, &next))
	s.Require().NotNil(next.Carried)
	s.Equal(1, next.Carried.Runs)
	states := []string{}
	for _, c := range next.Carried.Changes {
		states = append(states, c.State)
	}
	s.Equal([]string{"completed", "completed", "pending", "pending", "pending"}, states)
}

// A cancelled fleet starts nothing more, waits for the running changes,
// and ends cancelled.
func (s *workflowSuite) TestACancelledFleetStartsNothingMore() {
	fc := s.serveFleet()
	in := fleetInput(6)
	in.Concurrency = 2
	s.env.RegisterDelayedCallback(s.env.CancelWorkflow, 30*time.Second)
	s.env.ExecuteWorkflow(NetworkFleetWorkflow, in)
	err := s.env.GetWorkflowError()
	s.Require().True(temporal.IsCanceledError(err), "%v", err)
	s.Len(fc.order, 2, "only the first two started")
	p := s.fleetProgress()
	// The test environment does not cancel a mocked child: on a server
	// they end cancelled (internal/e2e).
	s.Equal(2, p.Counts[contract.FleetCancelled]+p.Counts[contract.FleetCompleted])
	s.Equal(4, p.Counts[contract.FleetSkipped])
	s.Equal(contract.StageCancelled, p.Stage)
}

// servePlans plans each change: those in failing would fail, the others
// would connect.
func (s *workflowSuite) servePlans(failing ...string) *int {
	plans := 0
	s.env.OnWorkflow(contract.NetworkChangePlan.Type, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in contract.NetworkChangeInput) (contract.PlanResult, error) {
			plans++
			for _, id := range failing {
				if id == in.RouterInterfaceId {
					return contract.PlanResult{WouldFail: true, Plan: []contract.PlannedStep{{Stage: contract.StageConnectRouterInterface,
						Action: contract.PlanWouldFail, What: "connect " + id, Code: "Forbidden.OnlyOneConnection", Reason: "routers connected"}}}, nil
				}
			}
			return contract.PlanResult{WouldChange: true, Plan: []contract.PlannedStep{{Stage: contract.StageConnectRouterInterface,
				Action: contract.PlanWillDo, What: "connect " + in.RouterInterfaceId}}}, nil
		})
	return &plans
}

// With Approval, a fleet plans every change, shows one plan with its
// counts, and runs the changes once approved (planning again to check
// that nothing moved); the changes themselves ask no one.
func (s *workflowSuite) TestAnApprovedFleetPlansOnceForAll() {
	fc := s.serveFleet()
	plans := s.servePlans()
	in := fleetInput(4)
	in.Approval = &contract.Approval{Required: true}
	var shown contract.Progress
	var planned map[string]int
	s.env.RegisterDelayedCallback(func() { shown, planned = s.progress(), s.fleetProgress().Planned }, 30*time.Second)
	s.decideAt(time.Minute, contract.Decision{Approve: true, By: "alice", Comment: "window 42"})
	s.env.ExecuteWorkflow(NetworkFleetWorkflow, in)
	s.Require().NoError(s.env.GetWorkflowError())
	s.Equal(contract.StageAwaitingApproval, shown.Stage)
	s.Len(shown.Plan, 4)
	s.Equal("[2] ri-f2: connect ri-f2", shown.Plan[2].What)
	s.Equal(map[string]int{contract.PlanWillDo: 4}, planned)
	s.Equal(8, *plans, "planned, and planned again once approved")
	s.Len(fc.order, 4)
	var res contract.NetworkFleetResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Require().Len(res.Decisions, 1)
	s.Equal("alice", res.Decisions[0].By)
}

// A fleet plan with more changes that would fail than MaxErrors allows is
// put to no one: nothing starts.
func (s *workflowSuite) TestAFleetWhosePlanWouldFailAsksNoOne() {
	fc := s.serveFleet()
	s.servePlans("ri-f1")
	in := fleetInput(3)
	in.Approval = &contract.Approval{Required: true}
	s.env.ExecuteWorkflow(NetworkFleetWorkflow, in)
	var appErr *temporal.ApplicationError
	s.Require().True(errors.As(s.env.GetWorkflowError(), &appErr))
	s.Equal(contract.PlanWouldFailType, appErr.Type())
	s.Contains(appErr.Error(), "[1] ri-f1: connect ri-f1")
	s.Empty(fc.order)
	s.Equal(3, s.fleetProgress().Counts[contract.FleetSkipped])
}
