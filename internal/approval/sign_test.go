package approval

import (
	"bytes"
	"crypto/ed25519"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hiddeco/sshsig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/vpcflow/vpcflow/contract"
)

// now is when the tests verify decisions.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// aDecision is a decision to sign; its comment has what JSON quotes.
func aDecision() contract.Decision {
	return contract.Decision{
		Approve:    true,
		By:         "alice@example.com",
		Comment:    "routes checked with bob <ok> & \"done\"\nsecond line",
		WorkflowId: "network-change/ri-2ze0123456789abcdefgh",
		RunId:      "0195f2a4-7c3e-7a4b-9d1e-2f3a4b5c6d7e",
		PlanDigest: contract.PlanDigest([]contract.PlannedStep{{Stage: "connect", Action: "ConnectRouterInterface", What: "ri-2ze0123456789abcdefgh"}}),
	}
}

// listing lists key for principals, as an allowed_signers line would.
func listing(key testKey, principals ...string) contract.AllowedSigner {
	return contract.AllowedSigner{Principals: principals, Key: key.authorizedKey()}
}

func TestSignAndVerify(t *testing.T) {
	for _, kind := range []string{"ed25519", "ecdsa", "rsa"} {
		key := newKey(t, kind)
		d, err := Sign(aDecision(), key.signer)
		require.NoError(t, err, kind)
		assert.True(t, strings.HasPrefix(d.Signature, "-----BEGIN SSH SIGNATURE-----\n"), kind)
		assert.Empty(t, d.Problem(), kind)

		fingerprint, err := Verify(d, []contract.AllowedSigner{listing(newKey(t, "ed25519"), "bob@example.com"), listing(key, "alice@example.com")}, now)
		require.NoError(t, err, kind)
		assert.Equal(t, key.fingerprint(), fingerprint, kind)
	}
}

func TestSignRefusesAnIncompleteDecision(t *testing.T) {
	key := newKey(t, "ed25519")
	for _, change := range []func(*contract.Decision){
		func(d *contract.Decision) { d.By = " " },
		func(d *contract.Decision) { d.WorkflowId = "" },
		func(d *contract.Decision) { d.RunId = "" },
		func(d *contract.Decision) { d.PlanDigest = "" },
	} {
		d := aDecision()
		change(&d)
		_, err := Sign(d, key.signer)
		assert.Error(t, err)
	}
	_, err := Sign(aDecision(), nil)
	assert.EqualError(t, err, "no key to sign with")
}

