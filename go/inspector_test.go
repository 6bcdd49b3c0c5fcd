package v8runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os/exec"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The script DevTools debugs: a breakpoint on line 2 (0-based).
const inspectedScript = `function compute(x) {
  const local = x * 2;
  return local + 1;
}
console.log('result', compute(20));
console.log('after resume');
setTimeout(() => { throw new Error('from a timer') }, 0);
`

func TestInspectorWithADevToolsClient(t *testing.T) {
	rt, err := NewRuntime(WithConsole(&bytes.Buffer{}), WithErrorHandler(func(error) {}))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if _, err := rt.Inspect("0.0.0.0:0"); !errors.Is(err, ErrBadInput) {
		t.Fatalf("a public address: %v", err)
	}
	ws, err := rt.Inspect("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(ws)
	if err != nil || u.Scheme != "ws" {
		t.Fatalf("ws url %q: %v", ws, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := exec.CommandContext(ctx, "node", "../tests/inspector/client.js", u.Port())
	var out, stderr bytes.Buffer
	client.Stdout, client.Stderr = &out, &stderr
	if err := client.Start(); err != nil {
		t.Fatalf("node: %v", err)
	}
	if err := rt.WaitForDebugger(); err != nil {
		t.Fatal(err)
	}
	// Held before the first statement and at the breakpoint: the client
	// resumes, reads and steps while this call waits.
	if _, err := rt.EvalNamed(ctx, inspectedScript, "inspect-test.js"); err != nil {
		t.Fatalf("eval: %v", err)
	}
	if err := rt.Run(ctx); err == nil || !strings.Contains(err.Error(), "from a timer") {
		t.Fatalf("run: %v", err)
	}
	if err := client.Wait(); err != nil {
		t.Fatalf("client: %v\n%s", err, stderr.String())
	}
	var seen struct {
		Targets    int
		Type       string
		Protocol   string
		Breakpoint bool
		Pauses     []struct {
			Reason string
			Fn     string
			Line   int
			Hit    int
			Local  float64
			Scope  []string
		}
		Console   []string
		Exception string
	}
	if err := json.Unmarshal(out.Bytes(), &seen); err != nil {
		t.Fatalf("client output %q: %v\n%s", out.String(), err, stderr.String())
	}
	if seen.Targets != 1 || seen.Protocol != "1.3" || !seen.Breakpoint {
		t.Fatalf("targets/version/breakpoint: %+v", seen)
	}
	// Held before the first statement, at the breakpoint (set before
	// WaitForDebugger returned), then after a step.
	if len(seen.Pauses) != 3 || seen.Pauses[0].Reason != "Break on start" || seen.Pauses[0].Line != 4 ||
		seen.Pauses[2].Reason != "step" {
		t.Fatalf("pauses: %+v", seen.Pauses)
	}
	hit := seen.Pauses[1]
	if hit.Fn != "compute" || hit.Line != 2 || hit.Hit != 1 || hit.Local != 40 ||
		!reflect.DeepEqual(hit.Scope, []string{"local=40", "x=20"}) {
		t.Fatalf("at the breakpoint: %+v", hit)
	}
	if !reflect.DeepEqual(seen.Console, []string{"log: result 41", "log: after resume"}) {
		t.Fatalf("console: %q", seen.Console)
	}
	if seen.Exception != "Uncaught Error: from a timer @inspect-test.js:6" {
		t.Fatalf("exception: %q", seen.Exception)
	}
}

func TestCPUProfileNamesTheHotFunction(t *testing.T) {
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	// Started on one thread, the script run on another: V8's own sampler
	// sees only the first, so this profile would be empty without ours.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	started, finished := make(chan error), make(chan struct{})
	defer close(finished)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		started <- rt.StartCPUProfile(100 * time.Microsecond)
		<-finished
	}()
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Eval(context.Background(), `
		function hotLoop(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i) % 7; return s }
		hotLoop(2e7)`); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rt.StopCPUProfile(&buf); err != nil {
		t.Fatal(err)
	}
	var profile struct {
		Nodes []struct {
			CallFrame struct{ FunctionName string }
			HitCount  int
		}
		Samples []int
	}
	if err := json.Unmarshal(buf.Bytes(), &profile); err != nil {
		t.Fatal(err)
	}
	top := profile.Nodes[0]
	for _, n := range profile.Nodes {
		if n.HitCount > top.HitCount {
			top = n
		}
	}
	if top.CallFrame.FunctionName != "hotLoop" || len(profile.Samples) < 10 {
		t.Fatalf("top frame %q (%d samples)", top.CallFrame.FunctionName, len(profile.Samples))
	}
	if err := rt.StopCPUProfile(&buf); !errors.Is(err, ErrBadInput) {
		t.Fatalf("stop twice: %v", err)
	}
}
