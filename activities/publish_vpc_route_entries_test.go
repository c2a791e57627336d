package activities

import (
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
	"github.com/vpcflow/vpcflow/contract"
)

var publishInput = contract.RouteSet{
	RegionId: "cn-hangzhou", TargetType: "ECR", TargetInstanceId: "ecr-1",
	RouteEntries: []contract.RouteEntry{
		{RouteTableId: "vtb-1", DestinationCidrBlock: "10.1.0.0/16"},
		{RouteTableId: "vtb-1", DestinationCidrBlock: "10.2.0.0/16"},
		{RouteTableId: "vtb-1", DestinationCidrBlock: "10.3.0.0/16"},
	},
}

func sentEntries(r *vpc.PublishVpcRouteEntriesRequest) []contract.RouteEntry {
	var out []contract.RouteEntry
	for _, e := range *r.RouteEntries {
		out = append(out, contract.RouteEntry{RouteTableId: e.RouteTableId, DestinationCidrBlock: e.DestinationCidrBlock})
	}
	return out
}

func TestDryRunPassesOnDryRunOperation(t *testing.T) {
	fake := &activitiestest.FakeVPC{
		OnListVpcPublishedRouteEntries: published(nil),
		OnPublishVpcRouteEntries: func(r *vpc.PublishVpcRouteEntriesRequest) (*vpc.PublishVpcRouteEntriesResponse, error) {
			assert.Equal(t, "true", string(r.DryRun))
			assert.Equal(t, "ECR", r.TargetType)
			assert.Equal(t, "ecr-1", r.TargetInstanceId)
			assert.Equal(t, publishInput.RouteEntries, sentEntries(r))
			return nil, activitiestest.AliError(400, "DryRunOperation", "RID-DRY")
		}}
	acts := &CloudActivities{VPC: fake}
	res, err := runActivity[PublishRouteEntriesResult](acts, acts.DryRunPublishVpcRouteEntries, publishInput)
	require.NoError(t, err)
	assert.Equal(t, "RID-DRY", res.RequestId)
	assert.Empty(t, res.Published, "a DryRun publishes nothing")
}

func TestDryRunFailures(t *testing.T) {
	cases := []struct {
		answer       error
		typ          string
		nonRetryable bool
	}{
		{activitiestest.AliError(400, "Forbidden.OperateCustomRouteTable", "R"), "Forbidden.OperateCustomRouteTable", true},
		{activitiestest.AliError(400, "Throttling.User", "R"), "Throttling.User", false},
		{nil, contract.DryRunIgnoredType, true}, // success on a DryRun: the endpoint ignored it
	}
	for _, c := range cases {
		fake := &activitiestest.FakeVPC{
			OnListVpcPublishedRouteEntries: published(nil),
			OnPublishVpcRouteEntries: func(*vpc.PublishVpcRouteEntriesRequest) (*vpc.PublishVpcRouteEntriesResponse, error) {
				if c.answer == nil {
					return &vpc.PublishVpcRouteEntriesResponse{RequestId: "R"}, nil
				}
				return nil, c.answer
			}}
		acts := &CloudActivities{VPC: fake}
		err := activityError(acts, acts.DryRunPublishVpcRouteEntries, publishInput)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr, c.typ)
		assert.Equal(t, c.typ, appErr.Type())
		assert.Equal(t, c.nonRetryable, appErr.NonRetryable(), c.typ)
	}
}

// A re-run of a finished change checks only what is left, and nothing at
// all when everything is published.
func TestDryRunChecksOnlyWhatIsNotPublished(t *testing.T) {
	fake := &activitiestest.FakeVPC{
		OnListVpcPublishedRouteEntries: published(map[string]string{"10.1.0.0/16": "Published", "10.2.0.0/16": "Publishing"}),
		OnPublishVpcRouteEntries: func(r *vpc.PublishVpcRouteEntriesRequest) (*vpc.PublishVpcRouteEntriesResponse, error) {
			assert.Equal(t, publishInput.RouteEntries[2:], sentEntries(r))
			return nil, activitiestest.AliError(400, "DryRunOperation", "RID-DRY")
		}}
	acts := &CloudActivities{VPC: fake}
	res, err := runActivity[PublishRouteEntriesResult](acts, acts.DryRunPublishVpcRouteEntries, publishInput)
	require.NoError(t, err)
	assert.Len(t, res.AlreadyPublished, 2)
	assert.Equal(t, 1, fake.Calls("PublishVpcRouteEntries"))

	fake.OnListVpcPublishedRouteEntries = published(map[string]string{"10.1.0.0/16": "Published", "10.2.0.0/16": "Published", "10.3.0.0/16": "Published"})
	res, err = runActivity[PublishRouteEntriesResult](acts, acts.DryRunPublishVpcRouteEntries, publishInput)
	require.NoError(t, err)
	assert.Equal(t, "AlreadyPublished", res.CloudState)
	assert.Equal(t, 1, fake.Calls("PublishVpcRouteEntries"), "no DryRun when nothing is left to publish")
}

