package cloudsim

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
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
