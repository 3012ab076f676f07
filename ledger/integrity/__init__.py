"""What makes the ledger trustworthy: leaves sealed at append time, the Merkle tree over them, signed
checkpoints, inclusion proofs, the instance key and which keys are trusted, and `ledger verify`."""
