package cloudsim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Huawei Cloud SDK-HMAC-SHA256 signature, as core/auth/signer/signer.go of
// huaweicloud-sdk-go-v3 computes it; see /work/shared/notes/protocols.md §5.

const huaweiSignAlgorithm = "SDK-HMAC-SHA256"

// huaweiEscape keeps A-Za-z0-9_-~. and percent-encodes every other byte
// with uppercase hex (the SDK's escape/shouldEscape).
func huaweiEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '~' || c == '.' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// huaweiCanonicalURI escapes each segment of the decoded path and ends it
// with "/".
func huaweiCanonicalURI(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = huaweiEscape(s)
	}
	u := strings.Join(segs, "/")
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

// huaweiCanonicalQuery sorts keys, then values within a key; a bare key is
// signed as "key=".
func huaweiCanonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vals := append([]string{}, q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			parts = append(parts, huaweiEscape(k)+"="+huaweiEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// huaweiAuthorization is the parsed Authorization header.
type huaweiAuthorization struct {
	access        string
	signedHeaders []string
	signature     string
}

// parseHuaweiAuthorization reads
// "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex".
func parseHuaweiAuthorization(h string) (huaweiAuthorization, error) {
	var a huaweiAuthorization
	rest, ok := strings.CutPrefix(h, huaweiSignAlgorithm+" ")
	if !ok {
		return a, errors.New("unsupported authorization scheme")
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			// Never quote the field: it may be the signature or the AK.
			return a, errors.New("malformed authorization header")
		}
		switch k {
		case "Access":
			a.access = v
		case "SignedHeaders":
			if v != "" {
				a.signedHeaders = strings.Split(v, ";")
			}
		case "Signature":
			a.signature = v
		}
	}
	if a.access == "" || a.signature == "" || len(a.signedHeaders) == 0 {
		return a, errors.New("authorization needs Access, SignedHeaders and Signature")
	}
	return a, nil
}

// huaweiStringToSign rebuilds the canonical request of r from the signed
// header list and returns the string to sign.
func huaweiStringToSign(r *http.Request, body []byte, signedHeaders []string, sdkDate string) string {
	var hdr strings.Builder
	for _, name := range signedHeaders {
		var vals []string
		if name == "host" {
			vals = []string{r.Host}
		} else {
			vals = append(vals, r.Header.Values(name)...)
		}
		sort.Strings(vals)
		for _, v := range vals {
			hdr.WriteString(name + ":" + strings.TrimSpace(v) + "\n")
		}
	}
	payloadHash := r.Header.Get("X-Sdk-Content-Sha256")
	if payloadHash == "" {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	}
	canonical := strings.Join([]string{
		r.Method,
		huaweiCanonicalURI(r.URL.Path),
		huaweiCanonicalQuery(r.URL.Query()),
		hdr.String(),
		strings.Join(signedHeaders, ";"),
		payloadHash,
	}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	return huaweiSignAlgorithm + "\n" + sdkDate + "\n" + hex.EncodeToString(sum[:])
}

// huaweiSign returns hex(HMAC-SHA256(sk, stringToSign)).
func huaweiSign(stringToSign, sk string) string {
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(stringToSign))
	return hex.EncodeToString(mac.Sum(nil))
}
