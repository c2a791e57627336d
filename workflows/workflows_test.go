package workflows

import (
	"context"
	"testing"
	"time"

	alierrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

type workflowSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env     *testsuite.TestWorkflowEnvironment
	acts    *activities.CloudActivities
	records *activities.ChangeRecords
}

func TestWorkflows(t *testing.T) {
	suite.Run(t, new(workflowSuite))
}

func (s *workflowSuite) SetupTest() {
	s.env = s.newEnv()
	s.acts = &activities.CloudActivities{}
	s.records = &activities.ChangeRecords{}
	s.Require().NoError(Register(s.env, s.acts, s.records, nil))
}

// newEnv is a test environment that decodes inputs as a worker does
// (contract.StrictInputs).
func (s *workflowSuite) newEnv() *testsuite.TestWorkflowEnvironment {
	env := s.NewTestWorkflowEnvironment()
	env.SetDataConverter(contract.StrictInputs(converter.GetDefaultDataConverter()))
	return env
}

func (s *workflowSuite) AfterTest(_, _ string) {
	s.env.AssertExpectations(s.T())
}

const (
	region = "cn-hangzhou"
	riID   = "ri-init1"
	peerID = "ri-acc1"
	vcoID  = "vco-1"
	ecrID  = "ecr-1"
	cenID  = "cen-1"
)

func initiator(status string) activities.RouterInterface {
	return activities.RouterInterface{
		RouterInterfaceId: riID, Status: status, Role: activities.RoleInitiatingSide, RouterId: "vrt-a", RouterType: "VRouter",
		OppositeInterfaceId: peerID, OppositeRouterId: "vrt-b", OppositeRouterType: "VRouter", OppositeInterfaceOwnerId: "1250123456123456",
		CallTrace: activities.CallTrace{RequestIds: []string{"RID-DESCRIBE"}, Attempt: 1, CloudState: status},
	}
}

func active() activities.RouterInterface {
	ri := initiator(activities.RouterInterfaceActive)
	ri.RequestIds = []string{"RID-WAIT-1", "RID-WAIT-2"}
	return ri
}

// cloudError is the error an activity returns for a cloud's answer.
func cloudError(status int, code string) error {
	body := `{"RequestId":"RID-` + code + `","Code":"` + code + `","Message":"m"}`
	return activities.CloudError(context.Background(), "Op", "res", alierrors.NewServerError(status, body, ""))
}

func (s *workflowSuite) connectInput() contract.ConnectRouterInterfaceInput {
	return contract.ConnectRouterInterfaceInput{RegionId: region, RouterInterfaceId: riID}
}

func (s *workflowSuite) progress() contract.Progress {
	val, err := s.env.QueryWorkflow(contract.ProgressQuery)
	s.Require().NoError(err)
	var p contract.Progress
	s.Require().NoError(val.Get(&p))
	return p
}

func stepNames(steps []contract.Step) []string {
	var names []string
	for _, st := range steps {
		names = append(names, st.Name+":"+st.Outcome)
	}
	return names
}

func (s *workflowSuite) TestConnectIdleInterface() {
	ref := activities.RouterInterfaceRef{RegionId: region, RouterInterfaceId: riID}
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, ref).Return(initiator("Idle"), nil).Once()
	s.env.OnActivity(s.acts.ConnectRouterInterface, mock.Anything, ref).Return(activities.ConnectRouterInterfaceResult{
		RequestId: "RID-CONNECT", CallTrace: activities.CallTrace{RequestIds: []string{"RID-CONNECT"}, Attempt: 1}}, nil).Once()
	s.env.OnActivity(s.acts.WaitRouterInterfaceActive, mock.Anything, mock.MatchedBy(func(in activities.WaitRouterInterfaceActiveInput) bool {
		// The deadline is the workflow's start plus the default timeout.
		return in.RouterInterfaceRef == ref && in.Deadline.Sub(s.env.Now()) > 9*time.Minute
	})).Return(active(), nil).Once()

	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	s.Require().True(s.env.IsWorkflowCompleted())
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.ConnectRouterInterfaceResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.True(res.Connected)
	s.Equal("RID-CONNECT", res.ConnectRequestId)
	s.Equal("Active", res.Status)
	s.Equal(peerID, res.OppositeInterfaceId)
	s.Equal([]string{"validate:done", "describe-router-interface:done", "check-router-interface:done",
		"connect-router-interface:done", "wait-router-interface-active:done"}, stepNames(res.Steps))

	p := s.progress()
	s.Equal(contract.StageCompleted, p.Stage)
	s.Equal("Active", p.LastCloudState)
	s.Equal([]string{"RID-DESCRIBE", "RID-CONNECT", "RID-WAIT-1", "RID-WAIT-2"}, p.RequestIds)
	s.EqualValues(3, p.Attempts)
}

