package stream_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"stae/lib/stream"
	"stae/lib/stream/streamtest"
)

// The live-alarm fields of an event survive both encodings, and an event
// without them encodes exactly as before.
func TestEventLiveFields(t *testing.T) {
	h := streamtest.Header(stream.KindEvent, "events", nil)
	evs := []stream.Record{
		&stream.Event{Video: "v", Start: 3, End: 4, Deepest: 4, Regularity: 0.1, Persistence: 0.2, State: stream.EventOpen, Timed: true, StartS: 0.3, EndS: 0.4},
		&stream.Event{Video: "v", Start: 3, End: 9, Deepest: 5, Regularity: 0.1, Persistence: 0.2, Timed: true, StartS: 0.3, EndS: 0.9},
		&stream.Event{Video: "v", Start: 1, End: 2, Deepest: 1, Regularity: 0.5, Persistence: 0.1},
	}
	for _, asJSON := range []bool{false, true} {
		b := streamtest.Encode(t, h, asJSON, evs...)
		_, got := streamtest.Decode[stream.Record](t, b, stream.KindEvent)
		if !reflect.DeepEqual(got, evs) {
			t.Errorf("json=%v: got %+v, want %+v", asJSON, got, evs)
		}
		if asJSON {
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if want := `{"video":"v","start":1,"end":2,"deepest":1,"regularity":0.5,"persistence":0.1}`; lines[3] != want {
				t.Errorf("plain event: got %s, want %s", lines[3], want)
			}
		}
	}
	var buf bytes.Buffer
	w, _ := stream.NewWriter(&buf, h, true)
	if err := w.Write(&stream.Event{Video: "v", Start: 1, End: 2, Deepest: 1, State: "shut"}); err == nil {
		t.Error("state shut written")
	}
}
