package methods

// EpochStarter is implemented by a Trainer whose steps depend on where they
// fall in the run (CaFo's blocks trained one after another); the runner
// calls StartEpoch before the first step of each epoch (from 1) of epochs,
// each of steps batches, also after a resume. A trainer that is never told
// trains every step alike (CaFo: all blocks at once).
//
// It is kept out of the files shared by every rule's code name (see shared in
// version.go), so that no other rule's records change with it.
type EpochStarter interface {
	StartEpoch(epoch, epochs, steps int)
}
