print("PipelineBench: not written yet")
