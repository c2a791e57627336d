package approval

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/notify"
)

// Policy is a checked approval policy: who may approve what, and how. The
// zero of every setting is the safe one (four eyes, one reject stops a
// change, signed decisions only), except in DevPolicy. A Policy is only
// read once made, so one value serves every workflow at once.
type Policy struct {
	// Notify is the policy file's notify: section: the webhooks told of
	// approval events (docs/notifications.md). It is checked as written
	// (notify.Config.Validate); notify.New reads the secrets it names.
	Notify notify.Config

	groups        map[string][]string
	allowUnsigned bool
	signers       []contract.AllowedSigner
	rules         []rule
	// digest is "sha256:<hex>" of the policy file's bytes followed by the
	// allowed_signers file's: it changes whenever either does.
	digest string
}

// rule is one checked entry of the policy's rules.
type rule struct {
	// name says which rule it is and what it matches, for a person reading
	// a requirement: "rules[0] (NetworkChange in cn-hangzhou)".
	name      string
	workflows []string // empty: any workflow
	regions   []string // empty: any region
	require   bool
	needs     []contract.ApprovalNeed
	rejects   int

	selfApproval     bool
	requireRequester bool

	remindAfter   time.Duration // 0: no reminder
	escalateAfter time.Duration // 0: no escalation
	escalateTo    *contract.ApprovalNeed
	timeout       time.Duration // 0: not set (the input's, else DefaultApprovalTimeout)
}

// policyFile is the policy file as written, before it is checked; the yaml
// keys are the file's format.
type policyFile struct {
	Groups         map[string][]string `yaml:"groups"`
	AllowedSigners string              `yaml:"allowedSigners"`
	AllowUnsigned  bool                `yaml:"allowUnsigned"`
	Rules          []ruleFile          `yaml:"rules"`
	Notify         notify.Config       `yaml:"notify"`
}

type ruleFile struct {
	Workflows []string   `yaml:"workflows"`
	Regions   []string   `yaml:"regions"`
	Require   *bool      `yaml:"require"` // a pointer: the file must say it
	Approvals []needFile `yaml:"approvals"`
	Rejects   *int       `yaml:"rejects"` // nil: 1

	SelfApproval     bool `yaml:"selfApproval"`
	RequireRequester bool `yaml:"requireRequester"`

	// Durations are strings so that "2d" reads, and a bad one is reported
	// with the rule it is in.
	RemindAfter   string `yaml:"remindAfter"`
	EscalateAfter string `yaml:"escalateAfter"`
	EscalateTo    string `yaml:"escalateTo"`
	Timeout       string `yaml:"timeout"`
}

type needFile struct {
	Group string `yaml:"group"`
	Count *int   `yaml:"count"` // a pointer: a missing count is told apart from 0
}

// Load reads the approval policy file at path and the allowed_signers file
// it names (relative to the policy file's directory), and checks them.
// Every problem found is reported, each as "path:line: where: what".
func Load(path string) (*Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the approval policy: %w", err)
	}
	return parse(b, path, filepath.Dir(path))
}

// Parse checks the approval policy in policy; dir is the directory its
// allowedSigners path is relative to (a policy file's own directory).
// Problems are reported as "line N: where: what".
func Parse(policy []byte, dir string) (*Policy, error) {
	return parse(policy, "", dir)
}

// DevPolicy is what a worker uses with no policy file (the dev stack): no
// rules, so the change's input alone says whether it waits for approval and
// how many approvals; no allowed signers, so decisions are unsigned and By
// is whatever the sender says. A nil *Policy is the same.
func DevPolicy() *Policy {
	return &Policy{allowUnsigned: true}
}

// Digest is "sha256:<hex>" of the policy file followed by its
// allowed_signers file, to report which policy a worker runs with (two
// workers with the same digest decide alike); "" for DevPolicy.
func (p *Policy) Digest() string {
	if p == nil {
		return ""
	}
	return p.digest
}

