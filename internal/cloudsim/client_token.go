package cloudsim

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"net/http"
	"sort"
)

// ClientToken idempotence, as Alibaba Cloud documents it: a second call
// with the same ClientToken and the same parameters gets the first call's
// answer again, unchanged (RequestId included), and changes nothing; the
// same token with other parameters answers IdempotentParameterMismatch;
// without a token every call is answered afresh.

// clientTokenActions are the actions of cloudsim whose request (in
// services/vpc of the SDK) has a ClientToken field.
var clientTokenActions = map[string]bool{
	"DescribeVcoRouteEntries":               true,
	"DescribeVpnCrossAccountAuthorizations": true,
}

// commonRPCParams are the parameters every call carries (common and
// signature parameters) and ClientToken itself: they differ between a call
// and its retry, so they are not part of what a token vouches for.
var commonRPCParams = map[string]bool{
	"Version": true, "Format": true, "AccessKeyId": true, "Signature": true, "SignatureMethod": true,
	"SignatureVersion": true, "SignatureNonce": true, "SignatureType": true, "Timestamp": true,
	"SecurityToken": true, "BearerToken": true, "ClientToken": true, "Action": true,
}

// Bounds of the remembered answers: the most recent tokens are kept, the
// oldest forgotten first, and the answers kept never add up to more than
// maxClientTokenBytes.
const (
	maxClientTokens     = 4096
	maxClientTokenBytes = 16 << 20
)

func errIdempotentParameterMismatch() *apiError {
	return newAPIError(http.StatusBadRequest, "IdempotentParameterMismatch",
		"The request uses the same client token as a previous, but non-identical request.")
}

// clientTokenKey identifies a token within the caller's account and the
// action. It is a digest so that a hostile, huge token costs no memory.
type clientTokenKey [sha256.Size]byte

// paramsDigest is the digest of an operation's own parameters.
type paramsDigest [sha256.Size]byte

// rememberedAnswer is the success a token was first answered with.
type rememberedAnswer struct {
	params    paramsDigest
	requestID string
	body      []byte
}

// clientTokenCache remembers the answers of successful calls that carried
// a ClientToken. Guarded by Server.mu.
type clientTokenCache struct {
	answers map[clientTokenKey]rememberedAnswer
	order   []clientTokenKey // ring of keys, oldest at head
	head    int
	size    int
	bytes   int
}

func newClientTokenCache() *clientTokenCache {
	return &clientTokenCache{answers: map[clientTokenKey]rememberedAnswer{}, order: make([]clientTokenKey, maxClientTokens)}
}

func newClientTokenKey(accountUID, action, token string) clientTokenKey {
	h := sha256.New()
	writeField(h, accountUID)
	writeField(h, action)
	writeField(h, token)
	var k clientTokenKey
	h.Sum(k[:0])
	return k
}

// digestOperationParams hashes every parameter but the common ones, in key
// order, so two calls compare equal exactly when their operation
// parameters are the same.
func digestOperationParams(p rpcParams) paramsDigest {
	keys := make([]string, 0, len(p))
	for k := range p {
		if !commonRPCParams[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		writeField(h, k)
		writeField(h, p[k])
	}
	var d paramsDigest
	h.Sum(d[:0])
	return d
}

// writeField writes s length-prefixed, so that no two different field
// sequences hash the same input.
func writeField(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

func (c *clientTokenCache) lookup(k clientTokenKey) (rememberedAnswer, bool) {
	a, ok := c.answers[k]
	return a, ok
}

// remember keeps the answer of k, forgetting the oldest answers past the
// bounds. An answer larger than the whole budget is not kept.
func (c *clientTokenCache) remember(k clientTokenKey, a rememberedAnswer) {
	if len(a.body) > maxClientTokenBytes {
		return
	}
	if _, ok := c.answers[k]; ok {
		// The first answer stays, and a key sits in the ring only once.
		return
	}
	for c.size == maxClientTokens || c.bytes+len(a.body) > maxClientTokenBytes {
		c.forgetOldest()
	}
	c.order[(c.head+c.size)%maxClientTokens] = k
	c.size++
	c.bytes += len(a.body)
	c.answers[k] = a
}

func (c *clientTokenCache) forgetOldest() {
	k := c.order[c.head]
	c.bytes -= len(c.answers[k].body)
	delete(c.answers, k)
	c.head = (c.head + 1) % maxClientTokens
	c.size--
}
