import ChorusCLI
import Foundation
import Testing
import TestSupport

/// The documents a new user reads match the tool: they link nothing outside the repository, and the
/// command reference names every command and exit code there is.
struct DocumentationTests {
    static let documents = ["README.md", "Deploy/README.md"]
        + ((try? FileManager.default.contentsOfDirectory(atPath: Repository.root.appendingPathComponent("docs").path)) ?? [])
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }

    /// Markdown link targets, `[text](target)`.
    static func links(in text: String) -> [String] {
        var targets: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "](") {
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: ")") else { break }
            targets.append(String(after[..<close]))
            rest = after[close...]
        }
        return targets
    }

    @Test func everyLinkIsToAFileInTheRepository() throws {
        #expect(Self.documents.contains("docs/COMMANDS.md") && Self.documents.contains("docs/EVENTS.md"))
        let root = Repository.root.standardizedFileURL
        for document in Self.documents {
            let url = root.appendingPathComponent(document)
            let text = try String(contentsOf: url, encoding: .utf8)
            for link in Self.links(in: text) where !link.hasPrefix("http://") && !link.hasPrefix("https://") && !link.hasPrefix("#") {
                let path = String(link.split(separator: "#").first ?? "")
                let target = URL(fileURLWithPath: path, relativeTo: url.deletingLastPathComponent()).standardizedFileURL
                #expect(target.path.hasPrefix(root.path + "/"), "\(document) links \(link), outside the repository")
                #expect(FileManager.default.fileExists(atPath: target.path), "\(document) links \(link), which does not exist")
            }
            #expect(!text.contains("PRODUCT.md"), "\(document) refers to PRODUCT.md, which is not in the repository")
        }
    }

    @Test func theCommandReferenceNamesEveryCommandAndExitCode() throws {
        let reference = try String(contentsOf: Repository.root.appendingPathComponent("docs/COMMANDS.md"), encoding: .utf8)
        for command in ChorusRoot.spec.subcommands {
            #expect(reference.contains("| `chorus \(command.spec.name)"), "docs/COMMANDS.md has no row for chorus \(command.spec.name)")
        }
        for code in ExitCode.allCases {
            #expect(reference.contains("| \(code.rawValue) | "), "docs/COMMANDS.md does not explain exit code \(code.rawValue)")
        }
    }
}
