package activities

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
	"github.com/vpcflow/vpcflow/contract"
)

// vcoPages serves routes page by page as the API does, from the list that
// reads(n) returns for the n-th full read.
func vcoPages(t *testing.T, reads func(n int) []vpc.VcoRouteEntrie) func(*vpc.DescribeVcoRouteEntriesRequest) (*vpc.DescribeVcoRouteEntriesResponse, error) {
	read := 0
	return func(r *vpc.DescribeVcoRouteEntriesRequest) (*vpc.DescribeVcoRouteEntriesResponse, error) {
		page, _ := strconv.Atoi(string(r.PageNumber))
		size, _ := strconv.Atoi(string(r.PageSize))
		require.True(t, size >= 1 && size <= 50, "PageSize %d", size)
		if page == 1 && r.RouteEntryType == "bgp" { // a read starts with the bgp pages
			read++
		}
		var all []vpc.VcoRouteEntrie
		for _, e := range reads(read) {
			if e.RouteEntryType == r.RouteEntryType {
				all = append(all, e)
			}
		}
		from, to := min((page-1)*size, len(all)), min(page*size, len(all))
		return &vpc.DescribeVcoRouteEntriesResponse{RequestId: fmt.Sprintf("RID-%d-%s-%d", read, r.RouteEntryType, page),
			TotalCount: len(all), PageNumber: page, PageSize: size, VcoRouteEntries: all[from:to]}, nil
	}
}

func bgpRoute(dest string) vpc.VcoRouteEntrie {
	return vpc.VcoRouteEntrie{RouteDest: dest, RouteEntryType: "bgp", State: "Active", Source: "CLOUD", NextHop: "tr-1"}
}

func manyBgpRoutes(n int) []vpc.VcoRouteEntrie {
	var out []vpc.VcoRouteEntrie
	for i := 0; i < n; i++ {
		out = append(out, bgpRoute(fmt.Sprintf("172.16.%d.0/24", i)))
	}
	return out
}

func TestWaitVpnRoutesReadsEveryPageAndNeedsTwoReadsInARow(t *testing.T) {
	expected := []contract.ExpectedVpnRoute{
		{DestinationCidrBlock: "172.16.119.0/24", RouteEntryType: "bgp"}, // on the third page of 50
		{DestinationCidrBlock: "192.168.10.0/24", RouteEntryType: "custom"},
	}
	custom := vpc.VcoRouteEntrie{RouteDest: "192.168.10.0/24", RouteEntryType: "custom", State: "published"}
	fake := &activitiestest.FakeVPC{OnDescribeVcoRouteEntries: vcoPages(t, func(n int) []vpc.VcoRouteEntrie {
		routes := append(manyBgpRoutes(120), custom)
		if n == 2 { // the BGP route flaps on the second read
			routes = append(manyBgpRoutes(119), custom)
		}
		return routes
	})}
	acts := &CloudActivities{VPC: fake, Poll: fastPoll}
	res, err := runActivity[WaitVpnRoutesResult](acts, acts.WaitVpnRoutes, WaitVpnRoutesInput{RegionId: "cn-hangzhou", VpnConnectionId: "vco-1",
		ExpectedRoutes: expected, Deadline: time.Now().Add(time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, 4, res.Reads, "present, flapped, present, present")
	assert.Len(t, res.Routes, 2)
	// Per read: 3 pages of bgp (120 at 50 a page) and 1 of custom; the flapped read has 3 too (119).
	assert.Equal(t, 4*4, fake.Calls("DescribeVcoRouteEntries"))

	for _, r := range fake.Requests("DescribeVcoRouteEntries") {
		req := r.(*vpc.DescribeVcoRouteEntriesRequest)
		assert.Empty(t, req.ClientToken, "a read sends no ClientToken: with one, a change run again would read its first run's answer")
	}
}

func TestWaitVpnRoutesChecksStateAndSource(t *testing.T) {
	learnedFromVPN := bgpRoute("10.9.0.0/16")
	learnedFromVPN.Source = "VPN_BGP"
	fake := &activitiestest.FakeVPC{OnDescribeVcoRouteEntries: vcoPages(t, func(int) []vpc.VcoRouteEntrie {
		return []vpc.VcoRouteEntrie{learnedFromVPN}
	})}
	acts := &CloudActivities{VPC: fake, Poll: fastPoll}
	err := activityError(acts, acts.WaitVpnRoutes, WaitVpnRoutesInput{RegionId: "cn-hangzhou", VpnConnectionId: "vco-1",
		ExpectedRoutes: []contract.ExpectedVpnRoute{{DestinationCidrBlock: "10.9.0.0/16", RouteEntryType: "bgp"}},
		Deadline:       time.Now().Add(100 * time.Millisecond)})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, contract.WaitTimeoutType, appErr.Type())
	assert.Contains(t, appErr.Error(), "missing bgp 10.9.0.0/16")
}

func TestCrossAccountAuthorizationsReadsEveryPage(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnDescribeVpnCrossAccountAuthorizations: func(r *vpc.DescribeVpnCrossAccountAuthorizationsRequest) (*vpc.DescribeVpnCrossAccountAuthorizationsResponse, error) {
		page, _ := strconv.Atoi(string(r.PageNumber))
		assert.Equal(t, "vco-1", r.VpnConnectionId)
		assert.Empty(t, r.ClientToken)
		resp := &vpc.DescribeVpnCrossAccountAuthorizationsResponse{RequestId: fmt.Sprintf("RID-%d", page), TotalCount: 51, PageNumber: page}
		for i := (page - 1) * 50; i < min(page*50, 51); i++ {
			resp.CrossAccountAuthorizations = append(resp.CrossAccountAuthorizations, vpc.CrossAccountAuthorization{
				VpnConnectionId: "vco-1", BindInstance: fmt.Sprintf("cen-%d", i), BindUid: int64(1000 + i), BindProduct: "CEN"})
		}
		return resp, nil
	}}
	acts := &CloudActivities{VPC: fake}
	res, err := runActivity[CrossAccountAuthorizations](acts, acts.DescribeVpnCrossAccountAuthorizations, VpnConnectionRef{RegionId: "cn-hangzhou", VpnConnectionId: "vco-1"})
	require.NoError(t, err)
	assert.Len(t, res.Authorizations, 51)
	assert.Equal(t, contract.CrossAccountAuthorization{BindInstance: "cen-50", BindUid: 1050, BindProduct: "CEN"}, res.Authorizations[50])
	assert.Equal(t, []string{"RID-1", "RID-2"}, res.RequestIds)
}
