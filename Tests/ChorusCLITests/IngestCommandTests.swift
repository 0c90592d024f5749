import ChorusCLI
import ChorusCore
import Foundation
import Testing
import TestSupport

/// `chorus ingest`, run in-process against the feed samples.
struct IngestCommandTests {
    static var root: URL { Repository.root }

    /// A feed sample, relative to the package root (the command resolves paths against its working directory).
    static func sample(_ name: String) -> String { "Tests/ChorusFeedsTests/Fixtures/\(name)" }

    struct Outcome {
        var code: ExitCode
        var out: String
        var err: String
    }

    static func run(_ arguments: [String], stdin: Data = Data()) -> Outcome {
        let out = OutputSink.capture(), err = OutputSink.capture()
        let context = CommandContext(standardOutput: out, standardError: err, environment: [:], workingDirectory: root,
                                     readStandardInput: { stdin })
        let code = CommandRunner.run(arguments, context: context)
        return Outcome(code: code, out: out.text, err: err.text)
    }

    @Test func dryRunJSONPrintsNormalizedEvents() throws {
        let outcome = Self.run(["ingest", Self.sample("gdacs_rss_2019-12-30_DR_EQ_TC_green.xml"),
                                Self.sample("cap12_spec_A3_earthquake_update_references_circle.xml"), "--dry-run", "--json"])
        #expect(outcome.code == .success, "\(outcome.err)")
        #expect(outcome.err.isEmpty)
        let lines = outcome.out.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        let events = try lines.map { try JSONDecoder().decode(Event.self, from: Data($0.utf8)) }
        #expect(events.map(\.id) == ["TC1000643-1", "EQ1199929-1287798", "DR1013682-1", "DR1013588-1", "TRI13970876.2"])
        #expect(events[2].countries == ["BG", "IQ", "IR", "TR"])
        // The output is the native JSON Lines format: feeding it back gives the same events.
        let again = Self.run(["ingest", "-", "--dry-run", "--json"], stdin: Data(outcome.out.utf8))
        #expect(again.code == .success)
        #expect(again.out == outcome.out)
    }

    @Test func rejectionsGoToStandardErrorWithExit65() throws {
        let outcome = Self.run(["ingest", Self.sample("events.jsonl"), Self.sample("SECURITY_xxe_xinclude_attack.cap"),
                                "--dry-run", "--json", "--source", "ops"])
        #expect(outcome.code == .dataError)
        #expect(outcome.out.split(separator: "\n").count == 2)
        #expect(outcome.out.contains("\"source\":\"ops\""))
        let errors = outcome.err.split(separator: "\n").map(String.init)
        try #require(errors.count == 3, "\(errors)")
        #expect(errors[0] == "chorus: rejected \(Self.sample("events.jsonl"))#line:2: countries[0]: 'XX' is not an ISO 3166-1 alpha-2 country code")
        #expect(errors[1].hasPrefix("chorus: rejected \(Self.sample("SECURITY_xxe_xinclude_attack.cap")): the document has a DTD"))
        #expect(errors[2] == "Error: 2 rejected, 2 accepted")
    }

    /// A file that is not there is a mistake on the command line (66, EX_NOINPUT), not a rejected document:
    /// nothing is read, printed or queued.
    @Test(arguments: [["--dry-run", "--json"], ["--database", "host=/nonexistent dbname=x"]])
    func aMissingFileIsNoInputAndNothingIsDone(options: [String]) {
        let outcome = Self.run(["ingest", Self.sample("events.jsonl"), Self.sample("missing.xml")] + options)
        #expect(outcome.code == .noInput)
        #expect(outcome.out.isEmpty)
        #expect(outcome.err == "Error: cannot read \(Self.sample("missing.xml")): no such file\n", "\(outcome.err)")
        let directory = Self.run(["ingest", "Tests", "--dry-run"])
        #expect(directory.code == .noInput)
        #expect(directory.err == "Error: cannot read Tests: it is a directory\n")
    }

    @Test func formatCanBeForced() {
        let outcome = Self.run(["ingest", Self.sample("events.jsonl"), "--format", "cap", "--dry-run"])
        #expect(outcome.code == .dataError)
        #expect(outcome.err.contains("chorus: rejected \(Self.sample("events.jsonl")): not well-formed XML"))
    }

    @Test func textOutputForPeople() {
        let outcome = Self.run(["ingest", Self.sample("cap12_spec_A1_homeland_security_advisory.xml"), "--dry-run",
                                "--country", "US"])
        #expect(outcome.code == .success)
        #expect(outcome.out == "43b080713727  security_threat  alert  US  2003-04-02T19:39:01Z  Homeland Security Sets Code ORANGE\n")
    }

    @Test(arguments: [
        (["ingest", "--dry-run"], "Error: missing expected argument '<file>'"),
        (["ingest", "x", "--dry-run", "--format", "rss"], "Error: invalid value 'rss' for '--format <format>'"),
        (["ingest", "x", "--dry-run", "--country", "Israel"], "Error: invalid value 'Israel' for '--country <code>': not an ISO 3166-1 alpha-2 code"),
        (["ingest", "-", "-", "--dry-run"], "Error: standard input (-) can be read only once"),
    ])
    func usageErrorsExit64(arguments: [String], message: String) {
        let outcome = Self.run(arguments)
        #expect(outcome.code == .usage)
        #expect(outcome.err.hasPrefix(message + "\nUsage: chorus ingest"), "\(outcome.err)")
    }

    @Test func missingKindsFileIsAConfigurationError() {
        let outcome = Self.run(["ingest", Self.sample("events.jsonl"), "--dry-run", "--rules", "/nonexistent"])
        #expect(outcome.code == .configuration)
        #expect(outcome.err.hasPrefix("Error: /nonexistent/kinds.json5: cannot read the file"))
    }

    @Test(arguments: [["ingest", "--help"], ["help", "ingest"], ["ingest", "-h"]])
    func helpIsPinned(arguments: [String]) throws {
        let outcome = Self.run(arguments)
        #expect(outcome.code == .success)
        let golden = Self.root.appendingPathComponent("Tests/ChorusCLITests/Fixtures/ingest/help.txt")
        if ProcessInfo.processInfo.environment["CHORUS_UPDATE_GOLDEN"] == "1" {
            try outcome.out.write(to: golden, atomically: true, encoding: .utf8)
        }
        #expect(outcome.out == (try String(contentsOf: golden, encoding: .utf8)))
    }
}
