package activities

import (
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
	"github.com/vpcflow/vpcflow/contract"
)

// publishReads answers ListVpcPublishedRouteEntries with the statuses of
// each read in turn, then the last for ever.
func publishReads(reads ...map[string]string) func(*vpc.ListVpcPublishedRouteEntriesRequest) (*vpc.ListVpcPublishedRouteEntriesResponse, error) {
	n := 0
	return func(r *vpc.ListVpcPublishedRouteEntriesRequest) (*vpc.ListVpcPublishedRouteEntriesResponse, error) {
		status := reads[min(n, len(reads)-1)]
		n++
		return published(status)(r)
	}
}

func waitPublished(fake *activitiestest.FakeVPC, entries []contract.RouteEntry, publishedAt time.Time, within time.Duration) (WaitRoutesPublishedResult, error) {
	acts := &CloudActivities{VPC: fake, Poll: fastPoll}
	in := publishInput
	in.RouteEntries = entries
	return runActivity[WaitRoutesPublishedResult](acts, acts.WaitRoutesPublished, WaitRoutesPublishedInput{
		Publication: Publication{RouteSet: in, PublishedAt: publishedAt}, Deadline: time.Now().Add(within)})
}

func TestWaitRoutesPublishedGoesOnThroughPublishing(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnListVpcPublishedRouteEntries: publishReads(
		map[string]string{"10.1.0.0/16": "Publishing", "10.2.0.0/16": "Published"},
		map[string]string{"10.1.0.0/16": "Publishing", "10.2.0.0/16": "Published"},
		map[string]string{"10.1.0.0/16": "Published", "10.2.0.0/16": "Published"},
	)}
	res, err := waitPublished(fake, publishInput.RouteEntries[:2], time.Now(), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, 3, fake.Calls("ListVpcPublishedRouteEntries"))
	assert.Equal(t, "all Published", res.CloudState)
	require.Len(t, res.Routes, 2)
	for _, r := range res.Routes {
		assert.Equal(t, PublishStatusPublished, r.PublishStatus)
	}
}

// Withdrawing cannot end Published; NonPublished can only while a read may
// lag behind this change's publish.
func TestWaitRoutesPublishedEndsOnAStatusThatCannotGetThere(t *testing.T) {
	for _, tc := range []struct {
		status      string
		publishedAt time.Time
		reads       int
	}{
		{PublishStatusWithdrawing, time.Now(), 1},
		{PublishStatusNonPublished, time.Now().Add(-ReadAfterWriteGrace - time.Second), 1},
		{PublishStatusNonPublished, time.Time{}, 1}, // nothing of ours was published: believed at once
	} {
		fake := &activitiestest.FakeVPC{OnListVpcPublishedRouteEntries: publishReads(map[string]string{"10.1.0.0/16": tc.status})}
		_, err := waitPublished(fake, publishInput.RouteEntries[:1], tc.publishedAt, time.Minute)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr, tc.status)
		assert.Equal(t, contract.UnreachableStateType, appErr.Type())
		assert.True(t, appErr.NonRetryable())
		assert.Contains(t, appErr.Error(), "10.1.0.0/16")
		assert.Equal(t, tc.reads, fake.Calls("ListVpcPublishedRouteEntries"))
	}

	// Right after the publish, NonPublished is a lagging read.
	fake := &activitiestest.FakeVPC{OnListVpcPublishedRouteEntries: publishReads(
		map[string]string{}, // not listed at all: NonPublished
		map[string]string{"10.1.0.0/16": "NonPublished"},
		map[string]string{"10.1.0.0/16": "Published"},
	)}
	_, err := waitPublished(fake, publishInput.RouteEntries[:1], time.Now(), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, 3, fake.Calls("ListVpcPublishedRouteEntries"))
}

// The cloud's spelling of an IPv6 prefix is compared in canonical form.
func TestPublishStatusComparesCanonicalPrefixes(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnListVpcPublishedRouteEntries: publishReads(map[string]string{"2001:db8:0:0::/64": "Published"})}
	res, err := waitPublished(fake, []contract.RouteEntry{{RouteTableId: "vtb-1", DestinationCidrBlock: "2001:DB8::/64"}}, time.Now(), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, PublishStatusPublished, res.Routes[0].PublishStatus)
}

// Given a publication, the VPN wait first confirms that its routes are
// Published, then looks for them on the VPN connection.
func TestWaitVpnRoutesConfirmsThePublishFirst(t *testing.T) {
	fake := &activitiestest.FakeVPC{
		OnListVpcPublishedRouteEntries: publishReads(
			map[string]string{"10.1.0.0/16": "Publishing"},
			map[string]string{"10.1.0.0/16": "Published"},
		),
		OnDescribeVcoRouteEntries: vcoPages(t, func(int) []vpc.VcoRouteEntrie { return []vpc.VcoRouteEntrie{bgpRoute("10.1.0.0/16")} }),
	}
	acts := &CloudActivities{VPC: fake, Poll: fastPoll}
	in := publishInput
	in.RouteEntries = in.RouteEntries[:1]
	res, err := runActivity[WaitVpnRoutesResult](acts, acts.WaitVpnRoutes, WaitVpnRoutesInput{RegionId: "cn-hangzhou", VpnConnectionId: "vco-1",
		ExpectedRoutes: []contract.ExpectedVpnRoute{{DestinationCidrBlock: "10.1.0.0/16", RouteEntryType: "bgp"}},
		Publication:    &Publication{RouteSet: in, PublishedAt: time.Now()},
		Deadline:       time.Now().Add(time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, 2, fake.Calls("ListVpcPublishedRouteEntries"), "Publishing, then Published: not read again")
	assert.Equal(t, 2, fake.Calls("DescribeVcoRouteEntries"), "two reads in a row on the VPN connection, once Published")
	require.Len(t, res.Published, 1)
	assert.Equal(t, PublishStatusPublished, res.Published[0].PublishStatus)
	assert.Len(t, res.Routes, 1)
}
