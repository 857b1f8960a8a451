import Foundation

/// The test corpora in `<repo>/../shared/data/` (CI clones the repository with shared/ beside it),
/// or a directory named by an environment variable, which wins when set.
enum SharedData {
    static func directory(_ relativePath: String, overriddenBy variable: String) -> URL? {
        let repoRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // JSONTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repo root
        var candidates = [repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data/" + relativePath)]
        if let override = ProcessInfo.processInfo.environment[variable], !override.isEmpty {
            candidates.insert(URL(fileURLWithPath: override), at: 0)
        }
        var isDirectory: ObjCBool = false
        return candidates.first { FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDirectory) && isDirectory.boolValue }
    }
}
