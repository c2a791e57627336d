package contract

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A fleet's defaults fill what each change leaves empty, and a change's
// own value wins.
func TestAFleetAppliesItsDefaults(t *testing.T) {
	d := validNetworkChange()
	d.RouterInterfaceId, d.RouteEntries = "", nil
	in := NetworkFleetInput{Name: "east-1", Defaults: &d, Changes: []NetworkChangeInput{
		{RouterInterfaceId: "ri-one", RouteEntries: []RouteEntry{{RouteTableId: "vtb-one", DestinationCidrBlock: "10.1.0.0/16"}}},
		{RouterInterfaceId: "ri-two", VpnConnectionId: "vco-other", RouteEntries: []RouteEntry{{RouteTableId: "vtb-two", DestinationCidrBlock: "10.2.0.0/16"}}},
	}}
	require.NoError(t, in.Validate())
	changes := in.ChangeInputs()
	assert.Equal(t, d.RegionId, changes[0].RegionId)
	assert.Equal(t, d.VpnConnectionId, changes[0].VpnConnectionId)
	assert.Equal(t, "vco-other", changes[1].VpnConnectionId)
	assert.Equal(t, "network-fleet/east-1", NetworkFleet.ID(in))
	assert.Equal(t, "network-change/ri-two", NetworkChange.ID(changes[1]))
}

// Every bad entry is named with its index at once, with what is wrong.
func TestAFleetListsEveryBadChangeAtOnce(t *testing.T) {
	d := validNetworkChange()
	d.RouterInterfaceId = ""
	in := NetworkFleetInput{Name: "Bad Name", Defaults: &d, Concurrency: 1000, MaxErrors: -2, Changes: []NetworkChangeInput{
		{RouterInterfaceId: "ri-ok"},
		{RouterInterfaceId: "not-an-interface"},
		{RouterInterfaceId: "ri-ok"},
		{RouterInterfaceId: "ri-three", Approval: &Approval{Required: true}},
	}}
	err := in.Validate()
	var v *ValidationError
	require.True(t, errors.As(err, &v), "%v", err)
	all := strings.Join(v.Problems, "\n")
	for _, want := range []string{
		"Changes 1, 2, 3 have problems",
		`Name "Bad Name" is not a fleet name`,
		"Concurrency 1000 is out of range 1..200",
		"MaxErrors -2",
		`Changes[1]: RouterInterfaceId "not-an-interface"`,
		"Changes[2] changes router interface ri-ok as Changes[0] does",
		"Changes[3]: Approval is the fleet's",
	} {
		assert.Contains(t, all, want)
	}

	require.ErrorContains(t, NetworkFleetInput{Name: "x"}.Validate(), "Changes is empty")
}
