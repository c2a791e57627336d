package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudclients"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
	"github.com/vpcflow/vpcflow/internal/workerapp"
)

// Fidelity: vpcflow against a cloud harsher than cloudsim's defaults, each
// harshness one the API documents allow (cloudsim.Quirks) or one a real
// network adds. Every test here runs on the real stack: the embedded
// Temporal server, the worker, cloudsim over HTTP, the real SDKs.
//
// Inputs and results cross as plain JSON (maps), as a service in any
// language sends and reads them.

// runWorkflow starts a workflow by type name and waits for its end; the result is
// decoded as JSON into a map.
func runWorkflow(t *testing.T, id, workflowType string, input any) (map[string]any, error) {
	t.Helper()
	ctx := stacktest.Ctx(t, 3*time.Minute)
	r, err := tc.ExecuteWorkflow(ctx, startOptions(t, id), workflowType, input)
	require.NoError(t, err)
	var res map[string]any
	err = r.Get(ctx, &res)
	return res, err
}

func quirks(t *testing.T, q cloudsim.Quirks) {
	t.Helper()
	require.NoError(t, stack.Cloudsim.SetQuirks(q))
}

// callsOf are cloudsim's recorded calls of an action that keep holds for.
func callsOf(action string, keep func(cloudsim.Call) bool) []cloudsim.Call {
	var out []cloudsim.Call
	for _, c := range stack.Cloudsim.Calls(action) {
		if keep == nil || keep(c) {
			out = append(out, c)
		}
	}
	return out
}

func realPublish(c cloudsim.Call) bool { return c.Params["DryRun"] == "false" }

// simVPC is an Alibaba VPC client of the stack's cloudsim, for a test to
// change the cloud as someone else would.
func simVPC(t *testing.T) *vpc.Client {
	t.Helper()
	kind, ak, sk := "access_key", cloudsim.DefaultAccessKeyID, cloudsim.DefaultAccessKeySecret
	cred, err := credentials.NewCredential(&credentials.Config{Type: &kind, AccessKeyId: &ak, AccessKeySecret: &sk})
	require.NoError(t, err)
	c, err := cloudclients.NewVPCClient(simclients.Config(stack.CloudsimURL), cred)
	require.NoError(t, err)
	return c
}

// stateOf is a route entry's publish status towards the default ECR, as
// cloudsim holds it (not as a read answers it).
func stateOf(t *testing.T, cidr string) string {
	t.Helper()
	for _, e := range stack.Cloudsim.State().RouteEntries {
		if e.Destination == cidr {
			if s, ok := e.Publish[cloudsim.DefaultECRID]; ok {
				return s
			}
			return "NonPublished"
		}
	}
	t.Fatalf("no route %s in cloudsim", cidr)
	return ""
}

func routeEntry(cidr string) contract.RouteEntry {
	return contract.RouteEntry{RouteTableId: cloudsim.DefaultSystemRouteTableID, DestinationCidrBlock: cidr}
}

func publishInput(cidrs ...string) contract.PublishVpcRoutesInput {
	in := contract.PublishVpcRoutesInput{RouteSet: contract.RouteSet{RegionId: cloudsim.DefaultRegionID, TargetType: "ECR", TargetInstanceId: cloudsim.DefaultECRID}}
	for _, c := range cidrs {
		in.RouteEntries = append(in.RouteEntries, routeEntry(c))
	}
	return in
}

func verifyInput(cross *contract.ExpectedCrossAccount) contract.VerifyVpnRoutesInput {
	return contract.VerifyVpnRoutesInput{RegionId: cloudsim.DefaultRegionID, VpnConnectionId: cloudsim.DefaultVpnConnectionID,
		ExpectedRoutes: []contract.ExpectedVpnRoute{{DestinationCidrBlock: cloudsim.DefaultVpnCustomRoute2, RouteEntryType: "custom"}},
		CrossAccount:   cross, WaitTimeout: contract.Duration(30 * time.Second)}
}

