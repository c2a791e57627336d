package redact

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	secret = "cloudsimDemoSecret0000000000000001"
	akID   = "LTAI5tCloudsimDemoKey001"
	sig    = "7loPmFjvDnzOVnQeQNj85S6nFGY="
	nonce  = "fe9af63addc7629fd234e573b61ea75c"
	sts    = "STS.NUgYrLnoC37mnZyNjKfrjT8h"
	hwAK   = "CLOUDSIMHWAK00000001"
	hwSK   = "cloudsimHuaweiSecretKey00000000000000001"
)

// What each leak found by probing vpcflow looked like, and what must be
// gone from it.
func TestSecretsAreRemoved(t *testing.T) {
	signedURL := "http://127.0.0.1:8380/?AccessKeyId=" + akID + "&Action=ConnectRouterInterface&Format=JSON&RegionId=cn-hangzhou" +
		"&SecurityToken=" + url.QueryEscape(sts) + "&Signature=" + url.QueryEscape(sig) + "&SignatureMethod=HMAC-SHA1&SignatureNonce=" + nonce +
		"&SignatureType=&SignatureVersion=1.0&Timestamp=2026-12-02T08%3A30%3A01Z&Version=2016-04-28"
	sts2sign := "POST&%2F&AccessKeyId%3D" + akID + "%26Action%3DDescribeRouterInterfaces%26SecurityToken%3D" + url.QueryEscape(url.QueryEscape(sts)) +
		"%26SignatureNonce%3D" + nonce
	for name, tc := range map[string]struct {
		text  string
		gone  []string
		stays []string
	}{
		"a network error quoting the signed URL": {
			text:  `Post "` + signedURL + `": EOF`,
			gone:  []string{akID, sig, url.QueryEscape(sig), nonce, "NUgYrLnoC37mnZyNjKfrjT8h"},
			stays: []string{`Post "http://127.0.0.1:8380/?` + Redacted + `": EOF`},
		},
		"SignatureDoesNotMatch quoting the string it signed": {
			text:  "Specified signature is not matched with our calculation. server string to sign is:" + sts2sign,
			gone:  []string{akID, nonce, "NUgYrLnoC37mnZyNjKfrjT8h"},
			stays: []string{"Specified signature is not matched with our calculation."},
		},
		"credentials-go quoting a malformed CLI config": {
			text: `unmarshal aliyun cli config from '/home/op/.aliyun/config.json' failed: {"current":"default","profiles":[{"name":"default",` +
				`"mode":"AK","access_key_id":"` + akID + `","access_key_secret":"` + secret + `","sts_token":"` + sts + `",`,
			gone:  []string{akID, secret, sts},
			stays: []string{"/home/op/.aliyun/config.json", `"mode":"AK"`},
		},
		"an ini profile": {
			text: "[default]\ntype = access_key\naccess_key_id = " + akID + "\naccess_key_secret = short1\n",
			gone: []string{akID, "short1"},
		},
		"a Huawei Authorization header": {
			text:  "Authorization: SDK-HMAC-SHA256 Access=" + hwAK + ", SignedHeaders=user-agent;x-sdk-date, Signature=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			gone:  []string{hwAK, "9f86d081884c7d659a2feaa0c55ad015"},
			stays: []string{"SignedHeaders=user-agent;x-sdk-date"},
		},
		"bearer tokens and tokens in headers": {
			text: "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig; X-Auth-Token: MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwgg",
			gone: []string{"eyJhbGciOiJIUzI1NiJ9", "MIIEhQYJKoZIhvcNAQ"},
		},
		"JSON inside JSON": {
			text:  `{"Message":"{\"access_key_secret\":\"` + secret + `\",\"AccessKeyId\":\"x1\"}"}`,
			gone:  []string{secret, "x1"},
			stays: []string{`{"Message":"{\"access_key_secret\":\"`},
		},
		"keys on their own": {
			text: "the SK " + hwSK + " and the secret " + secret + " of key " + akID,
			gone: []string{hwSK, secret, akID},
		},
	} {
		got := Secrets(tc.text)
		for _, g := range tc.gone {
			assert.NotContains(t, got, g, "%s: %s", name, got)
		}
		for _, s := range tc.stays {
			assert.Contains(t, got, s, "%s: %s", name, got)
		}
		assert.Contains(t, got, Redacted, name)
		assert.Equal(t, got, Secrets(got), "%s: a second pass changes nothing", name)
	}
}

