import MerkleLog
import Localization

/// One signed ledger entry = one Merkle leaf. Its canonical bytes are the JCS encoding of the
/// envelope (`v`, `seq`, `prev`, `type`, `recorded_at`, `signer`, `sig`) merged with the body's
/// fields; `sig` is an Ed25519 signature over the canonical bytes of the same object without `sig`.
public struct LedgerEntry: Sendable {
    public static let formatVersion = 1

    public let seq: Int
    /// Leaf hash of the previous entry; all zero for the first.
    public let prev: TreeHash
    public let recordedAt: String
    /// `<key name>+<key id hex>` of the signing key (the vkey without its key material).
    public let signer: String
    public let signature: [UInt8]
    public let body: EntryBody
    public let canonicalBytes: [UInt8]
    /// SHA-256(0x00 || canonicalBytes).
    public let leafHash: TreeHash

    /// The body's `type`.
    public var type: String { body.type }

    /// Builds and signs entry `seq`.
    public init(seq: Int, prev: TreeHash, recordedAt: String, body: EntryBody, signer: NoteSigner) throws {
        try self.init(seq: seq, prev: prev, recordedAt: recordedAt, encoded: EncodedBody(body), signer: signer)
    }

    /// Builds and signs entry `seq` from a body encoded beforehand (possibly on another thread).
    /// The size limit is checked before signing: nothing is signed that a reader would refuse.
    public init(seq: Int, prev: TreeHash, recordedAt: String, encoded: EncodedBody, signer: NoteSigner) throws {
        let signerID = LedgerEntry.signerID(signer.verifier)
        let envelope = try LedgerEntry.envelope(seq: seq, prev: prev, recordedAt: recordedAt, signerID: signerID)
        var members = LedgerEntry.merge(encoded.members, envelope)
        let unsigned = CanonicalJSON.assemble(members.lazy.map(\.bytes))
        try EntryValidator.checkSize(unsigned.count + LedgerEntry.signatureMemberBytes)
        let signature = signer.sign(bytes: unsigned)
        let sigMember = try CanonicalJSON.encodeMembers(["sig": .string(Base64.encode(signature))])
        members = LedgerEntry.merge(members, sigMember)
        let bytes = CanonicalJSON.assemble(members.lazy.map(\.bytes))
        self.seq = seq
        self.prev = prev
        self.recordedAt = recordedAt
        self.signer = signerID
        self.signature = signature
        self.body = encoded.body
        canonicalBytes = bytes
        leafHash = MerkleHasher.leafHash(bytes)
    }

    /// `,"sig":"<88 base64 characters>"`: what signing adds to the unsigned bytes.
    static let signatureMemberBytes = 97

    /// The envelope members, after checking the values a reader checks.
    static func envelope(seq: Int, prev: TreeHash, recordedAt: String, signerID: String) throws -> [(key: String, bytes: [UInt8])] {
        try checkEnvelope(seq: seq, recordedAt: recordedAt, signer: signerID)
        return try CanonicalJSON.encodeMembers([
            "v": .integer(Int64(LedgerEntry.formatVersion)), "seq": .integer(Int64(seq)), "prev": .string(prev.hex),
            "recorded_at": .string(recordedAt), "signer": .string(signerID),
        ])
    }

    /// Envelope rules shared by writer and reader.
    static func checkEnvelope(seq: Int, recordedAt: String, signer: String) throws {
        guard seq >= 0, Int64(seq) <= JSONValue.maxSafeInteger else {
            throw EntryError.invalidField(field: "seq", reason: Message("{seq} is outside 0...2^53 − 1", ["seq": .text("\(seq)")]))
        }
        guard LedgerTime.parse(recordedAt) != nil else {
            throw EntryError.invalidField(field: "recorded_at", reason: Message("'{recorded_at}' is not RFC 3339 UTC with milliseconds", ["recorded_at": .text("\(EntryValidator.printable(recordedAt))")]))
        }
        guard !signer.isEmpty else { throw EntryError.invalidField(field: "signer", reason: Message("must not be empty")) }
        try EntryValidator.checkString(signer, field: "signer")
    }

