package workflows

import (
	"context"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

func (s *workflowSuite) approvalInput(timeout time.Duration) contract.NetworkChangeInput {
	in := s.networkChangeInput()
	in.Approval = &contract.Approval{Required: true, Timeout: contract.Duration(timeout)}
	return in
}

// serveReads serves the reads and the DryRun a plan makes, as often as
// they are made, with the interface in the states given, one per read
// (the last one from then on).
func (s *workflowSuite) serveReads(states ...string) {
	s.env.OnActivity(s.acts.DescribeVpnCrossAccountAuthorizations, mock.Anything, mock.Anything).
		Return(activities.CrossAccountAuthorizations{Authorizations: []contract.CrossAccountAuthorization{
			{BindInstance: cenID, BindUid: 1210123456123456, BindProduct: "CEN"}}}, nil)
	read := 0
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(
		func(_ context.Context, _ activities.RouterInterfaceRef) (activities.RouterInterface, error) {
			state := states[min(read, len(states)-1)]
			read++
			if state == activities.RouterInterfaceActive {
				return active(), nil
			}
			return initiator(state), nil
		})
	s.env.OnActivity(s.acts.DryRunPublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{RequestId: "RID-DRY"}, nil)
}

// decideAt sends the DecideUpdate after d of workflow time; the test fails
// if the validator refuses it.
func (s *workflowSuite) decideAt(d time.Duration, decision contract.Decision) *testsuite.TestUpdateCallback {
	cb := &testsuite.TestUpdateCallback{OnAccept: func() {}, OnComplete: func(any, error) {},
		OnReject: func(err error) { s.Failf("decision refused", "%v", err) }}
	s.env.RegisterDelayedCallback(func() { s.env.UpdateWorkflow(contract.DecideUpdate, "", cb, decision) }, d)
	return cb
}

func (s *workflowSuite) notChanged() {
	s.env.AssertActivityNotCalled(s.T(), "ConnectRouterInterface", mock.Anything, mock.Anything)
	s.env.AssertActivityNotCalled(s.T(), "PublishVpcRouteEntries", mock.Anything, mock.Anything)
}

// An approved change goes on, and its result says who approved which plan.
func (s *workflowSuite) TestAnApprovedChangeGoesOn() {
	s.serveNetworkChange()
	s.serveReads("Idle")
	var stage string
	s.env.RegisterDelayedCallback(func() { stage = s.progress().Stage }, 30*time.Second)
	s.decideAt(time.Minute, contract.Decision{Approve: true, By: "alice", Comment: "change 42"})

	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.approvalInput(0))
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.NetworkChangeResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(contract.StageAwaitingApproval, stage, "waiting, it shows the plan's stage")
	s.Require().Len(res.Decisions, 1)
	s.Equal("alice", res.Decisions[0].By)
	s.Equal(1, res.Decisions[0].Plan)
	s.True(res.Connected)
}

// A rejected change stops with nothing changed.
func (s *workflowSuite) TestARejectedChangeChangesNothing() {
	s.serveReads("Idle")
	s.decideAt(time.Minute, contract.Decision{Approve: false, By: "bob", Comment: "not during the freeze"})

	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.approvalInput(0))
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(contract.ChangeRejectedType, appErr.Type())
	s.Contains(appErr.Error(), "not during the freeze")
	s.notChanged()
}

// Without a decision within the timeout the change ends, nothing changed.
func (s *workflowSuite) TestNoDecisionWithinTheTimeout() {
	s.serveReads("Idle")
	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.approvalInput(time.Hour))
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(contract.ApprovalTimeoutType, appErr.Type())
	s.notChanged()
}

// When the cloud moved while the change waited, the plan approved is not
// the one it would make: it asks again.
func (s *workflowSuite) TestACloudThatMovedIsPlannedAndAskedAgain() {
	s.serveReads("Idle", activities.RouterInterfaceActive) // someone else connected it meanwhile
	s.env.OnActivity(s.acts.WaitVpnRoutes, mock.Anything, mock.Anything).
		Return(activities.WaitVpnRoutesResult{Routes: networkChangeRoutes, Published: networkChangePublished}, nil).Once()
	s.env.OnActivity(s.acts.PublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{RequestId: "RID-PUB", Published: s.networkChangeInput().RouteEntries}, nil).Once()
	s.decideAt(time.Minute, contract.Decision{Approve: true, By: "alice"})
	s.decideAt(2*time.Minute, contract.Decision{Approve: true, By: "carol"})

	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.approvalInput(0))
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.NetworkChangeResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Require().Len(res.Decisions, 2)
	s.Equal(2, res.Decisions[1].Plan)
	s.Equal("carol", res.Decisions[1].By)
	s.False(res.Connected, "it was connected by someone else")
	s.env.AssertActivityNotCalled(s.T(), "ConnectRouterInterface", mock.Anything, mock.Anything)
}

// No one is asked to approve a change whose plan would fail.
func (s *workflowSuite) TestAPlanThatWouldFailAsksNoOne() {
	s.env.OnActivity(s.acts.DescribeVpnCrossAccountAuthorizations, mock.Anything, mock.Anything).
		Return(activities.CrossAccountAuthorizations{}, nil).Once()
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Idle"), nil).Once()
	s.env.OnActivity(s.acts.DryRunPublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{}, nil).Once()
	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.approvalInput(0))
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(contract.PlanWouldFailType, appErr.Type())
	s.Contains(appErr.Error(), contract.CrossAccountMissingType)
	s.notChanged()
}

// The validator refuses a decision without an approver, and one the change
// is not waiting for (none asked, or already decided): none reaches the
// history.
func (s *workflowSuite) TestTheValidatorRefusesWhatCannotBeADecision() {
	s.serveReads("Idle")
	var noApprover error
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(contract.DecideUpdate, "", &testsuite.TestUpdateCallback{OnAccept: func() {},
			OnReject: func(err error) { noApprover = err }, OnComplete: func(any, error) {}}, contract.Decision{Approve: true, By: " "})
	}, time.Minute)
	s.decideAt(2*time.Minute, contract.Decision{Approve: false, By: "bob"})

	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.approvalInput(0))
	s.Require().Error(s.env.GetWorkflowError())
	s.Require().Error(noApprover)
	s.Contains(noApprover.Error(), "names no approver")
	s.notChanged()

	one := contract.ApprovalRequirement{Required: true, Approvals: 1, Rejects: 1, AllowUnsigned: true}
	g := approvalGate{req: one}
	s.ErrorContains(g.validate(nil, contract.Decision{Approve: true, By: "a"}), "not waiting for a decision")
	g.asked, g.taken = 1, []contract.DecisionRecord{{Decision: contract.Decision{Approve: true, By: "a"}}}
	s.ErrorContains(g.validate(nil, contract.Decision{Approve: true, By: "b"}), `plan 1 is already decided by "a"`)

	// Two decisions that both passed the validator: the first one counts,
	// the second fails.
	env := s.newEnv()
	race := approvalGate{asked: 1, req: one, seen: map[string]time.Time{}}
	env.ExecuteWorkflow(func(ctx workflow.Context) (string, error) {
		if _, err := race.decide(ctx, contract.Decision{Approve: true, By: "first"}); err != nil {
			return "", err
		}
		_, err := race.decide(ctx, contract.Decision{Approve: false, By: "second"})
		s.ErrorContains(err, `plan 1 is already decided by "first"`)
		return race.taken[0].By, nil
	})
	var by string
	s.Require().NoError(env.GetWorkflowResult(&by))
	s.Equal("first", by)
}
