package workflows

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/contract"
)

// Every workflow has a versioning behaviour, so a versioned worker
// registers them all; a row too many or too few is named.
func TestVersioningBehaviorOfEveryWorkflow(t *testing.T) {
	require.NoError(t, CheckVersioningBehaviors())

	saved := maps.Clone(versioningBehaviors)
	t.Cleanup(func() { versioningBehaviors = saved })

	delete(versioningBehaviors, contract.Rollback.Type)
	err := CheckVersioningBehaviors()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "workflow Rollback has no versioning behaviour")

	versioningBehaviors = maps.Clone(saved)
	versioningBehaviors["Gone"] = workflow.VersioningBehaviorPinned
	err = CheckVersioningBehaviors()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "names Gone")
}

// The runs that wait for a person move to a new build; the short ones end
// on theirs (docs/operations.md, "Rolling out new workflow code").
func TestVersioningBehaviorFollowsHowLongARunWaits(t *testing.T) {
	for _, long := range []string{contract.NetworkChange.Type, contract.ApigEndpointChange.Type, contract.NetworkFleet.Type, contract.DriftCheck.Type} {
		b, ok := VersioningBehavior(long)
		assert.True(t, ok && b == workflow.VersioningBehaviorAutoUpgrade, "%s should be AutoUpgrade", long)
	}
	for _, short := range []string{contract.NetworkChangePlan.Type, contract.ApigEndpointChangePlan.Type, contract.ConnectRouterInterface.Type,
		contract.PublishVpcRoutes.Type, contract.VerifyVpnRoutes.Type, contract.ApigEndpointConnections.Type, contract.Rollback.Type} {
		b, ok := VersioningBehavior(short)
		assert.True(t, ok && b == workflow.VersioningBehaviorPinned, "%s should be Pinned", short)
	}
	_, ok := VersioningBehavior("NotVpcflows")
	assert.False(t, ok)
}
