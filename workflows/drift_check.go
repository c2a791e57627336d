package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/telemetry"
)

// DriftCheckWorkflow reads whether a change, or every change of a fleet,
// is still as it made it, and changes nothing: the router interface
// Active, the routes Published to their target, the VPN connection seeing
// them, the cross-account authorization there. Reads are shared: one
// DescribeRouterInterfaces per 20 interfaces, one published-routes listing
// per route table and target, one route listing per VPN connection, one
// authorization listing per VPN connection that names one.
//
// Drift ends the check failed (Drifted, VpcFlowStage drifted) with what
// moved, and counts it in vpcflow_drift_total by kind. With Repair it runs
// the change (or fleet) again instead, as its spec asks (through approval
// if it does), and ends as that run ends.
func DriftCheckWorkflow(ctx workflow.Context, in contract.DriftCheckInput) (contract.DriftResult, error) {
	run, in, err := startChange(ctx, in)
	if err != nil {
		return contract.DriftResult{}, err
	}
	res := contract.DriftResult{Target: in.Target(), Changes: len(in.Changes()), Drifted: []contract.Drift{}}
	err = run.steps.step(ctx, contract.StageCheckDrift, func() (activities.CallTrace, error) {
		var trace activities.CallTrace
		res.Drifted, res.Reads, trace, err = checkDrift(ctx, run, in.Changes())
		return trace, err
	})
	if err != nil {
		return contract.DriftResult{}, err
	}
	if len(res.Drifted) == 0 {
		res.Drifted = []contract.Drift{}
		res.Steps = run.steps.completed(ctx)
		return res, nil
	}
	countDrift(ctx, res.Drifted)
	run.steps.setStage(ctx, contract.StageDrifted)
	notifyDrift(ctx, run, res)
	if !in.Repair {
		return contract.DriftResult{}, temporal.NewNonRetryableApplicationError(driftMessage(res), contract.DriftedType, nil, res)
	}

	res.Repair = repair(ctx, run, in)
	if res.Repair.State != contract.FleetCompleted {
		run.steps.setStage(ctx, contract.StageFailed)
		return contract.DriftResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s; the repair (%s) %s: %s",
			driftMessage(res), res.Repair.WorkflowId, res.Repair.State, res.Repair.Error), contract.DriftedType, nil, res)
	}
	res.Steps = run.steps.completed(ctx)
	return res, nil
}

// notifyDrift tells the worker's webhooks what moved, when it has any,
// and waits a little for them to take it.
func notifyDrift(ctx workflow.Context, run *changeRun, res contract.DriftResult) {
	if !run.shape.asksThePolicy() {
		return
	}
	var approvals *activities.Approvals
	var notifies bool
	if err := workflow.ExecuteLocalActivity(withLocalCall(ctx, "notifications"), approvals.Notifies).Get(ctx, &notifies); err != nil || !notifies {
		return
	}
	run.notes.enabled = true
	run.notes.send(ctx, run, contract.ApprovalEvent{Event: contract.EventDrifted, Summary: driftMessage(res)})
	run.notes.drain(ctx)
}

// driftMessage says what moved, the first few of it.
func driftMessage(res contract.DriftResult) string {
	var parts []string
	for _, d := range res.Drifted[:min(len(res.Drifted), 5)] {
		parts = append(parts, d.String())
	}
	more := ""
	if len(res.Drifted) > 5 {
		more = fmt.Sprintf(" and %d more", len(res.Drifted)-5)
	}
	return fmt.Sprintf("%s drifted: %s%s", res.Target, strings.Join(parts, "; "), more)
}

// countDrift adds the drift found to vpcflow_drift_total, by kind (a
// bounded label); the metrics handler records nothing while replaying.
func countDrift(ctx workflow.Context, drifted []contract.Drift) {
	for _, kind := range contract.DriftKinds {
		n := 0
		for _, d := range drifted {
			if d.Kind == kind {
				n++
			}
		}
		if n > 0 {
			workflow.GetMetricsHandler(ctx).WithTags(map[string]string{telemetry.TagKind: kind}).Counter(telemetry.MetricDrift).Inc(int64(n))
		}
	}
}