func peerUID(t *testing.T) int64 {
	var uid int64
	_, err := fmt.Sscan(cloudsim.DefaultPeerAccountUID, &uid)
	require.NoError(t, err)
	return uid
}

// A cloud that reports TotalCount as the page's count (the documents call
// it "the number of entries returned") must not end a listing after its
// first page.
func TestListingsDoNotTrustTotalCount(t *testing.T) {
	t.Run("VPN routes on page 3", func(t *testing.T) {
		resetCloud(t)
		quirks(t, cloudsim.Quirks{TotalCountPerPage: true})
		in := simclients.DefaultNetworkChange()
		one := 1
		in.PageSize = &one // bgp routes: the learned one, then the two published: pages 1, 2 and 3
		in.WaitTimeout = contract.Duration(30 * time.Second)
		res, err := runWorkflow(t, "network-change/paging", contract.NetworkChange.Type, in)
		require.NoError(t, err)
		assert.Len(t, res["Routes"], 2)
		pages := map[string]bool{}
		for _, c := range callsOf("DescribeVcoRouteEntries", nil) {
			pages[c.Params["PageNumber"]] = true
		}
		assert.True(t, pages["3"], "page 3 was read: %v", pages)
	})

	t.Run("cross-account authorization past page 1", func(t *testing.T) {
		resetCloud(t)
		quirks(t, cloudsim.Quirks{TotalCountPerPage: true})
		for i := range 50 {
			require.NoError(t, stack.Cloudsim.AddCrossAccountAuthorization(cloudsim.DefaultVpnConnectionID, cloudsim.CrossAccountAuthorizationSeed{
				BindUID: cloudsim.DefaultPeerAccountUID, BindInstance: fmt.Sprintf("cen-fidelityother%03d", i)}))
		}
		require.NoError(t, stack.Cloudsim.AddCrossAccountAuthorization(cloudsim.DefaultVpnConnectionID, cloudsim.CrossAccountAuthorizationSeed{
			BindUID: cloudsim.DefaultPeerAccountUID, BindInstance: "cen-fidelitylast"}))
		_, err := runWorkflow(t, "verify/paging", contract.VerifyVpnRoutes.Type,
			verifyInput(&contract.ExpectedCrossAccount{BindInstance: "cen-fidelitylast", BindUid: peerUID(t)}))
		require.NoError(t, err, "the 52nd authorization is on page 2 of 50")
		assert.Len(t, callsOf("DescribeVpnCrossAccountAuthorizations", nil), 2)
	})

	t.Run("APIG connections by pages of 2", func(t *testing.T) {
		resetCloud(t)
		quirks(t, cloudsim.Quirks{TotalCountPerPage: true})
		res, err := runWorkflow(t, "apig/paging", contract.ApigEndpointConnections.Type,
			map[string]any{"InstanceId": cloudsim.DefaultAPIGInstanceID, "Limit": 2})
		require.NoError(t, err)
		assert.Len(t, res["Connections"], 4, "4 connections in pages of 2, and the empty page that ends them")
		assert.EqualValues(t, 4, res["Total"])
	})
}