    /// Exact canonical size of entry `seq` with this body, signature included, without signing it.
    static func size(of encoded: EncodedBody, seq: Int, prev: TreeHash, recordedAt: String, signerID: String) throws -> Int {
        let members = merge(encoded.members, try envelope(seq: seq, prev: prev, recordedAt: recordedAt, signerID: signerID))
        return 2 + members.count - 1 + members.reduce(0) { $0 + $1.bytes.count } + signatureMemberBytes
    }

    /// Merges two member lists already in canonical key order.
    private static func merge(_ a: [(key: String, bytes: [UInt8])], _ b: [(key: String, bytes: [UInt8])]) -> [(key: String, bytes: [UInt8])] {
        var out = [(key: String, bytes: [UInt8])]()
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].key.utf8.lexicographicallyPrecedes(b[j].key.utf8)) {
                out.append(a[i]); i += 1
            } else {
                out.append(b[j]); j += 1
            }
        }
        return out
    }

    /// Decodes stored bytes, requiring them to be exactly the canonical encoding.
    public init(canonicalBytes bytes: [UInt8]) throws {
        // The canonical-mode parse rejects any byte-level deviation from JCS; the strict reader
        // rejects the remaining second spellings (null for an absent field, a derived field left
        // out, a default written out), so the bytes are exactly what encoding the entry gives.
        guard case .object(let fields) = try JSONParser.parse(bytes, canonical: true) else { throw EntryError.notAnObject }
        var reader = FieldReader(fields, strict: true)
        guard try reader.integer("v") == LedgerEntry.formatVersion else {
            throw EntryError.invalidField(field: "v", reason: Message("unsupported format version"))
        }
        seq = try reader.nonNegativeInteger("seq")
        let prevHex = try reader.sha256Hex("prev")
        prev = TreeHash(hex: prevHex)!
        recordedAt = try reader.string("recorded_at")
        signer = try reader.string("signer")
        try LedgerEntry.checkEnvelope(seq: seq, recordedAt: recordedAt, signer: signer)
        let sigText = try reader.string("sig")
        guard let signature = Base64.decode(sigText), signature.count == 64 else {
            throw EntryError.invalidField(field: "sig", reason: Message("must be base64 of a 64-byte Ed25519 signature"))
        }
        self.signature = signature
        let typeName = try reader.string("type")
        body = EntryBody(type: typeName, fields: reader.remaining())
        try EntryValidator.checkTypeName(typeName)
        try EntryValidator.checkStrings(.object(body.fields), path: "")
        canonicalBytes = bytes
        leafHash = MerkleHasher.leafHash(bytes)
    }

    /// The bytes the signature covers: the canonical entry without `sig` (canonical bytes without
    /// a member are exactly the canonical encoding without it). Made when asked, as only checking
    /// the signature needs them: the province's answers read every entry back and never do.
    public var signedBytes: [UInt8] {
        guard let unsigned = CanonicalJSON.removingTopLevelMember("sig", from: canonicalBytes) else {
            preconditionFailure("an entry has a top-level sig: both initialisers make or require one")
        }
        return unsigned
    }

    public func hasValidSignature(by verifier: NoteVerifier) -> Bool {
        LedgerEntry.signerID(verifier) == signer && verifier.isValidEntrySignature(signature, for: signedBytes)
    }

    static func signerID(_ verifier: NoteVerifier) -> String { "\(verifier.name)+\(verifier.keyIDHex)" }
}

/// An entry body whose members are already canonically encoded: the part of building an entry
/// that does not depend on the chain, so a batch can prepare it on all cores.
public struct EncodedBody: Sendable {
    public let body: EntryBody
    let members: [(key: String, bytes: [UInt8])]

    /// Normalises the body to NFC and checks it with `EntryValidator`, as a reader will.
    public init(_ body: EntryBody) throws {
        let body = body.normalised()
        try EntryValidator.check(body)
        self.body = body
        var fields = body.fields
        fields["type"] = .string(body.type)
        members = try CanonicalJSON.encodeMembers(fields)
    }
}
