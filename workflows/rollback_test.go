package workflows

import (
	"context"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// changedByTheChange is what serveChangeUpToTheVerify's change changes.
func (s *workflowSuite) changedByTheChange() contract.ChangeRecord {
	return contract.ChangeRecord{RegionId: region, RouterInterfaceId: riID, TargetType: "ECR", TargetInstanceId: ecrID,
		Published: s.networkChangeInput().RouteEntries, RequestIds: []string{"RID-CONNECT", "RID-PUB"}}
}

// serveRollback serves a rollback that withdraws both routes and, if the
// interface is read Active, deactivates it.
func (s *workflowSuite) serveRollback(interfaceState string) {
	routes := s.networkChangeInput().RouteEntries
	s.env.OnActivity(s.acts.WithdrawVpcPublishedRouteEntries, mock.Anything, activities.PublishRouteEntriesInput{
		RegionId: region, TargetType: "ECR", TargetInstanceId: ecrID, RouteEntries: routes,
	}).Return(activities.WithdrawRouteEntriesResult{RequestId: "RID-WITHDRAW", Withdrawn: routes,
		CallTrace: activities.CallTrace{Attempt: 1, RequestIds: []string{"RID-LIST", "RID-WITHDRAW"}}}, nil).Once()
	s.env.OnActivity(s.acts.WaitRoutesWithdrawn, mock.Anything, mock.MatchedBy(func(in activities.WaitRoutesWithdrawnInput) bool {
		return len(in.RouteEntries) == 2 && !in.WithdrawnAt.IsZero()
	})).Return(activities.WaitRoutesPublishedResult{}, nil).Once()
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator(interfaceState), nil).Maybe()
	s.env.OnActivity(s.acts.DeactivateRouterInterface, mock.Anything, activities.RouterInterfaceRef{RegionId: region, RouterInterfaceId: riID}).
		Return(activities.DeactivateRouterInterfaceResult{RequestId: "RID-DEACTIVATE", CallTrace: activities.CallTrace{Attempt: 1}}, nil).Maybe()
	s.env.OnActivity(s.acts.WaitRouterInterfaceInactive, mock.Anything, mock.Anything).
		Return(initiator(activities.RouterInterfaceInactive), nil).Maybe()
}

func (s *workflowSuite) rollbackInput(deactivate bool) contract.RollbackInput {
	return contract.RollbackInput{Change: "network-change/" + riID, Changed: s.changedByTheChange(), DeactivateInterface: deactivate}
}

// A rollback withdraws the routes, waits until they are withdrawn, then
// deactivates the interface and waits until it is Inactive: the reverse
// order of the change.
func (s *workflowSuite) TestARollbackWithdrawsTheRoutesThenDeactivatesTheInterface() {
	s.serveRollback(activities.RouterInterfaceActive)
	s.env.ExecuteWorkflow(RollbackWorkflow, s.rollbackInput(true))
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.RollbackResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(s.networkChangeInput().RouteEntries, res.Withdrawn)
	s.True(res.Deactivated)
	s.Equal(activities.RouterInterfaceInactive, res.InterfaceStatus)
	s.Equal([]string{"RID-WITHDRAW", "RID-DEACTIVATE"}, res.ChangeRequestIds)
	s.Equal([]string{"validate:done", "withdraw-routes:done", "wait-routes-withdrawn:done", "describe-router-interface:done",
		"deactivate-router-interface:done", "wait-router-interface-inactive:done"}, stepNames(res.Steps))
}

// Without DeactivateInterface the interface stays connected.
func (s *workflowSuite) TestARollbackLeavesTheInterfaceUnlessAsked() {
	s.serveRollback(activities.RouterInterfaceActive)
	s.env.ExecuteWorkflow(RollbackWorkflow, s.rollbackInput(false))
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.RollbackResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.False(res.Deactivated)
	s.env.AssertActivityNotCalled(s.T(), "DeactivateRouterInterface", mock.Anything, mock.Anything)
	s.Contains(stepNames(res.Steps), "deactivate-router-interface:skipped")
}

