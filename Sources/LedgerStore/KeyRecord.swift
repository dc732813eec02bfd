import MerkleLog
import Localization

/// `key` entry: adds a signer key or retires one. The first entry of every ledger adds the
/// cooperative's key and is signed by it; later key entries must be signed by a key already
/// active. Rotation is an `add` of the new key and a `retire` of the old one in one append.
public struct KeyRecord: Sendable, Equatable {
    /// The `type` of key entries; entry rules may not define it.
    public static let entryType = "key"

    public enum Action: String, Sendable { case add, retire }

    public var action: Action
    /// The key in signed-note vkey form (`<name>+<key id>+<base64>`), Ed25519 type.
    public var vkey: String

    public init(action: Action, verifier: NoteVerifier) {
        self.action = action
        vkey = verifier.vkey
    }

    public var verifier: NoteVerifier { try! NoteVerifier(vkey: vkey) }   // validated on construction/read

    public var body: EntryBody {
        EntryBody(type: KeyRecord.entryType, fields: ["action": .string(action.rawValue), "vkey": .string(vkey)])
    }

    /// Decodes a `key` body; a key of another type than Ed25519 (e.g. a witness key) is refused,
    /// on append as when reading.
    public init(_ body: EntryBody) throws {
        guard body.type == KeyRecord.entryType else { throw EntryError.unknownType(body.type) }
        var reader = FieldReader(body.fields, strict: true)
        try self.init(reading: &reader)
        try reader.finish()
    }

    private init(reading reader: inout FieldReader) throws {
        let actionText = try reader.string("action")
        guard let action = Action(rawValue: actionText) else {
            throw EntryError.invalidField(field: "action", reason: Message("must be \"add\" or \"retire\""))
        }
        self.action = action
        vkey = try reader.string("vkey")
        do {
            let verifier = try NoteVerifier(vkey: vkey)
            guard verifier.type == .ed25519, verifier.vkey == vkey else {
                throw EntryError.invalidField(field: "vkey", reason: Message("must be an Ed25519 (type 0x01) vkey in canonical form"))
            }
        } catch let error as NoteError {
            throw EntryError.invalidField(field: "vkey", reason: .describing(error))
        }
    }
}