// Requirement is what a change needs before it changes anything: the first
// rule matching ask (its workflow, then its region) combined with the
// approval its input asks (ask.Approval, which may be nil). The input may
// ask for more than the rule, never less:
//
//   - Required when the rule requires it or the input asks for it.
//   - Approvals: the larger of the rule's total count and the input's
//     Approvals, at least 1. The rule's Needs say from which groups; with
//     no rule (or a rule with no approvals), any allowed signer approves.
//   - Timeout: the shorter of the rule's and the input's, when both are
//     set; DefaultApprovalTimeout when neither is.
//
// A rule with requireRequester refuses a change that does not name who
// asks. When nothing requires approval, only Required (false), Rule,
// RequestedBy and Rejects are set: nothing will wait. Notify is the
// caller's to set.
func (p *Policy) Requirement(ask contract.ApprovalAsk) (contract.ApprovalRequirement, error) {
	if p == nil {
		p = DevPolicy()
	}
	var asked contract.Approval
	if ask.Approval != nil {
		asked = *ask.Approval
	}
	req := contract.ApprovalRequirement{
		Required:    asked.Required,
		RequestedBy: cmp.Or(ask.RequestedBy, asked.RequestedBy),
		Rejects:     1,
	}
	r := p.match(ask)
	if r != nil {
		if r.requireRequester && strings.TrimSpace(req.RequestedBy) == "" {
			return contract.ApprovalRequirement{}, fmt.Errorf("approval policy %s requires a change to name who asks for it: set Approval.RequestedBy (starter sets it to the user running it)", r.name)
		}
		req.Rule = r.name
		req.Required = req.Required || r.require
		req.Rejects = r.rejects
		req.SelfApproval = r.selfApproval
	}
	if !req.Required {
		return req, nil
	}

	ruleApprovals, ruleTimeout := 0, time.Duration(0)
	if r != nil {
		for _, need := range r.needs {
			req.Needs = append(req.Needs, cloneNeed(need))
			ruleApprovals += need.Count
		}
		req.RemindAfter = contract.Duration(r.remindAfter)
		req.EscalateAfter = contract.Duration(r.escalateAfter)
		if r.escalateTo != nil {
			to := cloneNeed(*r.escalateTo)
			req.EscalateTo = &to
		}
		ruleTimeout = r.timeout
	}
	req.Approvals = max(1, ruleApprovals, asked.Approvals)
	req.Timeout = contract.Duration(shorterTimeout(ruleTimeout, time.Duration(asked.Timeout)))
	req.AllowUnsigned = p.allowUnsigned
	for _, s := range p.signers {
		s.Principals = slices.Clone(s.Principals)
		s.Namespaces = slices.Clone(s.Namespaces)
		req.Signers = append(req.Signers, s)
	}
	return req, nil
}

// match is the first rule matching ask, or nil.
func (p *Policy) match(ask contract.ApprovalAsk) *rule {
	for i := range p.rules {
		if p.rules[i].matches(ask) {
			return &p.rules[i]
		}
	}
	return nil
}

// matches tells whether r applies to the change ask is about.
func (r *rule) matches(ask contract.ApprovalAsk) bool {
	if len(r.workflows) > 0 && !slices.Contains(r.workflows, ask.Workflow) {
		return false
	}
	if len(r.regions) == 0 {
		return true
	}
	// The regions the change is in: its own, or a fleet's. A rule that
	// requires approval applies to a change that may touch one of its
	// regions (one that names none may touch any); a rule that exempts,
	// only to a change wholly inside its regions. So a regional exemption
	// never lets a change through unasked in a region it does not cover.
	regions := ask.Regions
	if ask.RegionId != "" {
		regions = []string{ask.RegionId}
	}
	inRule := func(region string) bool { return slices.Contains(r.regions, region) }
	if r.require {
		return len(regions) == 0 || slices.ContainsFunc(regions, inRule)
	}
	return len(regions) > 0 && !slices.ContainsFunc(regions, func(region string) bool { return !inRule(region) })
}