// A retried connect, after the first attempt's answer was lost, meets a
// cloud that checks the connection between the routers before the
// interface's status: Forbidden.OnlyOneConnection, settled by reading.
func TestAConnectWhoseAnswerWasLost(t *testing.T) {
	for _, onlyOneFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("OnlyOneConnection first: %v", onlyOneFirst), func(t *testing.T) {
			resetCloud(t)
			quirks(t, cloudsim.Quirks{LostResponses: map[string]int{"ConnectRouterInterface": 1}, OnlyOneConnectionFirst: onlyOneFirst})
			res, err := runWorkflow(t, "connect/lost", contract.ConnectRouterInterface.Type, contract.ConnectRouterInterfaceInput{
				RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: cloudsim.DefaultInitiatingInterfaceID, WaitTimeout: contract.Duration(time.Minute)})
			require.NoError(t, err)
			assert.Equal(t, true, res["Connected"], "this change connected it, though its answer was lost")
			assert.Equal(t, "Active", res["Status"])

			calls := callsOf("ConnectRouterInterface", nil)
			require.Len(t, calls, 2, "the lost call and the retry")
			assert.True(t, calls[0].Lost, "the first was applied and its answer lost")
			want := "IncorrectRIStatus"
			if onlyOneFirst {
				want = "Forbidden.OnlyOneConnection"
			}
			assert.Equal(t, want, calls[1].Code, "the retry was refused: nothing was connected twice")
			if onlyOneFirst {
				recordHistory(t, "connect_answer_lost", stacktest.ID(t, "connect/lost"))
			}
		})
	}
}

// Reads send no ClientToken: a change run again under the same workflow ID
// reads the cloud as it is now, not the first run's answers.
func TestAChangeRunAgainReadsTheCloudAfresh(t *testing.T) {
	t.Run("an authorization granted between the runs", func(t *testing.T) {
		resetCloud(t)
		in := verifyInput(&contract.ExpectedCrossAccount{BindInstance: "cen-fidelitygranted", BindUid: peerUID(t)})
		_, err := runWorkflow(t, "verify/rerun", contract.VerifyVpnRoutes.Type, in)
		require.Error(t, err)
		assert.Equal(t, contract.CrossAccountMissingType, stacktest.FailureType(err))

		require.NoError(t, stack.Cloudsim.AddCrossAccountAuthorization(cloudsim.DefaultVpnConnectionID, cloudsim.CrossAccountAuthorizationSeed{
			BindUID: cloudsim.DefaultPeerAccountUID, BindInstance: "cen-fidelitygranted"}))
		_, err = runWorkflow(t, "verify/rerun", contract.VerifyVpnRoutes.Type, in)
		require.NoError(t, err, "the second run sees the authorization granted since the first")
		noClientTokens(t)
	})

	t.Run("another page size", func(t *testing.T) {
		resetCloud(t)
		in := verifyInput(nil)
		_, err := runWorkflow(t, "verify/pagesize", contract.VerifyVpnRoutes.Type, in)
		require.NoError(t, err)
		ten := 10
		in.PageSize = &ten
		_, err = runWorkflow(t, "verify/pagesize", contract.VerifyVpnRoutes.Type, in)
		require.NoError(t, err, "no IdempotentParameterMismatch: the reads carry no token")
		noClientTokens(t)
	})
}

func noClientTokens(t *testing.T) {
	t.Helper()
	for _, c := range append(callsOf("DescribeVcoRouteEntries", nil), callsOf("DescribeVpnCrossAccountAuthorizations", nil)...) {
		assert.NotContains(t, c.Params, "ClientToken", "%s", c.Action)
	}
}

