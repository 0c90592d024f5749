import Foundation

/// The repository the tests run from: its root and the shipped rules.
public enum Repository {
    /// The directory holding Package.swift, found by walking up from this file (the working directory if
    /// there is none, as when the sources were moved after building).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// The shipped rules directory, `Rules/`.
    public static var rules: URL { root.appendingPathComponent("Rules") }
}
