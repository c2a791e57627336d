package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

func TestApigEndpointsAreWaitedForUntilAccepted(t *testing.T) {
	resetCloud(t)
	ctx := stacktest.Ctx(t, 2*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "apig"), contract.ApigEndpointConnections.Type, contract.ApigEndpointConnectionsInput{
		InstanceId:      cloudsim.DefaultAPIGInstanceID,
		WaitForAccepted: []string{cloudsim.DefaultEndpointConnectionPendingID, cloudsim.DefaultEndpointConnectionSlowID},
	})
	require.NoError(t, err)
	var res contract.ApigEndpointConnectionsResult
	require.NoError(t, run.Get(ctx, &res))
	assert.EqualValues(t, 4, res.Total)
	for _, c := range res.Connections {
		if c.Id == cloudsim.DefaultEndpointConnectionSlowID || c.Id == cloudsim.DefaultEndpointConnectionPendingID {
			assert.Equal(t, "accepted", c.Status, c.Id)
		}
	}
	recordHistory(t, "apig_endpoints_accepted", run.GetID())

	run, err = tc.ExecuteWorkflow(ctx, startOptions(t, "apig-rejected"), contract.ApigEndpointConnections.Type, contract.ApigEndpointConnectionsInput{
		InstanceId: cloudsim.DefaultAPIGInstanceID, WaitForAccepted: []string{cloudsim.DefaultEndpointConnectionRejectedID}})
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	assert.Equal(t, "UnreachableState", stacktest.FailureType(err))
	assert.Contains(t, err.Error(), cloudsim.DefaultEndpointConnectionRejectedID+" is rejected")
}

func TestVerifyCustomRoutesAndTheCrossAccountAuthorization(t *testing.T) {
	resetCloud(t)
	ctx := stacktest.Ctx(t, time.Minute)
	in := contract.VerifyVpnRoutesInput{
		RegionId: cloudsim.DefaultRegionID, VpnConnectionId: cloudsim.DefaultVpnConnectionID,
		ExpectedRoutes: []contract.ExpectedVpnRoute{
			{DestinationCidrBlock: cloudsim.DefaultVpnCustomRoute1, RouteEntryType: "custom"},
			{DestinationCidrBlock: cloudsim.DefaultVpnCustomRoute2, RouteEntryType: "custom"},
		},
		CrossAccount: &contract.ExpectedCrossAccount{BindInstance: cloudsim.DefaultCenID, BindUid: 1210123456123456},
	}
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "verify"), contract.VerifyVpnRoutes.Type, in)
	require.NoError(t, err)
	var res contract.VerifyVpnRoutesResult
	require.NoError(t, run.Get(ctx, &res))
	require.Len(t, res.Routes, 2)
	assert.Equal(t, "published", res.Routes[0].State)
	recordHistory(t, "verify_vpn_routes", run.GetID())

	in.CrossAccount.BindUid = 42
	run, err = tc.ExecuteWorkflow(ctx, startOptions(t, "verify-other-account"), contract.VerifyVpnRoutes.Type, in)
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	assert.Equal(t, contract.CrossAccountMissingType, stacktest.FailureType(err))
	assert.Equal(t, 2, stack.Cloudsim.CallCount("DescribeVpnCrossAccountAuthorizations"))
}