// An interface found Inactive (an earlier rollback, someone else) is not
// deactivated again, nor waited for.
func (s *workflowSuite) TestARollbackDoesNotDeactivateAnInactiveInterface() {
	s.serveRollback(activities.RouterInterfaceInactive)
	s.env.ExecuteWorkflow(RollbackWorkflow, s.rollbackInput(true))
	s.Require().NoError(s.env.GetWorkflowError())
	s.env.AssertActivityNotCalled(s.T(), "DeactivateRouterInterface", mock.Anything, mock.Anything)
	s.env.AssertActivityNotCalled(s.T(), "WaitRouterInterfaceInactive", mock.Anything, mock.Anything)
}

// A rollback's input names what to undo: bad input fails before any call.
func (s *workflowSuite) TestARollbackRefusesBadInput() {
	in := s.rollbackInput(true)
	in.Change = ""
	in.Changed.TargetInstanceId = "vpc-1"
	s.env.ExecuteWorkflow(RollbackWorkflow, in)
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(contract.InvalidInputType, appErr.Type())
	s.Contains(appErr.Error(), "Change is required")
	s.Contains(appErr.Error(), "Changed.TargetInstanceId")
}

// cancelDuringVerify makes the verify wait until the workflow is cancelled
// (the test cancels it once the wait has begun).
func (s *workflowSuite) cancelDuringVerify() {
	s.env.OnActivity(s.acts.WaitVpnRoutes, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, _ activities.WaitVpnRoutesInput) (activities.WaitVpnRoutesResult, error) {
			s.env.CancelWorkflow()
			<-ctx.Done()
			return activities.WaitVpnRoutesResult{}, ctx.Err()
		}).Once()
}

// stoppedBy is the ChangeStopped a cancelled change ended with.
func (s *workflowSuite) stoppedBy(err error) contract.ChangeStopped {
	var canceled *temporal.CanceledError
	s.Require().ErrorAs(err, &canceled)
	var stopped contract.ChangeStopped
	s.Require().True(canceled.HasDetails(), "a cancelled change says what it changed")
	s.Require().NoError(canceled.Details(&stopped))
	return stopped
}

// Cancelled while it verifies, a change (OnCancel keep) ends cancelled and
// says what it changed; nothing is undone.
func (s *workflowSuite) TestACancelledChangeSaysWhatItChangedAndKeepsIt() {
	s.serveChangeUpToTheVerify()
	s.cancelDuringVerify()
	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.networkChangeInput())
	stopped := s.stoppedBy(s.env.GetWorkflowError())
	s.Equal(s.changedByTheChange(), stopped.Changed)
	s.Nil(stopped.Rollback)
	s.env.AssertActivityNotCalled(s.T(), "WithdrawVpcPublishedRouteEntries", mock.Anything, mock.Anything)
	p := s.progress()
	s.Equal(contract.StageCancelled, p.Stage)
	s.Equal(s.changedByTheChange(), *p.Changed)
}

// With OnCancel rollback, a cancelled change runs the Rollback child
// workflow, in a context the cancel does not reach, and reports it.
func (s *workflowSuite) TestACancelledChangeRollsBackWhenAsked() {
	s.serveChangeUpToTheVerify()
	s.cancelDuringVerify()
	s.serveRollback(activities.RouterInterfaceActive)
	in := s.networkChangeInput()
	in.OnCancel, in.DeactivateOnRollback = contract.RecoveryRollback, true
	s.env.ExecuteWorkflow(NetworkChangeWorkflow, in)
	stopped := s.stoppedBy(s.env.GetWorkflowError())
	s.Empty(stopped.RollbackError)
	s.Require().NotNil(stopped.Rollback)
	s.Equal(in.RouteEntries, stopped.Rollback.Withdrawn)
	s.True(stopped.Rollback.Deactivated)
	p := s.progress()
	s.Require().NotNil(p.Rollback)
	s.Equal(contract.RollbackID("default-test-workflow-id"), p.Rollback.WorkflowId) // the test environment's workflow ID
}

