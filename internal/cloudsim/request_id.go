package cloudsim

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// newAlibabaRequestID returns an uppercase UUID-shaped ID like
// "DE77A7F3-3B74-41C0-A5BC-CAFD188C28B6". Request IDs come from
// crypto/rand, not the seeded fault source, so that two servers started
// with the same seed still never share request IDs.
func newAlibabaRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newHuaweiRequestID returns 32 lowercase hex characters, the shape of
// Huawei Cloud's X-Request-Id.
func newHuaweiRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
