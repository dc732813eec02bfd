// Tensors, layers, the model file format and inference; filled in by the network engine work.