// A connect retried after its answer was lost finds the interface
// connecting: this change connected it, and the wait gives a lagging read
// its grace.
func (s *workflowSuite) TestARetriedConnectThatFindsItConnectingConnectedIt() {
	ref := activities.RouterInterfaceRef{RegionId: region, RouterInterfaceId: riID}
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, ref).Return(initiator("Idle"), nil).Once()
	s.env.OnActivity(s.acts.ConnectRouterInterface, mock.Anything, ref).Return(activities.ConnectRouterInterfaceResult{AlreadyConnecting: true,
		CallTrace: activities.CallTrace{RequestIds: []string{"RID-REFUSED", "RID-READ"}, Attempt: 2, CloudState: "Connecting"}}, nil).Once()
	s.env.OnActivity(s.acts.WaitRouterInterfaceActive, mock.Anything, mock.MatchedBy(func(in activities.WaitRouterInterfaceActiveInput) bool {
		return in.ConnectedAt.Equal(s.env.Now())
	})).Return(active(), nil).Once()
	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.ConnectRouterInterfaceResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.True(res.Connected)
	s.Empty(res.ConnectRequestId, "the answer that carried it was lost")
}

func (s *workflowSuite) TestAnInterfaceAlreadyActiveIsNotConnectedAgain() {
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Active"), nil).Once()

	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.ConnectRouterInterfaceResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.False(res.Connected)
	s.Equal("Active", res.Status)
	s.env.AssertActivityNotCalled(s.T(), "ConnectRouterInterface", mock.Anything, mock.Anything)
	s.env.AssertActivityNotCalled(s.T(), "WaitRouterInterfaceActive", mock.Anything, mock.Anything)
	s.Equal([]string{"validate:done", "describe-router-interface:done", "check-router-interface:done",
		"connect-router-interface:skipped", "wait-router-interface-active:skipped"}, stepNames(res.Steps))
}

func (s *workflowSuite) TestAnInterfaceAlreadyConnectingIsWaitedFor() {
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Connecting"), nil).Once()
	s.env.OnActivity(s.acts.WaitRouterInterfaceActive, mock.Anything, mock.Anything).Return(active(), nil).Once()

	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	s.Require().NoError(s.env.GetWorkflowError())
	s.env.AssertActivityNotCalled(s.T(), "ConnectRouterInterface", mock.Anything, mock.Anything)
}

func (s *workflowSuite) TestConnectingTheAcceptingSideFailsBeforeAnyChange() {
	ri := initiator("Idle")
	ri.Role = activities.RoleAcceptingSide
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(ri, nil).Once()

	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal("IncorrectRole.NotInitiatingSide", appErr.Type())
	s.Contains(appErr.Error(), "the interface is the AcceptingSide of its pair; its peer is "+peerID)
	s.Contains(appErr.Error(), "Fix: connect from the InitiatingSide router interface of the pair")
	s.Contains(appErr.Error(), "RequestId: RID-DESCRIBE")
	s.True(appErr.NonRetryable())
	s.env.AssertActivityNotCalled(s.T(), "ConnectRouterInterface", mock.Anything, mock.Anything)
	s.Equal(contract.StageFailed, s.progress().Stage)
}

func (s *workflowSuite) TestMissingOppositeFieldsFailBeforeAnyChange() {
	ri := initiator("Idle")
	ri.OppositeRouterType = ""
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(ri, nil).Once()

	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal("IncorrectOppositeInterfaceInfo.NotSet", appErr.Type())
}

