import Foundation

/// Files shipped inside the grading module: the default model, its card and the default policy.
public enum BundledResources {
    public static var defaultModelURL: URL { resource("default.agmodel") }
    public static var modelCardURL: URL { resource("MODEL_CARD.md") }
    public static var defaultPolicyURL: URL { resource("default-policy.json") }

    private static func resource(_ name: String) -> URL {
        let bundle = Bundle.module
        // Linux Foundation takes the copied `Resources` folder as the bundle's resource folder,
        // macOS does not: look in both places.
        if let url = bundle.url(forResource: name, withExtension: nil)
            ?? bundle.url(forResource: name, withExtension: nil, subdirectory: "Resources") {
            return url
        }
        // Not shipped (yet): a path in the resource folder, so the caller's error names it.
        return bundle.resourceURL!.appendingPathComponent(name)
    }
}
