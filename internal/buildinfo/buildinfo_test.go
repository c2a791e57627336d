package buildinfo

import (
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuildIDFromVersionControl(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		name     string
		settings []debug.BuildSetting
		want     string
	}{
		{"committed", []debug.BuildSetting{{Key: "vcs.revision", Value: commit}, {Key: "vcs.modified", Value: "false"}}, "0123456789ab"},
		{"uncommitted changes", []debug.BuildSetting{{Key: "vcs.revision", Value: commit}, {Key: "vcs.modified", Value: "true"}}, "0123456789ab-dirty"},
		{"short revision", []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}}, "abc"},
		{"no version control", []debug.BuildSetting{{Key: "GOOS", Value: "linux"}}, "dev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, fromSettings(tc.settings))
		})
	}
}

func TestBuildIDStampedAtLinkTimeWins(t *testing.T) {
	saved := buildID
	t.Cleanup(func() { buildID = saved })
	buildID = "v1.4.0"
	assert.Equal(t, "v1.4.0", BuildID())
}

// The -X flag deploy/Dockerfile uses names the variable this package
// reads: a renamed variable would silently leave every image "dev".
func TestTheLinkerFlagReachesTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "printbuildid")
	build := exec.Command("go", "build", "-o", bin,
		"-ldflags", "-X github.com/vpcflow/vpcflow/internal/buildinfo.buildID=stamped-1", "./testdata/printbuildid")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	got, err := exec.Command(bin).Output()
	require.NoError(t, err)
	assert.Equal(t, "stamped-1", strings.TrimSpace(string(got)))
}
