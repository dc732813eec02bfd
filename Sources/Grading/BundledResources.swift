import Foundation

/// Files shipped inside the grading module: the default model, its card and the default policy.
public enum BundledResources {
    public static var defaultModelURL: URL { resource("default.agmodel") }
    public static var modelCardURL: URL { resource("MODEL_CARD.md") }
    public static var defaultPolicyURL: URL { resource("default-policy.json") }

    private static func resource(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Resources").appendingPathComponent(name)
    }
}
