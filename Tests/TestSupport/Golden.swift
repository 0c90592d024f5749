import Foundation

/// Expected-output files: compares text with a file under a test target's `Fixtures`, and rewrites the
/// file instead when `CHORUS_UPDATE_GOLDEN=1` (review the diff before committing it).
public enum Golden {
    /// The expected text at `path`, below the `Fixtures` folder of the test target whose source file is
    /// `testFile` (pass `#filePath`); rewritten to `actual` first when updating.
    public static func expected(_ actual: String, path: String, testFile: String) throws -> String {
        let url = URL(fileURLWithPath: testFile).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(path)
        if ProcessInfo.processInfo.environment["CHORUS_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
