package v8runner

import (
	"os"
	"strings"
	"testing"
)

// The package doc (what `go doc` shows) names the versions a binary runs.
func TestDocNamesTheVersions(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	v8 := strings.TrimSuffix(V8Version(), "-rusty")
	for _, want := range []string{"v8runner " + Version(), "V8 " + v8} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("doc.go does not say %q", want)
		}
	}
}
