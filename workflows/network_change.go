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
	if err := log.check(ctx, StageValidate, asWorkflowError(in.Validate())); err != nil {
		return NetworkChangeResult{}, err
	}
	in = in.Canonical()
	timeout := in.WaitTimeout.orDefault()

	if in.CrossAccount != nil {
		if err := checkCrossAccount(ctx, log, in.RegionId, in.VpnConnectionId, *in.CrossAccount); err != nil {
			return NetworkChangeResult{}, err
		}
	} else {
		log.skip(ctx, StageCheckCrossAccount, "no CrossAccount in the input")
	}

	connected, err := connectRouterInterface(ctx, log,
		activities.RouterInterfaceRef{RegionId: in.RegionId, RouterInterfaceId: in.RouterInterfaceId}, timeout)
	if err != nil {
		return NetworkChangeResult{}, err
	}

	published, publication, err := publishRoutes(ctx, log, PublishVpcRoutesInput{
		RegionId:         in.RegionId,
		TargetType:       in.TargetType,
		TargetInstanceId: in.TargetInstanceId,
		RouteEntries:     in.RouteEntries,
	})
	if err != nil {
		return NetworkChangeResult{}, err
	}

	// The routes reach the VPN connection only once they are Published: the
	// verify confirms both in one wait.
	var confirm *activities.Publication
	if log.confirmsPublish() {
		confirm = &publication
	}
	verified, err := verifyVpnRoutes(ctx, log, in.RegionId, in.VpnConnectionId, in.expectedRoutes(), in.PageSize, confirm, timeout)
	if err != nil {
		return NetworkChangeResult{}, err
	}

	res := NetworkChangeResult{
		Connected:        connected.Connected,
		Published:        published.Published,
		AlreadyPublished: published.AlreadyPublished,
		PublishStatus:    verified.Published,
		Routes:           verified.Routes,
		ChangeRequestIds: append([]string{}, log.progress.ChangeRequestIds...),
		StartedAt:        log.progress.StartedAt,
		CompletedAt:      workflow.Now(ctx),
		Steps:            log.completed(ctx),
	}
	res.DurationMillis = res.CompletedAt.Sub(res.StartedAt).Milliseconds()
	return res, nil
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
