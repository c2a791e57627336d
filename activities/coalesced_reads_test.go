package activities

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
	"github.com/vpcflow/vpcflow/contract"
)

// askedBefore makes key look asked for by another wait just before: a
// read asked for alone is made at once, and these tests are about reads
// that others share.
func (s *sharedReads[K, Ask, Answer]) askedBefore(key K) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		s.pending = map[K]*sharedRead[Ask, Answer]{}
		s.rates = map[K]*askRate{}
	}
	r := &askRate{}
	r.add(time.Now())
	s.rates[key] = r
}

// A read nobody else asks for is made at once: no window.
func TestALoneReadWaitsForNobody(t *testing.T) {
	fake, asked := activeInterfaces()
	acts := &CloudActivities{VPC: fake, ReadWindow: time.Minute}
	started := time.Now()
	_, err := acts.readRouterInterface(t.Context(), RouterInterfaceRef{RegionId: "cn-hangzhou", RouterInterfaceId: "ri-alone"})
	require.NoError(t, err)
	assert.Less(t, time.Since(started), 10*time.Second, "not the minute's window")
	assert.Len(t, *asked, 1)
}

// activeInterfaces answers every interface a read filters for, Active,
// and counts the calls and the IDs each asked for.
func activeInterfaces() (*activitiestest.FakeVPC, *[][]string) {
	var mu sync.Mutex
	var asked [][]string
	f := &activitiestest.FakeVPC{}
	f.OnDescribeRouterInterfaces = func(req *vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
		ids := *(*req.Filter)[0].Value
		mu.Lock()
		asked = append(asked, ids)
		mu.Unlock()
		resp := &vpc.DescribeRouterInterfacesResponse{RequestId: fmt.Sprintf("RID-%d", len(ids))}
		for _, id := range ids {
			ri := initiator(RouterInterfaceActive)
			ri.RouterInterfaceId = id
			resp.RouterInterfaceSet.RouterInterfaceType = append(resp.RouterInterfaceSet.RouterInterfaceType, ri)
		}
		return resp, nil
	}
	return f, &asked
}

// 50 waits of one worker reading at once share their reads: 3 calls of at
// most 20 interfaces answer them all, each wait gets its own interface.
func TestWaitsShareTheirReads(t *testing.T) {
	fake, asked := activeInterfaces()
	acts := &CloudActivities{VPC: fake, ReadWindow: 200 * time.Millisecond}
	acts.interfaces.askedBefore("cn-hangzhou")
	var wg sync.WaitGroup
	got := make([]RouterInterface, 50)
	errs := make([]error, 50)
	for i := range 50 {
		wg.Go(func() {
			in := WaitRouterInterfaceActiveInput{RouterInterfaceRef: RouterInterfaceRef{RegionId: "cn-hangzhou",
				RouterInterfaceId: fmt.Sprintf("ri-wait%02d", i)}, Deadline: time.Now().Add(time.Minute)}
			got[i], errs[i] = runActivity[RouterInterface](acts, acts.WaitRouterInterfaceActive, in)
		})
	}
	wg.Wait()
	for i := range 50 {
		require.NoError(t, errs[i])
		assert.Equal(t, fmt.Sprintf("ri-wait%02d", i), got[i].RouterInterfaceId)
		assert.Equal(t, RouterInterfaceActive, got[i].Status)
	}
	total := 0
	for _, ids := range *asked {
		assert.LessOrEqual(t, len(ids), MaxInterfacesPerRead)
		total += len(ids)
	}
	assert.Equal(t, 50, total, "each interface read once")
	assert.Len(t, *asked, 3, "50 waits, 20 interfaces a call")
}

