print("ImagingBench: not written yet")