// A DryRun checks the key, the RAM policy and the parameters, no more (the
// PublishVpcRouteEntries document): state errors come at the real publish.
func TestStateErrorsAfterAPassedDryRun(t *testing.T) {
	t.Run("permanent: stops at once, naming the code and the fix", func(t *testing.T) {
		resetCloud(t)
		_, err := runWorkflow(t, "publish/system", contract.PublishVpcRoutes.Type, publishInput(cloudsim.DefaultSystemRouteCIDR))
		require.Error(t, err)
		assert.Equal(t, "OperationUnsupported.PublishSystemRouteEntry", stacktest.FailureType(err))
		assert.Contains(t, err.Error(), "publish custom route entries only")
		calls := stack.Cloudsim.Calls("PublishVpcRouteEntries")
		require.Len(t, calls, 2, "the DryRun, then one refused publish: no retry")
		assert.Equal(t, "DryRunOperation", calls[0].Code)
		assert.Equal(t, "OperationUnsupported.PublishSystemRouteEntry", calls[1].Code)
		assert.Contains(t, err.Error(), "RequestId: "+calls[1].RequestID)
	})

	t.Run("busy: retried until the route can be published", func(t *testing.T) {
		resetCloud(t)
		cidr := cloudsim.DefaultRouteCIDR3
		sdk := simVPC(t)
		require.NoError(t, publishAsSomeoneElse(t, cidr))
		// Someone withdraws it; the withdrawal holds until the test lets it go.
		require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: []string{"rte-bp1cloudsim00000003"}}))
		withdraw := vpc.CreateWithdrawVpcPublishedRouteEntriesRequest()
		withdraw.RegionId, withdraw.TargetType, withdraw.TargetInstanceId = cloudsim.DefaultRegionID, "ECR", cloudsim.DefaultECRID
		withdraw.RouteEntries = &[]vpc.WithdrawVpcPublishedRouteEntriesRouteEntries{{RouteTableId: cloudsim.DefaultSystemRouteTableID, DestinationCidrBlock: cidr}}
		_, err := sdk.WithdrawVpcPublishedRouteEntries(withdraw)
		require.NoError(t, err)

		ctx := stacktest.Ctx(t, 3*time.Minute)
		r, err := tc.ExecuteWorkflow(ctx, startOptions(t, "publish/busy"), contract.PublishVpcRoutes.Type, publishInput(cidr))
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			return len(callsOf("PublishVpcRouteEntries", func(c cloudsim.Call) bool {
				return realPublish(c) && c.Code == "IncorrectStatus.RouteEntryPublishStatus"
			})) > 0
		}, time.Minute, 50*time.Millisecond, "the real publish met the route Withdrawing")
		require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{}))
		var res map[string]any
		require.NoError(t, r.Get(ctx, &res))
		assert.Len(t, res["Published"], 1)
		assert.Equal(t, "Published", stateOf(t, cidr))
		dryRuns := callsOf("PublishVpcRouteEntries", func(c cloudsim.Call) bool { return c.Params["DryRun"] == "true" })
		require.Len(t, dryRuns, 1)
		assert.Equal(t, "DryRunOperation", dryRuns[0].Code, "the DryRun passed while the route was Withdrawing")
	})
}

// A read right after our own connect may still show the interface Idle.
func TestIdleRightAfterOurConnectIsALaggingRead(t *testing.T) {
	resetCloud(t)
	quirks(t, cloudsim.Quirks{IdleReadsAfterConnect: 3})
	res, err := runWorkflow(t, "connect/lag", contract.ConnectRouterInterface.Type, contract.ConnectRouterInterfaceInput{
		RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: cloudsim.DefaultInitiatingInterfaceID, WaitTimeout: contract.Duration(time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, "Active", res["Status"])
	assert.Len(t, callsOf("ConnectRouterInterface", nil), 1)
	assert.GreaterOrEqual(t, len(callsOf("DescribeRouterInterfaces", nil)), 1+3, "the read before, three lagging reads, then Active")
}

// PublishVpcRouteEntries answers once the publish is submitted; the routes
// are Publishing until the cloud has published them.
func TestPublishedMeansPublished(t *testing.T) {
	t.Run("PublishVpcRoutes waits until Published", func(t *testing.T) {
		resetCloud(t)
		cidr := cloudsim.DefaultRouteCIDR1
		require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: []string{"rte-bp1cloudsim00000001"}}))
		ctx := stacktest.Ctx(t, 2*time.Minute)
		r, err := tc.ExecuteWorkflow(ctx, startOptions(t, "publish/wait"), contract.PublishVpcRoutes.Type, publishInput(cidr))
		require.NoError(t, err)
		require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageWaitRoutesPublished, r.GetID()))
		assert.Equal(t, "Publishing", stateOf(t, cidr))
		desc, err := tc.DescribeWorkflowExecution(ctx, r.GetID(), "")
		require.NoError(t, err)
		assert.Nil(t, desc.GetWorkflowExecutionInfo().GetCloseTime(), "not done while the route is Publishing")

		require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{}))
		var res map[string]any
		require.NoError(t, r.Get(ctx, &res))
		require.Len(t, res["PublishStatus"], 1)
		assert.Equal(t, "Published", res["PublishStatus"].([]any)[0].(map[string]any)["PublishStatus"])
		recordHistory(t, "publish_confirmed", r.GetID())
	})

	t.Run("NetworkChange confirms it in its verify wait", func(t *testing.T) {
		resetCloud(t)
		quirks(t, cloudsim.Quirks{PublishingReadsAfterPublish: 2})
		in := simclients.DefaultNetworkChange()
		in.WaitTimeout = contract.Duration(time.Minute)
		res, err := runWorkflow(t, "network-change/published", contract.NetworkChange.Type, in)
		require.NoError(t, err)
		status, _ := res["PublishStatus"].([]any)
		require.Len(t, status, 2)
		for _, s := range status {
			assert.Equal(t, "Published", s.(map[string]any)["PublishStatus"])
		}
	})
}

