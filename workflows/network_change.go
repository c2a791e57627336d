package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// NetworkChangeWorkflow makes the whole change: with Approval required,
// plan it and wait for a person's decision first; check that the VPN
// connection may join the cross-account CEN (when asked), connect the router
// interface and wait until it is Active, DryRun then publish the routes, and
// verify that they reach the VPN connection.
func NetworkChangeWorkflow(ctx workflow.Context, in contract.NetworkChangeInput) (contract.NetworkChangeResult, error) {
	log, in, err := startChange(ctx, in)
	if err != nil {
		return contract.NetworkChangeResult{}, err
	}
	timeout := in.WaitTimeout.OrDefault()

	var decisions []contract.DecisionRecord
	if in.Approval != nil && in.Approval.Required {
		if decisions, err = awaitApproval(ctx, log, in); err != nil {
			return contract.NetworkChangeResult{}, err
		}
	}

	if in.CrossAccount != nil {
		if err := checkCrossAccount(ctx, log, in.RegionId, in.VpnConnectionId, *in.CrossAccount); err != nil {
			return contract.NetworkChangeResult{}, err
		}
	} else {
		log.skip(ctx, contract.StageCheckCrossAccount, "no CrossAccount in the input")
	}

	connected, err := connectRouterInterface(ctx, log,
		activities.RouterInterfaceRef{RegionId: in.RegionId, RouterInterfaceId: in.RouterInterfaceId}, timeout)
	if err != nil {
		return contract.NetworkChangeResult{}, err
	}

	published, publication, err := publishRoutes(ctx, log, contract.PublishVpcRoutesInput{
		RegionId:         in.RegionId,
		TargetType:       in.TargetType,
		TargetInstanceId: in.TargetInstanceId,
		RouteEntries:     in.RouteEntries,
	})
	if err != nil {
		return contract.NetworkChangeResult{}, err
	}

	// The routes reach the VPN connection only once they are Published: the
	// verify confirms both in one wait.
	var confirm *activities.Publication
	if log.confirmsPublish() {
		confirm = &publication
	}
	verified, err := verifyVpnRoutes(ctx, log, in.RegionId, in.VpnConnectionId, in.ExpectedVpnRoutes(), in.PageSize, confirm, timeout)
	if err != nil {
		return contract.NetworkChangeResult{}, err
	}

	res := contract.NetworkChangeResult{
		Connected:        connected.Connected,
		Published:        published.Published,
		AlreadyPublished: published.AlreadyPublished,
		PublishStatus:    verified.Published,
		Routes:           verified.Routes,
		ChangeRequestIds: append([]string{}, log.progress.ChangeRequestIds...),
		StartedAt:        log.progress.StartedAt,
		CompletedAt:      workflow.Now(ctx),
		Decisions:        decisions,
		Steps:            log.completed(ctx),
	}
	res.DurationMillis = res.CompletedAt.Sub(res.StartedAt).Milliseconds()
	return res, nil
}
