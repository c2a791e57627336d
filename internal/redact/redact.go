// Package redact removes secrets from text before it leaves a vpcflow
// process: failure messages and details sent to Temporal, log lines, and
// what the starter prints. Secrets reach error text by many roads (a
// network error quoting the signed request URL, a cloud's
// SignatureDoesNotMatch quoting the string it signed, a credentials file
// quoted whole by the library that failed to parse it), so the redaction is
// applied where text leaves, not where each error is made: a future error
// path cannot skip it.
//
// What is redacted:
//   - the query string of every http(s) URL (a signed Alibaba RPC request
//     carries AccessKeyId, SecurityToken, Signature and SignatureNonce there);
//   - the string a cloud says it signed ("string to sign is:...");
//   - the value of every key that names a credential or signature material
//     (AccessKeyId, access_key_secret, SecurityToken, Signature,
//     SignatureNonce, X-Auth-Token, Authorization, password, private_key,
//     ...), written key=value, key: value, "key": "value" or URL-encoded;
//   - bearer tokens;
//   - anything shaped like a key: an Alibaba AccessKey ID (LTAI...) or STS
//     token (STS....), a Huawei AK (20 capitals and digits), and any run of
//     24 or more letters, digits and base64 signs (and its = padding)
//     mixing upper case, lower case and digits, as secrets and signatures
//     are.
//
// RequestIds, resource IDs and error codes survive: they are what support
// needs, and none has that shape.
package redact

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Redacted replaces what is removed.
const Redacted = "[REDACTED]"

var (
	signedString = regexp.MustCompile(`(?i)(string to sign is:)\s*\S+`)
	// urlQuery stops at quotes and backslashes, so text inside JSON stays
	// valid JSON; the key rule below catches what follows an escape.
	urlQuery = regexp.MustCompile(`(?i)(https?://[^\s"'?\\<>]+)\?[^\s"'\\<>]*`)
	// credentialValue: a credential's name, a separator (=, :, their URL
	// encodings once and twice, with or without quotes) and its value up to
	// a delimiter. Percent escapes other than %26 (an encoded &) are part of
	// a value, so an URL-encoded signature goes whole.
	credentialValue = regexp.MustCompile(`(?i)(\b(?:access[_-]?key[_-]?(?:id|secret)|accesskey(?:id|secret)|secret[_-]?(?:access[_-]?)?key|` +
		`security[_-]?token|sts[_-]?token|bearer[_-]?token|signature[_-]?nonce|signature|x-auth-token|x-security-token|authorization|` +
		`password|passwd|private[_-]?key|client[_-]?secret|api[_-]?key|secret|token|access|ak|sk)(?:\\?["'])?\s*(?::|=|%3D|%253D)\s*(?:\\?["'])?)` +
		`((?:[^\s"'\\&,;{}\[\]()<>%]|%(?:[0-13-9A-Fa-f][0-9A-Fa-f]|2[0-57-9A-Fa-f]))+)`)
	bearer    = regexp.MustCompile(`(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+`)
	aliyunKey = regexp.MustCompile(`\b(?:LTAI[A-Za-z0-9]{8,}|STS\.[A-Za-z0-9._-]{8,})`)
	huaweiAK  = regexp.MustCompile(`\b[A-Z0-9]{20}\b`)
	// keyShaped: '=' only as base64's padding at the end, so that a
	// logged key=value pair ("RequestId=801b9b...") is not read as one
	// token mixing the key's capitals with the value's digits.
	keyShaped = regexp.MustCompile(`[A-Za-z0-9+_]{24,}={0,2}`)
)

// Secrets returns s with every secret it can recognise replaced by
// Redacted. It never lengthens s by more than the markers it adds, and
// applying it twice changes nothing more.
func Secrets(s string) string {
	if s == "" {
		return s
	}
	s, public := setAsidePublicSSH(s)
	s = signedString.ReplaceAllString(s, "${1}"+Redacted)
	s = urlQuery.ReplaceAllString(s, "${1}?"+Redacted)
	// Bearer tokens first: "Authorization: Bearer x" would otherwise lose
	// only the word Bearer to the rule after.
	s = bearer.ReplaceAllString(s, "${1}"+Redacted)
	s = credentialValue.ReplaceAllString(s, "${1}"+Redacted)
	s = aliyunKey.ReplaceAllString(s, Redacted)
	s = huaweiAK.ReplaceAllStringFunc(s, func(m string) string {
		if mixes(m, false) {
			return Redacted
		}
		return m
	})
	s = keyShaped.ReplaceAllStringFunc(s, func(m string) string {
		if mixes(m, true) {
			return Redacted
		}
		return m
	})
	return public.Replace(s)
}

var (
	// sshSignature is an armored SSH signature (ssh-keygen -Y sign), its
	// line breaks as they are or escaped in JSON; its body starts with the
	// base64 of its magic "SSHSIG", so nothing else passes for one.
	sshSignature = regexp.MustCompile(`-----BEGIN SSH SIGNATURE-----(?:\\n|\\r|\s)*U1NIU0lH[A-Za-z0-9+/=\s\\nr]*?-----END SSH SIGNATURE-----`)
	// sshFingerprint is a key's SHA256 fingerprint as ssh-keygen prints it.
	sshFingerprint = regexp.MustCompile(`\bSHA256:[A-Za-z0-9+/]{43}`)
	// sshPublicKey is a public key in authorized_keys form.
	sshPublicKey = regexp.MustCompile(`\b(?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) AAAA[A-Za-z0-9+/]+={0,3}`)
)

// setAsidePublicSSH replaces the SSH signatures, key fingerprints and
// public keys in s with markers the rules leave alone, and returns the
// replacer that puts them back. They are public by design (a signed
// approval is proven by them, and an audit prints them) but shaped like
// secrets. A private key has none of these shapes and is redacted as ever.
func setAsidePublicSSH(s string) (string, *strings.Replacer) {
	var pairs []string
	for _, re := range []*regexp.Regexp{sshSignature, sshFingerprint, sshPublicKey} {
		s = re.ReplaceAllStringFunc(s, func(m string) string {
			marker := fmt.Sprintf("{ssh-public-%d}", len(pairs)/2)
			pairs = append(pairs, marker, m)
			return marker
		})
	}
	return s, strings.NewReplacer(pairs...)
}

// mixes tells whether a token has letters and digits, and with lower set
// both upper-case and lower-case letters: the shape of generated keys,
// unlike words, codes and hex or lower-case IDs.
func mixes(token string, lower bool) bool {
	var u, l, d bool
	for _, r := range token {
		switch {
		case unicode.IsUpper(r):
			u = true
		case unicode.IsLower(r):
			l = true
		case unicode.IsDigit(r):
			d = true
		}
	}
	if lower {
		return u && l && d
	}
	return u && d
}
