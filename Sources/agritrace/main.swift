import AgriTraceCLI

AgriTrace.runAndExit()