func (s *workflowSuite) TestAPermanentErrorFailsOnItsFirstAttempt() {
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Idle"), nil).Once()
	s.env.OnActivity(s.acts.ConnectRouterInterface, mock.Anything, mock.Anything).
		Return(activities.ConnectRouterInterfaceResult{}, cloudError(400, "Forbidden.BillsOutstanding"))

	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal("Forbidden.BillsOutstanding", appErr.Type())
	s.Contains(appErr.Error(), "RID-Forbidden.BillsOutstanding")
	s.Contains(appErr.Error(), "settle them")
	s.env.AssertActivityNumberOfCalls(s.T(), "ConnectRouterInterface", 1)
	s.env.AssertActivityNotCalled(s.T(), "WaitRouterInterfaceActive", mock.Anything, mock.Anything)
}

func (s *workflowSuite) TestThrottlingIsRetriedThenSucceeds() {
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Idle"), nil).Once()
	s.env.OnActivity(s.acts.ConnectRouterInterface, mock.Anything, mock.Anything).
		Return(activities.ConnectRouterInterfaceResult{}, cloudError(400, "Throttling.User")).Twice()
	s.env.OnActivity(s.acts.ConnectRouterInterface, mock.Anything, mock.Anything).
		Return(activities.ConnectRouterInterfaceResult{RequestId: "RID-CONNECT"}, nil).Once()
	s.env.OnActivity(s.acts.WaitRouterInterfaceActive, mock.Anything, mock.Anything).Return(active(), nil).Once()

	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.ConnectRouterInterfaceResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal("RID-CONNECT", res.ConnectRequestId)
	s.env.AssertActivityNumberOfCalls(s.T(), "ConnectRouterInterface", 3)
}

func (s *workflowSuite) TestALongWaitHeartbeatsLessOften() {
	// Each heartbeat the server takes is a write: a wait's heartbeat timeout
	// grows with its budget, a twentieth of it, from 30 s to 3 minutes.
	for _, c := range []struct{ timeout, heartbeat time.Duration }{
		{0, 30 * time.Second}, // the default 10 minutes
		{5 * time.Minute, 30 * time.Second},
		{20 * time.Minute, time.Minute},
		{time.Hour, 3 * time.Minute},
		{24 * time.Hour, 3 * time.Minute},
	} {
		env := s.newEnv()
		s.Require().NoError(Register(env, s.acts, s.records, nil))
		env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Connecting"), nil).Once()
		var got time.Duration
		env.OnActivity(s.acts.WaitRouterInterfaceActive, mock.Anything, mock.Anything).Return(
			func(ctx context.Context, _ activities.WaitRouterInterfaceActiveInput) (activities.RouterInterface, error) {
				got = activity.GetInfo(ctx).HeartbeatTimeout
				return active(), nil
			}).Once()
		in := s.connectInput()
		in.WaitTimeout = contract.Duration(c.timeout)
		env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, in)
		s.Require().NoError(env.GetWorkflowError())
		s.Equal(c.heartbeat, got, "a wait of %s", c.timeout)
	}
}

func (s *workflowSuite) TestTheWaitEndsAtItsDeadline() {
	// The real wait activity, against a router interface stuck Connecting.
	stuck := stuckConnecting()
	env := s.newEnv()
	s.Require().NoError(Register(env, &activities.CloudActivities{VPC: stuck, Poll: activities.PollSchedule{First: 10 * time.Millisecond, Max: 50 * time.Millisecond, Factor: 2}}, s.records, nil))
	in := s.connectInput()
	in.WaitTimeout = contract.Duration(time.Second)

	env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, in)
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(env.GetWorkflowError(), &appErr)
	s.Equal(contract.WaitTimeoutType, appErr.Type())
	s.Contains(appErr.Error(), `last state "Connecting"`)
	val, err := env.QueryWorkflow(contract.ProgressQuery)
	s.Require().NoError(err)
	var p contract.Progress
	s.Require().NoError(val.Get(&p))
	last := p.Steps[len(p.Steps)-1]
	s.Equal(contract.StageWaitRouterInterface, last.Name)
	s.Equal("Connecting", last.CloudState, "the failed wait's last state, from its error")
	s.Contains(last.RequestIds, "RID-Connecting")
	s.Equal(1, stuck.Calls("ConnectRouterInterface"), "connected once, then waited")
}

