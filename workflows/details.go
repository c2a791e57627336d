package workflows

import (
	"fmt"
	"strings"

	"github.com/vpcflow/vpcflow/contract"
)

// currentDetails renders a workflow's progress as Markdown for the Web UI's
// current details: its stage, the plan while it waits for a decision, and
// its steps so far.
func currentDetails(p contract.Progress) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Stage:** %s\n\n", p.Stage)
	if p.Stage == contract.StageAwaitingApproval {
		fmt.Fprintf(&b, "**Waiting for a decision** on this plan: send the Update `%s` with "+
			"`{\"Approve\": true, \"By\": \"<you>\", \"Comment\": \"...\"}` (More Actions, Send an Update), "+
			"or `starter approve` / `starter reject`.\n\n| stage | action | what |\n|---|---|---|\n", contract.DecideUpdate)
		for _, st := range p.Plan {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", st.Stage, st.Action, st.What)
		}
		b.WriteString("\n")
	}
	b.WriteString("| step | outcome | ms | cloud state | RequestIds |\n|---|---|---|---|---|\n")
	for _, s := range p.Steps {
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s |\n", s.Name, s.Outcome, s.DurationMillis, s.CloudState, strings.Join(s.RequestIds, " "))
	}
	return b.String()
}
