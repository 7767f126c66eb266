package injection

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
)

// Model is a logistic regression over hashed features. Weights are stored
// as int8 with one scale, 256 KiB for 2^18 buckets.
type Model struct {
	Bias    float32
	Weights []float32 // len 1<<hashBits

	// the int8 form scoring reads: a quarter of the memory, so the table
	// stays in cache
	quantOnce sync.Once
	q         []int8
	scale     float32
}

// quantize returns the int8 weights and their scale.
func (m *Model) quantize() ([]int8, float32) {
	m.quantOnce.Do(func() {
		var maxAbs float32
		for _, w := range m.Weights {
			maxAbs = max(maxAbs, float32(math.Abs(float64(w))))
		}
		m.scale = maxAbs / 127
		if m.scale == 0 {
			m.scale = 1
		}
		m.q = make([]int8, len(m.Weights))
		for i, w := range m.Weights {
			m.q[i] = int8(max(-127, min(127, math.Round(float64(w/m.scale)))))
		}
	})
	return m.q, m.scale
}

//go:embed model.bin
var embeddedModel []byte

var modelMagic = [8]byte{'A', 'L', 'K', 'I', 'N', 'J', '0', '1'}

// ErrBadModel is returned for a model file that cannot be read.
var ErrBadModel = errors.New("injection: bad model file")

// MarshalBinary encodes m with int8 weights.
func (m *Model) MarshalBinary() ([]byte, error) {
	if len(m.Weights) != 1<<hashBits {
		return nil, fmt.Errorf("marshal model: %d weights, want %d", len(m.Weights), 1<<hashBits)
	}
	q, scale := m.quantize()
	out := make([]byte, 0, 20+len(q))
	out = append(out, modelMagic[:]...)
	out = binary.LittleEndian.AppendUint32(out, hashBits)
	out = binary.LittleEndian.AppendUint32(out, math.Float32bits(m.Bias))
	out = binary.LittleEndian.AppendUint32(out, math.Float32bits(scale))
	for _, w := range q {
		out = append(out, byte(w))
	}
	return out, nil
}

// UnmarshalBinary decodes a model written by MarshalBinary.
func (m *Model) UnmarshalBinary(b []byte) error {
	if len(b) < 20 || [8]byte(b[:8]) != modelMagic {
		return fmt.Errorf("%w: no header", ErrBadModel)
	}
	if bits := binary.LittleEndian.Uint32(b[8:]); bits != hashBits {
		return fmt.Errorf("%w: %d hash bits, want %d", ErrBadModel, bits, hashBits)
	}
	if len(b) != 20+1<<hashBits {
		return fmt.Errorf("%w: %d bytes", ErrBadModel, len(b))
	}
	m.Bias = math.Float32frombits(binary.LittleEndian.Uint32(b[12:]))
	scale := math.Float32frombits(binary.LittleEndian.Uint32(b[16:]))
	m.Weights = make([]float32, 1<<hashBits)
	for i, q := range b[20:] {
		m.Weights[i] = float32(int8(q)) * scale
	}
	return nil
}

var (
	defaultOnce  sync.Once
	defaultModel *Model
)

// embedded returns the model compiled into the binary. An empty or broken
// embedded model (only possible in a development tree) yields a zero model
// that scores by heuristics alone.
func embedded() *Model {
	defaultOnce.Do(func() {
		defaultModel = &Model{Bias: -20, Weights: make([]float32, 1<<hashBits)}
		if len(embeddedModel) == 0 {
			return
		}
		var m Model
		if err := m.UnmarshalBinary(embeddedModel); err == nil {
			defaultModel = &m
		}
	})
	return defaultModel
}