// shorterTimeout is the shorter of the rule's and the input's timeouts
// where set (0 is not set), DefaultApprovalTimeout when neither is, never
// more than MaxApprovalTimeout.
func shorterTimeout(rule, input time.Duration) time.Duration {
	var set []time.Duration
	for _, t := range []time.Duration{rule, input} {
		if t > 0 {
			set = append(set, t)
		}
	}
	if len(set) == 0 {
		return contract.DefaultApprovalTimeout
	}
	return min(slices.Min(set), contract.MaxApprovalTimeout)
}

func cloneNeed(n contract.ApprovalNeed) contract.ApprovalNeed {
	n.Members = slices.Clone(n.Members)
	return n
}

// parse reads and checks a policy; name is the policy file's path for
// messages ("" when it has none), dir the directory allowedSigners is
// relative to.
func parse(src []byte, name, dir string) (*Policy, error) {
	var file policyFile
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true) // a misspelled key must not silently loosen the policy
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(name, err)
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case err == nil:
		return nil, errors.New(where(name, second.Line) + ": a second YAML document: the policy is one document (remove the ---)")
	case !errors.Is(err, io.EOF):
		return nil, yamlError(name, err)
	}
	// The same text again as a tree of nodes, only to know the line of
	// each thing a problem is about.
	var root yaml.Node
	_ = yaml.Unmarshal(src, &root)

	c := &checker{name: name, root: &root}
	p := &Policy{
		Notify:        file.Notify,
		groups:        c.groups(file.Groups),
		allowUnsigned: file.AllowUnsigned,
	}
	signersSrc := c.signers(p, file, dir)
	for i, rf := range file.Rules {
		p.rules = append(p.rules, c.rule(p, i, rf))
	}
	c.notify(file.Notify)
	if err := c.err(); err != nil {
		return nil, err
	}
	sum := sha256.New()
	sum.Write(src)
	sum.Write(signersSrc)
	p.digest = "sha256:" + hex.EncodeToString(sum.Sum(nil))
	return p, nil
}

// checker collects the problems of a policy file, each with its place.
type checker struct {
	name     string     // the policy file's path, or ""
	root     *yaml.Node // the file's nodes, for line numbers
	problems []problem
}

// problem is one problem, its line to sort by and its whole message.
type problem struct {
	line int
	text string
}

// addf records a problem about the thing at path (keys and indexes from
// the top of the file: "rules", 1, "approvals", 0).
func (c *checker) addf(path []any, format string, args ...any) {
	line := lineOf(c.root, path)
	c.problems = append(c.problems, problem{
		line: line,
		text: where(c.name, line) + ": " + pathString(path) + ": " + fmt.Sprintf(format, args...),
	})
}

// err is every problem found, in the file's order, one a line.
func (c *checker) err() error {
	slices.SortStableFunc(c.problems, func(a, b problem) int { return cmp.Compare(a.line, b.line) })
	var errs []error
	for _, p := range c.problems {
		errs = append(errs, errors.New(p.text))
	}
	return errors.Join(errs...)
}

// groups checks the groups: each has members, each listed once.
func (c *checker) groups(groups map[string][]string) map[string][]string {
	for _, name := range sortedKeys(groups) {
		members := groups[name]
		if strings.TrimSpace(name) == "" {
			c.addf([]any{"groups"}, "a group has an empty name")
		}
		if len(members) == 0 {
			c.addf([]any{"groups", name}, "the group has no members")
		}
		for i, m := range members {
			switch {
			case strings.TrimSpace(m) == "":
				c.addf([]any{"groups", name, i}, "an empty principal")
			case strings.ContainsAny(m, ", \t\"*?"):
				c.addf([]any{"groups", name, i}, "%q is not a principal as allowed_signers writes one (no spaces, commas, quotes or wildcards)", m)
			case slices.Index(members, m) < i:
				c.addf([]any{"groups", name, i}, "%s is listed twice", m)
			}
		}
	}
	return groups
}

