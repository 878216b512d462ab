// Stages as files, Make-style: a stage is a pipeline of commands that makes
// one file, rerun only when its key changes.

package protocol

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"stae/lib/digest"
)

// OutArg, as an argument of a stage's command, stands for the file the
// stage makes (its temporary name while it runs). A stage whose commands
// have no OutArg makes its file from the last command's stdout.
const OutArg = "$OUT"

// Stage makes the file Out from the files Inputs with the commands of Pipe,
// joined stdout to stdin, the first reading Stdin when it is set.
type Stage struct {
	Out    string     // the file the stage makes
	Inputs []string   // the files it reads: their digests are part of its key
	Stdin  string     // the file fed to the first command, or ""
	Pipe   [][]string // the commands, each an argv; the first word is looked up on PATH
}

// Name is the stage's file name, as the log and stage_seconds show it.
func (s Stage) Name() string { return filepath.Base(s.Out) }

// String is the stage's pipeline as a shell would read it.
func (s Stage) String() string {
	cmds := make([]string, len(s.Pipe))
	out := true
	for i, argv := range s.Pipe {
		words := make([]string, len(argv))
		for j, a := range argv {
			if a == OutArg {
				out = false
				words[j] = `"$OUT"`
				continue
			}
			words[j] = shellQuote(a)
		}
		cmds[i] = strings.Join(words, " ")
	}
	line := strings.Join(cmds, " | ")
	if s.Stdin != "" {
		line += " <" + shellQuote(s.Stdin)
	}
	if out {
		line += ` >"$OUT"`
	}
	return line
}

// shellQuote quotes a word only when a shell would split or expand it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./,:=+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Runner runs stages, skipping those whose file is up to date. Next to each
// file it keeps FILE.key (the key it was made under) and FILE.seconds (how
// long it took).
type Runner struct {
	Log      io.Writer                    // one line per stage: run or up to date
	Stderr   io.Writer                    // the commands' stderr (and stdout, when they write OUT themselves)
	LookPath func(string) (string, error) // finds a command; exec.LookPath when nil
	Ran      []string                     // the stages run, in order (not those up to date)
	digests  map[string]string            // binaries' digests, by path
	now      func() time.Time             // the clock (tests)
}

// Key is the stage's key: a digest of its commands, its stdin's name, the
// keys of its inputs (the digest of their content when they are not a
// stage's file) and the digests of the binaries it runs. A changed option
// changes the key of its stage and, through their inputs, of the stages
// after it, and no other.
func (r *Runner) Key(s Stage) (string, error) {
	h := digest.New()
	fmt.Fprintf(h, "%q\n", s.Pipe)
	fmt.Fprintf(h, "stdin %q\n", s.Stdin)
	for _, in := range s.Inputs {
		k, err := r.inputKey(in)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "input %q %s\n", in, k)
	}
	for _, argv := range s.Pipe {
		d, err := r.binary(argv[0])
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "tool %q %s\n", argv[0], d)
	}
	return h.Sum()[:16], nil
}

func (r *Runner) inputKey(path string) (string, error) {
	if k, err := os.ReadFile(path + ".key"); err == nil {
		return strings.TrimSpace(string(k)), nil
	}
	return fileDigest(path)
}

func (r *Runner) look(name string) (string, error) {
	if r.LookPath == nil {
		return exec.LookPath(name)
	}
	return r.LookPath(name)
}

func (r *Runner) binary(name string) (string, error) {
	path, err := r.look(name)
	if err != nil {
		return "", err
	}
	if d, ok := r.digests[path]; ok {
		return d, nil
	}
	d, err := fileDigest(path)
	if err != nil {
		return "", err
	}
	if r.digests == nil {
		r.digests = map[string]string{}
	}
	r.digests[path] = d
	return d, nil
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := digest.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return h.Sum(), nil
}