// checkDrift reads what the changes made and returns what moved, how many
// listings it read, and their trace.
func checkDrift(ctx workflow.Context, run *changeRun, changes []contract.NetworkChangeInput) ([]contract.Drift, int, activities.CallTrace, error) {
	var a *activities.CloudActivities
	var trace activities.CallTrace
	var drifted []contract.Drift
	reads := 0
	read := func(summary string, activity, arg, out any) error {
		return run.shape.read(ctx, summary, activity, arg).Get(ctx, out)
	}
	traced := func(t activities.CallTrace) {
		trace.Attempt += t.Attempt
		trace.RequestIds = append(trace.RequestIds, t.RequestIds...)
		reads += len(t.RequestIds) // a RequestId a page read
	}

	// The interfaces, MaxInterfacesPerRead a call, per region.
	interfaces := map[string]activities.RouterInterface{}
	for _, region := range regionsOf(changes) {
		var ids []string
		for _, c := range changes {
			if c.RegionId == region {
				ids = append(ids, c.RouterInterfaceId)
			}
		}
		for start := 0; start < len(ids); start += activities.MaxInterfacesPerRead {
			ref := activities.RouterInterfacesRef{RegionId: region, RouterInterfaceIds: ids[start:min(start+activities.MaxInterfacesPerRead, len(ids))]}
			var found activities.RouterInterfaces
			if err := read(fmt.Sprintf("Read %d router interfaces", len(ref.RouterInterfaceIds)), a.DescribeRouterInterfaces, ref, &found); err != nil {
				return nil, reads, trace, err
			}
			traced(found.CallTrace)
			for _, ri := range found.Found {
				interfaces[ri.RouterInterfaceId] = ri
			}
		}
	}
	for _, c := range changes {
		status := "not found"
		if ri, ok := interfaces[c.RouterInterfaceId]; ok {
			status = ri.Status
		}
		if status != activities.RouterInterfaceActive {
			drifted = append(drifted, contract.Drift{Change: contract.NetworkChange.ID(c), Kind: contract.DriftInterface,
				What: "router interface " + c.RouterInterfaceId, Found: status})
		}
	}

	// The routes, per target: one listing per route table.
	for _, set := range routeSetsOf(changes) {
		var st activities.PublishStatuses
		if err := read("Read "+set.Describe("to"), a.ReadPublishStatus, set, &st); err != nil {
			return nil, reads, trace, err
		}
		traced(st.CallTrace)
		for _, r := range st.Routes {
			if r.PublishStatus != activities.PublishStatusPublished {
				drifted = append(drifted, contract.Drift{Change: changeOfRoute(changes, set, r), Kind: contract.DriftRoutes,
					What: fmt.Sprintf("route %s of %s to %s", r.DestinationCidrBlock, r.RouteTableId, set.TargetInstanceId), Found: r.PublishStatus})
			}
		}
	}

	// The VPN connections: one route listing each, and one authorization
	// listing each that a change expects one of.
	for _, vco := range vpnConnectionsOf(changes) {
		var expected []contract.ExpectedVpnRoute
		var owners []string
		var accounts []contract.ExpectedCrossAccount
		for _, c := range changes {
			if c.RegionId != vco.RegionId || c.VpnConnectionId != vco.VpnConnectionId {
				continue
			}
			for _, e := range c.ExpectedVpnRoutes() {
				expected = append(expected, e)
				owners = append(owners, contract.NetworkChange.ID(c))
			}
			if c.CrossAccount != nil {
				accounts = append(accounts, *c.CrossAccount)
			}
		}
		var routes activities.VpnRoutes
		in := activities.WaitVpnRoutesInput{RegionId: vco.RegionId, VpnConnectionId: vco.VpnConnectionId, ExpectedRoutes: expected}
		if err := read("Read the routes of "+vco.VpnConnectionId, a.ReadVpnRoutes, in, &routes); err != nil {
			return nil, reads, trace, err
		}
		traced(routes.CallTrace)
		for i, e := range expected {
			if !activities.Satisfies(routes.Routes, e) {
				drifted = append(drifted, contract.Drift{Change: owners[i], Kind: contract.DriftVpnRoutes,
					What: fmt.Sprintf("%s route %s on %s", e.RouteEntryType, e.DestinationCidrBlock, vco.VpnConnectionId), Found: "missing"})
			}
		}
		if len(accounts) == 0 {
			continue
		}
		var auth activities.CrossAccountAuthorizations
		if err := read("Read the authorizations of "+vco.VpnConnectionId, a.DescribeVpnCrossAccountAuthorizations, vco, &auth); err != nil {
			return nil, reads, trace, err
		}
		traced(auth.CallTrace)
		for _, c := range changes {
			if c.CrossAccount == nil || c.VpnConnectionId != vco.VpnConnectionId || c.RegionId != vco.RegionId {
				continue
			}
			want := *c.CrossAccount
			if !slices.ContainsFunc(auth.Authorizations, func(x contract.CrossAccountAuthorization) bool {
				return x.BindInstance == want.BindInstance && x.BindUid == want.BindUid
			}) {
				drifted = append(drifted, contract.Drift{Change: contract.NetworkChange.ID(c), Kind: contract.DriftAuthorization,
					What: fmt.Sprintf("authorization of %s for %s (account %d)", vco.VpnConnectionId, want.BindInstance, want.BindUid), Found: "missing"})
			}
		}
	}
	return drifted, reads, trace, nil
}

