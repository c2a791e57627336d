package workerapp

import (
	"fmt"
	"log/slog"
	"strings"

	"go.temporal.io/sdk/worker"

	"github.com/vpcflow/vpcflow/workflows"
)

// Versioning makes a worker one version of a Temporal Worker Deployment:
// Temporal then sends a workflow's tasks to the build it belongs on (the
// one it started on if its type is Pinned, the deployment's current one if
// AutoUpgrade; workflows/versioning.go), so an old build and a new one run
// side by side during a rollout (docs/operations.md, "Rolling out new
// workflow code"). The zero value is an unversioned worker: any worker of
// the task queue may run any workflow task, as before.
type Versioning struct {
	// DeploymentName names the Worker Deployment, the same for every build
	// of vpcflow's worker in a namespace, e.g. "vpcflow" (the Temporal
	// Worker Controller names it "<kubernetes namespace>/<its name>"); ""
	// runs the worker unversioned.
	DeploymentName string
	// BuildID names this build within the deployment: two builds with
	// different workflow code must have different ones. The worker binary
	// takes buildinfo.BuildID (the image's), or the controller's
	// TEMPORAL_WORKER_BUILD_ID.
	BuildID string
}

// maxVersionFieldBytes bounds the deployment name and the build ID: the
// server refuses longer ones at the first poll (with its default
// limit.maxIDLength of 1,000: the version's workflow ID is a 39-byte
// prefix and both fields).
const maxVersionFieldBytes = (1000 - 39) / 2

// Versioned tells whether the worker is a version of a deployment.
func (v Versioning) Versioned() bool { return v.DeploymentName != "" }

// DeploymentOptions are the worker.Options.DeploymentOptions of v: none for
// an unversioned worker. It refuses, before the worker polls, what the
// server would refuse at the first poll, and a workflow without a
// versioning behaviour (the SDK would refuse to register it).
func (v Versioning) DeploymentOptions() (worker.DeploymentOptions, error) {
	if !v.Versioned() {
		return worker.DeploymentOptions{}, nil
	}
	if err := checkVersionField("deployment name", v.DeploymentName); err != nil {
		return worker.DeploymentOptions{}, err
	}
	// Temporal writes a version as "<deployment>:<build ID>" (the
	// TemporalWorkerDeploymentVersion search attribute), and wrote it with
	// "." before: a deployment name may hold neither.
	if i := strings.IndexAny(v.DeploymentName, ".:"); i >= 0 {
		return worker.DeploymentOptions{}, fmt.Errorf("worker deployment name %q: Temporal refuses %q in it; use letters, digits, '-', '_' or '/'",
			v.DeploymentName, v.DeploymentName[i:i+1])
	}
	if v.BuildID == "" {
		return worker.DeploymentOptions{}, fmt.Errorf("worker deployment %q: a versioned worker needs a build ID (-build-id)", v.DeploymentName)
	}
	if err := checkVersionField("build ID", v.BuildID); err != nil {
		return worker.DeploymentOptions{}, err
	}
	if err := workflows.CheckVersioningBehaviors(); err != nil {
		return worker.DeploymentOptions{}, err
	}
	return worker.DeploymentOptions{
		UseVersioning: true,
		Version:       worker.WorkerDeploymentVersion{DeploymentName: v.DeploymentName, BuildID: v.BuildID},
		// No default behaviour: each workflow registers its own
		// (workflows/versioning.go), and one without is an error above,
		// never silently Pinned or AutoUpgrade.
	}, nil
}

// checkVersionField checks a deployment name or build ID against the
// server's rules for both.
func checkVersionField(what, value string) error {
	switch {
	case strings.HasPrefix(value, "__"):
		return fmt.Errorf("worker %s %q: Temporal reserves names starting with \"__\"", what, value)
	case len(value) > maxVersionFieldBytes:
		return fmt.Errorf("worker %s is %d bytes; Temporal takes at most %d", what, len(value), maxVersionFieldBytes)
	}
	return nil
}

// LogValue is the version as log lines show it: the deployment and build
// ID, or "unversioned".
func (v Versioning) LogValue() slog.Value {
	if !v.Versioned() {
		return slog.StringValue("unversioned")
	}
	return slog.GroupValue(slog.String("deployment", v.DeploymentName), slog.String("buildId", v.BuildID))
}
