package cloudsim

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func describeAuthorizations(c *vpc.Client, token string, pageSize int) (*vpc.DescribeVpnCrossAccountAuthorizationsResponse, error) {
	req := vpc.CreateDescribeVpnCrossAccountAuthorizationsRequest()
	req.VpnConnectionId = DefaultVpnConnectionID
	req.ClientToken = token
	if pageSize > 0 {
		req.PageSize = requests.NewInteger(pageSize)
	}
	return c.DescribeVpnCrossAccountAuthorizations(req)
}

func TestClientTokenReplaysTheFirstAnswer(t *testing.T) {
	e := newTestEnv(t, nil)
	c := e.defaultVPC()
	first, err := describeAuthorizations(c, "token-1", 10)
	require.NoError(t, err)
	require.Len(t, first.CrossAccountAuthorizations, 1)

	require.NoError(t, e.srv.AddCrossAccountAuthorization(DefaultVpnConnectionID, CrossAccountAuthorizationSeed{
		BindUID: "1310123456123456", BindInstance: "cen-later0001",
	}))

	again, err := describeAuthorizations(c, "token-1", 10)
	require.NoError(t, err)
	assert.Equal(t, first.RequestId, again.RequestId)
	assert.Equal(t, first.GetHttpContentString(), again.GetHttpContentString(), "the same body, byte for byte")
	assert.Equal(t, first.RequestId, again.GetHttpHeaders()["X-Acs-Request-Id"][0])
	assert.Len(t, again.CrossAccountAuthorizations, 1, "the later authorization is not seen")

	fresh, err := describeAuthorizations(c, "token-2", 10)
	require.NoError(t, err)
	assert.NotEqual(t, first.RequestId, fresh.RequestId)
	assert.Len(t, fresh.CrossAccountAuthorizations, 2, "a new token is answered afresh")
	none, err := describeAuthorizations(c, "", 10)
	require.NoError(t, err)
	assert.Len(t, none.CrossAccountAuthorizations, 2, "so is a call without token")

	_, err = describeAuthorizations(c, "token-1", 20)
	se := requireAliError(t, err, "IdempotentParameterMismatch", 400)
	assert.Equal(t, "The request uses the same client token as a previous, but non-identical request.", se.Message())

	calls := e.srv.Calls("DescribeVpnCrossAccountAuthorizations")
	require.Len(t, calls, 5)
	assert.Equal(t, calls[0].RequestID, calls[1].RequestID, "the log records the request ID answered")
}

func TestClientTokenRemembersSuccessesOnly(t *testing.T) {
	e := newTestEnv(t, nil)
	c := e.defaultVPC()
	_, err := describeAuthorizations(c, "token-err", 51)
	requireAliError(t, err, "InvalidParameter", 400)
	_, err = describeAuthorizations(c, "token-err", 10)
	require.NoError(t, err, "an error answer leaves the token unused")

	// Faults answer before the token is looked at, and are not remembered.
	require.NoError(t, e.srv.SetFaults(Faults{Scripted: []ScriptedFault{
		{Action: "DescribeVcoRouteEntries", Count: 1, Code: "ServiceUnavailable", Status: 503},
	}}))
	vco := func() (*vpc.DescribeVcoRouteEntriesResponse, error) {
		req := vpc.CreateDescribeVcoRouteEntriesRequest()
		req.VpnConnectionId = DefaultVpnConnectionID
		req.ClientToken = "token-vco"
		return c.DescribeVcoRouteEntries(req)
	}
	_, err = vco()
	requireAliError(t, err, "ServiceUnavailable", 503)
	first, err := vco()
	require.NoError(t, err)
	again, err := vco()
	require.NoError(t, err)
	assert.Equal(t, first.RequestId, again.RequestId)
}

