package approval

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpcflow/vpcflow/contract"
)

func TestParseAllowedSigners(t *testing.T) {
	alice, bob, carol, dave := newKey(t, "ed25519"), newKey(t, "ecdsa"), newKey(t, "ed25519"), newKey(t, "rsa")
	file := strings.Join([]string{
		"# the team's keys",
		"",
		"alice@example.com " + alice.authorizedKey() + " alice's laptop",
		"  bob@example.com,bob   namespaces=\"git,vpcflow-decision@v1\" " + bob.authorizedKey(),
		`"carol@example.com" valid-after="20250101Z",valid-before="20261231235959Z" ` + carol.authorizedKey() + " carol",
		"dave@example.com VALID-AFTER=\"202501021530\" " + dave.authorizedKey() + "\r", // option names in any case, CRLF
		"\t# an indented comment",
	}, "\n")
	signers, err := ParseAllowedSigners([]byte(file))
	require.NoError(t, err)
	assert.Equal(t, []contract.AllowedSigner{
		{Principals: []string{"alice@example.com"}, Key: alice.authorizedKey()},
		{Principals: []string{"bob@example.com", "bob"}, Key: bob.authorizedKey(), Namespaces: []string{"git", "vpcflow-decision@v1"}},
		{Principals: []string{"carol@example.com"}, Key: carol.authorizedKey(),
			ValidAfter:  time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			ValidBefore: time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)},
		// Without Z, local time, as ssh-keygen reads it.
		{Principals: []string{"dave@example.com"}, Key: dave.authorizedKey(), ValidAfter: time.Date(2025, 1, 2, 15, 30, 0, 0, time.Local)},
	}, signers)
	assert.NotContains(t, signers[0].Key, "laptop", "the comment is not part of the key")

	signers, err = ParseAllowedSigners(nil)
	require.NoError(t, err)
	assert.Empty(t, signers)
}

func TestAllowedSignersProblems(t *testing.T) {
	key := newKey(t, "ed25519").authorizedKey()
	for line, want := range map[string]string{
		"*@example.com " + key:                                          `principal "*@example.com" is a pattern: only exact principals are supported, list each one`,
		"alice@example.com,bo? " + key:                                  `principal "bo?" is a pattern`,
		"!mallory,alice " + key:                                         `principal "!mallory" is a pattern`,
		"alice,,bob " + key:                                             `an empty principal`,
		"alice@example.com":                                             `no public key after the principals (expected: principals [options] keytype base64-key [comment])`,
		"alice@example.com ssh-ed25519 AAAAnope":                        `no valid public key after the principals`,
		`"alice@example.com ` + key:                                     `the quoted principals have no closing quote`,
		"alice cert-authority " + key:                                   `cert-authority is not supported: decisions are signed by plain keys, list each person's public key`,
		"alice no-pty " + key:                                           `unknown option "no-pty" (the options are namespaces, valid-after and valid-before)`,
		"alice namespaces=git " + key:                                   `option namespaces: put its value in double quotes, namespaces="..."`,
		"alice namespaces " + key:                                       `option namespaces needs a value: namespaces="..."`,
		`alice namespaces="git,*" ` + key:                               `option namespaces: "*" is a pattern: only exact namespaces are supported (vpcflow-decision@v1 for decisions)`,
		`alice namespaces="git",namespaces="x" ` + key:                  `option namespaces is given twice`,
		`alice valid-after="2025" ` + key:                               `option valid-after: "2025" is not a time: write YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, with Z for UTC`,
		`alice valid-before="20251341Z" ` + key:                         `option valid-before: "20251341Z" is not a time`,
		`alice valid-after="20260101Z",valid-before="20250101Z" ` + key: `valid-after is not before valid-before: the key could never sign`,
	} {
		// A good line, a comment, then the bad line: its number is 3.
		_, err := ParseAllowedSigners([]byte("bob " + key + "\n# comment\n" + line + "\n"))
		require.Error(t, err, line)
		assert.True(t, strings.HasPrefix(err.Error(), "line 3: "+want), "%s\ngot: %v", line, err)
	}
}

func TestAllowedSignersReportsEveryLine(t *testing.T) {
	key := newKey(t, "ed25519").authorizedKey()
	_, err := ParseAllowedSigners([]byte("*@example.com " + key + "\nalice " + key + "\nbob no-pty " + key + "\n"))
	require.EqualError(t, err, strings.Join([]string{
		`line 1: principal "*@example.com" is a pattern: only exact principals are supported, list each one`,
		`line 3: unknown option "no-pty" (the options are namespaces, valid-after and valid-before)`,
	}, "\n"))
}

func TestAPrivateKeyIsNotEchoed(t *testing.T) {
	dir := t.TempDir()
	newKey(t, "ed25519").writePrivate(t, dir+"/id", "")
	private := readFile(t, dir+"/id")
	_, err := ParseAllowedSigners([]byte(private))
	require.EqualError(t, err, "line 1: this is a private key, not an allowed_signers file: list public keys only (a .pub file's text, after the principals)")

	// Not even a line of it pasted after principals.
	body := strings.Split(private, "\n")[1]
	_, err = ParseAllowedSigners([]byte("alice " + body + "\n"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), body[:20])
}

// ParseAllowedSigners never panics, whatever the file holds.
func FuzzParseAllowedSigners(f *testing.F) {
	key := newKey(f, "ed25519").authorizedKey()
	f.Add([]byte("alice@example.com " + key + " alice\n"))
	f.Add([]byte(`"alice,bob" namespaces="git",valid-after="20250101Z" ` + key + "\n# comment\n\n"))
	f.Add([]byte(`"alice`))
	f.Add([]byte(`alice valid-before="Z" ` + key))
	f.Fuzz(func(t *testing.T, b []byte) {
		signers, err := ParseAllowedSigners(b)
		if err == nil {
			for _, s := range signers {
				require.NotEmpty(t, s.Principals)
				require.NotEmpty(t, s.Key)
			}
		}
	})
}
