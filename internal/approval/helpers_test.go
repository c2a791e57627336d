package approval

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// testKey is a key made for a test: its signer, and its private key to
// write to a file.
type testKey struct {
	private crypto.Signer
	signer  ssh.Signer
}

// newKey makes a key of kind "ed25519", "ecdsa" (P-256) or "rsa" (2048
// bits).
func newKey(t testing.TB, kind string) testKey {
	t.Helper()
	var private crypto.Signer
	var err error
	switch kind {
	case "ed25519":
		_, private, err = ed25519.GenerateKey(rand.Reader)
	case "ecdsa":
		private, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "rsa":
		private, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		t.Fatalf("no key kind %q", kind)
	}
	require.NoError(t, err)
	signer, err := ssh.NewSignerFromKey(private)
	require.NoError(t, err)
	return testKey{private: private, signer: signer}
}

// authorizedKey is the key's public half as allowed_signers lists it.
func (k testKey) authorizedKey() string { return authorizedKey(k.signer.PublicKey()) }

// fingerprint is the key's SHA256:... fingerprint.
func (k testKey) fingerprint() string { return ssh.FingerprintSHA256(k.signer.PublicKey()) }

// writePrivate writes the key as ssh-keygen would (OpenSSH format, mode
// 0600), encrypted when passphrase is not "", and its .pub next to it.
func (k testKey) writePrivate(t testing.TB, path, passphrase string) {
	t.Helper()
	var block *pem.Block
	var err error
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(k.private, "test key")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(k.private, "test key", []byte(passphrase))
	}
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(block), 0o600))
	require.NoError(t, os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(k.signer.PublicKey()), 0o644))
}

// writeFiles writes name -> text into a new temporary directory, and
// returns the directory.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600))
	}
	return dir
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