// A shared read that fails fails each wait's read alike; one that does not
// find a wait's interface says so to that wait alone.
func TestASharedReadAnswersEachWaitForItself(t *testing.T) {
	fake, _ := activeInterfaces()
	inner := fake.OnDescribeRouterInterfaces
	fake.OnDescribeRouterInterfaces = func(req *vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
		resp, err := inner(req)
		// ri-gone is not in the region.
		kept := resp.RouterInterfaceSet.RouterInterfaceType[:0]
		for _, ri := range resp.RouterInterfaceSet.RouterInterfaceType {
			if ri.RouterInterfaceId != "ri-gone" {
				kept = append(kept, ri)
			}
		}
		resp.RouterInterfaceSet.RouterInterfaceType = kept
		return resp, err
	}
	acts := &CloudActivities{VPC: fake, ReadWindow: 100 * time.Millisecond}
	acts.interfaces.askedBefore("cn-hangzhou")
	var wg sync.WaitGroup
	var okErr, goneErr error
	wg.Go(func() {
		_, okErr = runActivity[RouterInterface](acts, acts.WaitRouterInterfaceActive, WaitRouterInterfaceActiveInput{
			RouterInterfaceRef: RouterInterfaceRef{RegionId: "cn-hangzhou", RouterInterfaceId: "ri-here"}, Deadline: time.Now().Add(time.Minute)})
	})
	wg.Go(func() {
		_, goneErr = runActivity[RouterInterface](acts, acts.WaitRouterInterfaceActive, WaitRouterInterfaceActiveInput{
			RouterInterfaceRef: RouterInterfaceRef{RegionId: "cn-hangzhou", RouterInterfaceId: "ri-gone"}, Deadline: time.Now().Add(time.Minute)})
	})
	wg.Wait()
	require.NoError(t, okErr)
	require.Error(t, goneErr)
	assert.Contains(t, goneErr.Error(), RouterInterfaceNotFoundCode)
	assert.Equal(t, 1, fake.Calls("DescribeRouterInterfaces"), "one call for both")
}

// 10 waits of one worker on one VPN connection, each for its own route,
// share their listings: each read of the connection answers all ten, and
// each wait gets its own route only.
func TestWaitsOnOneVpnConnectionShareTheirListings(t *testing.T) {
	var mu sync.Mutex
	fake := &activitiestest.FakeVPC{}
	inner := vcoPages(t, func(int) []vpc.VcoRouteEntrie { return manyBgpRoutes(10) })
	fake.OnDescribeVcoRouteEntries = func(r *vpc.DescribeVcoRouteEntriesRequest) (*vpc.DescribeVcoRouteEntriesResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		return inner(r)
	}
	acts := &CloudActivities{VPC: fake, ReadWindow: 200 * time.Millisecond, Poll: PollSchedule{First: 300 * time.Millisecond, Max: time.Second}}
	acts.vpnReads.askedBefore(vpnListing{RegionId: "cn-hangzhou", VpnConnectionId: "vco-shared"})
	var wg sync.WaitGroup
	got := make([]WaitVpnRoutesResult, 10)
	errs := make([]error, 10)
	for i := range 10 {
		wg.Go(func() {
			in := WaitVpnRoutesInput{RegionId: "cn-hangzhou", VpnConnectionId: "vco-shared", Deadline: time.Now().Add(time.Minute),
				ExpectedRoutes: []contract.ExpectedVpnRoute{{DestinationCidrBlock: fmt.Sprintf("172.16.%d.0/24", i), RouteEntryType: "bgp"}}}
			got[i], errs[i] = runActivity[WaitVpnRoutesResult](acts, acts.WaitVpnRoutes, in)
		})
	}
	wg.Wait()
	for i := range 10 {
		require.NoError(t, errs[i])
		require.Len(t, got[i].Routes, 1, "its own route only")
		assert.Equal(t, fmt.Sprintf("172.16.%d.0/24", i), got[i].Routes[0].RouteDest)
	}
	assert.LessOrEqual(t, fake.Calls("DescribeVcoRouteEntries"), 6, "two reads in a row for all ten, not for each (20 alone)")
}

