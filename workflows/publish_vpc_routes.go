package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// PublishVpcRoutesWorkflow publishes route entries to a target, after a
// DryRun of the same call has passed, and waits until they are Published.
func PublishVpcRoutesWorkflow(ctx workflow.Context, in contract.PublishVpcRoutesInput) (contract.PublishVpcRoutesResult, error) {
	run, in, err := startChange(ctx, in)
	if err != nil {
		return contract.PublishVpcRoutesResult{}, err
	}
	res, publication, err := publishRoutes(ctx, run, in.RouteSet)
	if err != nil {
		return contract.PublishVpcRoutesResult{}, err
	}
	if run.shape.confirmsPublish() {
		if res.PublishStatus, err = waitRoutesPublished(ctx, run.steps, publication, in.WaitTimeout.OrDefault()); err != nil {
			return contract.PublishVpcRoutesResult{}, err
		}
	}
	res.Steps = run.steps.completed(ctx)
	return res, nil
}

// publishRoutes runs the DryRun and, only if it passed, the real publish. The
// input holds at most 50 entries (validated), the limit of one call, so the
// change is one DryRun and one publish. It returns what a wait needs to
// confirm the publish.
func publishRoutes(ctx workflow.Context, run *changeRun, call contract.RouteSet) (contract.PublishVpcRoutesResult, activities.Publication, error) {
	var a *activities.CloudActivities
	var res contract.PublishVpcRoutesResult
	publication := activities.Publication{RouteSet: call}
	what := call.Describe("to")

	dry, err := dryRunPublish(ctx, run, call, what)
	if err != nil {
		return res, publication, err
	}
	if dry.RequestId != "" {
		res.DryRunRequestIds = []string{dry.RequestId}
	}

	var pub activities.PublishRouteEntriesResult
	err = run.steps.step(ctx, contract.StagePublishRoutes, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withChangeCall(ctx, run.shape, "Publish "+what),
			a.PublishVpcRouteEntries, call).Get(ctx, &pub)
		return pub.CallTrace, err
	})
	if temporal.IsCanceledError(err) {
		// Cancelled between attempts: an earlier one may have published
		// what the DryRun found unpublished.
		run.made.published(call, unpublished(call.RouteEntries, dry.AlreadyPublished), "")
	}
	if err != nil {
		return res, publication, err
	}
	res.Published, res.AlreadyPublished = ownPublish(dry, pub)
	if pub.RequestId != "" {
		res.PublishRequestIds = []string{pub.RequestId}
		run.made.changed(pub.RequestId)
	}
	run.made.published(call, res.Published, pub.RequestId)
	if len(res.Published) > 0 {
		publication.PublishedAt = workflow.Now(ctx)
	}
	return res, publication, nil
}

// dryRunPublish is the step that DryRuns the publish of call, described as
// what.
func dryRunPublish(ctx workflow.Context, run *changeRun, call contract.RouteSet, what string) (activities.PublishRouteEntriesResult, error) {
	var a *activities.CloudActivities
	var dry activities.PublishRouteEntriesResult
	err := run.steps.step(ctx, contract.StageDryRunPublish, func() (activities.CallTrace, error) {
		err := run.shape.read(ctx, "DryRun publish of "+what,
			a.DryRunPublishVpcRouteEntries, call).Get(ctx, &dry)
		return dry.CallTrace, err
	})
	return dry, err
}

// ownPublish splits the entries into those this change published and those
// it found published by someone else. The publish call reads first and
// publishes only what it finds unpublished; when an attempt's answer is
// lost, the retry finds that attempt's entries Publishing and leaves them
// alone. So on a retried publish, an entry the DryRun still found
// unpublished was published by this change, answer lost or not.
func ownPublish(dry, pub activities.PublishRouteEntriesResult) (published, already []contract.RouteEntry) {
	published = pub.Published
	if pub.Attempt <= 1 {
		return published, pub.AlreadyPublished
	}
	before := make(map[contract.RouteEntry]bool, len(dry.AlreadyPublished))
	for _, e := range dry.AlreadyPublished {
		before[e] = true
	}
	for _, e := range pub.AlreadyPublished {
		if before[e] {
			already = append(already, e)
		} else {
			published = append(published, e)
		}
	}
	return published, already
}

// unpublished are the entries not in already.
func unpublished(entries, already []contract.RouteEntry) []contract.RouteEntry {
	var out []contract.RouteEntry
	for _, e := range entries {
		if !slices.Contains(already, e) {
			out = append(out, e)
		}
	}
	return out
}

// waitRoutesPublished waits until the routes of a publication are Published
// to its target, and returns their status as last read.
func waitRoutesPublished(ctx workflow.Context, steps *stepRecorder, publication activities.Publication, timeout time.Duration) ([]contract.RoutePublishStatus, error) {
	var a *activities.CloudActivities
	in := activities.WaitRoutesPublishedInput{Publication: publication, Deadline: workflow.Now(ctx).Add(timeout)}
	var seen activities.WaitRoutesPublishedResult
	err := steps.step(ctx, contract.StageWaitRoutesPublished, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withWait(ctx, timeout, fmt.Sprintf("Wait until %d routes are Published to %s",
			len(publication.RouteEntries), publication.TargetInstanceId)),
			a.WaitRoutesPublished, in).Get(ctx, &seen)
		return seen.CallTrace, err
	})
	return seen.Routes, err
}
