// Package buildinfo names the build of the running binary: the worker
// announces it to Temporal as its Worker Deployment Version's build ID
// (docs/operations.md, "Rolling out new workflow code"), so two images with
// different workflow code must not share one.
package buildinfo

import (
	"runtime/debug"
)

// buildID is stamped at link time:
//
//	go build -ldflags "-X github.com/vpcflow/vpcflow/internal/buildinfo.buildID=v1.4.0" ./worker
//
// deploy/Dockerfile passes its VPCFLOW_BUILD_ID build argument here.
var buildID string

// revisionLength is how much of the commit hash names a build: git's
// short form, unique enough in one repository and short enough to read in
// the Web UI and `temporal worker deployment describe`.
const revisionLength = 12

// BuildID is the build's name: the one stamped with -ldflags -X, else the
// commit the Go toolchain recorded at build time (vcs.revision, first 12
// characters, with "-dirty" when the working tree had changes), else
// "dev" (go run, go test, or a build outside a git checkout).
func BuildID() string {
	if buildID != "" {
		return buildID
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return fromSettings(info.Settings)
}

// fromSettings is the build ID the VCS settings of a binary give.
func fromSettings(settings []debug.BuildSetting) string {
	var revision string
	var modified bool
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision == "" {
		return "dev"
	}
	if len(revision) > revisionLength {
		revision = revision[:revisionLength]
	}
	if modified {
		// A build from uncommitted code is not the commit's build: two of
		// them may differ, so they must not pass for each other.
		revision += "-dirty"
	}
	return revision
}
