package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/contract"
)

// versioningBehaviors say, per workflow type, what a run does when a new
// build of the worker becomes the Worker Deployment's current version
// (docs/operations.md, "Rolling out new workflow code"):
//
//   - AutoUpgrade: the run moves to the new build at its next workflow
//     task. The new build replays the run's history, so every change of
//     the commands these workflows emit goes behind a history-shape
//     version (history_shape.go), and `starter replay-check` gates the
//     rollout. For the runs that can wait days: a Pinned one would keep
//     its old build running, and unfixed, for as long as it waits.
//   - Pinned: the run ends on the build it started on; no other build
//     ever replays it, so its code may change between builds without a
//     GetVersion. For the runs that end within their waits (minutes by
//     default, at most a day a wait): the old build drains soon.
//
// A run's behaviour is its type's; a child's is its own type's, whatever
// its parent's, and it starts on its parent's build.
var versioningBehaviors = map[string]workflow.VersioningBehavior{
	// Waits for approval, up to contract.MaxApprovalTimeout (a week), then
	// for the cloud: too long to keep an old build for it.
	contract.NetworkChange.Type: workflow.VersioningBehaviorAutoUpgrade,
	// Waits for approval like NetworkChange.
	contract.ApigEndpointChange.Type: workflow.VersioningBehaviorAutoUpgrade,
	// Waits for approval of the whole fleet, then for all its changes, and
	// continues as new every RunLength changes: days.
	contract.NetworkFleet.Type: workflow.VersioningBehaviorAutoUpgrade,
	// A check only reads, but with --repair it waits for the change (or
	// fleet) it starts again, which may wait for approval.
	contract.DriftCheck.Type: workflow.VersioningBehaviorAutoUpgrade,

	// Reads and DryRuns, seconds: a plan is the code that planned it.
	contract.NetworkChangePlan.Type:      workflow.VersioningBehaviorPinned,
	contract.ApigEndpointChangePlan.Type: workflow.VersioningBehaviorPinned,
	// One step and its wait (WaitTimeout, 10 minutes by default).
	contract.ConnectRouterInterface.Type:  workflow.VersioningBehaviorPinned,
	contract.PublishVpcRoutes.Type:        workflow.VersioningBehaviorPinned,
	contract.VerifyVpnRoutes.Type:         workflow.VersioningBehaviorPinned,
	contract.ApigEndpointConnections.Type: workflow.VersioningBehaviorPinned,
	// Undoes a change: its waits, no person. An undo half done by one
	// build and finished by another is a state no one planned; a fleet's
	// rollback keeps its children on its build too (they are Pinned and
	// on its task queue).
	contract.Rollback.Type: workflow.VersioningBehaviorPinned,
}

// VersioningBehavior is the versioning behaviour workflowType is
// registered with; false for a type that is not vpcflow's. A replay check
// needs it: only AutoUpgrade runs (and runs started on unversioned
// workers) are ever replayed by a build other than their own.
func VersioningBehavior(workflowType string) (workflow.VersioningBehavior, bool) {
	b, ok := versioningBehaviors[workflowType]
	return b, ok
}

// CheckVersioningBehaviors tells whether every workflow of
// contract.Workflows has a behaviour, and only those do. A versioned
// worker needs one for each (the SDK refuses to register a workflow
// without); the worker checks before it registers them.
func CheckVersioningBehaviors() error {
	var described []string
	for _, d := range contract.Workflows() {
		t := d.Describe().Type
		described = append(described, t)
		b, ok := versioningBehaviors[t]
		if !ok || b == workflow.VersioningBehaviorUnspecified {
			return fmt.Errorf("workflow %s has no versioning behaviour: add it to versioningBehaviors in workflows/versioning.go (Pinned or AutoUpgrade, docs/operations.md)", t)
		}
	}
	for t := range versioningBehaviors {
		if !slices.Contains(described, t) {
			return fmt.Errorf("versioningBehaviors in workflows/versioning.go names %s, which package contract does not describe", t)
		}
	}
	return nil
}
