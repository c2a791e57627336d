package e2e

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// shippedPolicy is deploy/policies/alibaba-ram-policy.json.
func shippedPolicy(t *testing.T) cloudsim.RAMPolicy {
	p := readPolicy[cloudsim.RAMPolicy](t, "alibaba-ram-policy.json")
	require.Len(t, p.Statement, 1)
	return p
}

// readPolicy reads a policy of deploy/policies, and checks it is one the
// cloud would take.
func readPolicy[P interface{ Validate() error }](t *testing.T, file string) P {
	t.Helper()
	data, err := os.ReadFile("../../deploy/policies/" + file)
	require.NoError(t, err)
	var p P
	require.NoError(t, json.Unmarshal(data, &p))
	require.NoError(t, p.Validate())
	return p
}

// bindWorkerKey binds the workers' AccessKey to p until the test ends.
func bindWorkerKey(t *testing.T, p cloudsim.RAMPolicy) {
	t.Helper()
	require.NoError(t, stack.Cloudsim.BindPolicy(cloudsim.DefaultAccessKeyID, &p))
	t.Cleanup(func() { _ = stack.Cloudsim.BindPolicy(cloudsim.DefaultAccessKeyID, nil) })
}

// changeAndRollback runs a NetworkChange, then its Rollback with the
// interface, and returns the first error.
func changeAndRollback(t *testing.T, name string) (client.WorkflowRun, error) {
	t.Helper()
	ctx := stacktest.Ctx(t, 2*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, name), contract.NetworkChange.Type, simclients.DefaultNetworkChange())
	require.NoError(t, err)
	if err := run.Get(ctx, nil); err != nil {
		return run, err
	}
	return rollbackOf(ctx, t, run.GetID())
}

func rollbackOf(ctx context.Context, t *testing.T, change string) (client.WorkflowRun, error) {
	t.Helper()
	// As a service starts it: what to undo is read from the change.
	in := contract.RollbackInput{Change: change, DeactivateInterface: true}
	run, err := tc.ExecuteWorkflow(ctx, contract.Rollback.StartOptions(in), contract.Rollback.Type, in)
	require.NoError(t, err)
	return run, run.Get(ctx, nil)
}

// The RAM policy in deploy/ is exactly what vpcflow needs: bound to it,
// the workers' key runs every workflow of the Alibaba Cloud (plan,
// connect, publish, verify, the whole change, rollbacks with and without
// the interface), calling every action the policy grants; with any one action
// taken out, the workflow that needs it fails at once on it, with the
// cloud's Forbidden.RAM and a fix naming the permission to add.
func TestTheShippedRAMPolicyIsExactlyEnough(t *testing.T) {
	policy := shippedPolicy(t)
	actions := policy.Statement[0].Action

	t.Run("every workflow runs with it", func(t *testing.T) {
		waitWorkerIdle(t) // no earlier test's wait reads with the key while it is bound
		resetCloud(t)
		bindWorkerKey(t, policy)
		ctx := stacktest.Ctx(t, 3*time.Minute)
		in := simclients.DefaultNetworkChange()
		runs := []struct {
			workflow string
			input    any
		}{
			{contract.NetworkChangePlan.Type, in},
			{contract.ConnectRouterInterface.Type, contract.ConnectRouterInterfaceInput{RegionId: in.RegionId, RouterInterfaceId: in.RouterInterfaceId}},
			{contract.PublishVpcRoutes.Type, publishInput(cloudsim.DefaultRouteCIDR3)},
			{contract.VerifyVpnRoutes.Type, verifyInput(in.CrossAccount)},
			{contract.NetworkChange.Type, in},
		}
		var ids []string
		for _, r := range runs {
			run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "least-privilege/"+r.workflow), r.workflow, r.input)
			require.NoError(t, err)
			require.NoError(t, run.Get(ctx, nil), r.workflow)
			ids = append(ids, run.GetID())
		}
		// The change's rollback withdraws its routes; the connect's
		// deactivates the interface.
		for _, change := range []string{ids[4], ids[1]} {
			_, err := rollbackOf(ctx, t, change)
			require.NoError(t, err, "rollback of %s", change)
		}
		// The change run again finds its interface Inactive and activates it.
		again, err := tc.ExecuteWorkflow(ctx, startOptions(t, "least-privilege/again"), contract.NetworkChange.Type, in)
		require.NoError(t, err)
		require.NoError(t, again.Get(ctx, nil), "the change again")
		assert.Empty(t, callsOf("", func(c cloudsim.Call) bool { return c.Code == "Forbidden.RAM" }))
		for _, action := range actions {
			assert.NotZero(t, stack.Cloudsim.CallCount(strings.TrimPrefix(action, "vpc:")), "%s is granted but never called: the policy is broader than vpcflow needs", action)
		}
	})

	for _, action := range actions {
		api := strings.TrimPrefix(action, "vpc:")
		t.Run("without "+action, func(t *testing.T) {
			waitWorkerIdle(t) // no earlier test's wait reads with the key while it is bound
			resetCloud(t)
			less := policy
			less.Statement = []cloudsim.RAMStatement{policy.Statement[0]}
			less.Statement[0].Action = slices.DeleteFunc(slices.Clone(actions), func(a string) bool { return a == action })
			var err error
			if api == "ActivateRouterInterface" {
				// Only a change run again after a rollback needs it.
				run, err := changeAndRollback(t, "network-change/least-privilege")
				require.NoError(t, err)
				bindWorkerKey(t, less)
				ctx := stacktest.Ctx(t, 2*time.Minute)
				again, err := tc.ExecuteWorkflow(ctx, startOptions(t, "network-change/least-privilege-again"), contract.NetworkChange.Type, simclients.DefaultNetworkChange())
				require.NoError(t, err)
				err = again.Get(ctx, nil)
				require.Error(t, err, "after %s", run.GetID())
				assertDeniedAtOnce(t, err, action, api)
				return
			}
			if api == "WithdrawVpcPublishedRouteEntries" || api == "DeactivateRouterInterface" {
				// Only a rollback needs it: the change runs with the whole policy.
				ctx := stacktest.Ctx(t, 2*time.Minute)
				run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "network-change/least-privilege"), contract.NetworkChange.Type, simclients.DefaultNetworkChange())
				require.NoError(t, err)
				require.NoError(t, run.Get(ctx, nil))
				bindWorkerKey(t, less)
				_, err = rollbackOf(ctx, t, run.GetID())
				require.Error(t, err)
				assertDeniedAtOnce(t, err, action, api)
				return
			}
			bindWorkerKey(t, less)
			_, err = changeAndRollback(t, "network-change/least-privilege")
			require.Error(t, err)
			assertDeniedAtOnce(t, err, action, api)
		})
	}
}

