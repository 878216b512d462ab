// run.go: the fit tool's flags, reading the training volumes, and the
// training loop with validation, early stopping, checkpoints and resume.

package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"stae/lib/atomicfile"
	"stae/lib/model"
	"stae/lib/model/checkpoint"
	"stae/lib/norm"
	"stae/lib/progress"
	"stae/lib/stream"
	"stae/lib/tool"
)

const description = `Reads a volume stream (from volumes) on stdin and trains the model on it;
writes the checkpoint to --out. Progress (epoch, step, loss, validation
loss, rate, time left) goes to stderr.

Each distinct source frame is held once however many volumes share it. A
share of the volumes is held out for validation (chosen by --seed); Adam
trains on mini-batches of --batch volumes (run --micro-batch at a time,
their gradients added up) for at most --epochs epochs, stopping after
--patience epochs without a better validation loss. The checkpoint keeps
the best validation epoch's weights, for recon, and the state to resume
from; it is rewritten after every epoch, and SIGINT or SIGTERM stops after
the current mini-batch with one that --resume continues exactly. The same
stream, flags and seed give the same model. With --target next the model
learns to predict each frame's successor instead of reconstructing it
(volumes then hold one frame more than the model's length).

INPUT:  volume stream (msgpack or NDJSON)
OUTPUT: checkpoint file (--out); nothing on stdout

EXAMPLES:
   # the paper's model and training settings
   frames --stats stats.bin Train | volumes --strides 1,2,3 | fit --out model.stae

   # a small, fast model for a CPU
   ... | fit --out small.stae --scale 0.25 --batch 16

   # continue an interrupted or finished run for more epochs
   ... | fit --out model.stae --resume model.stae --epochs 80`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := tool.NewApp("fit", "train the spatiotemporal autoencoder on a volume stream", description, stdin, stdout, stderr)
	app.Flags = []cli.Flag{
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "checkpoint to write"},
		tool.IntFlag("epochs", 50, 1, 100000, "most epochs to train, 1 to 100000"),
		tool.IntFlag("batch", 64, 1, 4096, "volumes per Adam step, 1 to 4096"),
		tool.IntFlag("micro-batch", 4, 1, 64, "volumes per graph run (gradients are added up), 1 to 64; bounds memory"),
		tool.FloatFlag("lr", 1e-4, 1e-12, 1, "Adam learning rate, 1e-12 to 1"),
		tool.IntFlag("patience", 10, 1, 100000, "stop after this many epochs without a better validation loss, 1 to 100000"),
		tool.FloatFlag("val-share", 0.15, 0, 0.99, "share of volumes held out for validation, 0 to 0.99"),
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed for weights, validation split and shuffling"},
		&cli.StringFlag{Name: "resume", Usage: "continue training from this checkpoint"},
		&cli.StringFlag{Name: "stats", Usage: "carry in the checkpoint the statistics file the frames were normalised with (frames --stats), so that frames --stats takes the model"},
		tool.FloatFlag("scale", 1, 0.01, 4, "multiply every layer's maps (0.25: 32, 16, 16-8-16, 32), 0.01 to 4"),
		&cli.BoolFlag{Name: "no-peephole", Usage: "leave the ConvLSTM peepholes out"},
		&cli.StringFlag{Name: "target", Value: "reconstruct", Usage: "what the model learns to output: reconstruct (each frame of the volume, the paper) or next (each frame's successor: volumes then hold one frame more than the model's length)"},
		tool.NewPresetFlag("paper", tool.Presets{
			"cpu":   {"scale": "0.25", "batch": "8", "micro-batch": "8", "epochs": "1", "lr": "2e-3"},
			"paper": {"scale": "1", "batch": "64", "micro-batch": "4", "epochs": "50", "lr": "1e-4"}}),
		tool.QuietFlag,
	}
	app.Action = tool.StdinOnly("fit", func(c *cli.Context) error {
		o := checkpoint.Options{Epochs: c.Int("epochs"), Batch: c.Int("batch"), MicroBatch: c.Int("micro-batch"),
			LR: c.Float64("lr"), Patience: c.Int("patience"), ValShare: c.Float64("val-share")}
		target, err := model.ParseTarget(c.String("target"))
		if err != nil {
			return tool.Usagef("--target: %v", err)
		}
		f := &fitter{opts: o, seed: c.Uint64("seed"), scale: c.Float64("scale"), peep: !c.Bool("no-peephole"), target: target,
			out: c.String("out"), resume: c.String("resume"), stats: c.String("stats"), quiet: c.Bool("quiet"), stderr: stderr}
		if f.resume != "" && c.IsSet("epochs") {
			f.epochsSet = true
		}
		f.isSet = c.IsSet
		// Learn now, not after the first epoch, that --out cannot be written.
		if err := atomicfile.CheckWritable(f.out); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		return f.fit(c.Context, stdin)
	})
	app.Commands = append(app.Commands, tool.InspectCommand())
	return tool.Run(ctx, app, args, stderr)
}

