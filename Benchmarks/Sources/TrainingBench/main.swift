print("TrainingBench: not written yet")
