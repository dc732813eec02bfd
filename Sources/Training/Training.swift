// Backward passes, optimisers and the training loop; filled in by the training work.