func TestVerifyRefusals(t *testing.T) {
	alice, mallory := newKey(t, "ed25519"), newKey(t, "ed25519")
	signed, err := Sign(aDecision(), alice.signer)
	require.NoError(t, err)
	fp := alice.fingerprint()
	aliceOnly := []contract.AllowedSigner{listing(alice, "alice@example.com")}
	// alice's key may sign as bob too: a decision changed to By bob then
	// passes the key check and fails on the signature.
	aliceAndBob := []contract.AllowedSigner{listing(alice, "alice@example.com", "bob@example.com")}
	notDecisions := listing(alice, "alice@example.com")
	notDecisions.Namespaces = []string{"git", "file"}
	expired := listing(alice, "alice@example.com")
	expired.ValidBefore = now.Add(-time.Hour)
	notYet := listing(alice, "alice@example.com")
	notYet.ValidAfter = now.Add(time.Hour)
	mallorySigned, err := Sign(aDecision(), mallory.signer)
	require.NoError(t, err)
	gitSig, err := sshsig.Sign(bytes.NewReader(contract.DecisionMessage(aDecision())), alice.signer, sshsig.HashSHA512, "git")
	require.NoError(t, err)

	notOver := "the signature does not verify over this decision: it was made for another change, run, plan, verdict, approver or comment (key " + fp + ")"
	for _, tc := range []struct {
		name    string
		change  func(*contract.Decision)
		signers []contract.AllowedSigner
		want    string
	}{
		{"unsigned", func(d *contract.Decision) { d.Signature = "" }, aliceOnly,
			"the decision is not signed"},
		{"not armored", func(d *contract.Decision) { d.Signature = "looks good to me" }, aliceOnly,
			"the signature does not parse (an armored SSH signature, -----BEGIN SSH SIGNATURE-----, is expected): invalid PEM block"},
		{"another namespace", func(d *contract.Decision) { d.Signature = string(sshsig.Armor(gitSig)) }, aliceOnly,
			`the signature is in namespace "git", not vpcflow-decision@v1: it was made for something else (sign with ssh-keygen -Y sign -n vpcflow-decision@v1)`},
		{"unknown key", func(d *contract.Decision) { d.Signature = mallorySigned.Signature }, aliceOnly,
			"signed by key " + mallory.fingerprint() + " which the allowed signers do not list"},
		{"no signers", func(*contract.Decision) {}, nil,
			"signed by key " + fp + " which the allowed signers do not list"},
		{"another principal", func(d *contract.Decision) { d.By = "bob@example.com" }, aliceOnly,
			"key " + fp + " is not allowed to sign as bob@example.com (it signs as alice@example.com)"},
		{"another approver", func(d *contract.Decision) { d.By = "bob@example.com" }, aliceAndBob, notOver},
		{"another workflow", func(d *contract.Decision) { d.WorkflowId = "network-change/ri-other" }, aliceOnly, notOver},
		{"another run", func(d *contract.Decision) { d.RunId = "0195f2a4-0000-7a4b-9d1e-2f3a4b5c6d7e" }, aliceOnly, notOver},
		{"another plan", func(d *contract.Decision) { d.PlanDigest = contract.PlanDigest(nil) }, aliceOnly, notOver},
		{"another verdict", func(d *contract.Decision) { d.Approve = false }, aliceOnly, notOver},
		{"another comment", func(d *contract.Decision) { d.Comment += "." }, aliceOnly, notOver},
		{"namespace not allowed", func(*contract.Decision) {}, []contract.AllowedSigner{notDecisions},
			"key " + fp + ": its allowed signers line lets it sign only in namespaces git, file, not vpcflow-decision@v1 (add it to the line's namespaces option)"},
		{"expired", func(*contract.Decision) {}, []contract.AllowedSigner{expired},
			"key " + fp + ": it expired at 2026-03-01T11:00:00Z (valid-before), and the decision is checked at 2026-03-01T12:00:00Z"},
		{"not yet valid", func(*contract.Decision) {}, []contract.AllowedSigner{notYet},
			"key " + fp + ": it is valid only from 2026-03-01T13:00:00Z (valid-after), and the decision is checked at 2026-03-01T12:00:00Z"},
	} {
		d := signed
		tc.change(&d)
		fingerprint, err := Verify(d, tc.signers, now)
		assert.EqualError(t, err, tc.want, tc.name)
		assert.Empty(t, fingerprint, tc.name)
	}

	// One line that allows the key is enough, whatever the others say.
	fingerprint, err := Verify(signed, []contract.AllowedSigner{expired, notDecisions, listing(alice, "alice@example.com")}, now)
	require.NoError(t, err)
	assert.Equal(t, fp, fingerprint)
	// valid-before is the last moment the key is valid, as for ssh-keygen.
	_, err = Verify(signed, []contract.AllowedSigner{expired}, expired.ValidBefore)
	require.NoError(t, err)
	// A namespaces option that lists decisions.
	notDecisions.Namespaces = append(notDecisions.Namespaces, contract.DecisionSignatureNamespace)
	_, err = Verify(signed, []contract.AllowedSigner{notDecisions}, now)
	require.NoError(t, err)
}

// sshKeygen is the path of OpenSSH's ssh-keygen, or skips the test.
func sshKeygen(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen is not installed (apt-get install openssh-client): the tests against OpenSSH's signatures need it")
	}
	return path
}

