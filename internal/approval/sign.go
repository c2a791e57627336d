package approval

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/vpcflow/vpcflow/contract"
)

// signatureHash is the hash a decision is signed over; SHA-512 is what
// ssh-keygen -Y sign uses by default.
const signatureHash = sshsig.HashSHA512

// Sign fills d.Signature: an armored SSH signature (as ssh-keygen -Y sign
// writes it) over contract.DecisionMessage(d) in namespace
// contract.DecisionSignatureNamespace. d must name who signs (By, the
// principal the allowed signers list the key for), the change and the plan
// (WorkflowId, RunId, PlanDigest): a signature over less could be replayed
// on another change.
func Sign(d contract.Decision, signer ssh.Signer) (contract.Decision, error) {
	if signer == nil {
		return d, errors.New("no key to sign with")
	}
	if strings.TrimSpace(d.By) == "" {
		return d, errors.New("set By to the principal the key signs as (as the allowed signers list it)")
	}
	if d.WorkflowId == "" || d.RunId == "" || d.PlanDigest == "" {
		return d, errors.New("a signed decision names the change and the plan it decides on: set WorkflowId, RunId and PlanDigest")
	}
	sig, err := sshsig.Sign(bytes.NewReader(contract.DecisionMessage(d)), signer, signatureHash, contract.DecisionSignatureNamespace)
	if err != nil {
		return d, fmt.Errorf("signing the decision with key %s: %w", ssh.FingerprintSHA256(signer.PublicKey()), err)
	}
	d.Signature = string(sshsig.Armor(sig))
	return d, nil
}

// Signer finds the key to sign decisions with:
//
//   - keyFile a private key file (~/.ssh/id_ed25519): that key. An
//     encrypted one asks passphrase; with passphrase nil it is an error
//     that says to use ssh-agent.
//   - keyFile a public key file (~/.ssh/id_ed25519.pub): the key of
//     ssh-agent (SSH_AUTH_SOCK) with that public half, the way git's
//     user.signingKey names a key the agent holds.
//   - keyFile "": ssh-agent's first key.
//
// A signer from ssh-agent keeps its connection to the agent open for as
// long as the process runs: it is meant for a command that signs and exits.
func Signer(keyFile string, passphrase func() ([]byte, error)) (ssh.Signer, error) {
	if keyFile == "" {
		return agentSigner(nil)
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("reading the signing key: %w", err)
	}
	// A public key file names a key the agent holds.
	if pub, _, _, _, err := ssh.ParseAuthorizedKey(b); err == nil {
		s, err := agentSigner(pub)
		if err != nil {
			return nil, fmt.Errorf("%s is a public key, so its private half is looked for in ssh-agent: %w", keyFile, err)
		}
		return s, nil
	}
	signer, err := ssh.ParsePrivateKey(b)
	var missing *ssh.PassphraseMissingError
	switch {
	case err == nil:
		return signer, nil
	case errors.As(err, &missing) && passphrase == nil:
		return nil, fmt.Errorf("%s is encrypted with a passphrase: add it to ssh-agent (ssh-add %s) and sign with the agent (no key file, or its .pub file)", keyFile, keyFile)
	case errors.As(err, &missing):
		pass, err := passphrase()
		if err != nil {
			return nil, fmt.Errorf("reading the passphrase of %s: %w", keyFile, err)
		}
		signer, err := ssh.ParsePrivateKeyWithPassphrase(b, pass)
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, fmt.Errorf("wrong passphrase for %s", keyFile)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", keyFile, err)
		}
		return signer, nil
	default:
		return nil, fmt.Errorf("%s is neither an SSH private key nor a public key: %w", keyFile, err)
	}
}

// agentSigner is ssh-agent's key whose public half is want, or its first
// key when want is nil.
func agentSigner(want ssh.PublicKey) (ssh.Signer, error) {
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil, errors.New("no ssh-agent: SSH_AUTH_SOCK is not set (start one with eval $(ssh-agent) and ssh-add your key, or pass a private key file)")
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("connecting to ssh-agent at SSH_AUTH_SOCK=%s: %w", sock, err)
	}
	signers, err := agent.NewClient(conn).Signers()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("listing ssh-agent's keys: %w", err)
	}
	for _, s := range signers {
		if want == nil || bytes.Equal(s.PublicKey().Marshal(), want.Marshal()) {
			return s, nil // conn stays open: the signer signs through it
		}
	}
	conn.Close()
	if want == nil {
		return nil, errors.New("ssh-agent holds no key: add one with ssh-add, or pass a private key file")
	}
	return nil, fmt.Errorf("ssh-agent does not hold key %s: add it with ssh-add", ssh.FingerprintSHA256(want))
}

