print("LedgerBench: not written yet")
