// Package report turns run records into paper-style tables and plots.
//
// Records are grouped the way benchstat's benchproc groups results: a table
// per suite, a row per rule, a column per experiment (named by its dataset),
// and inside a cell one group per sweep point. The cell shows the point with
// the best mean validation accuracy among those with the fewest runs that
// did not end ok (select = "best_val"), as the mean ± std
// over seeds of the test accuracy at each run's best-validation epoch. With
// select = "each" (ablations) every sweep point is a row of its own, labelled
// by its coordinates. A
// cell whose records differ in anything but the seed and the sweep point
// (say, two --set epochs=… runs kept in one out/ folder) gets a warning that
// names the differing fields, never a silent average.
package report