// run runs a command with stdin and the environment plus env, and returns
// its output, stdout and stderr together.
func run(t *testing.T, stdin []byte, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// keygenKey makes a key with ssh-keygen in dir and returns its path.
func keygenKey(t *testing.T, keygen, dir, kind string) string {
	t.Helper()
	path := filepath.Join(dir, "id_"+kind)
	args := []string{"-q", "-t", kind, "-N", "", "-C", "test", "-f", path}
	if kind == "rsa" {
		args = append(args, "-b", "2048")
	}
	out, err := run(t, nil, nil, keygen, args...)
	require.NoError(t, err, out)
	return path
}

// A decision signed with ssh-keygen -Y sign, as a person or a service in
// any language would, verifies.
func TestVerifyASignatureBySSHKeygen(t *testing.T) {
	keygen := sshKeygen(t)
	for _, kind := range []string{"ed25519", "ecdsa", "rsa"} {
		dir := t.TempDir()
		key := keygenKey(t, keygen, dir, kind)
		d := aDecision()
		msg := filepath.Join(dir, "decision.txt")
		require.NoError(t, os.WriteFile(msg, contract.DecisionMessage(d), 0o600))
		out, err := run(t, nil, nil, keygen, "-Y", "sign", "-n", contract.DecisionSignatureNamespace, "-f", key, msg)
		require.NoError(t, err, out)
		d.Signature = readFile(t, msg+".sig")

		signers, err := ParseAllowedSigners([]byte(`alice@example.com namespaces="` + contract.DecisionSignatureNamespace + `" ` + readFile(t, key+".pub")))
		require.NoError(t, err)
		fingerprint, err := Verify(d, signers, now)
		require.NoError(t, err, kind)
		fpOut, err := run(t, nil, nil, keygen, "-l", "-E", "sha256", "-f", key+".pub")
		require.NoError(t, err, fpOut)
		assert.Contains(t, fpOut, fingerprint, "the fingerprint ssh-keygen shows")

		d.Approve = false
		_, err = Verify(d, signers, now)
		assert.ErrorContains(t, err, "does not verify over this decision", kind)

		// Signed for git, it is no decision.
		require.NoError(t, os.Remove(msg+".sig")) // ssh-keygen would ask before overwriting it
		out, err = run(t, nil, nil, keygen, "-Y", "sign", "-n", "git", "-f", key, msg)
		require.NoError(t, err, out)
		d = aDecision()
		d.Signature = readFile(t, msg+".sig")
		_, err = Verify(d, signers, now)
		assert.ErrorContains(t, err, `the signature is in namespace "git"`, kind)
	}
}

// A decision signed by Sign verifies with ssh-keygen -Y verify, against
// an allowed_signers file with options, as the docs tell a user to check.
func TestSSHKeygenVerifiesASignatureBySign(t *testing.T) {
	keygen := sshKeygen(t)
	for _, kind := range []string{"ed25519", "ecdsa", "rsa"} {
		dir := t.TempDir()
		key := keygenKey(t, keygen, dir, kind)
		signer, err := Signer(key, nil)
		require.NoError(t, err, kind)
		d, err := Sign(aDecision(), signer)
		require.NoError(t, err, kind)

		msg, sig, allowed := filepath.Join(dir, "decision.txt"), filepath.Join(dir, "decision.txt.sig"), filepath.Join(dir, "allowed_signers")
		require.NoError(t, os.WriteFile(msg, contract.DecisionMessage(d), 0o600))
		require.NoError(t, os.WriteFile(sig, []byte(d.Signature), 0o600))
		line := `alice@example.com,alice namespaces="git,` + contract.DecisionSignatureNamespace + `",valid-after="20200101Z",valid-before="20991231Z" ` + readFile(t, key+".pub")
		require.NoError(t, os.WriteFile(allowed, []byte("# the team\n"+line), 0o600))

		verify := func(principal string, message []byte) (string, error) {
			return run(t, message, nil, keygen, "-Y", "verify", "-f", allowed, "-I", principal, "-n", contract.DecisionSignatureNamespace, "-s", sig)
		}
		out, err := verify("alice@example.com", contract.DecisionMessage(d))
		require.NoError(t, err, "%s: %s", kind, out)
		assert.Contains(t, out, `Good "`+contract.DecisionSignatureNamespace+`" signature for alice@example.com`)

		// And ssh-keygen refuses what Verify refuses.
		_, err = verify("bob@example.com", contract.DecisionMessage(d))
		assert.Error(t, err, kind)
		other := d
		other.PlanDigest = contract.PlanDigest(nil)
		_, err = verify("alice@example.com", contract.DecisionMessage(other))
		assert.Error(t, err, kind)

		// The same file, parsed here, verifies the same signature.
		signers, err := ParseAllowedSigners([]byte(readFile(t, allowed)))
		require.NoError(t, err)
		_, err = Verify(d, signers, time.Now())
		require.NoError(t, err, kind)
	}
}

func TestSignerFromAKeyFile(t *testing.T) {
	dir := t.TempDir()
	key := newKey(t, "ed25519")
	plain, encrypted := filepath.Join(dir, "id_plain"), filepath.Join(dir, "id_encrypted")
	key.writePrivate(t, plain, "")
	key.writePrivate(t, encrypted, "correct horse")

	s, err := Signer(plain, nil)
	require.NoError(t, err)
	assert.Equal(t, key.fingerprint(), ssh.FingerprintSHA256(s.PublicKey()))

	_, err = Signer(encrypted, nil)
	require.EqualError(t, err, encrypted+" is encrypted with a passphrase: add it to ssh-agent (ssh-add "+encrypted+") and sign with the agent (no key file, or its .pub file)")
	s, err = Signer(encrypted, func() ([]byte, error) { return []byte("correct horse"), nil })
	require.NoError(t, err)
	assert.Equal(t, key.fingerprint(), ssh.FingerprintSHA256(s.PublicKey()))
	_, err = Signer(encrypted, func() ([]byte, error) { return []byte("battery staple"), nil })
	require.EqualError(t, err, "wrong passphrase for "+encrypted)
	_, err = Signer(encrypted, func() ([]byte, error) { return nil, errors.New("no terminal") })
	require.EqualError(t, err, "reading the passphrase of "+encrypted+": no terminal")

	_, err = Signer(filepath.Join(dir, "missing"), nil)
	require.ErrorContains(t, err, "reading the signing key: open ")
	notAKey := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(notAKey, []byte("hello"), 0o600))
	_, err = Signer(notAKey, nil)
	require.ErrorContains(t, err, notAKey+" is neither an SSH private key nor a public key")

	t.Setenv("SSH_AUTH_SOCK", "")
	_, err = Signer(plain+".pub", nil)
	require.EqualError(t, err, plain+".pub is a public key, so its private half is looked for in ssh-agent: no ssh-agent: SSH_AUTH_SOCK is not set (start one with eval $(ssh-agent) and ssh-add your key, or pass a private key file)")
	_, err = Signer("", nil)
	require.ErrorContains(t, err, "SSH_AUTH_SOCK is not set")
}