// data is the training set: each distinct frame once, and volumes as lists
// of indices into it.
type data struct {
	frames  [][]float32
	volumes [][]int
	length  int // T, frames a volume
	h, w    int
	planes  int   // C, planes a frame
	shape   []int // every volume's: [T, H, W] or [T, C, H, W]
	digest  string
	frame   checkpoint.Frame
}

// read loads a volume stream.
func read(stdin io.Reader) (*data, error) {
	r, err := stream.NewReader(stdin, stream.KindVolume)
	if err != nil {
		return nil, err
	}
	d := &data{}
	// Without a size in the header, the volumes' own size is the frames'.
	if d.frame, err = r.Header().FrameDesc(); err != nil && !errors.Is(err, stream.ErrMissingParam) {
		return nil, err
	}
	index := map[string]int{}
	sum := sha256.New()
	var num [8]byte
	for {
		v, err := r.NextVolume()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if d.shape == nil {
			d.shape = v.Shape
			d.length, d.h, d.w = v.Shape[0], v.Shape[len(v.Shape)-2], v.Shape[len(v.Shape)-1]
			d.planes = 1
			if len(v.Shape) == 4 {
				d.planes = v.Shape[1]
			}
		} else if !slices.Equal(v.Shape, d.shape) {
			return nil, fmt.Errorf("volume %d: shape %s, earlier volumes %s", r.Count(), stream.ShapeString(v.Shape), stream.ShapeString(d.shape))
		}
		if len(v.Frames) != d.length {
			return nil, fmt.Errorf("volume %d: lists %d frames, shape says %d", r.Count(), len(v.Frames), d.length)
		}
		px := d.planes * d.h * d.w
		idx := make([]int, d.length)
		for t, fn := range v.Frames {
			key := fmt.Sprintf("%s\x00%d", v.Video, fn)
			i, ok := index[key]
			if !ok {
				i = len(d.frames)
				index[key] = i
				// A copy, so the volume's own buffer can go.
				d.frames = append(d.frames, append([]float32(nil), v.Data[t*px:(t+1)*px]...))
				sum.Write([]byte(key))
				for _, x := range d.frames[i] {
					binary.LittleEndian.PutUint32(num[:], math.Float32bits(x))
					sum.Write(num[:4])
				}
			}
			idx[t] = i
			binary.LittleEndian.PutUint64(num[:], uint64(i))
			sum.Write(num[:])
		}
		d.volumes = append(d.volumes, idx)
	}
	if len(d.volumes) == 0 {
		return nil, fmt.Errorf("no volumes to train on")
	}
	if d.frame.Width == 0 {
		d.frame.Width, d.frame.Height = d.w, d.h
	}
	if d.frame.Width != d.w || d.frame.Height != d.h {
		return nil, fmt.Errorf("volumes are %dx%d but the stream header says frames are %dx%d", d.w, d.h, d.frame.Width, d.frame.Height)
	}
	if d.frame.Planes() != d.planes {
		return nil, fmt.Errorf("volumes have %d planes a frame but the stream header says %s", d.planes, d.frame.ChannelList())
	}
	d.digest = hex.EncodeToString(sum.Sum(nil)[:8])
	return d, nil
}

// embedStats reads the --stats file and checks that it is the one the
// volume stream's frames were normalised with.
func embedStats(path string, frame checkpoint.Frame) (*norm.Stats, error) {
	st, digest, err := checkpoint.LoadStats(path)
	if err != nil {
		return nil, fmt.Errorf("--stats: %w", err)
	}
	if !frame.Normalised || frame.StatsDigest == "" {
		return nil, fmt.Errorf("--stats %s: the volume stream's frames are not normalised (frames --stats)", path)
	}
	if digest != frame.StatsDigest {
		return nil, fmt.Errorf("--stats %s: sha256 %s, but the volume stream's frames were normalised with %s", path, digest, frame.StatsDigest)
	}
	return st, nil
}

