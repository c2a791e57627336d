package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// The Web UI tests drive Temporal's Web UI (v2.54.1, served by the stack)
// in headless Chromium as a person would. Debian's chromium is needed:
// .ci/run installs it and sets VPCFLOW_REQUIRE_BROWSER=1, so CI fails
// without it; elsewhere a machine without it skips these tests.

// browser is a headless Chromium tab for one test, closed when it ends.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("VPCFLOW_REQUIRE_BROWSER") == "1" {
			t.Fatalf("chromium is not installed (apt-get install chromium): %v", err)
		}
		t.Skip("chromium is not installed (apt-get install chromium); CI runs this test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], // headless
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1400, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser in ctx: a step's own timeout
	// must not be the context that owns it.
	require.NoError(t, chromedp.Do(ctx))
	return &browser{t: t, ctx: ctx}
}

// do runs steps, each group within 30 s (the UI takes 5-8 s to show a
// workflow's page).
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](pageText))
		b.t.Fatalf("%s: %v\nthe page shows:\n%.3000s", what, err, text)
	}
}

// eval evaluates a JavaScript expression on the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	require.NoError(b.t, err, expr)
	return v
}

// screenshot saves the page as a PNG.
func (b *browser) screenshot(path string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	require.NoError(b.t, err)
	require.NoError(b.t, os.WriteFile(path, png, 0o644))
}

// shown selects the elements matching css that are shown, and whose text
// is text when text is not empty. The workflow page renders its header,
// menus and dialogs twice (for narrow and wide windows), one copy hidden.
func shown(css, text string) chromedp.JSPath {
	return chromedp.JSPath(fmt.Sprintf(`[...document.querySelectorAll(%q)].filter(e => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) && (%q === "" || e.textContent.trim() === %q))`,
		css, text, text))
}

// workflowPage is the Web UI's page of a workflow run.
func workflowPage(id, runID string) string {
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s/%s/history", stack.Temporal.UIURL(),
		url.PathEscape(stack.Temporal.Namespace()), url.PathEscape(id), url.PathEscape(runID))
}

const (
	moreActions  = `button[aria-controls="workflow-actions"]`
	updateDialog = `dialog[data-testid="update-confirmation-modal"][open]`
	updateData   = updateDialog + ` [role="textbox"][aria-label="Data"]`
)

// sendUpdate opens a workflow's page and sends it an Update as a person
// does: More Actions, Send an Update, the name, the JSON, Submit. It
// returns what the UI then says: the validator's refusal in the dialog,
// or its "Update successful".
func (b *browser) sendUpdate(id, runID, name, arg string) string {
	b.t.Helper()
	b.do("open the workflow's page", chromedp.Navigate(workflowPage(id, runID)), chromedp.WaitVisible(shown(moreActions, "")))
	b.do("More Actions, Send an Update", chromedp.Click(shown(moreActions, "")),
		chromedp.Click(shown(`li[data-testid="update-button"]`, "Send an Update")),
		chromedp.WaitVisible(chromedp.CSS(updateDialog)))
	// The name is a list of the Updates the workflow has (the UI asks the
	// workflow for them), or a text field if it could not ask.
	if eval[bool](b, `!!document.querySelector('`+updateDialog+` button[data-testid="update-select-button"]')`) {
		b.do("pick the Update "+name, chromedp.Click(chromedp.CSS(updateDialog+` button[data-testid="update-select-button"]`)),
			chromedp.Click(shown(updateDialog+` #update-select-select li[role="option"]`, name)))
	} else {
		b.do("type the Update "+name, chromedp.SendKeys(chromedp.CSS(updateDialog+` input#update-name`), name))
	}
	// Data is a code editor: the JSON goes in at once (typed key by key,
	// the editor would close brackets and quotes itself).
	b.do("fill in the JSON", chromedp.Click(chromedp.CSS(updateData)),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: arg})
			return err
		}),
		// Leaving the editor reformats the JSON and the dialog moves:
		// Submit is clicked once it stands still.
		chromedp.Blur(chromedp.CSS(updateData)),
		chromedp.Poll[chromedp.Void](`(() => {
			const b = document.querySelector('`+updateDialog+` button[data-testid="confirm-modal-button"]');
			if (!b || b.disabled) return false;
			const r = JSON.stringify(b.getBoundingClientRect());
			const still = window.__submitAt === r;
			window.__submitAt = r;
			return still;
		})()`, chromedp.WithPollingInterval(150*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	b.do("Submit", chromedp.Click(chromedp.CSS(updateDialog+` button[data-testid="confirm-modal-button"]`), chromedp.NodeEnabled))
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	said, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
		const d = document.querySelector('`+updateDialog+`');
		if (d) {
			const refused = d.querySelector('div.alert.error[role="alert"] p');
			return refused ? refused.textContent.trim() : false;
		}
		return document.body.innerText.includes('Update successful') ? 'Update successful' : false;
	})()`, chromedp.WithPollingInterval(50*time.Millisecond)))
	require.NoError(b.t, err, "the UI said nothing after Submit")
	return said
}

// pageText is the page's text with that of its frames: the Web UI renders
// a workflow's summary and details (Markdown) in frames of its own origin.
const pageText = "[document, ...[...document.querySelectorAll('iframe')].map(f => f.contentDocument).filter(d => d && d.body)].map(d => d.body.innerText).join('\\n')"

// waitText waits until the page's text holds every one of want.
func (b *browser) waitText(what string, want ...string) {
	b.t.Helper()
	conds := make([]string, len(want))
	for i, w := range want {
		conds[i] = fmt.Sprintf("text.includes(%q)", w)
	}
	b.do(what, chromedp.Poll[chromedp.Void]("(() => { const text = "+pageText+"; return "+strings.Join(conds, " && ")+"; })()",
		chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
}

// openUserMetadata opens the workflow page's User Metadata tab: the
// summary, details and current details a workflow sets.
func (b *browser) openUserMetadata() {
	b.t.Helper()
	b.do("open User Metadata", chromedp.WaitVisible(shown("a, button, [role=tab]", "User Metadata")),
		chromedp.Click(shown("a, button, [role=tab]", "User Metadata")))
}
