package v8runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildAndRun builds testdata/linkcheck with the given tags, checks what
// ldd says about libv8runner.so, and runs it with no LD_LIBRARY_PATH.
func buildAndRun(t *testing.T, tags string, wantShared bool) {
	bin := filepath.Join(t.TempDir(), "linkcheck")
	args := []string{"build", "-o", bin}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	build := exec.Command("go", append(args, "./testdata/linkcheck")...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ldd, err := exec.Command("ldd", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("ldd: %v\n%s", err, ldd)
	}
	if got := strings.Contains(string(ldd), "libv8runner.so"); got != wantShared {
		t.Errorf("ldd mentions libv8runner.so = %v, want %v:\n%s", got, wantShared, ldd)
	}
	run := exec.Command(bin)
	run.Env = append(os.Environ(), "LD_LIBRARY_PATH=")
	out, err := run.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "linked 42" {
		t.Errorf("run: %v\n%s", err, out)
	}
}

func TestLinksStaticallyByDefault(t *testing.T) {
	buildAndRun(t, "", false)
}

func TestSharedLibraryBuildTag(t *testing.T) {
	buildAndRun(t, "v8runner_shared", true)
}
