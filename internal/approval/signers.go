package approval

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/vpcflow/vpcflow/contract"
)

// ParseAllowedSigners reads an allowed_signers file, git's format (man
// ssh-keygen, ALLOWED SIGNERS), one key a line:
//
//	principals [options] keytype base64-key [comment]
//
// principals is a comma-separated list of who the key may sign as (quoted
// when it holds spaces: "alice@example.com,bob"); the options are
// namespaces="a,b", valid-after="YYYYMMDD[HHMM[SS]][Z]" and valid-before=
// (a time without Z is local time, as ssh-keygen reads it). Blank lines and
// lines starting with # are skipped.
//
// Two things ssh-keygen accepts are refused rather than half supported:
// principals with wildcards (* or ?, or ! negating), because an approval
// names one person and a pattern would let a key approve as anyone it
// matches; and cert-authority lines, because decisions are signed by plain
// keys, not certificates.
//
// Every problem is reported, each with its line number.
func ParseAllowedSigners(b []byte) ([]contract.AllowedSigner, error) {
	return parseAllowedSigners(b, "")
}

// parseAllowedSigners is ParseAllowedSigners with the file's name put
// before each line number ("allowed_signers:3: ..."), or "line 3: ..." when
// name is "".
func parseAllowedSigners(b []byte, name string) ([]contract.AllowedSigner, error) {
	var signers []contract.AllowedSigner
	var problems []error
	for i, line := range bytes.Split(b, []byte("\n")) {
		text := strings.TrimSpace(string(line))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if strings.Contains(text, "PRIVATE KEY") {
			// The rest of the file is the key: nothing to report line by
			// line, and nothing of it to echo.
			return nil, fmt.Errorf("%s: this is a private key, not an allowed_signers file: list public keys only (a .pub file's text, after the principals)", lineName(name, i+1))
		}
		signer, err := parseAllowedSignerLine(text)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", lineName(name, i+1), err))
			continue
		}
		signers = append(signers, signer)
	}
	return signers, errors.Join(problems...)
}

// lineName is "file:12", or "line 12" when the file has no name.
func lineName(file string, line int) string {
	if file == "" {
		return fmt.Sprintf("line %d", line)
	}
	return fmt.Sprintf("%s:%d", file, line)
}

// parseAllowedSignerLine reads one line that is neither blank nor a
// comment. Its errors never quote the key: a secret pasted by mistake must
// not end up in a log.
func parseAllowedSignerLine(line string) (contract.AllowedSigner, error) {
	principalsField, rest, err := cutPrincipals(line)
	if err != nil {
		return contract.AllowedSigner{}, err
	}
	principals, err := parsePrincipals(principalsField)
	if err != nil {
		return contract.AllowedSigner{}, err
	}
	if strings.TrimSpace(rest) == "" {
		return contract.AllowedSigner{}, errors.New("no public key after the principals (expected: principals [options] keytype base64-key [comment])")
	}
	// What follows the principals is an authorized_keys line: options,
	// key type, key, comment. The ssh package parses that, options
	// included, and checks the key.
	key, _, options, _, err := ssh.ParseAuthorizedKey([]byte(rest))
	if err != nil {
		return contract.AllowedSigner{}, errors.New("no valid public key after the principals (expected: principals [options] keytype base64-key [comment])")
	}
	if _, isCert := key.(*ssh.Certificate); isCert {
		return contract.AllowedSigner{}, errors.New("the key is a certificate: list the plain public key instead (certificates are not supported)")
	}
	signer := contract.AllowedSigner{
		Principals: principals,
		Key:        authorizedKey(key),
	}
	if err := applyOptions(&signer, options); err != nil {
		return contract.AllowedSigner{}, err
	}
	return signer, nil
}

// authorizedKey is key as authorized_keys writes it, without a comment:
// "ssh-ed25519 AAAA...".
func authorizedKey(key ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
}

// cutPrincipals splits the line after its first field, the principals,
// which is either unquoted up to the first space or tab, or quoted.
func cutPrincipals(line string) (principals, rest string, err error) {
	if strings.HasPrefix(line, `"`) {
		end := strings.IndexByte(line[1:], '"')
		if end < 0 {
			return "", "", errors.New("the quoted principals have no closing quote")
		}
		principals, rest = line[1:1+end], line[2+end:]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			return "", "", errors.New("the quoted principals are not followed by a space")
		}
		return principals, rest, nil
	}
	end := strings.IndexAny(line, " \t")
	if end < 0 {
		return line, "", nil
	}
	return line[:end], line[end:], nil
}