// Run makes each stage's file in turn unless it exists and was made under
// the same key, and stops at the first that fails.
func (r *Runner) Run(ctx context.Context, stages ...Stage) error {
	for _, s := range stages {
		if err := r.run(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s.Name(), err)
		}
	}
	return nil
}

func (r *Runner) run(ctx context.Context, s Stage) error {
	key, err := r.Key(s)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(s.Out + ".key"); err == nil && strings.TrimSpace(string(old)) == key {
		if _, err := os.Stat(s.Out); err == nil {
			fmt.Fprintf(r.Log, "%s: up to date\n", s.Name())
			return nil
		}
	}
	fmt.Fprintf(r.Log, "%s: %s\n", s.Name(), s)
	now := r.now
	if now == nil {
		now = time.Now
	}
	t0 := now()
	os.Remove(s.Out + ".key")
	tmp := s.Out + ".tmp"
	if err := r.pipe(ctx, s, tmp); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("stage failed: %w", err)
	}
	if err := os.Rename(tmp, s.Out); err != nil {
		return err
	}
	if err := os.WriteFile(s.Out+".key", []byte(key+"\n"), 0o644); err != nil {
		return err
	}
	r.Ran = append(r.Ran, s.Name())
	secs := fmt.Sprintf("%.1f\n", now().Sub(t0).Seconds())
	return os.WriteFile(s.Out+".seconds", []byte(secs), 0o644)
}

// pipe runs the stage's commands joined by pipes, with OutArg as tmp; like
// bash's pipefail, it fails when any command fails.
func (r *Runner) pipe(ctx context.Context, s Stage, tmp string) error {
	var in io.Reader
	if s.Stdin != "" {
		f, err := os.Open(s.Stdin)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	argvs := make([][]string, len(s.Pipe))
	toFile := true
	for i, argv := range s.Pipe {
		argvs[i] = make([]string, len(argv))
		for j, a := range argv {
			if a == OutArg {
				a, toFile = tmp, false
			}
			argvs[i][j] = a
		}
	}
	out := r.Stderr
	if toFile {
		f, err := os.Create(tmp)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	wait, err := startPipe(ctx, r.look, argvs, in, out, r.Stderr)
	if err != nil {
		return err
	}
	return wait()
}

// startPipe starts the commands argvs (each first word found with look)
// joined stdout to stdin, the first reading in and the last writing out,
// and returns what waits for them all; like bash's pipefail, that fails
// when any command fails. When one cannot start, it waits for those
// started and fails.
func startPipe(ctx context.Context, look func(string) (string, error), argvs [][]string, in io.Reader, out, stderr io.Writer) (func() error, error) {
	if len(argvs) == 0 {
		return nil, errors.New("no command")
	}
	cmds := make([]*exec.Cmd, len(argvs))
	for i, args := range argvs {
		path, err := look(args[0])
		if err != nil {
			return nil, err
		}
		cmds[i] = exec.CommandContext(ctx, path, args[1:]...)
		cmds[i].Stderr = stderr
	}
	cmds[0].Stdin = in
	for i := 0; i+1 < len(cmds); i++ {
		pr, pw, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		cmds[i].Stdout, cmds[i+1].Stdin = pw, pr
		defer pr.Close()
		defer pw.Close()
	}
	cmds[len(cmds)-1].Stdout = out
	var errs []error
	started := 0
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			errs = append(errs, err)
			break
		}
		started++
	}
	// Close the parent's ends, so each command sees EOF or EPIPE when its
	// neighbour exits.
	for i := 0; i+1 < len(cmds); i++ {
		cmds[i].Stdout.(*os.File).Close()
		cmds[i+1].Stdin.(*os.File).Close()
	}
	wait := func() error {
		for _, c := range cmds[:started] {
			if err := c.Wait(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", filepath.Base(c.Path), err))
			}
		}
		return errors.Join(errs...)
	}
	if started < len(cmds) {
		return nil, wait()
	}
	return wait, nil
}
