print("EngineBench: not written yet")