func (s *workflowSuite) publishInput() contract.PublishVpcRoutesInput {
	return contract.PublishVpcRoutesInput{RouteSet: contract.RouteSet{RegionId: region, TargetType: "ECR", TargetInstanceId: ecrID,
		RouteEntries: []contract.RouteEntry{{RouteTableId: "vtb-1", DestinationCidrBlock: "10.1.0.0/16"}}}}
}

func (s *workflowSuite) TestPublishAfterAPassedDryRun() {
	s.env.OnActivity(s.acts.DryRunPublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{RequestId: "RID-DRY"}, nil).Once()
	s.env.OnActivity(s.acts.PublishVpcRouteEntries, mock.Anything, contract.RouteSet{
		RegionId: region, TargetType: "ECR", TargetInstanceId: ecrID, RouteEntries: s.publishInput().RouteEntries,
	}).Return(activities.PublishRouteEntriesResult{RequestId: "RID-PUB", Published: s.publishInput().RouteEntries}, nil).Once()
	status := []contract.RoutePublishStatus{{RouteTableId: "vtb-1", DestinationCidrBlock: "10.1.0.0/16", PublishStatus: "Published"}}
	s.env.OnActivity(s.acts.WaitRoutesPublished, mock.Anything, mock.MatchedBy(func(in activities.WaitRoutesPublishedInput) bool {
		return in.TargetInstanceId == ecrID && len(in.RouteEntries) == 1 && in.PublishedAt.Equal(s.env.Now()) &&
			in.Deadline.Sub(s.env.Now()) == contract.DefaultWaitTimeout
	})).Return(activities.WaitRoutesPublishedResult{Routes: status}, nil).Once()

	s.env.ExecuteWorkflow(PublishVpcRoutesWorkflow, s.publishInput())
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.PublishVpcRoutesResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal([]string{"RID-DRY"}, res.DryRunRequestIds)
	s.Equal([]string{"RID-PUB"}, res.PublishRequestIds)
	s.Equal(s.publishInput().RouteEntries, res.Published)
	s.Equal(status, res.PublishStatus)
	s.Equal([]string{"validate:done", "dry-run-publish:done", "publish-routes:done", "wait-routes-published:done"}, stepNames(res.Steps))
}

// A publish retried after its answer was lost finds its own entries
// Publishing: they are still this change's, not someone else's.
func (s *workflowSuite) TestARetriedPublishCountsWhatItsLostAnswerPublished() {
	entries := []contract.RouteEntry{{RouteTableId: "vtb-1", DestinationCidrBlock: "10.1.0.0/16"}, {RouteTableId: "vtb-1", DestinationCidrBlock: "10.2.0.0/16"}}
	in := s.publishInput()
	in.RouteEntries = entries
	s.env.OnActivity(s.acts.DryRunPublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{RequestId: "RID-DRY", AlreadyPublished: entries[1:]}, nil).Once()
	s.env.OnActivity(s.acts.PublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{AlreadyPublished: entries, CallTrace: activities.CallTrace{Attempt: 2}}, nil).Once()
	s.env.OnActivity(s.acts.WaitRoutesPublished, mock.Anything, mock.Anything).Return(activities.WaitRoutesPublishedResult{}, nil).Once()
	s.env.ExecuteWorkflow(PublishVpcRoutesWorkflow, in)
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.PublishVpcRoutesResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(entries[:1], res.Published, "unpublished at the DryRun, found Publishing by the retry: this change's")
	s.Equal(entries[1:], res.AlreadyPublished, "published before the change began")
}

