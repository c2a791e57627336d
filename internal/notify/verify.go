package notify

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxSkew is the age VerifyGeneric accepts when given none: a
// signed event older or newer than this is refused (a replay).
const DefaultMaxSkew = 5 * time.Minute

// ErrInvalidSignature is what every VerifyGeneric failure wraps.
var ErrInvalidSignature = errors.New("invalid vpcflow signature")

// VerifyGeneric checks a generic webhook's request as a receiver gets it:
// secret is the target's secret, timestamp the X-Vpcflow-Timestamp header
// (Unix seconds), body the request's body exactly as received, and
// signatureHeader the X-Vpcflow-Signature header ("sha256=" and the hex
// HMAC-SHA256, keyed with secret, of timestamp + "." + body). The
// timestamp must be within maxSkew of now (DefaultMaxSkew when maxSkew is
// 0 or less), so that a captured request cannot be replayed later;
// within that window, dedupe on the Idempotency-Key header. The
// comparison is in constant time. An error wraps ErrInvalidSignature.
func VerifyGeneric(secret, timestamp string, body []byte, signatureHeader string, now time.Time, maxSkew time.Duration) error {
	if secret == "" {
		return fmt.Errorf("%w: no secret to verify with", ErrInvalidSignature)
	}
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	timestamp = strings.TrimSpace(timestamp)
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: the timestamp is not Unix seconds", ErrInvalidSignature)
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > maxSkew || skew < -maxSkew {
		return fmt.Errorf("%w: the timestamp is %s away from now (at most %s)", ErrInvalidSignature, skew.Round(time.Second), maxSkew)
	}
	got, ok := strings.CutPrefix(strings.TrimSpace(signatureHeader), "sha256=")
	if !ok {
		return fmt.Errorf("%w: the signature does not start with sha256=", ErrInvalidSignature)
	}
	want := strings.TrimPrefix(genericSignature(secret, timestamp, body), "sha256=")
	if !hmac.Equal([]byte(strings.ToLower(got)), []byte(want)) {
		return fmt.Errorf("%w: the signature does not match the body", ErrInvalidSignature)
	}
	return nil
}