// assertDeniedAtOnce checks that a workflow failed on a RAM refusal of
// action, naming it, after one call.
func assertDeniedAtOnce(t *testing.T, err error, action, api string) {
	t.Helper()
	assert.Equal(t, "Forbidden.RAM", stacktest.FailureType(err), "%v", err)
	assert.Contains(t, err.Error(), "grant the RAM permission "+action, "the failure names the permission to add")
	denied := callsOf(api, func(c cloudsim.Call) bool { return c.Code == "Forbidden.RAM" })
	assert.Len(t, denied, 1, "refused once, not retried")
	assert.Len(t, callsOf("", func(c cloudsim.Call) bool { return c.Code == "Forbidden.RAM" }), 1, "no other action was refused")
}

// The scoped RAM policy, its placeholders filled with the default change's
// interface and route table, runs that change, its rollback with the
// interface and the change again; a publish from another route table is
// refused at once, at its DryRun.
func TestTheScopedRAMPolicyAllowsItsResourcesOnly(t *testing.T) {
	data, err := os.ReadFile("../../deploy/policies/alibaba-ram-policy-scoped.json")
	require.NoError(t, err)
	filled := strings.NewReplacer("<region-id>", cloudsim.DefaultRegionID, "<account-id>", cloudsim.DefaultAccountUID,
		"<router-interface-id>", cloudsim.DefaultInitiatingInterfaceID, "<route-table-id>", cloudsim.DefaultSystemRouteTableID).Replace(string(data))
	var policy cloudsim.RAMPolicy
	require.NoError(t, json.Unmarshal([]byte(filled), &policy))
	waitWorkerIdle(t)
	resetCloud(t)
	bindWorkerKey(t, policy)

	_, err = changeAndRollback(t, "network-change/scoped")
	require.NoError(t, err, "the change and its rollback, interface included")
	ctx := stacktest.Ctx(t, 2*time.Minute)
	again, err := tc.ExecuteWorkflow(ctx, startOptions(t, "network-change/scoped-again"), contract.NetworkChange.Type, simclients.DefaultNetworkChange())
	require.NoError(t, err)
	require.NoError(t, again.Get(ctx, nil), "the change again, activating its interface")
	assert.Empty(t, callsOf("", func(c cloudsim.Call) bool { return c.Code == "Forbidden.RAM" }))

	other := contract.PublishVpcRoutesInput{RouteSet: contract.RouteSet{RegionId: cloudsim.DefaultRegionID, TargetType: "ECR",
		TargetInstanceId: cloudsim.DefaultECRID, RouteEntries: []contract.RouteEntry{
			{RouteTableId: cloudsim.DefaultCustomRouteTableID, DestinationCidrBlock: cloudsim.DefaultCustomTableRouteCIDR}}}}
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "publish/scoped-other"), contract.PublishVpcRoutes.Type, other)
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	require.Error(t, err)
	assertDeniedAtOnce(t, err, "vpc:PublishVpcRouteEntries", "PublishVpcRouteEntries")
}

// RAM answers some refusals with a plain Forbidden or NoPermission, naming
// no action: the change fails at once all the same, with a fix that says
// which permission to look at.
func TestPlainRAMRefusalsFailAtOnce(t *testing.T) {
	for _, code := range []string{"Forbidden", "NoPermission"} {
		t.Run(code, func(t *testing.T) {
			waitWorkerIdle(t)
			resetCloud(t)
			quirks(t, cloudsim.Quirks{RAMDenialCode: code})
			less := shippedPolicy(t)
			less.Statement[0].Action = slices.DeleteFunc(slices.Clone(less.Statement[0].Action), func(a string) bool { return a == "vpc:ConnectRouterInterface" })
			bindWorkerKey(t, less)
			_, err := changeAndRollback(t, "network-change/plain-"+code)
			require.Error(t, err)
			assert.Equal(t, code, stacktest.FailureType(err), "%v", err)
			assert.Contains(t, err.Error(), "Fix: ")
			assert.Len(t, callsOf("ConnectRouterInterface", func(c cloudsim.Call) bool { return c.Code == code }), 1, "refused once, not retried")
		})
	}
}
