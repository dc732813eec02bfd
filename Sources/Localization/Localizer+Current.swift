import Foundation

extension Localizer {
    /// The program's language, chosen once at start (`LanguageChoice`) before anything is printed.
    /// Libraries take a `Localizer` as a parameter; only the program's entry point sets this.
    public static var current: Localizer {
        get { CurrentLocalizer.shared.get() }
        set { CurrentLocalizer.shared.set(newValue) }
    }
}

private final class CurrentLocalizer: @unchecked Sendable {
    static let shared = CurrentLocalizer()
    private let lock = NSLock()
    private var value = Localizer.english

    func get() -> Localizer { lock.withLock { value } }
    func set(_ newValue: Localizer) { lock.withLock { value = newValue } }
}

/// Renders a message in the program's language: `tr("Lot {lot} is held", ["lot": .text(code)])`.
public func tr(_ msgid: StaticString, context: StaticString? = nil, _ arguments: [String: MessageArgument] = [:]) -> String {
    Localizer.current.render(Message(msgid, context: context, arguments))
}

/// The plural form: `tr("{n} photo", plural: "{n} photos", count: photos)`.
public func tr(_ msgid: StaticString, plural: StaticString, count: Int, context: StaticString? = nil,
               _ arguments: [String: MessageArgument] = [:]) -> String {
    Localizer.current.render(Message(msgid, plural: plural, count: count, context: context, arguments))
}
