package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
)

// NetworkChangeWorkflow makes the whole change: check that the VPN connection
// may join the cross-account CEN (when asked), connect the router interface
// and wait until it is Active, DryRun then publish the routes, and verify
// that they reach the VPN connection.
func NetworkChangeWorkflow(ctx workflow.Context, in NetworkChangeInput) (NetworkChangeResult, error) {
	log, err := newChangeLog(ctx)
	if err != nil {
		return NetworkChangeResult{}, err
	}
	res := NetworkChangeResult{StartedAt: workflow.Now(ctx)}
	finish := func(err error) (NetworkChangeResult, error) {
		res.Steps = log.progress.Steps
		if err == nil {
			res.Steps = log.done(ctx)
		}
		res.ChangeRequestIds = append([]string{}, log.changeRequestIds...)
		res.CompletedAt = workflow.Now(ctx)
		res.DurationMillis = res.CompletedAt.Sub(res.StartedAt).Milliseconds()
		return res, err
	}
	if err := log.check(ctx, StageValidate, asWorkflowError(in.Validate())); err != nil {
		return finish(err)
	}
	timeout := in.WaitTimeout.orDefault()

	if in.CrossAccount != nil {
		if err := checkCrossAccount(ctx, log, in.RegionId, in.VpnConnectionId, *in.CrossAccount); err != nil {
			return finish(err)
		}
	} else {
		log.skip(ctx, StageCheckCrossAccount, "no CrossAccount in the input")
	}

	connected, err := connectRouterInterface(ctx, log,
		activities.RouterInterfaceRef{RegionId: in.RegionId, RouterInterfaceId: in.RouterInterfaceId}, timeout)
	res.Connected = connected.Connected
	if err != nil {
		return finish(err)
	}

	published, err := publishRoutes(ctx, log, PublishVpcRoutesInput{
		RegionId:         in.RegionId,
		TargetType:       in.TargetType,
		TargetInstanceId: in.TargetInstanceId,
		RouteEntries:     in.RouteEntries,
	})
	res.Published, res.AlreadyPublished = published.Published, published.AlreadyPublished
	if err != nil {
		return finish(err)
	}

	res.Routes, err = verifyVpnRoutes(ctx, log, in.RegionId, in.VpnConnectionId, in.expectedRoutes(), in.PageSize, timeout)
	return finish(err)
}

// expectedRoutes are the input's, or else every published destination as a
// BGP route the VPN connection learns from the transit router.
func (in NetworkChangeInput) expectedRoutes() []ExpectedVpnRoute {
	if len(in.ExpectedRoutes) > 0 {
		return in.ExpectedRoutes
	}
	seen := make(map[string]bool)
	var routes []ExpectedVpnRoute
	for _, e := range in.RouteEntries {
		if !seen[e.DestinationCidrBlock] {
			seen[e.DestinationCidrBlock] = true
			routes = append(routes, ExpectedVpnRoute{DestinationCidrBlock: e.DestinationCidrBlock, RouteEntryType: activities.VcoRouteBgp})
		}
	}
	return routes
}