// published answers ListVpcPublishedRouteEntries with the given status per
// destination, towards ecr-1.
func published(status map[string]string) func(*vpc.ListVpcPublishedRouteEntriesRequest) (*vpc.ListVpcPublishedRouteEntriesResponse, error) {
	return func(r *vpc.ListVpcPublishedRouteEntriesRequest) (*vpc.ListVpcPublishedRouteEntriesResponse, error) {
		resp := &vpc.ListVpcPublishedRouteEntriesResponse{RequestId: "RID-LIST"}
		for dest, s := range status {
			resp.RouteEntries = append(resp.RouteEntries, vpc.RouteEntryInListVpcPublishedRouteEntries{
				RouteTableId: r.RouteTableId, DestinationCidrBlock: dest,
				RoutePublishTargets: []vpc.RoutePublishTarget{{PublishStatus: s, PublishTargetType: "ECR", PublishTargetInstanceId: "ecr-1"}},
			})
		}
		return resp, nil
	}
}

func TestPublishSkipsWhatIsAlreadyPublished(t *testing.T) {
	fake := &activitiestest.FakeVPC{
		OnListVpcPublishedRouteEntries: published(map[string]string{"10.1.0.0/16": "Published", "10.2.0.0/16": "NonPublished"}),
		OnPublishVpcRouteEntries: func(r *vpc.PublishVpcRouteEntriesRequest) (*vpc.PublishVpcRouteEntriesResponse, error) {
			assert.Equal(t, "false", string(r.DryRun))
			return &vpc.PublishVpcRouteEntriesResponse{RequestId: "RID-PUB"}, nil
		},
	}
	acts := &CloudActivities{VPC: fake}
	res, err := runActivity[PublishRouteEntriesResult](acts, acts.PublishVpcRouteEntries, publishInput)
	require.NoError(t, err)
	assert.Equal(t, "RID-PUB", res.RequestId)
	assert.Equal(t, publishInput.RouteEntries[1:], res.Published)
	assert.Equal(t, publishInput.RouteEntries[:1], res.AlreadyPublished)
	require.Equal(t, 1, fake.Calls("PublishVpcRouteEntries"))
	assert.Equal(t, publishInput.RouteEntries[1:], sentEntries(fake.Requests("PublishVpcRouteEntries")[0].(*vpc.PublishVpcRouteEntriesRequest)))
	assert.Equal(t, 1, fake.Calls("ListVpcPublishedRouteEntries"), "one route table, one read")
}

// A retry after a lost response finds its entries Publishing and makes no call.
func TestPublishRetryAfterLostResponseMakesNoSecondCall(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnListVpcPublishedRouteEntries: published(map[string]string{
		"10.1.0.0/16": "Publishing", "10.2.0.0/16": "Publishing", "10.3.0.0/16": "Published"})}
	acts := &CloudActivities{VPC: fake}
	res, err := runActivity[PublishRouteEntriesResult](acts, acts.PublishVpcRouteEntries, publishInput)
	require.NoError(t, err)
	assert.Empty(t, res.Published)
	assert.Empty(t, res.RequestId)
	assert.Len(t, res.AlreadyPublished, 3)
	assert.Zero(t, fake.Calls("PublishVpcRouteEntries"))
}

func TestPublishFollowsNextToken(t *testing.T) {
	calls := 0
	fake := &activitiestest.FakeVPC{
		OnListVpcPublishedRouteEntries: func(r *vpc.ListVpcPublishedRouteEntriesRequest) (*vpc.ListVpcPublishedRouteEntriesResponse, error) {
			calls++
			if r.NextToken == "" {
				resp, _ := published(map[string]string{"10.1.0.0/16": "Published"})(r)
				resp.NextToken = "page2"
				return resp, nil
			}
			assert.Equal(t, "page2", r.NextToken)
			return published(map[string]string{"10.2.0.0/16": "Published", "10.3.0.0/16": "Published"})(r)
		},
	}
	acts := &CloudActivities{VPC: fake}
	res, err := runActivity[PublishRouteEntriesResult](acts, acts.PublishVpcRouteEntries, publishInput)
	require.NoError(t, err)
	assert.Len(t, res.AlreadyPublished, 3)
	assert.Equal(t, 2, calls)
}
