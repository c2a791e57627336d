package cloudsim

import (
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A quota of 5 calls a second per AccessKey: a burst of 20 reads gets its 5
// and 15 Throttling.User answers in the real answer's shape, none with an
// effect; a second later the bucket has refilled; an action without a
// quota is never throttled.
func TestQuotasThrottleAsTheCloudDoes(t *testing.T) {
	e := newTestEnv(t, DefaultFixture())
	require.NoError(t, e.srv.SetQuotas(Quotas{PerSecond: map[string]float64{"DescribeRouterInterfaces": 5}}))
	c := e.defaultVPC()
	read := func() error {
		req := vpc.CreateDescribeRouterInterfacesRequest()
		req.RegionId = DefaultRegionID
		_, err := c.DescribeRouterInterfaces(req)
		return err
	}
	throttled := 0
	for range 20 {
		if err := read(); err != nil {
			se := requireAliError(t, err, "Throttling.User", 400)
			assert.Equal(t, "Request was denied due to user flow control.", se.Message())
			throttled++
		}
	}
	assert.Equal(t, 15, throttled)
	assert.Equal(t, 15, e.srv.CodeCount("Throttling.User"))
	time.Sleep(1100 * time.Millisecond)
	require.NoError(t, read(), "refilled")

	req := vpc.CreateDescribeVcoRouteEntriesRequest()
	req.RegionId, req.VpnConnectionId = DefaultRegionID, DefaultVpnConnectionID
	for range 10 {
		_, err := c.DescribeVcoRouteEntries(req)
		require.NoError(t, err, "no quota for this action")
	}

	require.ErrorContains(t, e.srv.SetQuotas(Quotas{PerSecond: map[string]float64{"X": -1}}), "positive number")
	e.srv.Reset()
	assert.Equal(t, Quotas{}, e.srv.Quotas(), "a reset clears them")
}

func TestAdminQuotas(t *testing.T) {
	e := newTestEnv(t, nil)
	base := e.http.URL
	var q Quotas
	require.Equal(t, 200, adminDo(t, base, "PUT", "/_cloudsim/quotas", `{"perSecond":{"*":20},"perAccount":true}`, &q))
	assert.Equal(t, Quotas{PerSecond: map[string]float64{"*": 20}, PerAccount: true}, q)
	var bad adminError
	assert.Equal(t, 400, adminDo(t, base, "PUT", "/_cloudsim/quotas", `{"perSecnd":{"*":1}}`, &bad), "unknown field")
	assert.Equal(t, 400, adminDo(t, base, "PUT", "/_cloudsim/quotas", `{"perSecond":{"*":0}}`, &bad))
	var cleared Quotas
	require.Equal(t, 200, adminDo(t, base, "DELETE", "/_cloudsim/quotas", "", &cleared))
	assert.Equal(t, Quotas{}, cleared)
}
