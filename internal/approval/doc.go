// Package approval is the worker's approval policy: who must approve which
// change before it changes anything, and how a decision proves who made it.
//
// It has three parts:
//
//   - The policy file (Load, Parse, Policy.Requirement): rules that say
//     which changes wait for approval, by how many people of which groups
//     and for how long, and the webhooks to tell (Policy.Notify). DevPolicy
//     (or a nil *Policy) is what the worker uses without a file: the
//     change's input alone decides.
//   - allowed_signers (ParseAllowedSigners): git's file of the SSH keys
//     people sign with, each with the principals (names) it may sign as.
//   - Signed decisions (Sign, Signer, Verify): a Decision signed with
//     ssh-keygen -Y sign in namespace contract.DecisionSignatureNamespace,
//     over contract.DecisionMessage, so the change checks that By really
//     decided, on this very plan.
//
// docs/approvals.md is the same for users, with how to sign by hand.
//
// # The policy file
//
// The worker reads it from -approval-policy (VPCFLOW_APPROVAL_POLICY). It
// is YAML; an unknown key is an error, so a misspelled one cannot silently
// loosen the policy.
//
//	groups:                        # approver groups: name -> principals
//	  netops: [alice@example.com, bob@example.com, carol@example.com]
//	  security: [sec@example.com]
//	allowedSigners: allowed_signers  # relative to this file's directory
//	allowUnsigned: false           # accept unsigned decisions (By is then free text)
//	rules:                         # the first rule that matches decides
//	  - workflows: [NetworkChange, NetworkFleet]  # empty or left out: any
//	    regions: [cn-hangzhou]     # empty or left out: any region
//	    require: true              # false: matching changes need no approval
//	    approvals:                 # each by a different principal
//	      - {group: netops, count: 2}
//	      - {group: security, count: 1}
//	    rejects: 1                 # rejects that stop the change (default 1)
//	    selfApproval: false        # may the requester approve (default: no, four eyes)
//	    requireRequester: false    # refuse a change that does not name who asks
//	    remindAfter: 4h            # Go durations, and days: 2d, 1d12h
//	    escalateAfter: 24h
//	    escalateTo: security       # may then approve in place of any need
//	    timeout: 72h               # at most 7 days (default 24h)
//	notify: []                     # webhooks (internal/notify, docs/notifications.md)
//
// A rule must say require (true or false). Loading checks everything and
// reports every problem with its line and place ("policy.yaml:14:
// rules[1].approvals[0].group: group "secops" is not defined"): workflows
// are vpcflow's workflow types (a misspelled one would silently match
// nothing); groups a rule names exist; each count is at least 1 and at most
// the group's members, and a rule's counts add up to at most
// contract.MaxApprovals; remindAfter < escalateAfter < timeout where set;
// timeout is at most contract.MaxApprovalTimeout; escalateAfter and
// escalateTo come together; allowedSigners is set and parses, and every
// member of every group has a key in it (unless allowUnsigned).
//
// # Rules and a change's input
//
// Policy.Requirement asks the policy about one change (its workflow type,
// region and requester, and the Approval its input gives). The first rule
// whose workflows and regions match decides; a change no rule matches
// needs no approval unless its input asks for it, and then any allowed
// signer may approve. The input may ask for more than the rule, never
// less: approval even when the rule does not require it, more approvals,
// a shorter timeout. A rule with require: false still says how an
// approval is given when the input asks for one (who, how many, how long).
//
// A fleet whose changes are in several regions (ask.Regions), or a change
// that names no region, matches a rule with regions that requires approval
// if it may touch one of them (naming none, it may touch any), and a rule
// with regions that exempts only if it is wholly inside them: a regional
// exemption never lets a change through unasked elsewhere.
//
// # Signed decisions
//
// Unless the policy allows unsigned decisions, a Decision carries
// Signature: an armored SSH signature (-----BEGIN SSH SIGNATURE-----) over
// contract.DecisionMessage(d) in namespace vpcflow-decision@v1, by a key
// the allowed signers list for the principal d.By. Verify checks it as
// ssh-keygen -Y verify does (namespaces, valid-after and valid-before
// included), deterministically, so a workflow's update validator can call
// it. The message names the change, the run, the plan's digest, the
// verdict, the approver and the comment, so a signature cannot be replayed
// on another change, another plan, or turned from a reject to an approve.
package approval
