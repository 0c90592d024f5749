import Foundation
import TestSupport
@testable import ChorusCore

/// Paths of the repository and of this target's fixtures.
enum RepositoryPaths {
    /// The repository root, found by walking up from this file to the directory holding Package.swift.
    static var root: URL { Repository.root }

    /// The shipped rules.
    static var rules: URL { root.appendingPathComponent("Rules") }

    /// The shipped rules loaded once, for the many tests that only read them.
    static let shippedRuleSet: Result<RuleSet, RuleSetError> = Result { () throws(RuleSetError) -> RuleSet in try RuleSet.load(from: rules) }

    /// The shipped rule set.
    static func shipped() throws -> RuleSet { try shippedRuleSet.get() }

    /// A fixture of this target (`Fixtures/<name>` in the test bundle).
    static func fixture(_ name: String) -> URL {
        (Bundle.module.resourceURL ?? root.appendingPathComponent("Tests/ChorusCoreTests"))
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
    }
}