// CIDR blocks are compared in one form: an IPv6 prefix written in capitals
// is the route the cloud holds in lower case, and two spellings of one
// prefix are one entry.
func TestIPv6PrefixesInAnySpelling(t *testing.T) {
	resetCloud(t)
	upper := strings.ToUpper(cloudsim.DefaultIPv6RouteCIDR)
	res, err := runWorkflow(t, "publish/ipv6", contract.PublishVpcRoutes.Type, publishInput(upper))
	require.NoError(t, err)
	assert.Len(t, res["Published"], 1)
	assert.Equal(t, "Published", stateOf(t, cloudsim.DefaultIPv6RouteCIDR))

	_, err = runWorkflow(t, "publish/ipv6-twice", contract.PublishVpcRoutes.Type, publishInput(upper, cloudsim.DefaultIPv6RouteCIDR))
	require.Error(t, err)
	assert.Equal(t, contract.InvalidInputType, stacktest.FailureType(err))
	assert.Contains(t, err.Error(), "RouteEntries[1] repeats RouteEntries[0]")
}

// Regions such as cn-north-2-gov-1 (in the Alibaba SDK's endpoint data)
// pass the starter's validation; the cloud says whether it knows them.
func TestARealRegionWithFourPartsIsAccepted(t *testing.T) {
	resetCloud(t)
	var out, errOut bytes.Buffer
	app := starterApp(&out, &errOut)
	code := app.Run(stacktest.Ctx(t, time.Minute), []string{"connect", "--region", "cn-north-2-gov-1",
		"--router-interface", "ri-fidelitygovregion", "--wait", "-o", "json"})
	assert.NotContains(t, errOut.String(), "is not a region ID")
	assert.NotEqual(t, 2, code, "not refused as bad input: %s", errOut.String())
	calls := callsOf("DescribeRouterInterfaces", func(c cloudsim.Call) bool { return c.Params["RegionId"] == "cn-north-2-gov-1" })
	require.Len(t, calls, 1)
	assert.Equal(t, "InvalidRegionId.NotFound", calls[0].Code, "cloudsim's fixture has no such region: the cloud says so")
}

