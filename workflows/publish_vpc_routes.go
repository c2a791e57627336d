package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
)

// PublishVpcRoutesWorkflow publishes route entries to a target, after a
// DryRun of the same call has passed.
func PublishVpcRoutesWorkflow(ctx workflow.Context, in PublishVpcRoutesInput) (PublishVpcRoutesResult, error) {
	log, err := newChangeLog(ctx)
	if err != nil {
		return PublishVpcRoutesResult{}, err
	}
	if err := log.check(ctx, StageValidate, asWorkflowError(in.Validate())); err != nil {
		return PublishVpcRoutesResult{}, err
	}
	res, err := publishRoutes(ctx, log, in)
	if err != nil {
		return PublishVpcRoutesResult{}, err
	}
	res.Steps = log.completed(ctx)
	return res, nil
}

// publishRoutes runs the DryRun and, only if it passed, the real publish. The
// input holds at most 50 entries (validated), the limit of one call, so the
// change is one DryRun and one publish.
func publishRoutes(ctx workflow.Context, log *changeLog, in PublishVpcRoutesInput) (PublishVpcRoutesResult, error) {
	var a *activities.CloudActivities
	var res PublishVpcRoutesResult
	call := activities.PublishRouteEntriesInput{
		RegionId:         in.RegionId,
		TargetType:       in.TargetType,
		TargetInstanceId: in.TargetInstanceId,
		RouteEntries:     in.RouteEntries,
	}
	what := fmt.Sprintf("%d routes to %s %s", len(in.RouteEntries), in.TargetType, in.TargetInstanceId)

	var dry activities.PublishRouteEntriesResult
	err := log.step(ctx, StageDryRunPublish, func() (activities.CallTrace, error) {
		err := log.readOnly(ctx, "DryRun publish of "+what,
			a.DryRunPublishVpcRouteEntries, call).Get(ctx, &dry)
		return dry.CallTrace, err
	})
	if err != nil {
		return res, err
	}
	if dry.RequestId != "" {
		res.DryRunRequestIds = []string{dry.RequestId}
	}

	var pub activities.PublishRouteEntriesResult
	err = log.step(ctx, StagePublishRoutes, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withCall(ctx, "Publish "+what),
			a.PublishVpcRouteEntries, call).Get(ctx, &pub)
		return pub.CallTrace, err
	})
	if err != nil {
		return res, err
	}
	res.Published = pub.Published
	res.AlreadyPublished = pub.AlreadyPublished
	if pub.RequestId != "" {
		res.PublishRequestIds = []string{pub.RequestId}
		log.changed(pub.RequestId)
	}
	return res, nil
}
