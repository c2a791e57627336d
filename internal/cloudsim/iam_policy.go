package cloudsim

import (
	"fmt"
	"net/http"
	"strings"
)

// IAMPolicy is a Huawei Cloud IAM custom policy (role/policy-based
// authorization, Version "1.1") bound to an AK/SK
// (HuaweiCredentialFixture.Policy, BindHuaweiPolicy): the credential may
// call an API only when a statement allows its action and every action
// the API depends on ("apig:instance:listVpcEndpoint" and
// "apig:instance:get", or "apig:instance:*", "apig:*:*") and none denies
// one. Anything else is answered 403 APIC.7106.
//
// The APIG reference lists, for each API, its action and the actions it
// depends on; cloudsim takes the harsher reading that a call needs both.
type IAMPolicy struct {
	Version   string         `json:"Version" yaml:"Version"`
	Statement []IAMStatement `json:"Statement" yaml:"Statement"`
}

// IAMStatement is one statement of an IAMPolicy. IAM's custom policies
// name resources only for a few services; APIG's are authorized on the
// project, so a statement here has no Resource.
type IAMStatement struct {
	Effect string        `json:"Effect" yaml:"Effect"` // Allow or Deny
	Action policyStrings `json:"Action" yaml:"Action"`
}

// iamActions are the IAM actions each APIG API needs: its own, then
// those it depends on (APIG API Reference, "Authorization Information"
// of each page).
var iamActions = map[string][]string{
	huaweiActionListEndpointConnections:   {"apig:instance:listVpcEndpoint", "apig:instance:get"},
	huaweiActionAcceptOrRejectConnections: {"apig:instance:acceptOrRejectVpcEndpointConnection", "apig:instance:get"},
}

// Validate says what makes the policy one IAM would refuse.
func (p IAMPolicy) Validate() error {
	if p.Version != "1.1" {
		return fmt.Errorf("IAM policy Version %q: want \"1.1\" (a custom policy)", p.Version)
	}
	if len(p.Statement) == 0 {
		return fmt.Errorf("IAM policy has no Statement")
	}
	for i, st := range p.Statement {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return fmt.Errorf("IAM policy Statement %d: Effect %q is not Allow or Deny", i, st.Effect)
		}
		if len(st.Action) == 0 {
			return fmt.Errorf("IAM policy Statement %d has no Action", i)
		}
		for _, a := range st.Action {
			if strings.Count(a, ":") != 2 {
				return fmt.Errorf("IAM policy Statement %d: Action %q is not service:resource:action", i, a)
			}
		}
	}
	return nil
}

// Allows tells whether the policy lets its credential call the APIG API
// api: every action it needs allowed, none denied.
func (p IAMPolicy) Allows(api string) bool {
	needed := iamActions[api]
	if len(needed) == 0 {
		return false
	}
	for _, action := range needed {
		if !allowedBy(p.Statement, func(st IAMStatement) (bool, string) { return st.matches(action), st.Effect }) {
			return false
		}
	}
	return true
}

func (st IAMStatement) matches(action string) bool {
	for _, pattern := range st.Action {
		if globMatch(strings.ToLower(pattern), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

// errHuaweiNoPermission is APIG's answer to a credential without the
// permission (the API documents' 403 example).
func errHuaweiNoPermission() *apiError {
	return newAPIError(http.StatusForbidden, "APIC.7106", "No permissions to request for the method")
}

// BindHuaweiPolicy binds AK ak to p, or unbinds it with nil: with a
// policy, the AK may call only what it allows.
func (s *Server) BindHuaweiPolicy(ak string, p *IAMPolicy) error {
	if p != nil {
		if err := p.Validate(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cred := s.world.huaweiAKs[ak]
	if cred == nil {
		return fmt.Errorf("cloudsim: no Huawei AK %q", ak)
	}
	bound := *cred // a copy: a call holding the old credential reads it unlocked
	bound.policy = p
	s.world.huaweiAKs[ak] = &bound
	return nil
}
