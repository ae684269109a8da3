// Package datasets finds, checks, reads and splits the data that runs train
// on.
//
// Each dataset is a set of files with known SHA-256 sums of their content
// (after gunzip, so that a recompressed copy is still recognised). Files are
// looked for, in order, in $CREDITBENCH_DATA/NAME, in the cache
// (os.UserCacheDir()/creditbench/NAME), in the dataset's local mirrors (a Go
// module, a Debian package), and are otherwise downloaded into the cache from
// the dataset's official addresses. A file whose sum differs is an error that
// names the file and both sums; nothing unverified is ever read.
package datasets