func regionsOf(changes []contract.NetworkChangeInput) []string {
	var out []string
	for _, c := range changes {
		if !slices.Contains(out, c.RegionId) {
			out = append(out, c.RegionId)
		}
	}
	return out
}

// routeSetsOf merges the changes' routes by region and target.
func routeSetsOf(changes []contract.NetworkChangeInput) []contract.RouteSet {
	var out []contract.RouteSet
	for _, c := range changes {
		r := c.Routes()
		i := slices.IndexFunc(out, func(s contract.RouteSet) bool {
			return s.RegionId == r.RegionId && s.TargetType == r.TargetType && s.TargetInstanceId == r.TargetInstanceId
		})
		if i < 0 {
			out = append(out, contract.RouteSet{RegionId: r.RegionId, TargetType: r.TargetType, TargetInstanceId: r.TargetInstanceId})
			i = len(out) - 1
		}
		out[i].RouteEntries = append(out[i].RouteEntries, r.RouteEntries...)
	}
	return out
}

// changeOfRoute is the change that publishes route r to set's target.
func changeOfRoute(changes []contract.NetworkChangeInput, set contract.RouteSet, r contract.RoutePublishStatus) string {
	for _, c := range changes {
		if c.RegionId != set.RegionId || c.TargetInstanceId != set.TargetInstanceId {
			continue
		}
		for _, e := range c.RouteEntries {
			if e.RouteTableId == r.RouteTableId && contract.CanonicalCIDR(e.DestinationCidrBlock) == contract.CanonicalCIDR(r.DestinationCidrBlock) {
				return contract.NetworkChange.ID(c)
			}
		}
	}
	return ""
}

func vpnConnectionsOf(changes []contract.NetworkChangeInput) []activities.VpnConnectionRef {
	var out []activities.VpnConnectionRef
	for _, c := range changes {
		ref := activities.VpnConnectionRef{RegionId: c.RegionId, VpnConnectionId: c.VpnConnectionId}
		if !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	return out
}

// repair runs the change (or the fleet) again as its own workflow, a
// child, and waits for it: it reads first, so what did not move is left
// alone, and asks for approval when its spec does. A run of it already
// going with the same input is followed; with another, the repair fails
// ConflictingStart.
func repair(ctx workflow.Context, run *changeRun, in contract.DriftCheckInput) *contract.RepairOutcome {
	run.steps.setStage(ctx, contract.StageRepair)
	workflowType, input := contract.NetworkChange.Type, any(nil)
	var opts workflow.ChildWorkflowOptions
	if in.Fleet != nil {
		workflowType, input = contract.NetworkFleet.Type, *in.Fleet
		opts = childOptions(contract.NetworkFleet.StartOptions(*in.Fleet), run.steps.upsertStage)
	} else {
		input = *in.Change
		opts = childOptions(contract.NetworkChange.StartOptions(*in.Change), run.steps.upsertStage)
	}
	var c contract.FleetChange
	end := runChild(ctx, &c, workflowType, input, opts, nil)
	return &contract.RepairOutcome{WorkflowId: opts.WorkflowID, RunId: c.RunId, State: end.state, Error: end.message}
}