// Workflows started before the publish was confirmed (historyChange's
// version 1) complete as they began: without the wait.
func (s *workflowSuite) TestAPublishFromBeforeTheConfirmationDoesNotWait() {
	s.env.OnGetVersion(historyChange, workflow.DefaultVersion, latestVersion).Return(leanHistoryVersion)
	s.env.OnActivity(s.acts.DryRunPublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{RequestId: "RID-DRY"}, nil).Once()
	s.env.OnActivity(s.acts.PublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{RequestId: "RID-PUB", Published: s.publishInput().RouteEntries}, nil).Once()
	s.env.ExecuteWorkflow(PublishVpcRoutesWorkflow, s.publishInput())
	s.Require().NoError(s.env.GetWorkflowError())
	s.env.AssertActivityNotCalled(s.T(), "WaitRoutesPublished", mock.Anything, mock.Anything)
}

func (s *workflowSuite) TestAFailedDryRunStopsBeforeTheRealPublish() {
	s.env.OnActivity(s.acts.DryRunPublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{}, cloudError(400, "Forbidden.OperateCustomRouteTable")).Once()

	s.env.ExecuteWorkflow(PublishVpcRoutesWorkflow, s.publishInput())
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal("Forbidden.OperateCustomRouteTable", appErr.Type())
	s.env.AssertActivityNotCalled(s.T(), "PublishVpcRouteEntries", mock.Anything, mock.Anything)
}

func (s *workflowSuite) networkChangeInput() contract.NetworkChangeInput {
	return contract.NetworkChangeInput{
		RegionId: region, RouterInterfaceId: riID, TargetType: "ECR", TargetInstanceId: ecrID,
		RouteEntries: []contract.RouteEntry{
			{RouteTableId: "vtb-1", DestinationCidrBlock: "10.1.0.0/16"},
			{RouteTableId: "vtb-1", DestinationCidrBlock: "10.2.0.0/16"},
		},
		VpnConnectionId: vcoID,
		CrossAccount:    &contract.ExpectedCrossAccount{BindInstance: cenID, BindUid: 1210123456123456},
	}
}

// serveNetworkChange serves every call of a NetworkChange that succeeds.
func (s *workflowSuite) serveNetworkChange() {
	s.serveChangeUpToTheVerify()
	s.env.OnActivity(s.acts.WaitVpnRoutes, mock.Anything, mock.MatchedBy(func(in activities.WaitVpnRoutesInput) bool {
		return in.VpnConnectionId == vcoID && len(in.ExpectedRoutes) == 2 &&
			in.ExpectedRoutes[1] == contract.ExpectedVpnRoute{DestinationCidrBlock: "10.2.0.0/16", RouteEntryType: "bgp"} &&
			in.Publication != nil && len(in.Publication.RouteEntries) == 2 && !in.Publication.PublishedAt.IsZero()
	})).Return(activities.WaitVpnRoutesResult{Routes: networkChangeRoutes, Published: networkChangePublished}, nil).Once()
}

// serveChangeUpToTheVerify serves the calls of a NetworkChange before its
// verify: it connects the interface and publishes both routes.
func (s *workflowSuite) serveChangeUpToTheVerify() {
	s.env.OnActivity(s.acts.DescribeVpnCrossAccountAuthorizations, mock.Anything, activities.VpnConnectionRef{RegionId: region, VpnConnectionId: vcoID}).
		Return(activities.CrossAccountAuthorizations{Authorizations: []contract.CrossAccountAuthorization{
			{BindInstance: "cen-other", BindUid: 1, BindProduct: "CEN"},
			{BindInstance: cenID, BindUid: 1210123456123456, BindProduct: "CEN"},
		}}, nil).Once()
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Idle"), nil).Once()
	s.env.OnActivity(s.acts.ConnectRouterInterface, mock.Anything, mock.Anything).
		Return(activities.ConnectRouterInterfaceResult{RequestId: "RID-CONNECT"}, nil).Once()
	s.env.OnActivity(s.acts.WaitRouterInterfaceActive, mock.Anything, mock.Anything).Return(active(), nil).Once()
	s.env.OnActivity(s.acts.DryRunPublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{RequestId: "RID-DRY"}, nil).Once()
	s.env.OnActivity(s.acts.PublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{RequestId: "RID-PUB", Published: s.networkChangeInput().RouteEntries}, nil).Once()
}

