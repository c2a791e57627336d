package cloudsim

import (
	"crypto/sha256"
	"sync"
	"time"
)

// SignatureNonce memory: a nonce is remembered until the request that
// carried it could no longer pass the timestamp check, so a replay within
// the window answers SignatureNonceUsed.

// defaultNonceCapacity is how many nonces are remembered per AccessKeyId.
const defaultNonceCapacity = 1 << 17

// signatureNonces keeps one bounded nonceCache per AccessKeyId. Per key,
// so that one key's traffic cannot push another key's nonces out of memory
// and reopen the replay window of that key's requests. A cache is made
// only for a key whose signature verified, so there are at most as many
// caches as the fixture has keys.
type signatureNonces struct {
	capacityPerKey int

	mu    sync.Mutex // guards byKey; each cache has its own lock
	byKey map[string]*nonceCache
}

func newSignatureNonces(capacityPerKey int) *signatureNonces {
	return &signatureNonces{capacityPerKey: capacityPerKey, byKey: map[string]*nonceCache{}}
}

// use records nonce for accessKeyID, which must have passed the signature
// check, and reports false if it was already seen and has not expired.
func (n *signatureNonces) use(accessKeyID, nonce string, now, expiry time.Time) bool {
	n.mu.Lock()
	c := n.byKey[accessKeyID]
	if c == nil {
		c = newNonceCache(n.capacityPerKey)
		n.byKey[accessKeyID] = c
	}
	n.mu.Unlock()
	return c.use(nonce, now, expiry)
}

// cacheOf returns the cache of accessKeyID, or nil if it has none.
func (n *signatureNonces) cacheOf(accessKeyID string) *nonceCache {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.byKey[accessKeyID]
}

// keys returns how many AccessKeyIds have a cache.
func (n *signatureNonces) keys() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.byKey)
}

// nonceDigest is what a nonceCache keeps of a nonce: a digest, so that a
// long nonce costs no more memory than a UUID.
type nonceDigest [sha256.Size]byte

// nonceCache remembers the nonces of one AccessKeyId. Memory is bounded:
// past capacity the oldest nonce is forgotten first (a replay of it would
// then be caught only by the timestamp window).
type nonceCache struct {
	mu       sync.Mutex
	capacity int
	expiries map[nonceDigest]time.Time
	order    []nonceDigest // insertion order, oldest at order[head]
	head     int
}

func newNonceCache(capacity int) *nonceCache {
	return &nonceCache{capacity: capacity, expiries: map[nonceDigest]time.Time{}}
}

// use records nonce and reports false if it was already seen and has not
// expired.
func (c *nonceCache) use(nonce string, now, expiry time.Time) bool {
	d := nonceDigest(sha256.Sum256([]byte(nonce)))
	c.mu.Lock()
	defer c.mu.Unlock()
	if exp, ok := c.expiries[d]; ok && now.Before(exp) {
		return false
	}
	// Drop expired entries from the front; they were inserted first.
	for c.size() > 0 {
		if exp, ok := c.expiries[c.order[c.head]]; ok && now.Before(exp) {
			break
		}
		c.forgetOldest()
	}
	if c.size() == c.capacity {
		c.forgetOldest()
	}
	if _, again := c.expiries[d]; !again {
		// An expired nonce used again keeps its place in the order.
		c.order = append(c.order, d)
	}
	c.expiries[d] = expiry
	// Move the live entries to the front once the forgotten ones fill half
	// the slice, so it does not grow without bound.
	if c.head > 0 && c.head >= len(c.order)/2 {
		n := copy(c.order, c.order[c.head:])
		c.order = c.order[:n]
		c.head = 0
	}
	return true
}

func (c *nonceCache) size() int { return len(c.order) - c.head }

func (c *nonceCache) forgetOldest() {
	delete(c.expiries, c.order[c.head])
	c.head++
}

func (c *nonceCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.expiries)
}
