/// A cache of at most `maxBytes` (the sum of the costs its entries were given), evicting the
/// least recently used entry roughly (the CLOCK algorithm: an entry read since the hand last
/// passed it gets a second chance). Not thread-safe: its owner locks.
package struct ByteBoundedCache<Key: Hashable, Value> {
    private struct Slot {
        let key: Key
        let value: Value
        let cost: Int
        var referenced: Bool
    }

    package let maxBytes: Int
    package private(set) var byteCount = 0
    private var slots: [Slot?] = []
    private var slotOf: [Key: Int] = [:]
    private var freeSlots: [Int] = []
    private var hand = 0

    package init(maxBytes: Int) {
        precondition(maxBytes >= 0)
        self.maxBytes = maxBytes
    }

    package var count: Int { slotOf.count }

    package mutating func value(for key: Key) -> Value? {
        guard let index = slotOf[key] else { return nil }
        slots[index]!.referenced = true
        return slots[index]!.value
    }

    /// Stores `value` (replacing one under `key`), evicting others until it fits; a value
    /// costing more than the whole cache is not stored.
    package mutating func insert(_ value: Value, for key: Key, cost: Int) {
        precondition(cost >= 0)
        if let index = slotOf[key] { remove(at: index) }
        guard cost <= maxBytes else { return }
        while byteCount + cost > maxBytes { evictOne() }
        let slot = Slot(key: key, value: value, cost: cost, referenced: false)
        let index: Int
        if let free = freeSlots.popLast() {
            index = free
            slots[index] = slot
        } else {
            index = slots.count
            slots.append(slot)
        }
        slotOf[key] = index
        byteCount += cost
    }

    package mutating func removeAll(where shouldRemove: (Key, Value) -> Bool) {
        for index in slots.indices {
            if let slot = slots[index], shouldRemove(slot.key, slot.value) { remove(at: index) }
        }
    }

    package mutating func removeAll() {
        slots = []
        slotOf = [:]
        freeSlots = []
        byteCount = 0
        hand = 0
    }

    /// Second chance for referenced entries; ends within two sweeps, as each pass clears the bits.
    private mutating func evictOne() {
        precondition(!slotOf.isEmpty, "the byte count says something is cached")
        while true {
            if hand >= slots.count { hand = 0 }
            defer { hand += 1 }
            guard let slot = slots[hand] else { continue }
            if slot.referenced {
                slots[hand]!.referenced = false
            } else {
                remove(at: hand)
                return
            }
        }
    }

    private mutating func remove(at index: Int) {
        let slot = slots[index]!
        slots[index] = nil
        slotOf[slot.key] = nil
        freeSlots.append(index)
        byteCount -= slot.cost
    }
}
