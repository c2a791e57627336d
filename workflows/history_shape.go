package workflows

import "go.temporal.io/sdk/workflow"

// historyChange is the workflow.GetVersion change ID of the shape of
// vpcflow's histories, one version per change of the commands a workflow
// emits; the ID keeps the name of its first version. Workflows that started
// before a version replay on the one they have: DefaultVersion is the shape
// before the first.
const historyChange = "lean-history"

const (
	// leanHistoryVersion: the short read-only calls run as local
	// activities, and VpcFlowStage is upserted only for the stages a search
	// can catch (the waits, completed and failed); docs/benchmarks.md has
	// what it saves.
	leanHistoryVersion workflow.Version = 1
	// publishConfirmedVersion: a publish is followed until its routes are
	// Published, not only submitted. PublishVpcRoutes waits in a step of its
	// own (wait-routes-published); NetworkChange confirms it within its
	// verify-vpn-routes wait, which looks for the routes on the VPN
	// connection, where they arrive only once Published.
	publishConfirmedVersion workflow.Version = 2
	// recoveryVersion: a cancelled change waits for the answer of a
	// connect or publish in flight (WaitForCancellation), so it knows what
	// it changed; it ends cancelled with that as details, VpcFlowStage
	// cancelled, and, as OnCancel and OnFailure ask, rolls it back.
	recoveryVersion workflow.Version = 3
	// trustedRollbackVersion: a Rollback undoes what its change's own record
	// says (read through Temporal: contract.ChangeOf), refusing a change that
	// does not exist, is not a change or still runs, and a Changed in its
	// input that is not that record; it runs only as rollback/<change>.
	trustedRollbackVersion workflow.Version = 4
	// activationVersion: a change that finds its interface Inactive (a
	// rollback deactivated it) activates it and waits until it is Active,
	// instead of failing UnreachableState; a rollback that finds the
	// interface on its way to Active (Connecting, Activating) waits until it
	// is Active before it deactivates it, instead of spending the
	// deactivate's retries.
	activationVersion workflow.Version = 5
	// fleetSignalVersion: a change a fleet started tells the fleet (the
	// signal contract.FleetConnectedSignal) once its interface is Active,
	// so the fleet lets the next change connect from the same router
	// while this one publishes and verifies.
	fleetSignalVersion workflow.Version = 6
	// approvalPolicyVersion: a change asks the worker's approval policy
	// what it needs (a local activity's marker) whether or not its input
	// asks for approval; decisions count towards a quorum and may be
	// signed; a reminder and an escalation are timers; the change's events
	// are notified (SendNotification activities) when the worker has
	// webhooks.
	approvalPolicyVersion workflow.Version = 7

	// latestVersion is the shape new runs take.
	latestVersion = approvalPolicyVersion
)

// historyShape is the version of historyChange a run has, decided once at
// its start: what its history holds, and so what it does.
type historyShape workflow.Version

// newHistoryShape records (or, replaying, reads) the run's shape.
func newHistoryShape(ctx workflow.Context) historyShape {
	return historyShape(workflow.GetVersion(ctx, historyChange, workflow.DefaultVersion, latestVersion))
}

// lean tells whether the run makes its reads as local activities and
// upserts only the stages a search can catch.
func (h historyShape) lean() bool { return workflow.Version(h) >= leanHistoryVersion }

// confirmsPublish tells whether the run waits for its routes to be
// Published.
func (h historyShape) confirmsPublish() bool { return workflow.Version(h) >= publishConfirmedVersion }

// recovers tells whether the run knows what it changed when it is
// cancelled, and recovers as its input asks.
func (h historyShape) recovers() bool { return workflow.Version(h) >= recoveryVersion }

// trustsOnlyTheChange tells whether a Rollback reads what to undo from the
// change itself.
func (h historyShape) trustsOnlyTheChange() bool {
	return workflow.Version(h) >= trustedRollbackVersion
}

// activates tells whether the run activates an Inactive interface, and
// waits for one on its way to Active before deactivating it.
func (h historyShape) activates() bool { return workflow.Version(h) >= activationVersion }

// tellsItsFleet tells whether a change started by a fleet signals it once
// its interface is Active.
func (h historyShape) tellsItsFleet() bool { return workflow.Version(h) >= fleetSignalVersion }

// asksThePolicy tells whether the run asks the worker's approval policy,
// counts a quorum and notifies its events.
func (h historyShape) asksThePolicy() bool { return workflow.Version(h) >= approvalPolicyVersion }
