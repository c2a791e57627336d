package workflows_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/workflows"
)

// These tests run the workflows with their real activities, which call
// cloudsim over HTTP through the real Alibaba Cloud and Huawei Cloud SDKs.
// cloudsim's clock runs 100 times faster than the wall, so a 5 s transition
// takes 50 ms.

func newCloud(t *testing.T) (*cloudsim.Server, *activities.CloudActivities) {
	t.Helper()
	t.Setenv("HTTP_PROXY", "")
	t.Setenv("http_proxy", "")
	sim, err := cloudsim.New(cloudsim.Options{Fixture: cloudsim.DefaultFixture(), Clock: cloudsim.NewScaledClock(100), Seed: 1})
	require.NoError(t, err)
	hs := httptest.NewServer(sim)
	t.Cleanup(hs.Close)

	acts, err := simclients.Activities(hs.URL)
	require.NoError(t, err)
	acts.Poll = activities.PollSchedule{First: 20 * time.Millisecond, Max: 100 * time.Millisecond, Factor: 1.5}
	return sim, acts
}

func newEnv(t *testing.T, acts *activities.CloudActivities) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	require.NoError(t, workflows.Register(env, acts, &activities.ChangeRecords{}, nil))
	env.SetDataConverter(contract.StrictInputs(converter.GetDefaultDataConverter()))
	return env
}

func defaultChange() contract.NetworkChangeInput {
	in := simclients.DefaultNetworkChange()
	in.WaitTimeout = contract.Duration(time.Minute)
	return in
}

func TestNetworkChangeAgainstCloudsim(t *testing.T) {
	sim, acts := newCloud(t)
	env := newEnv(t, acts)
	env.ExecuteWorkflow(workflows.NetworkChangeWorkflow, defaultChange())
	require.NoError(t, env.GetWorkflowError())
	var res contract.NetworkChangeResult
	require.NoError(t, env.GetWorkflowResult(&res))

	assert.True(t, res.Connected)
	assert.Len(t, res.Published, 2)
	assert.Len(t, res.ChangeRequestIds, 2, "the connect and the publish")
	require.Len(t, res.Routes, 2)
	for _, r := range res.Routes {
		assert.Equal(t, "bgp", r.RouteEntryType)
		assert.Equal(t, "Active", r.State)
		assert.Equal(t, "CLOUD", r.Source)
	}
	assert.Equal(t, 1, sim.CallCount("ConnectRouterInterface"), "connected exactly once")
	assert.Equal(t, 2, sim.CallCount("PublishVpcRouteEntries"), "one DryRun, one publish")
	for _, step := range res.Steps {
		assert.Equal(t, contract.OutcomeDone, step.Outcome, step.Name)
	}

	// Running the same change again changes nothing: the interface is Active
	// and the routes are published.
	env = newEnv(t, acts)
	env.ExecuteWorkflow(workflows.NetworkChangeWorkflow, defaultChange())
	require.NoError(t, env.GetWorkflowError())
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.False(t, res.Connected)
	assert.Empty(t, res.Published)
	assert.Len(t, res.AlreadyPublished, 2)
	assert.Empty(t, res.ChangeRequestIds)
	assert.Equal(t, 1, sim.CallCount("ConnectRouterInterface"))
	assert.Equal(t, 2, sim.CallCount("PublishVpcRouteEntries"), "nothing left to DryRun or publish")
}

func TestConnectingTheAcceptingSideAgainstCloudsim(t *testing.T) {
	sim, acts := newCloud(t)
	env := newEnv(t, acts)
	env.ExecuteWorkflow(workflows.ConnectRouterInterfaceWorkflow, contract.ConnectRouterInterfaceInput{
		RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: cloudsim.DefaultSecondAcceptingInterfaceID})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, env.GetWorkflowError(), &appErr)
	assert.Equal(t, "IncorrectRole.NotInitiatingSide", appErr.Type())
	assert.Zero(t, sim.CallCount("ConnectRouterInterface"))
}

func TestThrottlingAgainstCloudsimIsRidden(t *testing.T) {
	sim, acts := newCloud(t)
	require.NoError(t, sim.SetFaults(cloudsim.Faults{Scripted: []cloudsim.ScriptedFault{
		{Action: "ConnectRouterInterface", Count: 2, Code: "Throttling.User", Status: 400},
	}}))
	env := newEnv(t, acts)
	env.ExecuteWorkflow(workflows.ConnectRouterInterfaceWorkflow, contract.ConnectRouterInterfaceInput{
		RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: cloudsim.DefaultInitiatingInterfaceID, WaitTimeout: contract.Duration(time.Minute)})
	require.NoError(t, env.GetWorkflowError())
	var res contract.ConnectRouterInterfaceResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.True(t, res.Connected)
	assert.Equal(t, "Active", res.Status)
	assert.Equal(t, 3, sim.CallCount("ConnectRouterInterface"), "two throttled, one accepted")
}

func TestAPermanentPublishErrorAgainstCloudsim(t *testing.T) {
	sim, acts := newCloud(t)
	env := newEnv(t, acts)
	env.ExecuteWorkflow(workflows.PublishVpcRoutesWorkflow, contract.PublishVpcRoutesInput{RouteSet: contract.RouteSet{
		RegionId: cloudsim.DefaultRegionID, TargetType: "ECR", TargetInstanceId: cloudsim.DefaultECRID,
		RouteEntries: []contract.RouteEntry{{RouteTableId: cloudsim.DefaultCustomRouteTableID, DestinationCidrBlock: cloudsim.DefaultCustomTableRouteCIDR}},
	}})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, env.GetWorkflowError(), &appErr)
	assert.Equal(t, "Forbidden.OperateCustomRouteTable", appErr.Type())
	assert.Contains(t, appErr.Error(), "RequestId: ")
	// A DryRun checks the key, the RAM policy and the parameters only: the
	// state of the route table is the real publish's to refuse, once.
	assert.Equal(t, 2, sim.CallCount("PublishVpcRouteEntries"), "the DryRun passed, the publish was refused, no retry")
}

func TestApigEndpointsAgainstCloudsim(t *testing.T) {
	_, acts := newCloud(t)
	env := newEnv(t, acts)
	env.ExecuteWorkflow(workflows.ApigEndpointConnectionsWorkflow, contract.ApigEndpointConnectionsInput{
		InstanceId:      cloudsim.DefaultAPIGInstanceID,
		WaitForAccepted: []string{cloudsim.DefaultEndpointConnectionPendingID, cloudsim.DefaultEndpointConnectionSlowID},
		WaitTimeout:     contract.Duration(time.Minute),
	})
	require.NoError(t, env.GetWorkflowError())
	var res contract.ApigEndpointConnectionsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.EqualValues(t, 4, res.Total)
	status := map[string]string{}
	for _, c := range res.Connections {
		status[c.Id] = c.Status
	}
	assert.Equal(t, "accepted", status[cloudsim.DefaultEndpointConnectionSlowID])
	assert.Equal(t, "rejected", status[cloudsim.DefaultEndpointConnectionRejectedID])

	env = newEnv(t, acts)
	env.ExecuteWorkflow(workflows.ApigEndpointConnectionsWorkflow, contract.ApigEndpointConnectionsInput{
		InstanceId: cloudsim.DefaultAPIGInstanceID, WaitForAccepted: []string{cloudsim.DefaultEndpointConnectionRejectedID}})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, env.GetWorkflowError(), &appErr)
	assert.Equal(t, contract.UnreachableStateType, appErr.Type())
}
