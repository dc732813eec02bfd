import ArgumentParser

/// Thrown by commands whose implementation has not landed yet; no released command may use it.
struct NotYetBuilt: Error, CustomStringConvertible {
    let command: String
    var description: String { "'\(command)' is not available in this build yet" }
}
