package cloudsim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// With OneWritePerRouteTable, a write on a route table while another is in
// flight on it answers IncorrectStatus.RouteTable; once it settles, the
// table takes writes again. Without the quirk, other entries of the table
// are taken.
func TestOneWritePerRouteTable(t *testing.T) {
	spec := FleetFixtureSpec{Changes: 2, SharedTables: 2}
	_, table, cidr0 := FleetChange(spec, 0)
	_, _, cidr1 := FleetChange(spec, 1)
	for _, quirk := range []bool{false, true} {
		e := newTestEnv(t, GenerateFleetFixture(spec))
		require.NoError(t, e.srv.SetQuirks(Quirks{OneWritePerRouteTable: quirk}))
		c := e.defaultVPC()
		_, err := c.PublishVpcRouteEntries(publishReq(DefaultECRID, false, routeRef{tableID: table, destination: cidr0}))
		require.NoError(t, err)
		_, err = c.PublishVpcRouteEntries(publishReq(DefaultECRID, false, routeRef{tableID: table, destination: cidr1}))
		if !quirk {
			require.NoError(t, err)
			continue
		}
		requireAliError(t, err, "IncorrectStatus.RouteTable", 400)
		e.clock.Advance(DefaultDelays.RoutePublish.Std())
		_, err = c.PublishVpcRouteEntries(publishReq(DefaultECRID, false, routeRef{tableID: table, destination: cidr1}))
		require.NoError(t, err)
	}
}

// With OneConnectPerRouter, a connect initiated on a router with another
// connect in flight answers Forbidden.OnlyOneConnection, though the two go
// to different routers.
func TestOneConnectPerRouter(t *testing.T) {
	spec := FleetFixtureSpec{Changes: 2, HubChanges: 2}
	ri0, _, _ := FleetChange(spec, 0)
	ri1, _, _ := FleetChange(spec, 1)
	for _, quirk := range []bool{false, true} {
		e := newTestEnv(t, GenerateFleetFixture(spec))
		require.NoError(t, e.srv.SetQuirks(Quirks{OneConnectPerRouter: quirk}))
		c := e.defaultVPC()
		connect := func(id string) error { return connectRI(c, id) }
		require.NoError(t, connect(ri0))
		err := connect(ri1)
		if !quirk {
			require.NoError(t, err)
			continue
		}
		se := requireAliError(t, err, "Forbidden.OnlyOneConnection", 400)
		require.Contains(t, se.Message(), "Cannot connect concurrently")
		e.clock.Advance(DefaultDelays.RouterInterfaceConnect.Std())
		require.NoError(t, connect(ri1))
	}
}

// CodeCount counts the answers of a code, those the call log no longer
// keeps included.
func TestCodeCountOutlivesTheCallLog(t *testing.T) {
	l := newCallLog(2, 1<<20)
	for range 5 {
		l.add(Call{Action: "ConnectRouterInterface", Code: "Forbidden.OnlyOneConnection"})
	}
	l.add(Call{Action: "DescribeRouterInterfaces"})
	require.Len(t, l.list(""), 2)
	require.Equal(t, 5, l.codeCount("Forbidden.OnlyOneConnection"))
	require.Zero(t, l.codeCount("IncorrectStatus.RouteTable"))
}
