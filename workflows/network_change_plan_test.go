package workflows

import (
	"github.com/stretchr/testify/mock"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

func (s *workflowSuite) plan() contract.NetworkChangePlanResult {
	s.env.ExecuteWorkflow(NetworkChangePlanWorkflow, s.networkChangeInput())
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.NetworkChangePlanResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	for _, changes := range []string{"ConnectRouterInterface", "WaitRouterInterfaceActive", "PublishVpcRouteEntries", "WaitRoutesPublished", "WaitVpnRoutes"} {
		s.env.AssertActivityNotCalled(s.T(), changes, mock.Anything, mock.Anything)
	}
	return res
}

func (s *workflowSuite) authorizedForTheCEN() {
	s.env.OnActivity(s.acts.DescribeVpnCrossAccountAuthorizations, mock.Anything, mock.Anything).
		Return(activities.CrossAccountAuthorizations{Authorizations: []contract.CrossAccountAuthorization{
			{BindInstance: cenID, BindUid: 1210123456123456, BindProduct: "CEN"}}}, nil).Once()
}

func actions(plan []contract.PlannedStep) []string {
	var out []string
	for _, st := range plan {
		out = append(out, st.Stage+":"+st.Action)
	}
	return out
}

// A plan reads and DryRuns what the change would touch, and says of each
// step what it would do, changing nothing.
func (s *workflowSuite) TestAPlanSaysWhatTheChangeWouldDoAndChangesNothing() {
	s.authorizedForTheCEN()
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Idle"), nil).Once()
	entries := s.networkChangeInput().RouteEntries
	s.env.OnActivity(s.acts.DryRunPublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{RequestId: "RID-DRY", AlreadyPublished: entries[1:],
			CallTrace: activities.CallTrace{RequestIds: []string{"RID-LIST", "RID-DRY"}}}, nil).Once()

	res := s.plan()
	s.Equal([]string{
		"check-cross-account-authorization:already done",
		"connect-router-interface:will do", "wait-router-interface-active:will do",
		"publish-routes:will do", "publish-routes:already done", "wait-routes-published:will do",
		"verify-vpn-routes:will do",
	}, actions(res.Plan))
	s.True(res.WouldChange)
	s.False(res.WouldFail)
	s.Equal("connect ri-init1 to ri-acc1 (it is Idle)", res.Plan[1].What)
	s.Equal("RID-DESCRIBE", res.Plan[1].RequestId)
	s.Equal("publish 10.1.0.0/16 of vtb-1 to ECR ecr-1", res.Plan[3].What)
	s.Equal("RID-DRY", res.Plan[3].RequestId)
	s.False(res.PlannedAt.IsZero())
}

// Every step that would fail is in the plan, with its code and reason: the
// plan does not stop at the first.
func (s *workflowSuite) TestAPlanShowsEveryStepThatWouldFail() {
	s.env.OnActivity(s.acts.DescribeVpnCrossAccountAuthorizations, mock.Anything, mock.Anything).
		Return(activities.CrossAccountAuthorizations{}, nil).Once()
	accepting := initiator("Idle")
	accepting.Role = activities.RoleAcceptingSide
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(accepting, nil).Once()
	s.env.OnActivity(s.acts.DryRunPublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{}, cloudError(400, "Forbidden.OperateCustomRouteTable")).Once()

	res := s.plan()
	s.Equal([]string{
		"check-cross-account-authorization:would fail",
		"connect-router-interface:would fail",
		"publish-routes:would fail",
		"verify-vpn-routes:will do",
	}, actions(res.Plan))
	s.True(res.WouldFail)
	s.Equal(contract.CrossAccountMissingType, res.Plan[0].Code)
	s.Contains(res.Plan[0].Reason, "authorize it for that CEN instance")
	s.Equal("IncorrectRole.NotInitiatingSide", res.Plan[1].Code)
	s.Equal("Forbidden.OperateCustomRouteTable", res.Plan[2].Code)
	s.Equal("RID-Forbidden.OperateCustomRouteTable", res.Plan[2].RequestId)
}

// A change already made plans as already done: nothing to do.
func (s *workflowSuite) TestAPlanOfAChangeAlreadyMadeHasNothingToDo() {
	s.authorizedForTheCEN()
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(active(), nil).Once()
	s.env.OnActivity(s.acts.DryRunPublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{AlreadyPublished: s.networkChangeInput().RouteEntries}, nil).Once()

	res := s.plan()
	s.Equal([]string{
		"check-cross-account-authorization:already done",
		"connect-router-interface:already done", "wait-router-interface-active:already done",
		"publish-routes:already done", "publish-routes:already done", "wait-routes-published:already done",
		"verify-vpn-routes:will do",
	}, actions(res.Plan))
	s.False(res.WouldFail)
}
