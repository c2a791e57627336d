package e2e

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// `starter plan` reads what NetworkChange would touch and DryRuns the
// publish, changing nothing; the change then does what the plan said; a
// plan of the change made has nothing left to do; and a plan whose publish
// the cloud would refuse says so, with the code, instead of failing.
func TestAPlanChangesNothingAndSaysWhatTheChangeWillDo(t *testing.T) {
	resetCloud(t)
	in := simclients.DefaultNetworkChange()
	spec := writeSpec(t, "plan.json", in)

	plan := planThroughTheStarter(t, spec, "network_change_plan")
	assert.True(t, plan.WouldChange)
	assert.False(t, plan.WouldFail)
	assert.Equal(t, []string{
		"check-cross-account-authorization:already done",
		"connect-router-interface:will do", "wait-router-interface-active:will do",
		"publish-routes:will do", "publish-routes:will do", "wait-routes-published:will do",
		"verify-vpn-routes:will do",
	}, plannedActions(plan))
	assert.Zero(t, stack.Cloudsim.CallCount("ConnectRouterInterface"), "a plan connects nothing")
	assert.Empty(t, callsOf("PublishVpcRouteEntries", realPublish), "a plan publishes nothing")
	assert.Len(t, callsOf("PublishVpcRouteEntries", nil), 1, "the DryRun")

	ctx := stacktest.Ctx(t, 3*time.Minute)
	r, err := tc.ExecuteWorkflow(ctx, contract.NetworkChange.StartOptions(in), contract.NetworkChange.Type, in)
	require.NoError(t, err)
	var change contract.NetworkChangeResult
	require.NoError(t, r.Get(ctx, &change))
	assert.True(t, change.Connected, "the change did what the plan said")
	assert.Len(t, change.Published, 2)

	again := planThroughTheStarter(t, spec, "network_change_plan_nothing_to_do")
	assert.False(t, again.WouldChange, "nothing left to do: %v", plannedActions(again))
	assert.Equal(t, []string{
		"check-cross-account-authorization:already done",
		"connect-router-interface:already done", "wait-router-interface-active:already done",
		"publish-routes:already done", "publish-routes:already done", "wait-routes-published:already done",
		"verify-vpn-routes:will do",
	}, plannedActions(again))

	// The cloud refuses the DryRun (a RAM policy, a parameter): the plan
	// says so, with the code, and the plan itself completes.
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Scripted: []cloudsim.ScriptedFault{
		{Action: "PublishVpcRouteEntries", Count: 1, Code: "Forbidden.OperateCustomRouteTable", Status: 400}}}))
	refused := in
	refused.RouteEntries = []contract.RouteEntry{{RouteTableId: in.RouteEntries[0].RouteTableId, DestinationCidrBlock: "10.99.0.0/16"}}
	ctx = stacktest.Ctx(t, time.Minute)
	r, err = tc.ExecuteWorkflow(ctx, contract.NetworkChangePlan.StartOptions(refused), contract.NetworkChangePlan.Type, refused)
	require.NoError(t, err)
	var wouldFail contract.NetworkChangePlanResult
	require.NoError(t, r.Get(ctx, &wouldFail), "a refusal is part of the plan, not its failure")
	assert.True(t, wouldFail.WouldFail)
	var publish contract.PlannedStep
	for _, st := range wouldFail.Plan {
		if st.Stage == contract.StagePublishRoutes {
			publish = st
		}
	}
	assert.Equal(t, contract.PlanWouldFail, publish.Action)
	assert.Equal(t, "Forbidden.OperateCustomRouteTable", publish.Code)
	assert.NotEmpty(t, publish.Reason)
	assert.NotEmpty(t, publish.RequestId, "%+v", publish)
	assert.Equal(t, 1, stack.Cloudsim.CallCount("ConnectRouterInterface"), "only the change connected")
}

// planThroughTheStarter runs `starter plan -f spec --wait --json` and
// returns the plan, recording its history as history for the replay tests;
// the people's output (without --json) is checked too.
func planThroughTheStarter(t *testing.T, spec, history string) contract.NetworkChangePlanResult {
	t.Helper()
	var out, errOut bytes.Buffer
	app := starterApp(&out, &errOut)
	code := app.Run(stacktest.Ctx(t, 2*time.Minute), []string{"plan", "-f", spec, "--wait", "-o", "json"})
	require.Equal(t, 0, code, "stderr: %s", errOut.String())
	var report struct {
		WorkflowId string
		Result     contract.NetworkChangePlanResult
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &report), out.String())
	assert.Contains(t, report.WorkflowId, "plan-network-change/"+cloudsim.DefaultInitiatingInterfaceID+"/")
	recordHistory(t, history, report.WorkflowId)

	out.Reset()
	require.Equal(t, 0, app.Run(stacktest.Ctx(t, time.Minute), []string{"result", report.WorkflowId}), "stderr: %s", errOut.String())
	assert.Contains(t, out.String(), "Plan (+ will do, = already done, ! would fail):")
	return report.Result
}

func plannedActions(plan contract.NetworkChangePlanResult) []string {
	var out []string
	for _, st := range plan.Plan {
		out = append(out, st.Stage+":"+st.Action)
	}
	return out
}