// Huawei: a gateway of another project, the wait filtered by endpoint, and
// the gateway's own code for a refused signature.
func TestHuaweiProjectsWaitsAndCodes(t *testing.T) {
	t.Run("a gateway of another project", func(t *testing.T) {
		resetCloud(t)
		res, err := runWorkflow(t, "apig/project", contract.ApigEndpointConnections.Type, map[string]any{
			"ProjectId": cloudsim.DefaultHuaweiSecondProjectID, "InstanceId": cloudsim.DefaultAPIGSecondProjectInstanceID})
		require.NoError(t, err)
		require.Len(t, res["Connections"], 1)
		assert.Equal(t, cloudsim.DefaultEndpointConnectionSecondProjectID, res["Connections"].([]any)[0].(map[string]any)["Id"])
		for _, c := range callsOf("ListEndpointConnections", nil) {
			assert.Equal(t, cloudsim.DefaultHuaweiSecondProjectID, c.Params["project_id"])
		}
	})

	t.Run("the wait reads its endpoints in the fewest calls", func(t *testing.T) {
		resetCloud(t)
		_, err := runWorkflow(t, "apig/wait-by-id", contract.ApigEndpointConnections.Type, contract.ApigEndpointConnectionsInput{
			InstanceId:      cloudsim.DefaultAPIGInstanceID,
			WaitForAccepted: []string{cloudsim.DefaultEndpointConnectionPendingID, cloudsim.DefaultEndpointConnectionAcceptedID},
			WaitTimeout:     contract.Duration(time.Minute)})
		require.NoError(t, err)
		calls := callsOf("ListEndpointConnections", nil)
		require.Greater(t, len(calls), 2)
		// The first is the listing the workflow reports. The wait's first
		// read wants two endpoints of a gateway of one page: one listing of
		// it. Its next reads want the one not yet accepted: one call by id.
		assert.Empty(t, calls[1].Params["id"], "two endpoints: the gateway's listing, one page")
		for _, c := range calls[2:] {
			assert.Equal(t, cloudsim.DefaultEndpointConnectionPendingID, c.Params["id"], "one endpoint left: asked for by id")
		}
	})

	t.Run("a wrong SK is APIG.0301, with what to fix", func(t *testing.T) {
		resetCloud(t)
		acts, err := simclients.ActivitiesWithHuaweiKeys(stack.CloudsimURL, cloudsim.DefaultHuaweiAK, "fidelityWrongHuaweiSecretKey00000000001")
		require.NoError(t, err)
		queue := "fidelity-wrong-sk"
		w, err := workerapp.NewWorker(tc, queue, acts, nil, worker.Options{})
		require.NoError(t, err)
		require.NoError(t, w.Start())
		t.Cleanup(w.Stop)
		opts := startOptions(t, "apig/wrong-sk")
		opts.TaskQueue = queue
		ctx := stacktest.Ctx(t, time.Minute)
		r, err := tc.ExecuteWorkflow(ctx, opts, contract.ApigEndpointConnections.Type,
			map[string]any{"InstanceId": cloudsim.DefaultAPIGInstanceID})
		require.NoError(t, err)
		err = r.Get(ctx, nil)
		require.Error(t, err)
		assert.Equal(t, "APIG.0301", stacktest.FailureType(err))
		assert.Contains(t, err.Error(), "HUAWEICLOUD_SDK_SK")
		assert.Len(t, callsOf("ListEndpointConnections", nil), 1, "refused once: not retried into the gateway's five-failure lock")
	})
}

// A load balancer's HTML 502 is a transient failure, and its page does not
// fill the failure message.
func TestABadGatewayPageIsRetriedAndSummarised(t *testing.T) {
	resetCloud(t)
	quirks(t, cloudsim.Quirks{BadGateway: map[string]int{"ConnectRouterInterface": 1000}})
	ctx := stacktest.Ctx(t, 2*time.Minute)
	r, err := tc.ExecuteWorkflow(ctx, startOptions(t, "connect/502"), contract.ConnectRouterInterface.Type, contract.ConnectRouterInterfaceInput{
		RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: cloudsim.DefaultInitiatingInterfaceID, WaitTimeout: contract.Duration(time.Minute)})
	require.NoError(t, err)
	var lastFailure string
	require.Eventually(t, func() bool {
		desc, err := tc.DescribeWorkflowExecution(ctx, r.GetID(), "")
		if err != nil {
			return false
		}
		for _, a := range desc.GetPendingActivities() {
			if msg := a.GetLastFailure().GetMessage(); msg != "" {
				lastFailure = msg
				return true
			}
		}
		return false
	}, time.Minute, 50*time.Millisecond)
	assert.Contains(t, lastFailure, "HTTP 502")
	assert.Contains(t, lastFailure, `"502 Bad Gateway"`)
	assert.NotContains(t, lastFailure, "<html>")
	assert.Less(t, len(lastFailure), 400, lastFailure)

	quirks(t, cloudsim.Quirks{})
	var res map[string]any
	require.NoError(t, r.Get(ctx, &res))
	assert.Equal(t, "Active", res["Status"])
}

