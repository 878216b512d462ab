// pixel.go: the report on an error stream with per-pixel maps against the
// pixel masks of --masks: the pixel-level ROC of Mahadevan et al. (lib/pixel)
// per video and pooled, and with --truth the frame-level report of the
// stream's e(t) as well.

package main

import (
	"fmt"
	"io"
	"stae/lib/english"
	"text/tabwriter"

	"stae/lib/pixel"
	"stae/lib/stream"
)

// pixelReport is evalroc --masks. With --truth it carries the frame-level
// report of the error field (raw e(t), not min-max normalised per video);
// its keys then appear at the top level, as in a score stream's report
// (kind, truth and provenance are this report's own).
type pixelReport struct {
	Kind         stream.Kind    `json:"kind"`
	Truth        string         `json:"truth,omitempty"`
	Masks        string         `json:"masks"`
	*frameReport                // nil without --truth
	Pixel        pixelResult    `json:"pixel"`
	Provenance   []stream.Stage `json:"provenance"`
}

// pixelResult is the pixel-level ROC over all frames pooled, and per video.
type pixelResult struct {
	AUC       float64      `json:"auc"`
	EER       float64      `json:"eer"`
	EERAt     float64      `json:"eer_threshold"`
	Videos    int          `json:"videos"`
	Frames    int          `json:"frames"`
	Anomalous int          `json:"anomalous"`
	Normal    int          `json:"normal"`
	PerVideo  []pixelVideo `json:"per_video"`
}

// pixelVideo is one video's pixel-level line; a video whose frames are all
// normal or all anomalous has no curve of its own.
type pixelVideo struct {
	Video       string   `json:"video"`
	Frames      int      `json:"frames"`
	Anomalous   int      `json:"anomalous"`
	Normal      int      `json:"normal"`
	AUC         *float64 `json:"auc,omitempty"`
	EER         *float64 `json:"eer,omitempty"`
	EERAt       *float64 `json:"eer_threshold,omitempty"`
	SingleClass bool     `json:"single_class,omitempty"`
}

func (rep *pixelReport) kind() stream.Kind { return rep.Kind }

// pixelLevel fills the pixel-level result from the reduced frames.
func (rep *pixelReport) pixelLevel(c *pixel.Collector) error {
	r, err := c.Report()
	if err != nil {
		return fmt.Errorf("pixel level: %w", err)
	}
	o := r.Overall
	rep.Pixel = pixelResult{AUC: o.AUC, EER: o.EER, EERAt: o.EERThreshold, Videos: len(r.Videos),
		Frames: o.Anomalous + o.Normal, Anomalous: o.Anomalous, Normal: o.Normal}
	for _, v := range r.Videos {
		pv := pixelVideo{Video: v.ID, Frames: v.Anomalous + v.Normal, Anomalous: v.Anomalous, Normal: v.Normal}
		if v.Curve == nil {
			pv.SingleClass = true
		} else {
			pv.AUC, pv.EER, pv.EERAt = ptr(v.Curve.AUC), ptr(v.Curve.EER), ptr(v.Curve.EERThreshold)
		}
		rep.Pixel.PerVideo = append(rep.Pixel.PerVideo, pv)
	}
	return nil
}

func (rep *pixelReport) writeTable(w io.Writer) error {
	writeHead(w, rep.Kind, rep.Provenance, rep.Truth)
	fmt.Fprintf(w, "masks:   %s\n", rep.Masks)
	if rep.frameReport != nil {
		fmt.Fprintf(w, "\nframe-level: error e(t) as recon wrote it (higher = more anomalous; not min-max normalised per video)\n")
		if err := rep.frameReport.writeBody(w); err != nil {
			return err
		}
	}
	p := rep.Pixel
	fmt.Fprintf(w, "\npixel-level: an anomalous frame counts as detected when at least 40 %% of its mask's pixels are at or above the threshold; a normal frame is a false alarm when any pixel is\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "video\tframes\tanomalous\tAUC\tEER")
	for _, v := range p.PerVideo {
		if v.AUC == nil {
			fmt.Fprintf(tw, "%s\t%d\t%d\t-  (one class)\t\n", v.Video, v.Frames, v.Anomalous)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.4f\t%.4f\n", v.Video, v.Frames, v.Anomalous, *v.AUC, *v.EER)
	}
	fmt.Fprintf(tw, "all\t%d\t%d\n", p.Frames, p.Anomalous)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\npixel AUC  %.4f  (%.1f %%, all %s of %s pooled)\n", p.AUC, 100*p.AUC, english.Frames(p.Frames), english.Videos(p.Videos))
	_, err := fmt.Fprintf(w, "pixel EER  %.4f  (%.1f %%, at error %.4g)\n", p.EER, 100*p.EER, p.EERAt)
	return err
}