func TestClientTokenScope(t *testing.T) {
	e := newTestEnv(t, nil)
	c := e.defaultVPC()
	auths, err := describeAuthorizations(c, "shared-token", 0)
	require.NoError(t, err)

	// Another action with the same token is another token.
	req := vpc.CreateDescribeVcoRouteEntriesRequest()
	req.VpnConnectionId = DefaultVpnConnectionID
	req.RouteEntryType = "bgp"
	req.ClientToken = "shared-token"
	routes, err := c.DescribeVcoRouteEntries(req)
	require.NoError(t, err)
	assert.NotEqual(t, auths.RequestId, routes.RequestId)

	// The signature and common parameters change on every retry and do
	// not make a mismatch; the read-only key belongs to the same account.
	ro := e.vpcClient(DefaultReadOnlyAccessKeyID, DefaultReadOnlyAccessKeySecret)
	again, err := describeAuthorizations(ro, "shared-token", 0)
	require.NoError(t, err)
	assert.Equal(t, auths.RequestId, again.RequestId)

	// Reset forgets every token.
	e.srv.Reset()
	afterReset, err := describeAuthorizations(c, "shared-token", 0)
	require.NoError(t, err)
	assert.NotEqual(t, auths.RequestId, afterReset.RequestId)
}

func TestClientTokenAccountScope(t *testing.T) {
	f := DefaultFixture()
	f.Alibaba.AccessKeys = append(f.Alibaba.AccessKeys, AccessKeyFixture{
		ID: "LTAI5tPeerAccount", Secret: "peer-secret", AccountUID: DefaultPeerAccountUID,
	})
	e := newTestEnv(t, f)
	_, err := describeAuthorizations(e.defaultVPC(), "token-a", 0)
	require.NoError(t, err)
	// The same token in another account is that account's own: it is
	// answered afresh (here: the connection is not the peer's).
	_, err = describeAuthorizations(e.vpcClient("LTAI5tPeerAccount", "peer-secret"), "token-a", 0)
	requireAliError(t, err, "Forbidden", 403)
}

func TestClientTokenCacheIsBounded(t *testing.T) {
	c := newClientTokenCache()
	key := func(i int) clientTokenKey { return newClientTokenKey(DefaultAccountUID, "A", fmt.Sprint(i)) }
	for i := range maxClientTokens + 10 {
		c.remember(key(i), rememberedAnswer{body: []byte("{}")})
	}
	assert.Len(t, c.answers, maxClientTokens)
	_, ok := c.lookup(key(9))
	assert.False(t, ok, "the oldest are forgotten first")
	_, ok = c.lookup(key(10))
	assert.True(t, ok)

	big := []byte(strings.Repeat("x", maxClientTokenBytes/2+1))
	c.remember(key(-1), rememberedAnswer{body: big})
	c.remember(key(-2), rememberedAnswer{body: big})
	assert.LessOrEqual(t, c.bytes, maxClientTokenBytes)
	_, ok = c.lookup(key(-1))
	assert.False(t, ok, "forgotten to stay within the byte budget")
	_, ok = c.lookup(key(-2))
	assert.True(t, ok)
	c.remember(key(-3), rememberedAnswer{body: make([]byte, maxClientTokenBytes+1)})
	_, ok = c.lookup(key(-3))
	assert.False(t, ok, "an answer above the budget is not kept")

	// A huge token costs a digest, not its length.
	assert.Equal(t, newClientTokenKey("1", "A", strings.Repeat("t", 1<<20)), newClientTokenKey("1", "A", strings.Repeat("t", 1<<20)))
	assert.NotEqual(t, newClientTokenKey("1", "AB", "C"), newClientTokenKey("1", "A", "BC"))
}

func TestOperationParamsDigest(t *testing.T) {
	base := rpcParams{"VpnConnectionId": "vco-1", "PageSize": "10", "RegionId": "cn-hangzhou",
		"Signature": "a", "SignatureNonce": "n1", "Timestamp": "t1", "ClientToken": "x"}
	retry := rpcParams{"VpnConnectionId": "vco-1", "PageSize": "10", "RegionId": "cn-hangzhou",
		"Signature": "b", "SignatureNonce": "n2", "Timestamp": "t2", "ClientToken": "x", "SecurityToken": "s"}
	assert.Equal(t, digestOperationParams(base), digestOperationParams(retry))
	other := rpcParams{"VpnConnectionId": "vco-1", "PageSize": "20", "RegionId": "cn-hangzhou"}
	assert.NotEqual(t, digestOperationParams(base), digestOperationParams(other))
	region := rpcParams{"VpnConnectionId": "vco-1", "PageSize": "10", "RegionId": "cn-shanghai"}
	assert.NotEqual(t, digestOperationParams(base), digestOperationParams(region))
	assert.NotEqual(t, digestOperationParams(rpcParams{"a": "bc"}), digestOperationParams(rpcParams{"ab": "c"}))
}
