package activities

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
	"github.com/vpcflow/vpcflow/contract"
)

func TestCallLimitsRefuseABadConfiguration(t *testing.T) {
	for _, c := range []struct {
		quotas  map[string]float64
		share   float64
		workers int
		want    string
	}{
		{map[string]float64{"*": 600}, 0, 1, "quota share 0"},
		{map[string]float64{"*": 600}, 1.5, 1, "quota share 1.5"},
		{map[string]float64{"*": 600}, 0.5, 0, "workers 0"},
		{map[string]float64{"DescribeRouterInterfaces": -1}, 0.5, 1, "quota of DescribeRouterInterfaces"},
	} {
		_, err := NewCallLimits(c.quotas, c.share, c.workers)
		require.Error(t, err)
		assert.Contains(t, err.Error(), c.want)
	}
}

// A limit is the quota's share split between workers, per API and region;
// an API without a quota of its own takes "*"'s.
func TestCallLimitsSplitTheQuota(t *testing.T) {
	limits, err := NewCallLimits(map[string]float64{"DescribeRouterInterfaces": 1200, "*": 600}, 0.5, 2)
	require.NoError(t, err)
	assert.InDelta(t, 5, limits.Limit("DescribeRouterInterfaces", "cn-hangzhou"), 1e-9) // 1200/60 * 0.5 / 2
	assert.InDelta(t, 2.5, limits.Limit("ConnectRouterInterface", "cn-hangzhou"), 1e-9)
	var none *CallLimits
	assert.Zero(t, none.Limit("ConnectRouterInterface", "cn-hangzhou"))
	require.NoError(t, none.take(context.Background(), "ConnectRouterInterface", "cn-hangzhou"))
}

// Calls past a second's burst wait their turn; a call that would wait
// longer than maxCallQueue is not made, and says when the next one may go.
func TestCallLimitsPaceAndHoldBack(t *testing.T) {
	limits, err := NewCallLimits(map[string]float64{"*": 600}, 1, 1) // 10 a second, a burst of 10
	require.NoError(t, err)
	ctx := context.Background()
	start := time.Now()
	for range 15 {
		require.NoError(t, limits.take(ctx, "DescribeRouterInterfaces", "cn-hangzhou"))
	}
	took := time.Since(start)
	assert.GreaterOrEqual(t, took, 400*time.Millisecond, "5 calls past the burst at 10 a second")
	assert.Less(t, took, 2*time.Second)
	require.NoError(t, limits.take(ctx, "DescribeRouterInterfaces", "eu-central-1"), "another region has its own limit")

	slow, err := NewCallLimits(map[string]float64{"*": 6}, 1, 1) // one call every 10 s
	require.NoError(t, err)
	require.NoError(t, slow.take(ctx, "ConnectRouterInterface", "cn-hangzhou"))
	err = slow.take(ctx, "ConnectRouterInterface", "cn-hangzhou")
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.Equal(t, contract.CallLimitedType, appErr.Type())
	assert.False(t, appErr.NonRetryable())
	assert.InDelta(t, 10*time.Second, appErr.NextRetryDelay(), float64(time.Second))
	assert.Contains(t, appErr.Error(), "ConnectRouterInterface in cn-hangzhou")
}

// A throttle halves the limit (never below a sixteenth of the ceiling);
// answers let it climb back a tenth of the ceiling every climbInterval
// once climbAfter has passed without a throttle.
func TestCallLimitsAdaptToThrottles(t *testing.T) {
	limits, err := NewCallLimits(map[string]float64{"*": 600}, 1, 1)
	require.NoError(t, err)
	now := time.Now()
	limits.now = func() time.Time { return now }
	const op, region = "DescribeRouterInterfaces", "cn-hangzhou"

	limits.throttled(op, region)
	assert.InDelta(t, 5, limits.Limit(op, region), 1e-9)
	for range 10 {
		limits.throttled(op, region)
	}
	assert.InDelta(t, 10.0/16, limits.Limit(op, region), 1e-9, "a sixteenth of the ceiling at the least")

	limits.answered(op, region)
	assert.InDelta(t, 10.0/16, limits.Limit(op, region), 1e-9, "no climb right after a throttle")
	now = now.Add(climbAfter)
	limits.answered(op, region)
	assert.InDelta(t, 10.0/16+1, limits.Limit(op, region), 1e-9)
	limits.answered(op, region)
	assert.InDelta(t, 10.0/16+1, limits.Limit(op, region), 1e-9, "one climb per interval")
	for range 20 {
		now = now.Add(climbInterval)
		limits.answered(op, region)
	}
	assert.InDelta(t, 10, limits.Limit(op, region), 1e-9, "back to the ceiling, not past it")
}

// A cloud call throttled by the cloud lowers the worker's limit of that
// API in that region; the call's error is the cloud's, as without a limit.
func TestAThrottledCallLowersTheLimit(t *testing.T) {
	limits, err := NewCallLimits(map[string]float64{"*": 600}, 1, 1)
	require.NoError(t, err)
	fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
		return nil, activitiestest.AliError(400, "Throttling.User", "RID-throttled")
	}}
	acts := &CloudActivities{VPC: fake, Calls: limits}
	err = activityError(acts, acts.DescribeRouterInterface, RouterInterfaceRef{RegionId: "cn-hangzhou", RouterInterfaceId: "ri-1"})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.Equal(t, "Throttling.User", appErr.Type())
	assert.InDelta(t, 5, limits.Limit("DescribeRouterInterfaces", "cn-hangzhou"), 1e-9)
	assert.InDelta(t, 10, limits.Limit("DescribeRouterInterfaces", "cn-shanghai"), 1e-9, "another region keeps its limit")
}