// volumeShape is the shape of the volumes a model takes, as volumes
// writes it.
func volumeShape(c model.Config) []int {
	if c.InChannels() == 1 {
		return []int{c.VolumeFrames(), c.Height, c.Width}
	}
	return []int{c.VolumeFrames(), c.InChannels(), c.Height, c.Width}
}

// fill writes volume v's frames into dst.
func (d *data) fill(v int, dst []float32) []float32 {
	dst = dst[:0]
	for _, i := range d.volumes[v] {
		dst = append(dst, d.frames[i]...)
	}
	return dst
}

type fitter struct {
	opts             checkpoint.Options
	seed             uint64
	scale            float64
	peep             bool
	target           model.Target
	out, resume      string
	stats            string // --stats: the statistics file to embed
	quiet, epochsSet bool
	isSet            func(name string) bool // whether a flag was given
	stderr           io.Writer
	meter            *progress.Meter // a bar on a terminal; nil when quiet
}

func (f *fitter) logf(format string, a ...any) {
	switch {
	case f.quiet:
	case f.meter.Terminal():
		f.meter.Printf("fit: "+format, a...) // above the bar, not through it
	default:
		fmt.Fprintf(f.stderr, "fit: "+format+"\n", a...)
	}
}

// split returns the training and validation volume indices.
func split(n int, share float64, seed uint64) (train, val []int) {
	perm := rand.New(rand.NewPCG(seed, 0x7a1)).Perm(n)
	k := int(math.Round(share * float64(n)))
	if share > 0 && k == 0 && n > 1 {
		k = 1
	}
	if k >= n {
		k = n - 1
	}
	return perm[k:], perm[:k]
}