// 10 waits of one worker on one route table, each for its own route,
// share the table's listing towards their target.
func TestWaitsOnOneRouteTableShareTheirListing(t *testing.T) {
	status := map[string]string{}
	for i := range 10 {
		status[fmt.Sprintf("10.%d.0.0/16", i)] = PublishStatusPublished
	}
	fake := &activitiestest.FakeVPC{OnListVpcPublishedRouteEntries: published(status)}
	acts := &CloudActivities{VPC: fake, ReadWindow: 200 * time.Millisecond}
	acts.publishedReads.askedBefore(publishedListing{RegionId: publishInput.RegionId, RouteTableId: "vtb-1",
		TargetType: publishInput.TargetType, TargetInstanceId: publishInput.TargetInstanceId})
	var wg sync.WaitGroup
	got := make([]WaitRoutesPublishedResult, 10)
	errs := make([]error, 10)
	for i := range 10 {
		wg.Go(func() {
			in := publishInput
			in.RouteEntries = []contract.RouteEntry{{RouteTableId: "vtb-1", DestinationCidrBlock: fmt.Sprintf("10.%d.0.0/16", i)}}
			got[i], errs[i] = runActivity[WaitRoutesPublishedResult](acts, acts.WaitRoutesPublished,
				WaitRoutesPublishedInput{Publication: Publication{RouteSet: in}, Deadline: time.Now().Add(time.Minute)})
		})
	}
	wg.Wait()
	for i := range 10 {
		require.NoError(t, errs[i])
		require.Len(t, got[i].Routes, 1, "its own route only")
		assert.Equal(t, fmt.Sprintf("10.%d.0.0/16", i), got[i].Routes[0].DestinationCidrBlock)
	}
	// The first asks when nobody has: it reads at once, alone.
	assert.Equal(t, 1, fake.Calls("ListVpcPublishedRouteEntries"), "one listing for the ten")
}

// Waits on one gateway share their reads: a small gateway is listed
// whole, once for all of them; a gateway known to hold more pages than
// there are connections asked for is read one filtered call each.
func TestWaitsOnOneGatewayShareTheirReads(t *testing.T) {
	accepted := func(int) map[string]string {
		status := map[string]string{}
		for i := range 20 {
			status[fmt.Sprintf("ep-%d", i)] = contract.EndpointAccepted
		}
		return status
	}
	var mu sync.Mutex
	list := apigConnections(accepted)
	apig := &activitiestest.FakeAPIG{OnListEndpointConnections: func(r *model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		return list(r)
	}}
	acts := &CloudActivities{APIG: apig, ReadWindow: 200 * time.Millisecond}
	acts.endpointReads.askedBefore(gateway{InstanceId: "gw1"})
	waitAll := func(ids ...string) {
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() {
				res, err := runActivity[EndpointConnections](acts, acts.WaitEndpointsAccepted,
					WaitEndpointsInput{InstanceId: "gw1", EndpointIds: []string{id}, Deadline: time.Now().Add(time.Minute)})
				assert.NoError(t, err)
				if assert.Len(t, res.Connections, 1) {
					assert.Equal(t, id, res.Connections[0].Id)
				}
			})
		}
		wg.Wait()
	}
	waitAll("ep-1", "ep-2", "ep-3", "ep-4", "ep-5")
	requests := apig.Requests()
	require.Len(t, requests, 1, "one listing of the gateway for five waits")
	assert.Nil(t, requests[0].Id, "the whole listing, not a filtered call")

	acts.gatewaySizes.Store(gateway{InstanceId: "gw1"}, 5000) // 10 pages
	before := len(requests)
	waitAll("ep-6", "ep-7", "ep-8")
	requests = apig.Requests()[before:]
	require.Len(t, requests, 3, "3 filtered calls cost less than 10 pages")
	for _, r := range requests {
		assert.NotNil(t, r.Id)
	}
}

// Waits that ask for a region's interfaces often (here 100 a second, one
// every 10 ms for 3 s) wait longer for each other: each read is made
// when it holds MaxInterfacesPerRead interfaces, not every ReadWindow.
func TestBusyWaitsFillTheirReads(t *testing.T) {
	fake, asked := activeInterfaces()
	acts := &CloudActivities{VPC: fake, ReadWindow: 100 * time.Millisecond}
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Go(func() {
			_, err := acts.readRouterInterface(t.Context(), RouterInterfaceRef{RegionId: "cn-hangzhou", RouterInterfaceId: fmt.Sprintf("ri-busy%03d", i)})
			assert.NoError(t, err)
		})
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	// 100 ms windows alone would make about 30 reads of 10; once the
	// second's asks show the rate, reads of 20.
	assert.LessOrEqual(t, len(*asked), 21, "reads of %v interfaces", func() (n []int) {
		for _, ids := range *asked {
			n = append(n, len(ids))
		}
		return n
	}())
}