// A throttled call is retried after the cloud's x-acs-retry-after, not
// after vpcflow's own backoff (2 s, doubling).
func TestThrottlingHonoursRetryAfter(t *testing.T) {
	resetCloud(t)
	const hint = 3 * time.Second
	quirks(t, cloudsim.Quirks{RetryAfter: cloudsim.Duration(hint)})
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Scripted: []cloudsim.ScriptedFault{
		{Action: "ConnectRouterInterface", Count: 1, Code: "Throttling.User", Status: 400}}}))
	_, err := runWorkflow(t, "connect/retry-after", contract.ConnectRouterInterface.Type, contract.ConnectRouterInterfaceInput{
		RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: cloudsim.DefaultInitiatingInterfaceID, WaitTimeout: contract.Duration(time.Minute)})
	require.NoError(t, err)
	calls := callsOf("ConnectRouterInterface", nil)
	require.Len(t, calls, 2)
	assert.Equal(t, "Throttling.User", calls[0].Code)
	assert.GreaterOrEqual(t, calls[1].Time.Sub(calls[0].Time), hint, "retried after the cloud's hint, not the 2 s backoff")
}

// A publish whose answer was lost is found Publishing by the retry: it is
// still this change's publish.
func TestAPublishWhoseAnswerWasLost(t *testing.T) {
	resetCloud(t)
	quirks(t, cloudsim.Quirks{LostResponses: map[string]int{"PublishVpcRouteEntries": 1}})
	in := simclients.DefaultNetworkChange()
	in.WaitTimeout = contract.Duration(time.Minute)
	res, err := runWorkflow(t, "network-change/lost-publish", contract.NetworkChange.Type, in)
	require.NoError(t, err)
	assert.Len(t, res["Published"], 2, "published by this change, though its answer was lost")
	assert.Empty(t, res["AlreadyPublished"])
	applied := callsOf("PublishVpcRouteEntries", func(c cloudsim.Call) bool { return realPublish(c) && c.Code == "" })
	require.Len(t, applied, 1, "published once")
	assert.True(t, applied[0].Lost)
}

// Reads that lag behind a withdraw (routes still Published), a deactivate
// (still Active) and an activate (still Inactive) are read again, not taken
// for someone else's change: the rollback and the change run again
// complete, each write made once.
func TestReadsLaggingBehindRollbackWritesAreSurvived(t *testing.T) {
	resetCloud(t)
	quirks(t, cloudsim.Quirks{PublishedReadsAfterWithdraw: 2, ActiveReadsAfterDeactivate: 2, InactiveReadsAfterActivate: 2})
	run, err := changeAndRollback(t, "network-change/lagging-rollback")
	require.NoError(t, err, "the rollback of %s", run.GetID())
	ctx := stacktest.Ctx(t, 2*time.Minute)
	again, err := tc.ExecuteWorkflow(ctx, startOptions(t, "network-change/lagging-again"), contract.NetworkChange.Type, simclients.DefaultNetworkChange())
	require.NoError(t, err)
	var res contract.NetworkChangeResult
	require.NoError(t, again.Get(ctx, &res))
	assert.True(t, res.Activated)
	assert.Equal(t, 1, applied("WithdrawVpcPublishedRouteEntries"))
	assert.Equal(t, 1, applied("DeactivateRouterInterface"))
	assert.Equal(t, 1, applied("ActivateRouterInterface"))
}