// signers reads the allowed_signers file into p and checks that every
// group member has a key (unless unsigned decisions are allowed: then a
// member may have none). It returns the file's bytes for the digest.
func (c *checker) signers(p *Policy, file policyFile, dir string) []byte {
	at := []any{"allowedSigners"}
	if file.AllowedSigners == "" {
		if !file.AllowUnsigned {
			c.addf(at, "not set: name the allowed_signers file that lists the keys approvers sign with (or set allowUnsigned: true to accept unsigned decisions)")
		}
		return nil
	}
	path := file.AllowedSigners
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		c.addf(at, "%v", err)
		return nil
	}
	p.signers, err = parseAllowedSigners(b, path)
	if err != nil {
		// Its problems name their own file and line; they are sorted
		// where the policy names the file.
		lineErrs := []error{err}
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			lineErrs = joined.Unwrap()
		}
		for _, e := range lineErrs {
			c.problems = append(c.problems, problem{line: lineOf(c.root, at), text: e.Error()})
		}
		return b
	}
	if file.AllowUnsigned {
		return b
	}
	if len(p.signers) == 0 {
		c.addf(at, "%s lists no key: no decision could ever be signed", path)
	}
	withKey := map[string]bool{}
	for _, s := range p.signers {
		for _, principal := range s.Principals {
			withKey[principal] = true
		}
	}
	for _, group := range sortedKeys(file.Groups) {
		for i, m := range file.Groups[group] {
			if m != "" && !withKey[m] {
				c.addf([]any{"groups", group, i}, "%s has no key in %s: add a line for it there (or set allowUnsigned: true)", m, path)
			}
		}
	}
	return b
}

// rule checks rules[i].
func (c *checker) rule(p *Policy, i int, rf ruleFile) rule {
	at := func(path ...any) []any { return append([]any{"rules", i}, path...) }
	r := rule{
		name:             ruleName(i, rf.Workflows, rf.Regions),
		workflows:        rf.Workflows,
		regions:          rf.Regions,
		rejects:          1,
		selfApproval:     rf.SelfApproval,
		requireRequester: rf.RequireRequester,
	}
	// A misspelled workflow would match nothing, and a rule meant to
	// require approval would silently not.
	known := workflowTypes()
	for j, w := range rf.Workflows {
		switch {
		case strings.TrimSpace(w) == "":
			c.addf(at("workflows", j), "an empty workflow type name")
		case !slices.Contains(known, w):
			c.addf(at("workflows", j), "%q is not a vpcflow workflow (the workflows are %s)", w, strings.Join(known, ", "))
		}
	}
	for j, region := range rf.Regions {
		if strings.TrimSpace(region) == "" {
			c.addf(at("regions", j), "an empty region")
		}
	}
	if rf.Require == nil {
		c.addf(at(), "set require: true (matching changes wait for approval) or require: false (they need none unless their input asks)")
	} else {
		r.require = *rf.Require
	}

	total := 0
	for j, nf := range rf.Approvals {
		members, defined := p.groups[nf.Group]
		switch {
		case nf.Group == "":
			c.addf(at("approvals", j), "set group: whose members approve")
			continue
		case !defined:
			c.addf(at("approvals", j, "group"), "group %q is not defined (define it under groups)", nf.Group)
			continue
		case slices.IndexFunc(rf.Approvals[:j], func(n needFile) bool { return n.Group == nf.Group }) >= 0:
			c.addf(at("approvals", j, "group"), "group %s is listed twice: give one count", nf.Group)
			continue
		case nf.Count == nil:
			c.addf(at("approvals", j), "set count: how many members of %s approve", nf.Group)
			continue
		case *nf.Count < 1:
			c.addf(at("approvals", j, "count"), "count %d: at least 1", *nf.Count)
			continue
		case *nf.Count > len(members):
			c.addf(at("approvals", j, "count"), "count %d is more than the %d members of group %s", *nf.Count, len(members), nf.Group)
			continue
		}
		total += *nf.Count
		r.needs = append(r.needs, contract.ApprovalNeed{Group: nf.Group, Members: slices.Clone(members), Count: *nf.Count})
	}
	if total > contract.MaxApprovals {
		c.addf(at("approvals"), "%d approvals in all: at most %d", total, contract.MaxApprovals)
	}

	if rf.Rejects != nil {
		r.rejects = *rf.Rejects
		if r.rejects < 1 || r.rejects > contract.MaxApprovals {
			c.addf(at("rejects"), "rejects %d: between 1 and %d", r.rejects, contract.MaxApprovals)
		}
	}

	r.remindAfter = c.duration(at("remindAfter"), rf.RemindAfter)
	r.escalateAfter = c.duration(at("escalateAfter"), rf.EscalateAfter)
	r.timeout = c.duration(at("timeout"), rf.Timeout)
	if r.timeout > contract.MaxApprovalTimeout {
		c.addf(at("timeout"), "%s is longer than a change may wait, %s (%d days)", rf.Timeout, contract.MaxApprovalTimeout, contract.MaxApprovalTimeout/(24*time.Hour))
	}
	// The timers fire in order: a reminder after the escalation, or either
	// after the timeout, would never be of use.
	timeout, timeoutName := r.timeout, "timeout "+rf.Timeout
	if timeout == 0 {
		timeout, timeoutName = contract.DefaultApprovalTimeout, "the default timeout "+contract.DefaultApprovalTimeout.String()
	}
	if r.remindAfter > 0 && r.escalateAfter > 0 && r.remindAfter >= r.escalateAfter {
		c.addf(at("remindAfter"), "%s is not before escalateAfter %s", rf.RemindAfter, rf.EscalateAfter)
	}
	if r.remindAfter > 0 && r.remindAfter >= timeout {
		c.addf(at("remindAfter"), "%s is not before %s", rf.RemindAfter, timeoutName)
	}
	if r.escalateAfter > 0 && r.escalateAfter >= timeout {
		c.addf(at("escalateAfter"), "%s is not before %s", rf.EscalateAfter, timeoutName)
	}

	switch members, defined := p.groups[rf.EscalateTo]; {
	case rf.EscalateTo == "" && r.escalateAfter > 0:
		c.addf(at("escalateAfter"), "set escalateTo too: the group whose members may approve after %s", rf.EscalateAfter)
	case rf.EscalateTo == "":
	case !defined:
		c.addf(at("escalateTo"), "group %q is not defined (define it under groups)", rf.EscalateTo)
	case rf.EscalateAfter == "":
		c.addf(at("escalateTo"), "set escalateAfter too: how long the change waits before escalating to %s", rf.EscalateTo)
	default:
		r.escalateTo = &contract.ApprovalNeed{Group: rf.EscalateTo, Members: slices.Clone(members), Count: 1}
	}
	return r
}

