import ChorusCore
@testable import ChorusService
import Foundation
import Testing
import TestSupport

/// What `Deploy/` ships: the unit passes `systemd-analyze verify`, the example configuration loads.
struct DeployTests {
    static var deploy: URL { DaemonHarness.repositoryRoot.appendingPathComponent("Deploy") }

    static func findSystemdAnalyze() -> String? {
        ["/usr/bin/systemd-analyze", "/bin/systemd-analyze", "/usr/local/bin/systemd-analyze"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs when systemd-analyze is installed; under `CI=true` its absence is a failure (CI installs it).
    @Test func theUnitPassesSystemdAnalyzeVerify() throws {
        guard let analyze = Self.findSystemdAnalyze() else {
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "systemd-analyze is missing on CI")
            return
        }
        // verify checks that ExecStart's binary exists: point it at the one this test run built.
        let unit = try String(contentsOf: Self.deploy.appendingPathComponent("chorus.service"), encoding: .utf8)
        #expect(unit.contains("Type=notify"))
        #expect(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
        #expect(unit.contains("WatchdogSec="))
        #expect(unit.contains("ProtectSystem=strict"))
        let console = try String(contentsOf: Self.deploy.appendingPathComponent("chorus-console.service"), encoding: .utf8)
        #expect(console.contains("ExecStart=/usr/local/bin/chorus console "))
        #expect(console.contains("ProtectSystem=strict"))
        let directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-unit")
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, text) in [("chorus.service", unit), ("chorus-console.service", console)] {
            let copy = directory.appendingPathComponent(name)
            try text.replacingOccurrences(of: "/usr/local/bin/chorus", with: ChorusProcess.executable.path)
                .write(to: copy, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: analyze)
            process.arguments = ["verify", copy.path]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = errors
            try process.run()
            let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "systemd-analyze verify \(name): \(output)")
            #expect(!output.contains("\(name):"), "warnings about \(name): \(output)")
        }
    }

    @Test func theExampleConfigurationLoads() throws {
        let configuration = try ChorusConfiguration.load(from: Self.deploy.appendingPathComponent("chorus.json5"))
        #expect(configuration.sources.map(\.kind) == [.file, .spool, .http, .inbox])
        #expect(configuration.sources.map(\.name) == ["ops-desk", "cap-drop", "gdacs", "inbox"])
        #expect(configuration.sources[2].pollInterval == .seconds(300))
        #expect(configuration.sources[1].defaultCountries == ["DE"])
        #expect(configuration.batch == BatchConfiguration(maximumEvents: 5000, maximumDelay: .zero))
        #expect(configuration.webhooks == ["de-foreign-office": "https://publisher.example.org/hooks/de-foreign-office"])
    }

    /// Every field the reader knows is shown in the example and explained in Deploy/README.md — so a section
    /// added to the reader (as webhooks once was) cannot stay undocumented.
    @Test func theExampleAndTheReadmeShowEveryField() throws {
        let example = try String(contentsOf: Self.deploy.appendingPathComponent("chorus.json5"), encoding: .utf8)
        let root = try JSON5Reader.parse(example)
        guard case .object(let members) = root.value else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ConfigurationReader.fields)
        func keys(_ node: JSON5Node?) -> Set<String> {
            guard case .object(let members)? = node?.value else { return [] }
            return Set(members.map(\.key))
        }
        let sources: [JSON5Node]
        if case .array(let items)? = members.first(where: { $0.key == "sources" })?.node.value { sources = items } else { sources = [] }
        #expect(sources.reduce(into: Set<String>()) { $0.formUnion(keys($1)) } == Set(ConfigurationReader.sourceFields))
        #expect(keys(members.first { $0.key == "batch" }?.node) == Set(ConfigurationReader.batchFields))
        #expect(keys(members.first { $0.key == "delivery" }?.node) == Set(ConfigurationReader.deliveryFields))
        #expect(keys(members.first { $0.key == "console" }?.node) == Set(ConfigurationReader.consoleFields))
        #expect(keys(members.first { $0.key == "notifications" }?.node) == Set(ConfigurationReader.notificationFields))
        let readme = try String(contentsOf: Self.deploy.appendingPathComponent("README.md"), encoding: .utf8)
        for field in ConfigurationReader.fields + ConfigurationReader.sourceFields + ConfigurationReader.batchFields
            + ConfigurationReader.deliveryFields + ConfigurationReader.consoleFields + ConfigurationReader.notificationFields {
            #expect(readme.contains("`\(field)`"), "Deploy/README.md does not explain `\(field)`")
        }
    }

    @Test func theInstallScriptIsValidBash() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-n", Self.deploy.appendingPathComponent("install.sh").path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
