/// Fixed colours and order for commercial grades in charts, so the same grade always looks
/// the same; grades a custom policy invents come after the known ones, alphabetically.
enum GradePalette {
    static let known: [(name: String, colour: String)] = [
        ("Premium", "#1b7f3b"), ("Grade I", "#4f9bd9"), ("Grade II", "#e0a526"), ("Reject", "#c0392b"),
    ]
    static let extraColours = ["#8e44ad", "#16a085", "#7f8c8d", "#d35400", "#2c3e50"]

    static func ordered(_ grades: some Sequence<String>) -> [String] {
        let unique = Set(grades)
        let knownNames = known.map(\.name).filter(unique.contains)
        return knownNames + unique.subtracting(knownNames).sorted()
    }

    static func colour(for grade: String, among ordered: [String]) -> String {
        if let match = known.first(where: { $0.name == grade }) { return match.colour }
        let extras = ordered.filter { name in !known.contains { $0.name == name } }
        let index = extras.firstIndex(of: grade) ?? 0
        return extraColours[index % extraColours.count]
    }
}
