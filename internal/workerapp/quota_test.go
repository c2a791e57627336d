package workerapp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseQuotas(t *testing.T) {
	quotas, err := ParseQuotas("DescribeRouterInterfaces=900")
	require.NoError(t, err)
	assert.Equal(t, 900.0, quotas["DescribeRouterInterfaces"])
	assert.Equal(t, 1200.0, quotas["ListVpcPublishedRouteEntries"], "a default kept")

	// With "*" the list is the whole table.
	quotas, err = ParseQuotas("DescribeRouterInterfaces=1200, *=100")
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"DescribeRouterInterfaces": 1200, "*": 100}, quotas)

	for in, want := range map[string]string{
		"DescribeRouterInterfaces":      "want Operation=calls-per-minute",
		"=5":                            "want Operation=calls-per-minute",
		"DescribeRouterInterfaces=fast": `call quota of DescribeRouterInterfaces: "fast"`,
		"ConnectRouterInterface=0":      "above 0",
	} {
		_, err := ParseQuotas(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}

// The worker's limit of an API is the share of its quota split between
// the workers; a bad setting is refused before the worker starts.
func TestQuotaMakesTheWorkersLimits(t *testing.T) {
	limits, err := Quota{Workers: 3}.callLimits()
	require.NoError(t, err)
	assert.InDelta(t, 1200.0/60*0.5/3, limits.Limit("ListVpcPublishedRouteEntries", "cn-hangzhou"), 1e-9)

	for q, want := range map[*Quota]string{
		{Workers: -1}:                      "workers -1",
		{Share: 2}:                         "quota share 2",
		{TaskQueueActivitiesPerSecond: -5}: "task queue activities per second -5",
	} {
		_, err := q.callLimits()
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
	}
}
