package injection

import (
	"errors"
	"path/filepath"
	"testing"
)

// sharedData is the public training data, outside the repository.
var sharedData = filepath.Join("..", "..", "..", "..", "shared", "data", "screen")

func TestTrainReproducible(t *testing.T) {
	ds, err := LoadDataset(sharedData, true, 1)
	if errors.Is(err, ErrNoData) {
		t.Skipf("skipping: public training data not found at %s (see docs/screening.md)", sharedData)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Val) == 0 || len(ds.Benign) == 0 {
		t.Fatalf("holdout split is empty: %d val, %d benign", len(ds.Val), len(ds.Benign))
	}
	opt := DefaultTrainOptions()
	opt.Epochs = 2
	a, _ := Train(ds.Train, opt).MarshalBinary()
	b, _ := Train(ds.Train, opt).MarshalBinary()
	if string(a) != string(b) {
		t.Error("two trainings with the same seed differ")
	}
	var scores []float64
	var labels []int
	d := New(Train(ds.Train, opt))
	for _, e := range ds.Val {
		scores = append(scores, d.Score([]byte(e.Text), "text/plain").Score)
		labels = append(labels, e.Label)
	}
	if m := Evaluate(scores, labels, 0.5); m.AUC < 0.7 {
		t.Errorf("held-out ROC-AUC = %.3f, want >= 0.7", m.AUC)
	}
}
