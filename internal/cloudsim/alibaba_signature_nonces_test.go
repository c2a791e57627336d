package cloudsim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNonceCacheIsBounded(t *testing.T) {
	c := newNonceCache(3)
	now := time.Unix(1_000_000, 0)
	exp := now.Add(time.Hour)
	for _, k := range []string{"a", "b", "c"} {
		assert.True(t, c.use(k, now, exp))
	}
	assert.False(t, c.use("b", now, exp))
	assert.True(t, c.use("d", now, exp)) // forgets a
	assert.Equal(t, 3, c.len())
	assert.True(t, c.use("a", now, exp), "forgotten past capacity")
	// Expired entries are dropped and may be reused.
	later := exp.Add(time.Second)
	assert.True(t, c.use("c", later, later.Add(time.Hour)))
	assert.False(t, c.use("c", later, later.Add(time.Hour)))
	assert.LessOrEqual(t, c.len(), 3)
	// A long nonce costs a digest, like any other.
	assert.True(t, c.use(strings.Repeat("n", 1<<20), later, later.Add(time.Hour)))
	assert.False(t, c.use(strings.Repeat("n", 1<<20), later, later.Add(time.Hour)))
	assert.LessOrEqual(t, len(c.order), 2*3+1, "the order slice does not grow past its live entries")
}

// TestNonceMemoryIsPerAccessKey: another key's traffic fills its own
// nonce memory, not the victim's, so a replay of the victim's request is
// still refused.
func TestNonceMemoryIsPerAccessKey(t *testing.T) {
	e := newTestEnv(t, nil)
	const capacity = 3
	e.srv.nonces = newSignatureNonces(capacity)

	victim := aliRawParams("DescribeRouterInterfaces")
	victim["AccessKeyId"] = DefaultReadOnlyAccessKeyID
	status, body := sendRawSigned(t, e, http.MethodPost, victim, DefaultReadOnlyAccessKeySecret, "")
	require.Equal(t, http.StatusOK, status, body.Message)

	// The other key fills its memory several times over, through the SDK
	// (a fresh nonce per call).
	flood := e.defaultVPC()
	for range 3 * capacity {
		_, err := flood.DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
		require.NoError(t, err)
	}
	assert.Equal(t, capacity, e.srv.nonces.cacheOf(DefaultAccessKeyID).len(), "the flooding key's memory is full")

	status, body = sendRawSigned(t, e, http.MethodPost, victim, "", "") // the same signed request again
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "SignatureNonceUsed", body.Code)
}

// TestNonceMemoryOnlyForVerifiedKeys: unknown keys and bad signatures get
// no nonce memory, so the number of caches is bounded by the fixture.
func TestNonceMemoryOnlyForVerifiedKeys(t *testing.T) {
	e := newTestEnv(t, nil)
	_, err := e.vpcClient("LTAI5tUnknown", "x").DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	requireAliError(t, err, "InvalidAccessKeyId.NotFound", 404)
	_, err = e.vpcClient(DefaultAccessKeyID, "wrong-secret").DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	requireAliError(t, err, "SignatureDoesNotMatch", 400)
	assert.Equal(t, 0, e.srv.nonces.keys())

	_, err = e.defaultVPC().DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	require.NoError(t, err)
	assert.Equal(t, 1, e.srv.nonces.keys())
	assert.Nil(t, e.srv.nonces.cacheOf("LTAI5tUnknown"))
}
