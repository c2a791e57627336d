package workflows

import (
	"context"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

const (
	gatewayID = "c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6"
	epWaiting = "ep-waiting"
	epAlready = "ep-accepted"
	epFailed  = "ep-failed"
)

func endpointChangeInput(ids ...string) contract.ApigEndpointChangeInput {
	return contract.ApigEndpointChangeInput{InstanceId: gatewayID, EndpointIds: ids}
}

// serveEndpoints answers the reads with the connections in the statuses
// given, the accept with those it was asked to move, and the wait with
// all accepted.
func (s *workflowSuite) serveEndpoints(status map[string]string) {
	s.env.OnActivity(s.acts.ReadEndpointConnections, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.EndpointsRef) (activities.EndpointConnections, error) {
			var out activities.EndpointConnections
			for _, id := range in.EndpointIds {
				if st, ok := status[id]; ok {
					out.Connections = append(out.Connections, contract.EndpointConnection{Id: id, Status: st})
				}
			}
			out.RequestIds = []string{"RID-READ"}
			return out, nil
		})
	s.env.OnActivity(s.acts.AcceptOrRejectEndpointConnections, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.EndpointActionInput) (activities.EndpointActionResult, error) {
			return activities.EndpointActionResult{RequestId: "RID-ACCEPT", Acted: in.EndpointIds, CallTrace: activities.CallTrace{Attempt: 1}}, nil
		}).Maybe()
	s.env.OnActivity(s.acts.WaitEndpointsAccepted, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.WaitEndpointsInput) (activities.EndpointConnections, error) {
			var out activities.EndpointConnections
			for _, id := range in.EndpointIds {
				out.Connections = append(out.Connections, contract.EndpointConnection{Id: id, Status: contract.EndpointAccepted})
			}
			return out, nil
		}).Maybe()
}

// A change accepts, in one call, only the connections waiting, and waits
// until all are accepted; what it accepted is its record.
func (s *workflowSuite) TestAnEndpointChangeAcceptsWhatWaits() {
	s.serveEndpoints(map[string]string{epWaiting: contract.EndpointPendingAcceptance, epAlready: contract.EndpointAccepted})
	s.env.ExecuteWorkflow(ApigEndpointChangeWorkflow, endpointChangeInput(epWaiting, epAlready))
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.ApigEndpointChangeResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(contract.EndpointActionAccept, res.Action)
	s.Equal([]string{epWaiting}, res.Changed)
	s.Equal([]string{epAlready}, res.AlreadyDone)
	s.Equal([]string{"RID-ACCEPT"}, res.ChangeRequestIds)
	s.Len(res.Connections, 2)
	s.env.AssertActivityCalled(s.T(), "AcceptOrRejectEndpointConnections", mock.Anything, mock.MatchedBy(func(in activities.EndpointActionInput) bool {
		return in.Action == contract.EndpointActionAccept && len(in.EndpointIds) == 1 && in.EndpointIds[0] == epWaiting && in.From == ""
	}))
	s.env.AssertActivityCalled(s.T(), "WaitEndpointsAccepted", mock.Anything, mock.MatchedBy(func(in activities.WaitEndpointsInput) bool {
		return len(in.EndpointIds) == 2 && !in.ActedAt.IsZero()
	}))
	changed := s.progress().Changed
	s.Require().NotNil(changed)
	s.Require().NotNil(changed.Endpoints)
	s.Equal([]string{epWaiting}, changed.Endpoints.EndpointIds)
}

// A connection that cannot be accepted stops the change before any call.
func (s *workflowSuite) TestAnEndpointChangeThatCannotBeMadeChangesNothing() {
	s.serveEndpoints(map[string]string{epWaiting: contract.EndpointPendingAcceptance, epFailed: contract.EndpointFailed})
	s.env.ExecuteWorkflow(ApigEndpointChangeWorkflow, endpointChangeInput(epWaiting, epFailed))
	err := s.env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(err, &appErr)
	s.Equal(contract.UnreachableStateType, appErr.Type())
	s.Contains(appErr.Message(), "ep-failed is failed: only a connection pendingAcceptance or rejected can be accepted; nothing was changed")
	s.env.AssertActivityNotCalled(s.T(), "AcceptOrRejectEndpointConnections", mock.Anything, mock.Anything)
}

// With Approval, the change shows its plan and waits; approved, it reads
// again and accepts.
func (s *workflowSuite) TestAnEndpointChangeAsksFirst() {
	s.serveEndpoints(map[string]string{epWaiting: contract.EndpointPendingAcceptance})
	var plan []contract.PlannedStep
	s.env.RegisterDelayedCallback(func() { plan = s.progress().Plan }, 30*time.Second)
	s.decideAt(time.Minute, contract.Decision{Approve: true, By: "alice"})
	in := endpointChangeInput(epWaiting)
	in.Approval = &contract.Approval{Required: true}
	s.env.ExecuteWorkflow(ApigEndpointChangeWorkflow, in)
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.ApigEndpointChangeResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Require().Len(res.Decisions, 1)
	s.Require().Len(plan, 2)
	s.Equal(contract.PlanWillDo, plan[0].Action)
	s.Equal("accept 1 endpoint connection of gateway "+gatewayID+": ep-waiting (pendingAcceptance)", plan[0].What)
	s.Equal([]string{epWaiting}, res.Changed)
}

// The rollback of an accept rejects what the change accepted and is still
// accepted, and waits until it is rejected.
func (s *workflowSuite) TestTheRollbackOfAnAcceptRejects() {
	record := contract.ChangeRecord{Endpoints: &contract.EndpointChangeRecord{InstanceId: gatewayID, Action: contract.EndpointActionAccept,
		EndpointIds: []string{epWaiting}}}
	s.env.OnActivity(s.records.ReadChangeRecord, mock.Anything, mock.Anything).Return(record, nil).Once()
	s.env.OnActivity(s.acts.AcceptOrRejectEndpointConnections, mock.Anything, activities.EndpointActionInput{
		EndpointsRef: activities.EndpointsRef{InstanceId: gatewayID, EndpointIds: []string{epWaiting}},
		Action:       contract.EndpointActionReject, From: contract.EndpointAccepted,
	}).Return(activities.EndpointActionResult{RequestId: "RID-REJECT", Acted: []string{epWaiting}, CallTrace: activities.CallTrace{Attempt: 1}}, nil).Once()
	s.env.OnActivity(s.acts.WaitEndpointsRejected, mock.Anything, mock.Anything).Return(activities.EndpointConnections{
		Connections: []contract.EndpointConnection{{Id: epWaiting, Status: contract.EndpointRejected}}}, nil).Once()
	s.runRollback(contract.RollbackInput{Change: "apig-endpoint-change/" + gatewayID})
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.RollbackResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal([]string{epWaiting}, res.Reverted)
	s.Equal([]string{"RID-REJECT"}, res.ChangeRequestIds)
}