var networkChangePublished = []contract.RoutePublishStatus{{RouteTableId: "vtb-1", DestinationCidrBlock: "10.1.0.0/16", PublishStatus: "Published"},
	{RouteTableId: "vtb-1", DestinationCidrBlock: "10.2.0.0/16", PublishStatus: "Published"}}

var networkChangeRoutes = []contract.VpnRoute{{RouteDest: "10.1.0.0/16", RouteEntryType: "bgp", State: "Active", Source: "CLOUD"},
	{RouteDest: "10.2.0.0/16", RouteEntryType: "bgp", State: "Active", Source: "CLOUD"}}

func (s *workflowSuite) TestNetworkChangeRunsEveryStepInOrder() {
	s.serveNetworkChange()
	routes := networkChangeRoutes
	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.networkChangeInput())
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.NetworkChangeResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.True(res.Connected)
	s.Equal([]string{"RID-CONNECT", "RID-PUB"}, res.ChangeRequestIds, "only the calls that changed something")
	s.Equal(routes, res.Routes)
	s.Equal(networkChangePublished, res.PublishStatus, "the verify confirmed the publish")
	s.Equal([]string{"validate:done", "check-cross-account-authorization:done", "describe-router-interface:done",
		"check-router-interface:done", "connect-router-interface:done", "wait-router-interface-active:done",
		"dry-run-publish:done", "publish-routes:done", "verify-vpn-routes:done"}, stepNames(res.Steps))
	s.False(res.StartedAt.IsZero())
	s.GreaterOrEqual(res.DurationMillis, int64(0))
}

func (s *workflowSuite) TestNetworkChangeStopsWhenTheCrossAccountAuthorizationIsMissing() {
	s.env.OnActivity(s.acts.DescribeVpnCrossAccountAuthorizations, mock.Anything, mock.Anything).
		Return(activities.CrossAccountAuthorizations{Authorizations: []contract.CrossAccountAuthorization{
			{BindInstance: cenID, BindUid: 42, BindProduct: "CEN"}, // the right CEN, another account
		}}, nil).Once()

	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.networkChangeInput())
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(contract.CrossAccountMissingType, appErr.Type())
	s.Contains(appErr.Error(), cenID)
	s.env.AssertActivityNotCalled(s.T(), "DescribeRouterInterface", mock.Anything, mock.Anything)
}

func (s *workflowSuite) TestBadInputFailsBeforeAnyCloudCall() {
	in := s.networkChangeInput()
	in.RegionId = "Hangzhou"
	in.RouteEntries = append(in.RouteEntries, in.RouteEntries[0])
	in.TargetType = "VBR"

	s.env.ExecuteWorkflow(NetworkChangeWorkflow, in)
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(contract.InvalidInputType, appErr.Type())
	s.True(appErr.NonRetryable())
	var problems []string
	s.Require().NoError(appErr.Details(&problems))
	s.Len(problems, 3, "every problem at once: %v", problems)
	s.Equal(contract.StageFailed, s.progress().Stage)
}

func (s *workflowSuite) TestProgressShowsTheStageWhileWaiting() {
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Idle"), nil).Once()
	s.env.OnActivity(s.acts.ConnectRouterInterface, mock.Anything, mock.Anything).
		Return(activities.ConnectRouterInterfaceResult{RequestId: "RID-CONNECT", CallTrace: activities.CallTrace{
			RequestIds: []string{"RID-CONNECT"}, Attempt: 1, CloudState: "Connecting"}}, nil).Once()
	s.env.OnActivity(s.acts.WaitRouterInterfaceActive, mock.Anything, mock.Anything).After(time.Minute).Return(active(), nil).Once()
	var during contract.Progress
	s.env.RegisterDelayedCallback(func() { during = s.progress() }, 30*time.Second)

	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	s.Require().NoError(s.env.GetWorkflowError())
	s.Equal(contract.StageWaitRouterInterface, during.Stage)
	s.Equal("Connecting", during.LastCloudState)
	s.Equal([]string{"RID-DESCRIBE", "RID-CONNECT"}, during.RequestIds)
}

