package cloudsim

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Alibaba RPC signature (HMAC-SHA1, SignatureVersion 1.0), exactly as
// alibaba-cloud-sdk-go's auth/rpc_signature_composer.go builds it; see
// /work/shared/notes/protocols.md §1.

// alibabaPercentEncode is RFC 3986 encoding with uppercase hex: only
// A-Za-z0-9-_.~ stay as they are. It is url.QueryEscape with the three
// substitutions the SDK applies. With Go's QueryEscape only the "+" one
// changes anything ("*" is already %2A and "~" is kept), but all three
// stay so the code reads like the SDK it must agree with.
func alibabaPercentEncode(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	e = strings.ReplaceAll(e, "*", "%2A")
	e = strings.ReplaceAll(e, "%7E", "~")
	return e
}

// alibabaStringToSign builds METHOD&%2F&enc(canonicalized query) from all
// parameters except Signature. Empty values (SignatureType) are kept.
func alibabaStringToSign(method string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(alibabaPercentEncode(k))
		b.WriteByte('=')
		b.WriteString(alibabaPercentEncode(params[k]))
	}
	return method + "&" + alibabaPercentEncode("/") + "&" + alibabaPercentEncode(b.String())
}

// alibabaSign returns base64(HMAC-SHA1(secret+"&", stringToSign)).
func alibabaSign(stringToSign, secret string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// alibabaTimestampWindow is how far a request Timestamp may be from now.
const alibabaTimestampWindow = 15 * time.Minute

// nonceCache remembers SignatureNonces until the request that carried them
// could no longer pass the timestamp check, so a replay within the window
// answers SignatureNonceUsed. Memory is bounded: past capacity the oldest
// nonce is forgotten first (a replay of it would then be caught only by
// the timestamp window).
type nonceCache struct {
	mu       sync.Mutex
	capacity int
	seen     map[string]time.Time // key -> expiry
	order    []string             // ring of keys in insertion order
	head     int
	size     int
}

const defaultNonceCapacity = 1 << 17

func newNonceCache(capacity int) *nonceCache {
	return &nonceCache{capacity: capacity, seen: make(map[string]time.Time), order: make([]string, capacity)}
}

// use records key and reports false if it was already seen and has not
// expired.
func (c *nonceCache) use(key string, now, expiry time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if exp, ok := c.seen[key]; ok && now.Before(exp) {
		return false
	}
	// Drop expired entries from the front; they were inserted first.
	for c.size > 0 {
		k := c.order[c.head]
		if exp, ok := c.seen[k]; ok && now.Before(exp) {
			break
		}
		c.evictHead()
	}
	if c.size == c.capacity {
		c.evictHead()
	}
	c.order[(c.head+c.size)%c.capacity] = key
	c.size++
	c.seen[key] = expiry
	return true
}

func (c *nonceCache) evictHead() {
	k := c.order[c.head]
	c.order[c.head] = ""
	c.head = (c.head + 1) % c.capacity
	c.size--
	delete(c.seen, k)
}

func (c *nonceCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}