// notifyProblem matches a problem notify.Config.Validate reports:
// "notify[2].secret: ..." or "notify[0].events[1]: ...".
var notifyProblem = regexp.MustCompile(`(?s)^notify\[(\d+)\]\.([A-Za-z]+)(?:\[(\d+)\])?: (.*)$`)

// notify checks the notify: section, each of its problems put at its line.
func (c *checker) notify(targets notify.Config) {
	err := targets.Validate()
	if err == nil {
		return
	}
	problems := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		problems = joined.Unwrap()
	}
	for _, e := range problems {
		m := notifyProblem.FindStringSubmatch(e.Error())
		if m == nil {
			c.addf([]any{"notify"}, "%v", e)
			continue
		}
		target, _ := strconv.Atoi(m[1])
		path := []any{"notify", target, m[2]}
		if m[3] != "" {
			i, _ := strconv.Atoi(m[3])
			path = append(path, i)
		}
		c.addf(path, "%s", m[4])
	}
}

// workflowTypes are the type names of vpcflow's workflows.
func workflowTypes() []string {
	var types []string
	for _, w := range contract.Workflows() {
		types = append(types, w.Describe().Type)
	}
	return types
}

// duration reads one of a rule's durations ("" is not set: 0).
func (c *checker) duration(path []any, s string) time.Duration {
	if s == "" {
		return 0
	}
	d, err := parseDuration(s)
	if err != nil {
		c.addf(path, "%v", err)
		return 0
	}
	return d
}