// What support and operators need is kept as it is.
func TestWhatIsNotSecretStays(t *testing.T) {
	for _, text := range []string{
		"ConnectRouterInterface ri-bp1cloudsiminit0001: Forbidden.OnlyOneConnection (HTTP 400): Cannot connect concurrently between same routers. " +
			"Fix: these two routers already have a connected pair. RequestId: 91DB3DF8-9386-401D-A026-DAC409AA9914",
		"ListEndpointConnections eddc4d25480b4cd6b512f270a1b8b341: APIG.0301 (HTTP 401). RequestId: d2dcedb4860e972b9be30fcbe3fcf123",
		"check ALIBABA_CLOUD_ACCESS_KEY_SECRET and HUAWEICLOUD_SDK_SK; the NextToken of an earlier page again",
		"workflow network-change/ri-bp1cloudsiminit0001 run 01a235de-a6b8-7711-8e91-fbb0c25c9951: invalid NetworkChange input",
		"route 2001:db8:10::/48 of vtb-bp1cloudsimsys0001 is Publishing; deadline 2026-12-02T08:31:58Z passed after 5 reads",
		"OperationUnsupported.PublishSystemRouteEntry IncorrectOppositeInterfaceInfo.NotSet verify aksk signature fail",
		// A text log's key=value pairs: the key's capitals and the value's
		// digits are not one key-shaped token.
		"operation=ListEndpointConnections code=OK class=ok RequestId=801b9bb346603985af9d14e12b749b6f attempt=1",
		"span TraceID=4bf92f3577b34da6a3ce929d0e0e4736 SpanID=00f067aa0ba902b7",
	} {
		assert.Equal(t, text, Secrets(text))
	}
}

// FuzzSecrets: whatever the text, Secrets does not panic, keeps valid
// UTF-8 valid, is idempotent, and a secret planted after a credential's
// name, in any of the forms a message or a JSON document writes it, is
// gone.
func FuzzSecrets(f *testing.F) {
	f.Add("prefix", "s3cretValue9", "=")
	f.Add(`{"a":1,"x":"`, secret, `":"`)
	f.Add("Post \"http://h/?", nonce, "%3D")
	f.Add("", sig, ": ")
	f.Fuzz(func(t *testing.T, text, value, sep string) {
		out := Secrets(text)
		if utf8.ValidString(text) {
			require.True(t, utf8.ValidString(out))
		}
		require.Equal(t, out, Secrets(out))
		require.LessOrEqual(t, len(out), len(text)+len(Redacted)*(1+strings.Count(text, "=")+strings.Count(text, ":")+len(text)/8))

		// A planted value, made of the characters values are made of.
		clean := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '.' || r == '_' || r == '-' {
				return r
			}
			return -1
		}, value)
		if len(clean) < 6 || strings.Contains(text, clean) {
			return
		}
		for _, form := range []string{
			text + " access_key_secret=" + clean + " tail",
			text + ` {"SecurityToken": "` + clean + `"}`,
			text + " Signature%3D" + url.QueryEscape(clean) + "%26Timestamp%3D1",
			text + " https://vpc.aliyuncs.com/?Signature=" + url.QueryEscape(clean) + "&x=1 tail",
		} {
			got := Secrets(form)
			require.NotContains(t, got, clean, "form %q gave %q", form, got)
		}
		// JSON stays JSON.
		doc, _ := json.Marshal(map[string]string{"Message": text + " Signature=" + clean})
		var back map[string]string
		require.NoError(t, json.Unmarshal([]byte(Secrets(string(doc))), &back), "%s", Secrets(string(doc)))
	})
}

// SSH signatures, key fingerprints and public keys are public: a signed
// approval is proven by them and `starter audit` prints them, so they pass
// whole, in text and in JSON, while a secret beside them is still removed.
func TestPublicSSHMaterialPasses(t *testing.T) {
	sig := "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAg2mTe7Xj1Yw9Qm0KXc0b5t3vE\nZ3QwYpF1gk8bW9xYc3NAAAATdnBjZmxvdy1kZWNpc2lvbkB2MQ==\n-----END SSH SIGNATURE-----\n"
	fp := "SHA256:VirVG16wMLQX6zjk+rrtAWx2eRCjDN3S6s112/6M+8k"
	pub := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3Zq8Rr2mTe7Xj1Yw9Qm0KXc0b5t3vEZ3QwYpF1gk8"
	secret := "Zx9Kq2Lm8Np4Rs6Tu1Vw3Yb5Cd7Ef0Gh"
	b, err := json.Marshal(map[string]string{"Signature": sig, "KeyFingerprint": fp, "Key": pub, "AccessKeySecret": secret})
	require.NoError(t, err)
	for _, text := range []string{string(b), sig + " " + fp + " " + pub + " secret=" + secret} {
		out := Secrets(text)
		assert.NotContains(t, out, secret)
		for _, public := range []string{fp, pub, "U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAg2mTe7Xj1Yw9Qm0KXc0b5t3vE"} {
			assert.Contains(t, out, public)
		}
		assert.Equal(t, out, Secrets(out), "applying it twice changes nothing more")
	}
	var back map[string]string
	require.NoError(t, json.Unmarshal([]byte(Secrets(string(b))), &back), "JSON stays JSON")
	assert.Equal(t, sig, back["Signature"])
	// Not a signature: a key-shaped body without SSHSIG's magic is redacted.
	assert.NotContains(t, Secrets("-----BEGIN SSH SIGNATURE-----\n"+secret+"\n-----END SSH SIGNATURE-----"), secret)
}