// parsePrincipals splits the comma-separated principals, refusing empty
// ones and patterns.
func parsePrincipals(field string) ([]string, error) {
	var principals []string
	for p := range strings.SplitSeq(field, ",") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			return nil, errors.New("an empty principal (two commas in a row, or a comma at an end)")
		case strings.ContainsAny(p, "*?") || strings.HasPrefix(p, "!"):
			return nil, fmt.Errorf("principal %q is a pattern: only exact principals are supported, list each one", p)
		}
		if !slices.Contains(principals, p) {
			principals = append(principals, p)
		}
	}
	return principals, nil
}

// applyOptions reads the line's options (as ssh.ParseAuthorizedKey splits
// them: name or name="value") into signer. Like ssh-keygen, values must be
// quoted and each option given at most once.
func applyOptions(signer *contract.AllowedSigner, options []string) error {
	seen := map[string]bool{}
	for _, option := range options {
		name, value, hasValue := strings.Cut(option, "=")
		name = strings.ToLower(name) // ssh-keygen ignores their case
		if seen[name] {
			return fmt.Errorf("option %s is given twice", name)
		}
		seen[name] = true
		switch name {
		case "cert-authority":
			return errors.New("cert-authority is not supported: decisions are signed by plain keys, list each person's public key")
		case "namespaces", "valid-after", "valid-before":
		default:
			return fmt.Errorf("unknown option %q (the options are namespaces, valid-after and valid-before)", name)
		}
		if !hasValue {
			return fmt.Errorf(`option %s needs a value: %s="..."`, name, name)
		}
		if len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' || strings.Contains(value[1:len(value)-1], `"`) {
			return fmt.Errorf(`option %s: put its value in double quotes, %s="..."`, name, name)
		}
		value = value[1 : len(value)-1]
		switch name {
		case "namespaces":
			namespaces, err := parseNamespaces(value)
			if err != nil {
				return err
			}
			signer.Namespaces = namespaces
		case "valid-after":
			t, err := parseSignerTime(value)
			if err != nil {
				return fmt.Errorf("option valid-after: %w", err)
			}
			signer.ValidAfter = t
		case "valid-before":
			t, err := parseSignerTime(value)
			if err != nil {
				return fmt.Errorf("option valid-before: %w", err)
			}
			signer.ValidBefore = t
		}
	}
	if !signer.ValidAfter.IsZero() && !signer.ValidBefore.IsZero() && !signer.ValidAfter.Before(signer.ValidBefore) {
		return errors.New("valid-after is not before valid-before: the key could never sign")
	}
	return nil
}

// parseNamespaces splits namespaces="a,b". Patterns are refused for the
// same reason as in principals: what a key may sign must be plain to read.
func parseNamespaces(value string) ([]string, error) {
	var namespaces []string
	for ns := range strings.SplitSeq(value, ",") {
		ns = strings.TrimSpace(ns)
		switch {
		case ns == "":
			return nil, errors.New("option namespaces: an empty namespace")
		case strings.ContainsAny(ns, "*?") || strings.HasPrefix(ns, "!"):
			return nil, fmt.Errorf("option namespaces: %q is a pattern: only exact namespaces are supported (%s for decisions)", ns, contract.DecisionSignatureNamespace)
		}
		namespaces = append(namespaces, ns)
	}
	return namespaces, nil
}

// parseSignerTime reads valid-after and valid-before as ssh-keygen does:
// YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, in UTC with a trailing Z, in
// local time without.
func parseSignerTime(value string) (time.Time, error) {
	loc := time.Local
	digits := value
	if strings.HasSuffix(digits, "Z") || strings.HasSuffix(digits, "z") {
		loc, digits = time.UTC, digits[:len(digits)-1]
	}
	layouts := map[int]string{8: "20060102", 12: "200601021504", 14: "20060102150405"}
	layout, ok := layouts[len(digits)]
	if !ok || strings.Trim(digits, "0123456789") != "" {
		return time.Time{}, fmt.Errorf("%q is not a time: write YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, with Z for UTC", value)
	}
	t, err := time.ParseInLocation(layout, digits, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time: %w", value, err)
	}
	return t, nil
}