// parseDuration reads a duration as Go writes them ("90m", "4h", "1h30m"),
// or with a whole number of days first ("2d", "1d12h"), a day being 24
// hours. It must be positive.
func parseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a duration: write it like 90m, 4h, 1h30m, 2d or 1d12h", s)
	var days time.Duration
	rest := s
	if before, after, found := strings.Cut(s, "d"); found && before != "" && strings.Trim(before, "0123456789") == "" {
		n, err := strconv.Atoi(before)
		if err != nil || n > 365 {
			return 0, fmt.Errorf("%q is more days than make sense (at most 365)", s)
		}
		days, rest = time.Duration(n)*24*time.Hour, after
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil || strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
			return 0, bad
		}
	}
	if days+d <= 0 {
		return 0, fmt.Errorf("%q: a duration here is more than 0", s)
	}
	return days + d, nil
}

// ruleName is how a requirement names rules[i]:
// "rules[0] (NetworkChange, NetworkFleet in cn-hangzhou)".
func ruleName(i int, workflows, regions []string) string {
	what := "any workflow"
	if len(workflows) > 0 {
		what = strings.Join(workflows, ", ")
	}
	if len(regions) > 0 {
		what += " in " + strings.Join(regions, ", ")
	}
	return fmt.Sprintf("rules[%d] (%s)", i, what)
}

// where is "policy.yaml:12", or "line 12" when the file has no name.
func where(name string, line int) string {
	if line <= 0 {
		return cmp.Or(name, "the approval policy")
	}
	return lineName(name, line)
}

// pathString writes a path as the file's keys and indexes:
// rules[1].approvals[0].group.
func pathString(path []any) string {
	var b strings.Builder
	for _, step := range path {
		switch s := step.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, s)
		}
	}
	return b.String()
}

// lineOf is the line of the node at path, or of the nearest node above it
// the file has (a key left out is reported where its parent is).
func lineOf(n *yaml.Node, path []any) int {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	line := n.Line
	for _, step := range path {
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		next := (*yaml.Node)(nil)
		switch s := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for k := 0; k+1 < len(n.Content); k += 2 {
					if n.Content[k].Value == s {
						line, next = n.Content[k].Line, n.Content[k+1]
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && s < len(n.Content) {
				next = n.Content[s]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// yamlLine matches the "line N: what" of the yaml package's errors.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError rewrites the yaml package's errors in the policy's terms: each
// problem on a line of its own, with the file and line first, and an
// unknown key named with the keys that are known there.
func yamlError(name string, err error) error {
	lines := []string{err.Error()}
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) {
		lines = typeErr.Errors
	}
	var errs []error
	for _, l := range lines {
		m := yamlLine.FindStringSubmatch(l)
		if m == nil {
			errs = append(errs, fmt.Errorf("%s: %s", where(name, 0), strings.TrimPrefix(l, "yaml: ")))
			continue
		}
		line, _ := strconv.Atoi(m[1])
		errs = append(errs, fmt.Errorf("%s: %s", where(name, line), unknownKey(m[2])))
	}
	return errors.Join(errs...)
}

// unknownFieldError matches the yaml package's "field x not found in type
// approval.ruleFile".
var unknownFieldError = regexp.MustCompile(`^field (.*) not found in type (\S+)$`)

// unknownKey is the yaml package's problem text, or for an unknown key,
// which keys the place takes.
func unknownKey(text string) string {
	m := unknownFieldError.FindStringSubmatch(text)
	if m == nil {
		return text
	}
	places := map[string]struct {
		what string
		typ  reflect.Type
	}{
		"approval.policyFile": {"at the top of the policy", reflect.TypeFor[policyFile]()},
		"approval.ruleFile":   {"in a rule", reflect.TypeFor[ruleFile]()},
		"approval.needFile":   {"in an approval", reflect.TypeFor[needFile]()},
		"notify.Target":       {"in a notify target", reflect.TypeFor[notify.Target]()},
	}
	place, ok := places[m[2]]
	if !ok {
		return fmt.Sprintf("unknown key %q", m[1])
	}
	var keys []string
	for i := range place.typ.NumField() {
		key, _, _ := strings.Cut(place.typ.Field(i).Tag.Get("yaml"), ",")
		keys = append(keys, key)
	}
	return fmt.Sprintf("unknown key %q %s (the keys are %s)", m[1], place.what, strings.Join(keys, ", "))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