func (s *workflowSuite) TestARejectedEndpointEndsTheWorkflow() {
	apig := rejectingAPIG()
	env := s.newEnv()
	s.Require().NoError(Register(env, &activities.CloudActivities{APIG: apig, Poll: activities.PollSchedule{First: 10 * time.Millisecond, Max: 10 * time.Millisecond, Factor: 1}}, s.records, nil))

	env.ExecuteWorkflow(ApigEndpointConnectionsWorkflow, contract.ApigEndpointConnectionsInput{
		InstanceId: "eddc4d25480b4cd6b512f270a1b8b341", WaitForAccepted: []string{"ep-ok", "ep-bad"}})
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(env.GetWorkflowError(), &appErr)
	s.Equal(contract.UnreachableStateType, appErr.Type())
	s.Contains(appErr.Error(), "ep-bad is rejected")
}

func (s *workflowSuite) TestApigListsWithoutWaiting() {
	s.env.OnActivity(s.acts.ListEndpointConnections, mock.Anything, activities.ListEndpointConnectionsInput{
		InstanceId: "gw-1", Status: "accepted", Limit: 100,
	}).Return(activities.EndpointConnections{Total: 1, Connections: []contract.EndpointConnection{{Id: "ep-1", Status: "accepted"}}}, nil).Once()
	limit := int32(100)
	s.env.ExecuteWorkflow(ApigEndpointConnectionsWorkflow, contract.ApigEndpointConnectionsInput{InstanceId: "gw-1", Status: "accepted", Limit: &limit})
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.ApigEndpointConnectionsResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(int64(1), res.Total)
	s.env.AssertActivityNotCalled(s.T(), "WaitEndpointsAccepted", mock.Anything, mock.Anything)
}

// upsertedStages records the VpcFlowStage values the workflow upserts.
func (s *workflowSuite) upsertedStages() *[]string {
	s.Require().NoError(s.env.SetTypedSearchAttributesOnStart(contract.StartSearchAttributes(region, riID, "")))
	var stages []string
	s.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		stage, _ := sa.GetKeyword(contract.VpcFlowStageKey)
		stages = append(stages, stage)
	}).Return(nil)
	return &stages
}

// connectIdle serves a connect of an Idle interface that turns Active.
func (s *workflowSuite) connectIdle() {
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Idle"), nil).Once()
	s.env.OnActivity(s.acts.ConnectRouterInterface, mock.Anything, mock.Anything).
		Return(activities.ConnectRouterInterfaceResult{RequestId: "RID-CONNECT"}, nil).Once()
	s.env.OnActivity(s.acts.WaitRouterInterfaceActive, mock.Anything, mock.Anything).Return(active(), nil).Once()
}

func (s *workflowSuite) TestTheStageIsUpsertedForTheWaitsAndTheEnd() {
	stages := s.upsertedStages()
	s.connectIdle()
	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	s.Require().NoError(s.env.GetWorkflowError())
	s.Equal([]string{contract.StageWaitRouterInterface, contract.StageCompleted}, *stages)
}

func (s *workflowSuite) TestAFailedChangeUpsertsTheFailedStage() {
	stages := s.upsertedStages()
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).
		Return(activities.RouterInterface{}, cloudError(404, "InvalidRouterInterfaceId.NotFound")).Once()
	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	s.Require().Error(s.env.GetWorkflowError())
	s.Equal([]string{contract.StageFailed}, *stages)
}

// Workflows started before the lean history (leanHistoryChange's
// DefaultVersion) keep the history they were recorded with: every stage
// upserted, every read an activity.
func (s *workflowSuite) TestWorkflowsFromBeforeTheLeanHistoryKeepTheirs() {
	s.env.OnGetVersion(historyChange, workflow.DefaultVersion, latestVersion).Return(workflow.DefaultVersion)
	stages := s.upsertedStages()
	var local []string
	s.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []interface{}) {
		local = append(local, info.ActivityType.Name)
	})
	s.connectIdle()
	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	s.Require().NoError(s.env.GetWorkflowError())
	s.Equal([]string{contract.StageDescribeRouterInterface, contract.StageConnectRouterInterface, contract.StageWaitRouterInterface, contract.StageCompleted}, *stages)
	s.Empty(local)
}