func (f *fitter) fit(ctx context.Context, stdin io.Reader) error {
	var ck *checkpoint.Checkpoint
	if f.resume != "" {
		var err error
		if ck, err = checkpoint.Load(f.resume); err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		if ck.Train == nil {
			return fmt.Errorf("resume: %s holds no training state", f.resume)
		}
		if err := f.checkResume(ck); err != nil {
			return err
		}
	}
	d, err := read(stream.CancelReader(ctx, stdin))
	if err != nil {
		return fmt.Errorf("reading volumes: %w", err)
	}
	var cur, best *model.Model
	var tr *model.Trainer
	var st *checkpoint.Train
	if ck == nil {
		cfg := model.Paper(d.h, d.w).Scaled(f.scale)
		cfg.Length, cfg.Peephole, cfg.Target = d.length, f.peep, f.target
		if f.target == model.TargetNext {
			if d.length < 2 {
				return fmt.Errorf("--target next: volumes of %d frame, want at least 2 (the last frames are predicted from the ones before)", d.length)
			}
			cfg.Length = d.length - 1
		}
		if d.planes > 1 {
			cfg.Channels = d.planes
		}
		if cur, err = model.New(cfg, f.seed); err != nil {
			return fmt.Errorf("model for %dx%d volumes of %d frames: %w", d.w, d.h, d.length, err)
		}
		best = cur.Clone()
		tr = model.NewTrainer(cur, f.opts.LR, f.opts.MicroBatch)
		st = &checkpoint.Train{Options: f.opts, Epoch: 1, Adam: *tr.Opt, Current: cur}
		ck = &checkpoint.Checkpoint{Model: best, Frame: d.frame, Train: st,
			History: checkpoint.History{Seed: f.seed, DataDigest: d.digest, BestValLoss: math.Inf(1)}}
	} else {
		if ck.History.DataDigest != d.digest {
			return fmt.Errorf("resume: the volume stream differs from the one %s was trained on", f.resume)
		}
		c := ck.Model.Config
		if c.Height != d.h || c.Width != d.w || c.VolumeFrames() != d.length || c.InChannels() != d.planes {
			return fmt.Errorf("resume: volumes are %s, the model takes %s", stream.ShapeString(d.shape), stream.ShapeString(volumeShape(c)))
		}
		st, cur, best = ck.Train, ck.Train.Current, ck.Model
		epochs := st.Options.Epochs
		if f.epochsSet {
			epochs = f.opts.Epochs
		}
		f.opts, f.seed = st.Options, ck.History.Seed
		f.opts.Epochs, st.Options.Epochs = epochs, epochs
		tr = model.NewTrainer(cur, f.opts.LR, f.opts.MicroBatch)
		adam := st.Adam
		tr.Opt = &adam
	}
	defer tr.Close()
	if f.stats != "" {
		if ck.Stats, err = embedStats(f.stats, ck.Frame); err != nil {
			return err
		}
	}
	trainIdx, valIdx := split(len(d.volumes), f.opts.ValShare, f.seed)
	ck.History.Volumes, ck.History.ValVolumes = len(trainIdx), len(valIdx)
	save := func() error {
		st.Adam = *tr.Opt
		return checkpoint.Save(f.out, ck)
	}
	f.logf("%d volumes of %s (%d distinct frames), %d for validation; model %s",
		len(d.volumes), stream.ShapeString(d.shape), len(d.frames), len(valIdx), describe(cur.Config))

	// A batch's buffers grow as they are filled: no more of them than
	// there are volumes, whatever --batch says.
	bufs := make([][]float32, min(f.opts.Batch, len(d.volumes)))
	batchOf := func(idx []int) [][]float32 {
		b := bufs[:len(idx)]
		for i, v := range idx {
			b[i] = d.fill(v, b[i])
		}
		return b
	}
	steps := (len(trainIdx) + f.opts.Batch - 1) / f.opts.Batch
	start, done := time.Now(), 0
	total := steps*(f.opts.Epochs-st.Epoch+1) - st.Step
	f.meter = progress.New(f.stderr, "fit", "steps", total, f.quiet)
	lastLog := time.Time{}
	for ; st.Epoch <= f.opts.Epochs; st.Epoch++ {
		if st.BadEpochs >= f.opts.Patience || ck.History.Stopped != "" {
			break
		}
		perm := rand.New(rand.NewPCG(f.seed, uint64(st.Epoch))).Perm(len(trainIdx))
		for ; st.Step < steps; st.Step++ {
			if ctx.Err() != nil {
				if err := save(); err != nil {
					return err
				}
				return fmt.Errorf("%w: %s resumes from epoch %d step %d", stream.ErrInterrupted, f.out, st.Epoch, st.Step)
			}
			lo, hi := st.Step*f.opts.Batch, min((st.Step+1)*f.opts.Batch, len(trainIdx))
			idx := make([]int, hi-lo)
			for i := range idx {
				idx[i] = trainIdx[perm[lo+i]]
			}
			loss, err := tr.Step(batchOf(idx))
			if err != nil {
				return err
			}
			st.LossSum += loss * float64(len(idx))
			done++
			if f.meter.Terminal() {
				f.meter.Note(fmt.Sprintf("epoch %d/%d loss %.5f val %s", st.Epoch, f.opts.Epochs, loss, lastVal(ck)))
				f.meter.Add(1)
			} else if now := time.Now(); now.Sub(lastLog) >= 2*time.Second || st.Step == steps-1 {
				lastLog = now
				el := now.Sub(start)
				rate := float64(done*f.opts.Batch) / el.Seconds()
				left := time.Duration(float64(el) / float64(done) * float64(total-done))
				f.logf("epoch %d/%d step %d/%d loss %.5f val %s %.1f vol/s %s left",
					st.Epoch, f.opts.Epochs, st.Step+1, steps, loss, lastVal(ck), rate, left.Round(time.Second))
			}
		}
		trainLoss := st.LossSum / float64(len(trainIdx))
		valLoss := trainLoss
		if len(valIdx) > 0 {
			var sum float64
			for lo := 0; lo < len(valIdx); lo += f.opts.Batch {
				hi := min(lo+f.opts.Batch, len(valIdx))
				l, err := tr.Loss(batchOf(valIdx[lo:hi]))
				if err != nil {
					return err
				}
				sum += l * float64(hi-lo)
			}
			valLoss = sum / float64(len(valIdx))
		}
		ck.History.Epochs = append(ck.History.Epochs, checkpoint.Epoch{Epoch: st.Epoch, Loss: trainLoss, ValLoss: valLoss})
		if valLoss < ck.History.BestValLoss {
			ck.History.BestValLoss, ck.History.BestEpoch = valLoss, st.Epoch
			best.CopyFrom(cur)
			st.BadEpochs = 0
		} else {
			st.BadEpochs++
		}
		f.logf("epoch %d/%d done: loss %.5f val %.5f (best %.5f at epoch %d)",
			st.Epoch, f.opts.Epochs, trainLoss, valLoss, ck.History.BestValLoss, ck.History.BestEpoch)
		st.Step, st.LossSum = 0, 0
		if st.BadEpochs >= f.opts.Patience {
			ck.History.Stopped = fmt.Sprintf("no better validation loss for %d epochs", st.BadEpochs)
		}
		// The next epoch is the one a resume starts.
		st.Epoch++
		err := save()
		st.Epoch--
		if err != nil {
			return err
		}
	}
	if f.meter.Terminal() {
		f.meter.Done()
	}
	if ck.History.Stopped != "" {
		f.logf("stopped early: %s", ck.History.Stopped)
	}
	f.logf("wrote %s (best validation loss %.5f at epoch %d)", f.out, ck.History.BestValLoss, ck.History.BestEpoch)
	return nil
}

