package workflows

import (
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// A change whose interface was deactivated by a rollback (Inactive: still
// connected to its peer) activates it, waits until it is Active and goes
// on; what it changed says activated, so a rollback can deactivate it again.
func (s *workflowSuite) TestAChangeActivatesAnInactiveInterface() {
	ref := activities.RouterInterfaceRef{RegionId: region, RouterInterfaceId: riID}
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, ref).Return(initiator(activities.RouterInterfaceInactive), nil).Once()
	s.env.OnActivity(s.acts.ActivateRouterInterface, mock.Anything, ref).Return(activities.ActivateRouterInterfaceResult{
		RequestId: "RID-ACT", CallTrace: activities.CallTrace{RequestIds: []string{"RID-ACT"}, Attempt: 1}}, nil).Once()
	s.env.OnActivity(s.acts.WaitRouterInterfaceActive, mock.Anything, mock.MatchedBy(func(in activities.WaitRouterInterfaceActiveInput) bool {
		return in.RouterInterfaceRef == ref && !in.ActivatedAt.IsZero() && in.ConnectedAt.IsZero()
	})).Return(active(), nil).Once()

	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.ConnectRouterInterfaceResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.True(res.Activated)
	s.False(res.Connected)
	s.Equal("RID-ACT", res.ActivateRequestId)
	s.Equal(activities.RouterInterfaceActive, res.Status)
	s.Equal([]string{"validate:done", "describe-router-interface:done", "check-router-interface:done",
		"activate-router-interface:done", "wait-router-interface-active:done"}, stepNames(res.Steps))
	s.env.AssertActivityNotCalled(s.T(), "ConnectRouterInterface", mock.Anything, mock.Anything)
	changed := s.progress().Changed
	s.Require().NotNil(changed)
	s.True(changed.Activated)
	s.Equal("activated "+riID, changed.String())
}

// The plan of such a change says it will activate the interface.
func (s *workflowSuite) TestThePlanSaysItWillActivate() {
	s.serveReads(activities.RouterInterfaceInactive)
	s.env.ExecuteWorkflow(NetworkChangePlanWorkflow, s.networkChangeInput())
	s.Require().NoError(s.env.GetWorkflowError())
	var plan contract.NetworkChangePlanResult
	s.Require().NoError(s.env.GetWorkflowResult(&plan))
	s.True(plan.WouldChange)
	s.False(plan.WouldFail)
	var activate *contract.PlannedStep
	for i, st := range plan.Plan {
		if st.Stage == contract.StageActivateInterface {
			activate = &plan.Plan[i]
		}
	}
	s.Require().NotNil(activate, "%+v", plan.Plan)
	s.Equal(contract.PlanWillDo, activate.Action)
	s.Contains(activate.What, "activate "+riID+" (it is Inactive")
	s.env.AssertActivityNotCalled(s.T(), "ActivateRouterInterface", mock.Anything, mock.Anything)
}

// Histories from before activation fail on an Inactive interface, as they
// did: they replay.
func (s *workflowSuite) TestAChangeFromBeforeActivationStillRefusesInactive() {
	s.env.OnGetVersion(historyChange, workflow.DefaultVersion, latestVersion).Return(trustedRollbackVersion)
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator(activities.RouterInterfaceInactive), nil).Once()
	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	s.Require().Error(s.env.GetWorkflowError())
	s.Contains(s.env.GetWorkflowError().Error(), contract.UnreachableStateType)
	s.env.AssertActivityNotCalled(s.T(), "ActivateRouterInterface", mock.Anything, mock.Anything)
}

// A rollback that finds the interface still Connecting waits, in the
// heartbeating wait, until it is Active, then deactivates it once.
func (s *workflowSuite) TestARollbackWaitsForAConnectingInterfaceThenDeactivatesIt() {
	s.env.OnActivity(s.records.ReadChangeRecord, mock.Anything, mock.Anything).
		Return(contract.ChangeRecord{RegionId: region, RouterInterfaceId: riID}, nil).Once()
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator(activities.RouterInterfaceConnecting), nil).Once()
	s.env.OnActivity(s.acts.WaitRouterInterfaceActive, mock.Anything, mock.Anything).Return(active(), nil).Once()
	s.env.OnActivity(s.acts.DeactivateRouterInterface, mock.Anything, mock.Anything).
		Return(activities.DeactivateRouterInterfaceResult{RequestId: "RID-DEACTIVATE", CallTrace: activities.CallTrace{Attempt: 1}}, nil).Once()
	s.env.OnActivity(s.acts.WaitRouterInterfaceInactive, mock.Anything, mock.Anything).
		Return(initiator(activities.RouterInterfaceInactive), nil).Once()
	in := contract.RollbackInput{Change: "network-change/" + riID, DeactivateInterface: true}
	s.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: contract.RollbackID(in.Change)})
	s.env.ExecuteWorkflow(RollbackWorkflow, in)
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.RollbackResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.True(res.Deactivated)
	s.Equal([]string{"validate:done", "read-change:done", "withdraw-routes:skipped", "describe-router-interface:done",
		"wait-router-interface-active:done", "deactivate-router-interface:done", "wait-router-interface-inactive:done"}, stepNames(res.Steps))
}
