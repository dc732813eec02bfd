import LedgerStore
import Localization
import Provenance

/// The provenance rules' field checks without their cross-entry rules: what a writer with laxer
/// rules would have signed, for tests of what readers make of entries the rules refuse.
public struct FieldRulesOnly: EntryRules {
    public init() {}
    public var types: Set<String> { ProvenanceRules().types }
    public func validate(_ body: EntryBody) throws -> [IndexKey] { try ProvenanceRules().validate(body) }
    public func violation(of body: EntryBody, seq: Int, keys: [IndexKey], earlier: any EarlierEntries) throws -> Message? { nil }
}