// Verify checks a signed decision against the allowed signers at time now,
// as ssh-keygen -Y verify would: the signature parses and is in namespace
// contract.DecisionSignatureNamespace; a line of signers lists its key for
// the principal d.By, allows the namespace (its namespaces option, when
// set) and is valid at now (valid-after, valid-before); and the signature
// verifies over contract.DecisionMessage(d), so it was made for this very
// change, run, plan, verdict, approver and comment. It returns the key's
// fingerprint (SHA256:...).
//
// Verify runs inside a workflow's update validator, so it is deterministic:
// it reads no file, clock or global state (now is the workflow's time), and
// it returns an error, never panics, whatever the decision holds.
func Verify(d contract.Decision, signers []contract.AllowedSigner, now time.Time) (fingerprint string, err error) {
	// The parsing and the cryptography are other packages' code fed with
	// what a sender wrote: should any of it panic, the decision is refused
	// rather than the workflow task failing over and over. (FuzzVerify
	// calls verify, without this, so that such a panic is found.)
	defer func() {
		if r := recover(); r != nil {
			fingerprint, err = "", fmt.Errorf("the signature could not be checked: %v", r)
		}
	}()
	return verify(d, signers, now)
}

// verify is Verify without its guard against panics.
func verify(d contract.Decision, signers []contract.AllowedSigner, now time.Time) (string, error) {
	if d.Signature == "" {
		return "", errors.New("the decision is not signed")
	}
	sig, err := sshsig.Unarmor([]byte(d.Signature))
	if err != nil {
		return "", fmt.Errorf("the signature does not parse (an armored SSH signature, -----BEGIN SSH SIGNATURE-----, is expected): %w", err)
	}
	if sig.Namespace != contract.DecisionSignatureNamespace {
		return "", fmt.Errorf("the signature is in namespace %q, not %s: it was made for something else (sign with ssh-keygen -Y sign -n %s)",
			sig.Namespace, contract.DecisionSignatureNamespace, contract.DecisionSignatureNamespace)
	}
	fingerprint := ssh.FingerprintSHA256(sig.PublicKey)
	key := sig.PublicKey.Marshal()

	// The lines that list the key, then those of them for d.By.
	var listed, forBy []contract.AllowedSigner
	for _, s := range signers {
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.Key))
		if err != nil || !bytes.Equal(pub.Marshal(), key) {
			continue
		}
		listed = append(listed, s)
		if slices.Contains(s.Principals, d.By) {
			forBy = append(forBy, s)
		}
	}
	if len(listed) == 0 {
		return "", fmt.Errorf("signed by key %s which the allowed signers do not list", fingerprint)
	}
	if len(forBy) == 0 {
		var principals []string
		for _, s := range listed {
			principals = append(principals, s.Principals...)
		}
		slices.Sort(principals)
		return "", fmt.Errorf("key %s is not allowed to sign as %s (it signs as %s)", fingerprint, d.By, strings.Join(slices.Compact(principals), ", "))
	}

	if err := firstRefusal(forBy, now); err != nil {
		return "", fmt.Errorf("key %s: %w", fingerprint, err)
	}

	if err := sshsig.Verify(bytes.NewReader(contract.DecisionMessage(d)), sig, sig.PublicKey, sig.HashAlgorithm, contract.DecisionSignatureNamespace); err != nil {
		return "", fmt.Errorf("the signature does not verify over this decision: it was made for another change, run, plan, verdict, approver or comment (key %s)", fingerprint)
	}
	return fingerprint, nil
}

// firstRefusal is nil when one of lines lets its key sign a decision at
// now; otherwise it is why the first line does not.
func firstRefusal(lines []contract.AllowedSigner, now time.Time) error {
	var first error
	for _, s := range lines {
		err := refusal(s, now)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// refusal is why the allowed signers line s does not let its key sign a
// decision at now, or nil.
func refusal(s contract.AllowedSigner, now time.Time) error {
	if len(s.Namespaces) > 0 && !slices.Contains(s.Namespaces, contract.DecisionSignatureNamespace) {
		return fmt.Errorf("its allowed signers line lets it sign only in namespaces %s, not %s (add it to the line's namespaces option)",
			strings.Join(s.Namespaces, ", "), contract.DecisionSignatureNamespace)
	}
	if !s.ValidAfter.IsZero() && now.Before(s.ValidAfter) {
		return fmt.Errorf("it is valid only from %s (valid-after), and the decision is checked at %s",
			s.ValidAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if !s.ValidBefore.IsZero() && now.After(s.ValidBefore) {
		return fmt.Errorf("it expired at %s (valid-before), and the decision is checked at %s",
			s.ValidBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}
