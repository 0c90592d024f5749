import Foundation
import TestSupport

/// Paths of the repository and of this target's fixtures.
enum RepositoryPaths {
    /// The repository root, found by walking up from this file to the directory holding Package.swift.
    static var root: URL { Repository.root }

    /// The shipped rules.
    static var rules: URL { root.appendingPathComponent("Rules") }

    /// A fixture of this target (`Fixtures/<name>` in the test bundle).
    static func fixture(_ name: String) -> URL {
        (Bundle.module.resourceURL ?? root.appendingPathComponent("Tests/ChorusCoreTests"))
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
    }
}
