package reliability

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
)

// applyCounts are what cloudsim's call log says was done to the cloud.
type applyCounts struct {
	connectCalls     int // ConnectRouterInterface calls, any answer
	connectsApplied  int // ... answered with success: the connect happened
	dryRuns          int // PublishVpcRouteEntries with DryRun=true
	publishCalls     int // ... with DryRun=false, any answer
	publishesApplied int // ... answered with success: routes were published
}

func (c applyCounts) String() string {
	return fmt.Sprintf("ConnectRouterInterface %d calls, %d applied; PublishVpcRouteEntries %d DryRuns, %d real calls, %d applied",
		c.connectCalls, c.connectsApplied, c.dryRuns, c.publishCalls, c.publishesApplied)
}

// publishedEntry is one route of one publish call.
type publishedEntry struct{ target, table, cidr string }

// entriesOf lists the route entries a PublishVpcRouteEntries call carried
// (RouteEntries.N.RouteTableId / .DestinationCidrBlock).
func entriesOf(call cloudsim.Call) []publishedEntry {
	var out []publishedEntry
	for n := 1; ; n++ {
		prefix := "RouteEntries." + strconv.Itoa(n) + "."
		table, cidr := call.Params[prefix+"RouteTableId"], call.Params[prefix+"DestinationCidrBlock"]
		if table == "" && cidr == "" {
			return out
		}
		out = append(out, publishedEntry{target: call.Params["TargetInstanceId"], table: table, cidr: cidr})
	}
}

// assertAppliedOnce checks, from cloudsim's call log, that each change's
// ConnectRouterInterface was applied (answered with success) exactly once,
// that each route of each change was in exactly one successful real
// (DryRun=false) publish, and that nothing else was connected or published.
func assertAppliedOnce(t *testing.T, cloud *simCloud, changes []contract.NetworkChangeInput) applyCounts {
	t.Helper()
	var n applyCounts
	connected := map[string]int{}
	for _, c := range cloud.Calls("ConnectRouterInterface") {
		n.connectCalls++
		if c.Code == "" {
			n.connectsApplied++
			connected[c.Params["RouterInterfaceId"]]++
		}
	}
	published := map[publishedEntry]int{}
	for _, c := range cloud.Calls("PublishVpcRouteEntries") {
		if c.Params["DryRun"] == "true" {
			n.dryRuns++
			continue
		}
		n.publishCalls++
		if c.Code == "" {
			n.publishesApplied++
			for _, e := range entriesOf(c) {
				published[e]++
			}
		}
	}
	wantEntries := 0
	for _, in := range changes {
		if got := connected[in.RouterInterfaceId]; got != 1 {
			t.Errorf("%s: ConnectRouterInterface applied %d times, want exactly once", in.RouterInterfaceId, got)
		}
		for _, e := range in.RouteEntries {
			wantEntries++
			key := publishedEntry{target: in.TargetInstanceId, table: e.RouteTableId, cidr: e.DestinationCidrBlock}
			if got := published[key]; got != 1 {
				t.Errorf("%s %s -> %s: published by %d successful real calls, want exactly one", e.RouteTableId, e.DestinationCidrBlock, in.TargetInstanceId, got)
			}
		}
	}
	if len(connected) != len(changes) {
		t.Errorf("%d interfaces were connected, want %d", len(connected), len(changes))
	}
	if len(published) != wantEntries {
		t.Errorf("%d route entries were published, want %d", len(published), wantEntries)
	}
	return n
}
