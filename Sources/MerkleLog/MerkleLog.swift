// RFC 9162 Merkle tree hashing, proofs, C2SP checkpoints and signed notes; filled in by the ledger work.