// Cancelled while the connect call is in flight, the change counts the
// connect as made: its answer may come (on a real server the change waits
// for it, WaitForCancellation, which the e2e tests show; the test
// environment cancels the call at once), and a rollback reads first.
func (s *workflowSuite) TestACancelledConnectCountsAsMade() {
	s.env.OnActivity(s.acts.DescribeVpnCrossAccountAuthorizations, mock.Anything, mock.Anything).
		Return(activities.CrossAccountAuthorizations{Authorizations: []contract.CrossAccountAuthorization{
			{BindInstance: cenID, BindUid: 1210123456123456, BindProduct: "CEN"}}}, nil).Once()
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Idle"), nil).Once()
	s.env.OnActivity(s.acts.ConnectRouterInterface, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.RouterInterfaceRef) (activities.ConnectRouterInterfaceResult, error) {
			s.env.CancelWorkflow()
			time.Sleep(50 * time.Millisecond) // the cancel reaches the workflow while the call runs
			return activities.ConnectRouterInterfaceResult{RequestId: "RID-CONNECT", CallTrace: activities.CallTrace{Attempt: 1}}, nil
		}).Once()
	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.networkChangeInput())
	stopped := s.stoppedBy(s.env.GetWorkflowError())
	s.Equal(contract.ChangeRecord{RegionId: region, RouterInterfaceId: riID}, stopped.Changed)
	s.env.AssertActivityNotCalled(s.T(), "WaitRouterInterfaceActive", mock.Anything, mock.Anything)
}

// A change cancelled before it changed anything says so, and rolls
// nothing back even when asked to.
func (s *workflowSuite) TestAChangeCancelledWhileWaitingForApprovalChangedNothing() {
	s.serveReads("Idle")
	s.env.RegisterDelayedCallback(s.env.CancelWorkflow, time.Minute)
	in := s.approvalInput(0)
	in.OnCancel = contract.RecoveryRollback
	s.env.ExecuteWorkflow(NetworkChangeWorkflow, in)
	stopped := s.stoppedBy(s.env.GetWorkflowError())
	s.True(stopped.Changed.Empty())
	s.Nil(stopped.Rollback)
	s.notChanged()
}

// With OnFailure rollback, a change whose verify fails after it connected
// and published rolls that back, and still fails with the verify's error.
func (s *workflowSuite) TestAFailedVerifyIsRolledBackWhenAsked() {
	s.serveChangeUpToTheVerify()
	s.env.OnActivity(s.acts.WaitVpnRoutes, mock.Anything, mock.Anything).Return(activities.WaitVpnRoutesResult{},
		temporal.NewNonRetryableApplicationError("routes did not arrive", contract.WaitTimeoutType, nil)).Once()
	s.serveRollback(activities.RouterInterfaceActive)
	in := s.networkChangeInput()
	in.OnFailure = contract.RecoveryRollback
	s.env.ExecuteWorkflow(NetworkChangeWorkflow, in)
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(contract.WaitTimeoutType, appErr.Type(), "the change fails with its own error")
	p := s.progress()
	s.Equal(contract.StageFailed, p.Stage)
	s.Require().NotNil(p.Rollback)
	s.Require().NotNil(p.Rollback.Result, p.Rollback.Error)
	s.Equal(in.RouteEntries, p.Rollback.Result.Withdrawn)
	s.False(p.Rollback.Result.Deactivated, "DeactivateOnRollback was not asked")
}

// Without OnFailure rollback a failed change keeps what it changed.
func (s *workflowSuite) TestAFailedChangeKeepsWhatItChangedByDefault() {
	s.serveChangeUpToTheVerify()
	s.env.OnActivity(s.acts.WaitVpnRoutes, mock.Anything, mock.Anything).Return(activities.WaitVpnRoutesResult{},
		temporal.NewNonRetryableApplicationError("routes did not arrive", contract.WaitTimeoutType, nil)).Once()
	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.networkChangeInput())
	s.Require().Error(s.env.GetWorkflowError())
	s.env.AssertActivityNotCalled(s.T(), "WithdrawVpcPublishedRouteEntries", mock.Anything, mock.Anything)
	s.Equal(s.changedByTheChange(), *s.progress().Changed)
}

// Workflows started before recovery (historyChange's version 2) end
// cancelled as they always did: without details, nothing rolled back.
func (s *workflowSuite) TestAChangeFromBeforeRecoveryIsCancelledAsBefore() {
	s.env.OnGetVersion(historyChange, workflow.DefaultVersion, recoveryVersion).Return(publishConfirmedVersion)
	s.serveChangeUpToTheVerify()
	s.cancelDuringVerify()
	in := s.networkChangeInput()
	in.OnCancel = contract.RecoveryRollback
	s.env.ExecuteWorkflow(NetworkChangeWorkflow, in)
	var canceled *temporal.CanceledError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &canceled)
	s.False(canceled.HasDetails())
	s.env.AssertActivityNotCalled(s.T(), "WithdrawVpcPublishedRouteEntries", mock.Anything, mock.Anything)
}