func TestSignerFromSSHAgent(t *testing.T) {
	for _, tool := range []string{"ssh-agent", "ssh-add"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install openssh-client): the ssh-agent test needs it", tool)
		}
	}
	// A short directory: a unix socket's path is at most about 100 bytes.
	sockDir, err := os.MkdirTemp("", "agent")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "sock")
	agentCmd := exec.Command("ssh-agent", "-D", "-a", sock)
	require.NoError(t, agentCmd.Start())
	t.Cleanup(func() {
		_ = agentCmd.Process.Kill()
		_ = agentCmd.Wait()
	})
	require.Eventually(t, func() bool {
		conn, err := net.Dial("unix", sock)
		if err == nil {
			conn.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "ssh-agent does not listen on %s", sock)
	t.Setenv("SSH_AUTH_SOCK", sock)

	_, err = Signer("", nil)
	require.EqualError(t, err, "ssh-agent holds no key: add one with ssh-add, or pass a private key file")

	dir := t.TempDir()
	keys := map[string]testKey{}
	for _, kind := range []string{"ed25519", "rsa"} {
		keys[kind] = newKey(t, kind)
		path := filepath.Join(dir, "id_"+kind)
		keys[kind].writePrivate(t, path, "")
		out, err := run(t, nil, []string{"SSH_AUTH_SOCK=" + sock}, "ssh-add", path)
		require.NoError(t, err, out)
	}

	first, err := Signer("", nil)
	require.NoError(t, err)
	assert.Equal(t, keys["ed25519"].fingerprint(), ssh.FingerprintSHA256(first.PublicKey()), "the agent's first key")

	// A .pub file picks the agent's key; RSA signs with rsa-sha2-512.
	rsaSigner, err := Signer(filepath.Join(dir, "id_rsa.pub"), nil)
	require.NoError(t, err)
	assert.Equal(t, keys["rsa"].fingerprint(), ssh.FingerprintSHA256(rsaSigner.PublicKey()))
	for _, s := range []ssh.Signer{first, rsaSigner} {
		d, err := Sign(aDecision(), s)
		require.NoError(t, err)
		fingerprint, err := Verify(d, []contract.AllowedSigner{listing(keys["ed25519"], "alice@example.com"), listing(keys["rsa"], "alice@example.com")}, now)
		require.NoError(t, err)
		assert.Equal(t, ssh.FingerprintSHA256(s.PublicKey()), fingerprint)
	}

	other := newKey(t, "ecdsa")
	other.writePrivate(t, filepath.Join(dir, "id_other"), "")
	_, err = Signer(filepath.Join(dir, "id_other.pub"), nil)
	require.EqualError(t, err, filepath.Join(dir, "id_other.pub")+" is a public key, so its private half is looked for in ssh-agent: ssh-agent does not hold key "+other.fingerprint()+": add it with ssh-add")
}

// Verify never panics and always answers the same, whatever the decision
// holds. The fuzzer writes the signature's wire bytes (armored here), or a
// whole armored text when it starts with "-----".
func FuzzVerify(f *testing.F) {
	keys := []testKey{
		{signer: mustSigner(f, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)))},
		newKey(f, "ecdsa"),
		newKey(f, "rsa"),
	}
	var signers []contract.AllowedSigner
	for _, k := range keys {
		signers = append(signers, listing(k, "alice@example.com"))
		d, err := Sign(aDecision(), k.signer)
		require.NoError(f, err)
		block, _ := pem.Decode([]byte(d.Signature))
		f.Add(block.Bytes, d.By, d.Comment, d.Approve)
		f.Add(block.Bytes[:len(block.Bytes)/2], d.By, d.Comment, d.Approve)
		f.Add([]byte(d.Signature), "bob@example.com", "", false)
	}
	f.Add([]byte(""), "", "", false)
	f.Add([]byte("SSHSIG"), "alice@example.com", "", true)
	f.Add([]byte("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"), "alice@example.com", "", true)

	f.Fuzz(func(t *testing.T, signature []byte, by, comment string, approve bool) {
		d := aDecision()
		d.By, d.Comment, d.Approve = by, comment, approve
		d.Signature = string(signature)
		if !bytes.HasPrefix(signature, []byte("-----")) {
			d.Signature = string(pem.EncodeToMemory(&pem.Block{Type: "SSH SIGNATURE", Bytes: signature}))
		}
		fp1, err1 := verify(d, signers, now) // not Verify: a panic must show
		fp2, err2 := verify(d, signers, now)
		require.Equal(t, fp1, fp2)
		require.Equal(t, fmt.Sprint(err1), fmt.Sprint(err2))
		if err1 == nil {
			require.Contains(t, []string{keys[0].fingerprint(), keys[1].fingerprint(), keys[2].fingerprint()}, fp1)
		}
	})
}

func mustSigner(t testing.TB, key any) ssh.Signer {
	t.Helper()
	s, err := ssh.NewSignerFromKey(key)
	require.NoError(t, err)
	return s
}
