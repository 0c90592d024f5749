import Foundation

/// Files in a rules directory that the loader does not read, reported as warnings: a rule saved as
/// `.json`, a rule next to `participants.json5` instead of in `rules/`, a folder the loader never opens.
/// Each would otherwise be silently ignored, and its author would wonder why it never drafts.
enum SkippedFiles {
    /// The files the loader reads at the top of the directory.
    static let topLevelFiles: Set<String> = ["participants.json5", "landmarks.json5", "kinds.json5", "gazetteer.json5", "names.json5"]
    /// The folders it reads, each for `*.json5` files directly inside.
    static let folders: [String: String] = ["rules": "rule files", "drills": "drill scenarios", "voices": "voice files"]

    static func warnings(in directory: URL) -> [RuleDiagnostic] {
        let fileManager = FileManager.default
        var warnings: [RuleDiagnostic] = []
        func warn(_ relative: String, _ message: String) {
            warnings.append(RuleDiagnostic(file: relative, position: nil, path: "", message: message, severity: .warning))
        }
        // Paths as strings: a URL built per file cost more than the stat itself with a thousand rule files.
        func isDirectory(_ path: String) -> Bool {
            var flag: ObjCBool = false
            return fileManager.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
        }
        let base = directory.path.hasSuffix("/") ? directory.path : directory.path + "/"
        let top = (try? fileManager.contentsOfDirectory(atPath: base)) ?? []
        for name in top.sorted() where !name.hasPrefix(".") {
            let path = base + name
            if isDirectory(path) {
                guard let what = folders[name] else {
                    if top.contains(where: { $0.hasSuffix(".json5") || $0.hasSuffix(".json") }) || name.lowercased().hasPrefix("rule") {
                        warn(name + "/", "not read: the loader reads rules/, drills/ and voices/ only")
                    }
                    continue
                }
                let inside = (try? fileManager.contentsOfDirectory(atPath: path)) ?? []
                for file in inside.sorted() where !file.hasPrefix(".") {
                    let relative = "\(name)/\(file)"
                    if isDirectory(path + "/" + file) {
                        warn(relative + "/", "not read: \(what) are read from \(name)/ itself, not from folders inside it")
                    } else if !file.hasSuffix(".json5") {
                        let hint = file.hasSuffix(".json") ? ": rename it to \(file.dropLast(5)).json5" : ""
                        warn(relative, "not read: \(what) end in .json5\(hint)")
                    }
                }
            } else if !topLevelFiles.contains(name), name.hasSuffix(".json5") || name.hasSuffix(".json") {
                let known = topLevelFiles.first { name.hasSuffix(".json") && $0 == name + "5" }
                let message = known.map { "not read: rename it to \($0)" } ?? "not read: a rule belongs in rules/, a drill in drills/, a voice in voices/"
                warn(name, message)
            }
        }
        return warnings
    }
}