func (s *workflowSuite) TestTheShortReadsRunAsLocalActivities() {
	var local, remote []string
	s.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []interface{}) {
		local = append(local, info.ActivityType.Name)
	})
	s.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		remote = append(remote, info.ActivityType.Name)
	})
	s.serveNetworkChange()
	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.networkChangeInput())
	s.Require().NoError(s.env.GetWorkflowError())
	s.Equal([]string{"ApprovalRequirement", "DescribeVpnCrossAccountAuthorizations", "DescribeRouterInterface", "DryRunPublishVpcRouteEntries"}, local,
		"asking the approval policy, the reads and the DryRun change nothing: local activities")
	s.Equal([]string{"ConnectRouterInterface", "WaitRouterInterfaceActive", "PublishVpcRouteEntries", "WaitVpnRoutes"}, remote,
		"the changes and the waits stay activities: each shows in the history, the waits heartbeat")
}

func (s *workflowSuite) TestNoUpsertWithoutSearchAttributesAtStart() {
	upserts := 0
	s.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(mock.Arguments) { upserts++ }).Return(nil).Maybe()
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Active"), nil).Once()
	s.env.ExecuteWorkflow(ConnectRouterInterfaceWorkflow, s.connectInput())
	s.Require().NoError(s.env.GetWorkflowError())
	s.Zero(upserts)
}

// A service that sends a field vpcflow does not know gets InvalidInput at
// once, not a workflow task that fails for ever.
func (s *workflowSuite) TestUnknownFieldsFromAnotherServiceFailTheWorkflow() {
	s.env.ExecuteWorkflow(contract.NetworkChange.Type, map[string]any{
		"RegionId": region, "RouterInterfaceId": riID, "TargetType": "ECR", "TargetInstanceId": ecrID,
		"RouteEntries":    []map[string]string{{"RouteTableId": "vtb-1", "DestinationCidrBlock": "10.1.0.0/16"}},
		"VpnConnectionId": vcoID, "DryRun": false,
	})
	s.Require().True(s.env.IsWorkflowCompleted())
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(contract.InvalidInputType, appErr.Type())
	s.Contains(appErr.Error(), `unknown field "DryRun"`)
}

// A change that fails half-way says what it had already changed.
func (s *workflowSuite) TestAFailedChangeTellsWhatItChanged() {
	in := s.networkChangeInput()
	in.CrossAccount = nil
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Idle"), nil).Once()
	s.env.OnActivity(s.acts.ConnectRouterInterface, mock.Anything, mock.Anything).
		Return(activities.ConnectRouterInterfaceResult{RequestId: "RID-CONNECT"}, nil).Once()
	s.env.OnActivity(s.acts.WaitRouterInterfaceActive, mock.Anything, mock.Anything).Return(active(), nil).Once()
	s.env.OnActivity(s.acts.DryRunPublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{}, cloudError(400, "ResourceNotAssociated.TargetInstance")).Once()

	s.env.ExecuteWorkflow(NetworkChangeWorkflow, in)
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal("ResourceNotAssociated.TargetInstance", appErr.Type())
	p := s.progress()
	s.Equal(contract.StageFailed, p.Stage)
	s.Equal([]string{"RID-CONNECT"}, p.ChangeRequestIds)
	last := p.Steps[len(p.Steps)-1]
	s.Equal(contract.StageDryRunPublish+":"+contract.OutcomeFailed, last.Name+":"+last.Outcome)
	s.Contains(last.Note, "ResourceNotAssociated.TargetInstance")
	s.Equal([]string{"RID-ResourceNotAssociated.TargetInstance"}, last.RequestIds, "the failed call's RequestId, from the error")
	s.Equal("ResourceNotAssociated.TargetInstance", last.CloudState)
}