// checkResume refuses a flag given with --resume that says otherwise than
// the checkpoint, which a resumed run follows: only --epochs may change
// (it extends or shortens the run).
func (f *fitter) checkResume(ck *checkpoint.Checkpoint) error {
	o, c := ck.Train.Options, ck.Model.Config
	set := func(name string) bool { return f.isSet != nil && f.isSet(name) }
	refuse := func(name string, given, saved any) error {
		return tool.Usagef("--%s %v: %s was trained with --%s %v, which --resume continues (leave --%s out)", name, given, f.resume, name, saved, name)
	}
	switch {
	case set("batch") && f.opts.Batch != o.Batch:
		return refuse("batch", f.opts.Batch, o.Batch)
	case set("micro-batch") && f.opts.MicroBatch != o.MicroBatch:
		return refuse("micro-batch", f.opts.MicroBatch, o.MicroBatch)
	case set("lr") && f.opts.LR != o.LR:
		return refuse("lr", f.opts.LR, o.LR)
	case set("patience") && f.opts.Patience != o.Patience:
		return refuse("patience", f.opts.Patience, o.Patience)
	case set("val-share") && f.opts.ValShare != o.ValShare:
		return refuse("val-share", f.opts.ValShare, o.ValShare)
	case set("seed") && f.seed != ck.History.Seed:
		return refuse("seed", f.seed, ck.History.Seed)
	case set("target") && f.target != c.Target:
		return refuse("target", f.target, c.Target)
	case set("no-peephole") && f.peep != c.Peephole:
		return tool.Usagef("--no-peephole: %s was trained with peepholes, which --resume continues (leave --no-peephole out)", f.resume)
	}
	if set("scale") {
		want := model.Paper(c.Height, c.Width).Scaled(f.scale)
		if want.Conv1 != c.Conv1 || want.Conv2 != c.Conv2 || want.Deconv1 != c.Deconv1 || !slices.Equal(want.LSTM, c.LSTM) {
			return tool.Usagef("--scale %g: %s was trained with --scale %g (maps %d-%d-%v-%d), which --resume continues (leave --scale out)",
				f.scale, f.resume, float64(c.Conv1)/float64(model.Paper(c.Height, c.Width).Conv1), c.Conv1, c.Conv2, c.LSTM, c.Deconv1)
		}
	}
	return nil
}

func lastVal(ck *checkpoint.Checkpoint) string {
	if n := len(ck.History.Epochs); n > 0 {
		return fmt.Sprintf("%.5f", ck.History.Epochs[n-1].ValLoss)
	}
	return "-"
}

func describe(c model.Config) string {
	s := fmt.Sprintf("%dx%dx%d, maps %d-%d-%v-%d, peepholes %v", c.Length, c.Height, c.Width, c.Conv1, c.Conv2, c.LSTM, c.Deconv1, c.Peephole)
	if c.InChannels() > 1 {
		s += fmt.Sprintf(", %d planes", c.InChannels())
	}
	if c.Target != model.TargetReconstruct {
		s += ", target " + c.Target.String()
	}
	return s
}
