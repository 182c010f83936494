package aquacorpus

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aquanet/aquanet/interpreter/air"
)

// The Aqua compiler scopes variables as AIR does, so its AIR never reads a variable whose values
// have all ended: air.Lint, which warns of that, says nothing of any function of the corpus.
func TestCompiledAIRHasNoLintWarnings(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(Dir, "corpus", "*", "*.air"))
	if err != nil || len(files) < 40 {
		t.Fatalf("%d compiled functions in the corpus, want at least 40 (%v)", len(files), err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := air.Parse(string(src))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, w := range air.Lint(s.Root) {
			t.Errorf("%s: %v", f, w)
		}
	}
}
