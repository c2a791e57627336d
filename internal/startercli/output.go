package startercli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vpcflow/vpcflow/contract"
)

// printResult shows a result for people: its steps as a table, then its
// other fields, one line each (--json gives the whole result).
func (a *App) printResult(result any) {
	data, _ := json.Marshal(result)
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		say(a.Stdout, "Result: %s\n", data)
		return
	}
	var steps []contract.Step
	if json.Unmarshal(fields["Steps"], &steps) == nil && len(steps) > 0 {
		sayln(a.Stdout)
		table := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
		sayln(table, "  STEP\tOUTCOME\tMS\tCLOUD STATE\tREQUEST IDS")
		for _, st := range steps {
			say(table, "  %s\t%s\t%d\t%s\t%s\n", st.Name, st.Outcome, st.DurationMillis,
				st.CloudState, strings.Join(st.RequestIds, " "))
		}
		_ = table.Flush()
		sayln(a.Stdout)
	}
	var plan []contract.PlannedStep
	if json.Unmarshal(fields["Plan"], &plan) == nil && len(plan) > 0 {
		a.printPlan(plan)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if v := string(fields[k]); k != "Steps" && k != "Plan" && v != "null" && v != "[]" && v != `""` {
			say(a.Stdout, "  %s: %s\n", k, v)
		}
	}
}

// planMarks mark each planned step as terraform plan marks its changes.
var planMarks = map[string]string{contract.PlanWillDo: "+", contract.PlanAlreadyDone: "=", contract.PlanWouldFail: "!"}

// printPlan shows a plan a step a line: "+" will do, "=" already done, "!"
// would fail, with the code and the reason under it.
func (a *App) printPlan(plan []contract.PlannedStep) {
	sayln(a.Stdout, "Plan (+ will do, = already done, ! would fail):")
	for _, st := range plan {
		say(a.Stdout, "  %s %s: %s\n", planMarks[st.Action], st.Action, st.What)
		if st.Action == contract.PlanWouldFail {
			say(a.Stdout, "      %s: %s\n", st.Code, st.Reason)
		}
	}
	sayln(a.Stdout)
}

// The output formats of -o.
const (
	outputText  outputFormat = "text"
	outputJSON  outputFormat = "json"
	outputJSONL outputFormat = "jsonl"
)

var outputFormats = []string{string(outputText), string(outputJSON), string(outputJSONL)}

// outputFormat is what -o asks for; "" is text.
type outputFormat string

func (o *outputFormat) String() string {
	if *o == "" {
		return string(outputText)
	}
	return string(*o)
}

func (o *outputFormat) Set(v string) error {
	if !slices.Contains(outputFormats, v) {
		return fmt.Errorf("want one of %s", strings.Join(outputFormats, ", "))
	}
	*o = outputFormat(v)
	return nil
}

func (o *outputFormat) Type() string { return "text|json|jsonl" }

// machine tells whether the output is for a program: JSON, not text.
func (a *App) machine() bool { return a.output == outputJSON || a.output == outputJSONL }

// printJSON prints v as one JSON document (-o json), or as one line
// (-o jsonl).
func (a *App) printJSON(v any) {
	enc := json.NewEncoder(a.Stdout)
	if a.output != outputJSONL {
		enc.SetIndent("", "  ")
	}
	_ = enc.Encode(v)
}
