package startercli

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vpcflow/vpcflow/contract"
)

// printResult shows a result for people: its steps as a table, then its
// other fields, one line each (--json gives the whole result).
func (a *App) printResult(result any) {
	data, _ := json.Marshal(result)
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		fmt.Fprintf(a.Stdout, "Result: %s\n", data)
		return
	}
	var steps []contract.Step
	if json.Unmarshal(fields["Steps"], &steps) == nil && len(steps) > 0 {
		fmt.Fprintf(a.Stdout, "\n  %-36s %-8s %8s  %-22s %s\n", "STEP", "OUTCOME", "MS", "CLOUD STATE", "REQUEST IDS")
		for _, st := range steps {
			fmt.Fprintf(a.Stdout, "  %-36s %-8s %8d  %-22s %s\n", st.Name, st.Outcome, st.DurationMillis,
				truncate(st.CloudState, 22), strings.Join(st.RequestIds, " "))
		}
		fmt.Fprintln(a.Stdout)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if v := string(fields[k]); k != "Steps" && v != "null" && v != "[]" && v != `""` {
			fmt.Fprintf(a.Stdout, "  %s: %s\n", k, v)
		}
	}
}

func (a *App) printJSON(v any) {
	enc := json.NewEncoder(a.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// staticDetails is the Markdown the Web UI shows for the workflow: its input.
func staticDetails(workflowType string, input any) string {
	data, _ := json.MarshalIndent(input, "", "  ")
	return truncate(fmt.Sprintf("**%s** started by the vpcflow starter\n\n```json\n%s\n```\n", workflowType, data), 20000)
}

// printProblems lists every validation problem, one per line.
func (a *App) printProblems(command string, err error) {
	var v *contract.ValidationError
	if !errors.As(err, &v) {
		fmt.Fprintf(a.Stderr, "starter %s: %v\nNothing was started.\n", command, err)
		return
	}
	fmt.Fprintf(a.Stderr, "starter %s: the input has %s:\n", command, plural(len(v.Problems), "problem"))
	for _, p := range v.Problems {
		fmt.Fprintf(a.Stderr, "  - %s\n", p)
	}
	fmt.Fprintln(a.Stderr, "Nothing was started.")
}
