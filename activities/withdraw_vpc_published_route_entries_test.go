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

// A withdraw reads first and withdraws only what is still published or
// publishing: a retry after a lost answer finds its entries Withdrawing.
func TestWithdrawSkipsWhatIsWithdrawnAlready(t *testing.T) {
	fake := &activitiestest.FakeVPC{
		OnListVpcPublishedRouteEntries: published(map[string]string{"10.1.0.0/16": "Published", "10.2.0.0/16": "Withdrawing", "10.3.0.0/16": "Publishing"}),
		OnWithdrawVpcPublishedRouteEntries: func(r *vpc.WithdrawVpcPublishedRouteEntriesRequest) (*vpc.WithdrawVpcPublishedRouteEntriesResponse, error) {
			assert.Equal(t, "ECR", r.TargetType)
			assert.Equal(t, "ecr-1", r.TargetInstanceId)
			assert.Equal(t, []vpc.WithdrawVpcPublishedRouteEntriesRouteEntries{
				{RouteTableId: "vtb-1", DestinationCidrBlock: "10.1.0.0/16"}, {RouteTableId: "vtb-1", DestinationCidrBlock: "10.3.0.0/16"}}, *r.RouteEntries)
			return &vpc.WithdrawVpcPublishedRouteEntriesResponse{RequestId: "RID-WITHDRAW"}, nil
		},
	}
	acts := &CloudActivities{VPC: fake}
	res, err := runActivity[WithdrawRouteEntriesResult](acts, acts.WithdrawVpcPublishedRouteEntries, publishInput)
	require.NoError(t, err)
	assert.Equal(t, "RID-WITHDRAW", res.RequestId)
	assert.Equal(t, []contract.RouteEntry{publishInput.RouteEntries[0], publishInput.RouteEntries[2]}, res.Withdrawn)
	assert.Equal(t, []contract.RouteEntry{publishInput.RouteEntries[1]}, res.AlreadyWithdrawn)

	// Everything withdrawn: no call.
	fake.OnListVpcPublishedRouteEntries = published(map[string]string{"10.1.0.0/16": "NonPublished", "10.2.0.0/16": "Withdrawing"})
	again, err := runActivity[WithdrawRouteEntriesResult](acts, acts.WithdrawVpcPublishedRouteEntries, publishInput)
	require.NoError(t, err)
	assert.Empty(t, again.Withdrawn)
	assert.Len(t, again.AlreadyWithdrawn, 3)
	assert.Equal(t, 1, fake.Calls("WithdrawVpcPublishedRouteEntries"))
}

// An entry still Publishing is refused as busy: retried, not the end.
func TestWithdrawOfAPublishingEntryIsRetried(t *testing.T) {
	fake := &activitiestest.FakeVPC{
		OnListVpcPublishedRouteEntries: published(map[string]string{"10.1.0.0/16": "Publishing"}),
		OnWithdrawVpcPublishedRouteEntries: func(*vpc.WithdrawVpcPublishedRouteEntriesRequest) (*vpc.WithdrawVpcPublishedRouteEntriesResponse, error) {
			return nil, activitiestest.AliError(400, "IncorrectStatus.RouteEntryPublishStatus", "RID-BUSY")
		},
	}
	acts := &CloudActivities{VPC: fake}
	err := activityError(acts, acts.WithdrawVpcPublishedRouteEntries, publishInput)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, "IncorrectStatus.RouteEntryPublishStatus", appErr.Type())
	assert.False(t, appErr.NonRetryable())
}

// The wait for withdrawn ends when every entry is NonPublished, and at
// once when one is being published again.
func TestWaitRoutesWithdrawn(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnListVpcPublishedRouteEntries: published(map[string]string{"10.1.0.0/16": "NonPublished"})}
	acts := &CloudActivities{VPC: fake, Poll: PollSchedule{First: time.Millisecond, Max: time.Millisecond, Factor: 1, Static: true}}
	env := newActivityEnv(acts)
	in := WaitRoutesWithdrawnInput{RouteSet: publishInput, Deadline: time.Now().Add(time.Minute)}
	res, err := runIn[WaitRoutesPublishedResult](env, acts.WaitRoutesWithdrawn, in)
	require.NoError(t, err)
	assert.Len(t, res.Routes, 3)

	fake.OnListVpcPublishedRouteEntries = published(map[string]string{"10.2.0.0/16": "Publishing"})
	_, err = env.ExecuteActivity(acts.WaitRoutesWithdrawn, in)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, contract.UnreachableStateType, appErr.Type())
	assert.Contains(t, appErr.Error(), "is being published to ecr-1 again")
}
