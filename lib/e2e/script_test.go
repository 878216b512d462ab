package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// Tools are the seven programs, in pipeline order.
var Tools = []string{"frames", "volumes", "fit", "recon", "regscore", "events", "evalroc"}

var binDir string

// scriptCommands are the custom testscript commands, all in one list; each
// is defined in the file of the scripts it serves.
var scriptCommands = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// cmds_test.go: what a tool wrote
	"countrecords": cmdCountRecords,
	"nopanic":      cmdNoPanic,
	"isjson":       cmdIsJSON,
	"aucatleast":   cmdAUCAtLeast,
	"aucbeats":     cmdAUCBeats,
	// faults_test.go: crafted streams, checkpoints and videos; faults
	"mkstream":  cmdMkStream,
	"ckptedit":  cmdCkptEdit,
	"mkvideo":   cmdMkVideo,
	"asnobody":  cmdAsNobody,
	"interrupt": cmdInterrupt,
	"oneline":   cmdOneLine,
	"notemp":    cmdNoTemp,
	// bounds_test.go: hostile streams; peak memory
	"mkhostile": cmdMkHostile,
	"memrun":    cmdMemRun,
	// live_test.go: live sources
	"freeport": cmdFreePort,
	"sleep":    cmdSleep,
}

// repoRoot is two levels above this package.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stae-bin")
	if err != nil {
		panic(err)
	}
	binDir = dir
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, t := range Tools {
		if _, err := os.Stat(filepath.Join(repoRoot(), t, "main.go")); err == nil {
			args = append(args, "./"+t)
		}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = repoRoot()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		os.Stderr.WriteString("e2e: building the tools failed\n")
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestScripts(t *testing.T) {
	root := repoRoot()
	shared := filepath.Join(root, "..", "shared")
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join(root, "testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("REPO", root)
			env.Setenv("TESTDATA", filepath.Join(root, "testdata"))
			env.Setenv("SHARED", shared)
			env.Setenv("PED2", filepath.Join(shared, "datasets", "UCSDped2"))
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "ped2":
				_, err := os.Stat(filepath.Join(shared, "datasets", "UCSDped2", "Test"))
				return err == nil, nil
			}
			return false, nil
		},
		Cmds:                scriptCommands,
		RequireExplicitExec: false,
	})
}
