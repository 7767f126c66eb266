package injection

import (
	"bytes"
	"math"
	"math/rand/v2"

	"github.com/airlock-hub/airlock/internal/screen/normalize"
)

// TrainOptions tune Train. The zero value is not useful; start from
// DefaultTrainOptions.
type TrainOptions struct {
	Seed   uint64
	Epochs int
	Rate   float64 // AdaGrad learning rate
	L2     float64 // L2 penalty per update
}

// DefaultTrainOptions are the options the shipped model was trained with.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{Seed: 1, Epochs: 10, Rate: 0.2, L2: 1e-6}
}

// instance is one training window: its features and label.
type instance struct {
	feats  []uint32
	scale  float32 // 1/sqrt(max(len(feats), minFeatures))
	label  float64
	weight float64
}

// Train fits a logistic regression on the examples' windows (each window
// of a long text is an instance with the text's label) with AdaGrad, in
// an order shuffled by opt.Seed, so the same data and seed give the same
// model.
func Train(examples []Example, opt TrainOptions) *Model {
	insts := instances(examples)
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x7ea1))
	w := make([]float64, 1<<hashBits)
	g := make([]float64, 1<<hashBits)
	var bias, gb float64
	order := make([]int, len(insts))
	for i := range order {
		order[i] = i
	}
	for range opt.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			in := &insts[k]
			z := bias
			for _, h := range in.feats {
				z += w[h] * float64(in.scale)
			}
			d := (sigmoid(z) - in.label) * in.weight
			for _, h := range in.feats {
				grad := d*float64(in.scale) + opt.L2*w[h]
				g[h] += grad * grad
				w[h] -= opt.Rate * grad / math.Sqrt(g[h]+1e-8)
			}
			gb += d * d
			bias -= opt.Rate * d / math.Sqrt(gb+1e-8)
		}
	}
	m := &Model{Bias: float32(bias), Weights: make([]float32, 1<<hashBits)}
	for i, x := range w {
		m.Weights[i] = float32(x)
	}
	return m
}

func instances(examples []Example) []instance {
	var out []instance
	var t, pt normalize.Text
	var fs []feature
	var wc wordCounts
	for _, e := range examples {
		t.Reset([]byte(e.Text))
		s := t.Bytes()
		fs = features(fs[:0], s, &wc)
		weight := e.Weight
		if weight == 0 {
			weight = 1
		}
		windows(len(s), func(a, b int) {
			out = appendInstance(out, fs, a, b, float64(e.Label), weight, false)
		})
		if e.Part == "" && e.Label == 1 {
			continue // which short windows carry the attack is not known
		}
		// the short windows of a benign text are benign; those around an
		// inserted part have its label, those away from it are the benign
		// text it was inserted into. Together they weigh as much as the
		// long windows.
		ps, pe := 0, 0
		if e.Part != "" {
			pt.Reset([]byte(e.Part))
			ps = bytes.Index(s, pt.Bytes())
			if ps < 0 {
				continue
			}
			pe = ps + len(pt.Bytes())
		}
		var ws [][2]int
		smallWindows(len(s), func(a, b int) { ws = append(ws, [2]int{a, b}) })
		for _, w := range ws {
			a, b := w[0], w[1]
			switch ov := min(b, pe) - max(a, ps); {
			case pe > ps && 2*ov >= min(pe-ps, b-a):
				out = appendInstance(out, fs, a, b, float64(e.Label), weight/float64(len(ws)), true)
			case ov <= 0:
				out = appendInstance(out, fs, a, b, 0, weight/float64(len(ws)), true)
			}
		}
	}
	return out
}

// appendInstance appends the instance made of the features of fs that end
// in [a, b), unless there are none; a short window (small) also gets the
// smallBucket feature.
func appendInstance(out []instance, fs []feature, a, b int, label, weight float64, small bool) []instance {
	var in instance
	for _, f := range fs {
		if int(f.pos) >= a && int(f.pos) < b {
			in.feats = append(in.feats, f.h)
		}
	}
	if len(in.feats) == 0 {
		return out
	}
	if small {
		in.feats = append(in.feats, smallBucket)
	}
	in.scale = float32(1 / math.Sqrt(float64(max(len(in.feats), minFeatures))))
	in.label, in.weight = label, weight
	return append(out, in)
}
