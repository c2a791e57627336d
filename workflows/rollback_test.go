package workflows

import (
	"context"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
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
	s.env.OnActivity(s.records.ReadChangeRecord, mock.Anything, mock.Anything).Return(s.changedByTheChange(), nil).Once()
	routes := s.networkChangeInput().RouteEntries
	s.env.OnActivity(s.acts.WithdrawVpcPublishedRouteEntries, mock.Anything, contract.RouteSet{
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
	return contract.RollbackInput{Change: "network-change/" + riID, DeactivateInterface: deactivate}
}

// runRollback runs a Rollback as it is started: under its change's
// rollback ID.
func (s *workflowSuite) runRollback(in contract.RollbackInput) {
	s.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: contract.RollbackID(in.Change)})
	s.env.ExecuteWorkflow(RollbackWorkflow, in)
}

// A rollback withdraws the routes, waits until they are withdrawn, then
// deactivates the interface and waits until it is Inactive: the reverse
// order of the change.
func (s *workflowSuite) TestARollbackWithdrawsTheRoutesThenDeactivatesTheInterface() {
	s.serveRollback(activities.RouterInterfaceActive)
	s.runRollback(s.rollbackInput(true))
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.RollbackResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(s.networkChangeInput().RouteEntries, res.Withdrawn)
	s.True(res.Deactivated)
	s.Equal(activities.RouterInterfaceInactive, res.InterfaceStatus)
	s.Equal([]string{"RID-WITHDRAW", "RID-DEACTIVATE"}, res.ChangeRequestIds)
	s.Equal([]string{"validate:done", "read-change:done", "withdraw-routes:done", "wait-routes-withdrawn:done", "describe-router-interface:done",
		"deactivate-router-interface:done", "wait-router-interface-inactive:done"}, stepNames(res.Steps))
}

// Without DeactivateInterface the interface stays connected.
func (s *workflowSuite) TestARollbackLeavesTheInterfaceUnlessAsked() {
	s.serveRollback(activities.RouterInterfaceActive)
	s.runRollback(s.rollbackInput(false))
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
	s.runRollback(s.rollbackInput(true))
	s.Require().NoError(s.env.GetWorkflowError())
	s.env.AssertActivityNotCalled(s.T(), "DeactivateRouterInterface", mock.Anything, mock.Anything)
	s.env.AssertActivityNotCalled(s.T(), "WaitRouterInterfaceInactive", mock.Anything, mock.Anything)
}

// A rollback's input names what to undo: bad input fails before any call.
func (s *workflowSuite) TestARollbackRefusesBadInput() {
	in := s.rollbackInput(true)
	in.Change = ""
	changed := s.changedByTheChange()
	changed.TargetInstanceId = "vpc-1"
	in.Changed = &changed
	s.env.ExecuteWorkflow(RollbackWorkflow, in)
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(contract.InvalidInputType, appErr.Type())
	s.Contains(appErr.Error(), "Change is required")
	s.Contains(appErr.Error(), "Changed.TargetInstanceId")
}

// A rollback undoes what its change's own record says, read from the
// change (the input's Changed is not trusted): a change that cannot be
// read as one is refused and nothing is undone; so is a Changed that is
// not the change's record, and a rollback started under another ID.
func (s *workflowSuite) TestARollbackUndoesOnlyWhatItsChangeRecorded() {
	refused := temporal.NewNonRetryableApplicationError("nothing was undone: no/such/change: no workflow has this ID",
		contract.RollbackRefusedType, nil)
	s.env.OnActivity(s.records.ReadChangeRecord, mock.Anything, activities.ReadChangeInput{Change: "no/such/change"}).Return(contract.ChangeRecord{}, refused).Once()
	s.runRollback(contract.RollbackInput{Change: "no/such/change", DeactivateInterface: true})
	s.requireRefused(s.env.GetWorkflowError(), "no workflow has this ID")

	s.SetupTest()
	s.env.OnActivity(s.records.ReadChangeRecord, mock.Anything, mock.Anything).Return(s.changedByTheChange(), nil).Once()
	in := s.rollbackInput(true)
	forged := s.changedByTheChange()
	forged.Published = append(forged.Published, contract.RouteEntry{RouteTableId: "vtb-other", DestinationCidrBlock: "10.99.0.0/16"})
	in.Changed = &forged
	s.runRollback(in)
	s.requireRefused(s.env.GetWorkflowError(), "is not what network-change/ri-init1 changed")

	s.SetupTest()
	s.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "my-own-rollback"})
	s.env.ExecuteWorkflow(RollbackWorkflow, s.rollbackInput(true))
	s.requireRefused(s.env.GetWorkflowError(), "runs as workflow rollback/network-change/ri-init1, not my-own-rollback")
	s.env.AssertActivityNotCalled(s.T(), "ReadChangeRecord", mock.Anything, mock.Anything)

	// The record read is what is undone, and a Changed equal to it
	// (in another order, without RequestIds) is accepted.
	s.SetupTest()
	s.serveRollback(activities.RouterInterfaceActive)
	same := s.changedByTheChange()
	same.RequestIds = nil
	same.Published = []contract.RouteEntry{same.Published[1], same.Published[0]}
	in = s.rollbackInput(true)
	in.Changed = &same
	s.runRollback(in)
	s.Require().NoError(s.env.GetWorkflowError())
}

// requireRefused checks a rollback refused with nothing undone.
func (s *workflowSuite) requireRefused(err error, why string) {
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(err, &appErr)
	s.Equal(contract.RollbackRefusedType, appErr.Type())
	s.Contains(appErr.Error(), why)
	s.Contains(appErr.Error(), "nothing was undone")
	s.env.AssertActivityNotCalled(s.T(), "WithdrawVpcPublishedRouteEntries", mock.Anything, mock.Anything)
	s.env.AssertActivityNotCalled(s.T(), "DeactivateRouterInterface", mock.Anything, mock.Anything)
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
	// The child read its running parent's record, as the one run it may.
	s.env.AssertActivityCalled(s.T(), "ReadChangeRecord", mock.Anything, mock.MatchedBy(func(in activities.ReadChangeInput) bool {
		return in.Change == "default-test-workflow-id" && in.RunningRun != ""
	}))
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
	s.env.OnGetVersion(historyChange, workflow.DefaultVersion, latestVersion).Return(publishConfirmedVersion)
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
