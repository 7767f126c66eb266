package injection

import (
	"cmp"
	"slices"
)

// Metrics are detection quality figures on labelled data.
type Metrics struct {
	Positives, Negatives int
	AUC                  float64 // ROC-AUC
	Recall1, Recall01    float64 // recall at 1% and 0.1% false-positive rate
	Threshold1           float64 // the score threshold that gives 1% FPR
	RecallAt             float64 // recall at threshold At
	FPRAt                float64 // false-positive rate at threshold At
	At                   float64
}

// Evaluate computes Metrics for scores and labels; at is the operating
// threshold (e.g. the flag threshold 0.5).
func Evaluate(scores []float64, labels []int, at float64) Metrics {
	var m Metrics
	m.At = at
	var pos, neg []float64
	for i, s := range scores {
		if labels[i] == 1 {
			pos = append(pos, s)
		} else {
			neg = append(neg, s)
		}
	}
	m.Positives, m.Negatives = len(pos), len(neg)
	if len(pos) == 0 || len(neg) == 0 {
		return m
	}
	slices.Sort(pos)
	slices.Sort(neg)
	m.AUC = auc(pos, neg)
	m.Threshold1 = thresholdAt(neg, 0.01)
	m.Recall1 = above(pos, m.Threshold1)
	m.Recall01 = above(pos, thresholdAt(neg, 0.001))
	m.RecallAt = atLeast(pos, at)
	m.FPRAt = atLeast(neg, at)
	return m
}

// auc is the probability that a random positive outscores a random
// negative (ties count half), from sorted scores.
func auc(pos, neg []float64) float64 {
	var sum float64
	j, k := 0, 0
	for _, p := range pos {
		for j < len(neg) && neg[j] < p {
			j++
		}
		for k < len(neg) && neg[k] <= p {
			k++
		}
		sum += float64(j) + float64(k-j)/2
	}
	return sum / float64(len(pos)) / float64(len(neg))
}

// thresholdAt returns the smallest score t such that the share of sorted
// negatives strictly above t is at most fpr.
func thresholdAt(neg []float64, fpr float64) float64 {
	allowed := int(fpr * float64(len(neg)))
	return neg[len(neg)-1-min(allowed, len(neg)-1)]
}

// above is the share of sorted xs strictly above t.
func above(xs []float64, t float64) float64 {
	i, _ := slices.BinarySearchFunc(xs, t, func(x, t float64) int {
		if x <= t {
			return -1
		}
		return 1
	})
	return float64(len(xs)-i) / float64(len(xs))
}

// atLeast is the share of sorted xs at or above t.
func atLeast(xs []float64, t float64) float64 {
	i, _ := slices.BinarySearchFunc(xs, t, cmp.Compare[float64])
	return float64(len(xs)-i) / float64(len(xs))
}

// FPR is the share of scores at or above threshold.
func FPR(scores []float64, threshold float64) float64 {
	if len(scores) == 0 {
		return 0
	}
	n := 0
	for _, s := range scores {
		if s >= threshold {
			n++
		}
	}
	return float64(n) / float64(len(scores))
}
