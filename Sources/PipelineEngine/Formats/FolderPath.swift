import Foundation
import Glibc

/// Paths inside a files connection's folder. Agents name files relative to the folder; nothing they
/// write may reach outside it, whether by "..", an absolute path, or a symbolic link that points out.
public enum FolderPath {
    /// Resolves `relative` under `root` and returns the absolute path. Refuses absolute paths, "..",
    /// NUL bytes, and any path whose existing part resolves (following symbolic links) outside the
    /// root. The part that does not exist yet (a file about to be written) is appended as written.
    public static func resolve(root: String, relative: String) throws -> String {
        if relative.utf8.contains(0) { throw EngineError("file path contains a NUL character") }
        if relative.hasPrefix("/") { throw EngineError("file path '\(relative)' is absolute; give a path relative to the connection's folder") }
        let components = relative.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        if components.contains("..") { throw EngineError("file path '\(relative)' contains '..'; paths must stay inside the connection's folder") }
        if components.isEmpty { throw EngineError("file path is empty") }
        let realRoot = try realPath(root, what: "the connection's folder")
        var current = realRoot
        var index = 0
        while index < components.count {
            let candidate = current + "/" + components[index]
            var info = stat()
            guard lstat(candidate, &info) == 0 else { break }
            let resolved: String
            do {
                resolved = try realPath(candidate, what: "'\(relative)'")
            } catch {
                throw EngineError("file path '\(relative)' goes through a broken symbolic link")
            }
            guard isInside(resolved, root: realRoot) else {
                throw EngineError("file path '\(relative)' leads outside the connection's folder (through a symbolic link)")
            }
            current = resolved
            index += 1
        }
        for component in components[index...] { current += "/" + component }
        return current
    }

    /// Relative paths of the regular files under `under` (or the whole folder), sorted, at most
    /// `limit`. Symbolic links are not followed or listed, so a listing never shows outside files.
    public static func list(root: String, under: String?, limit: Int) throws -> [String] {
        let realRoot = try realPath(root, what: "the connection's folder")
        let start = try under.map { try resolve(root: root, relative: $0) } ?? realRoot
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: start, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EngineError("'\(under ?? ".")' is not a folder in this connection")
        }
        var found: [String] = []
        try walk(start, root: realRoot, depth: 0, limit: limit, into: &found)
        return found.sorted()
    }

    private static func walk(_ directory: String, root: String, depth: Int, limit: Int, into found: inout [String]) throws {
        guard depth < 32, found.count < limit else { return }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw EngineError("cannot list '\(relativeName(directory, root: root))': \(error.localizedDescription)")
        }
        for name in names {
            guard found.count < limit else { return }
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFREG: found.append(relativeName(path, root: root))
            case S_IFDIR: try walk(path, root: root, depth: depth + 1, limit: limit, into: &found)
            default: continue
            }
        }
    }

    private static func relativeName(_ path: String, root: String) -> String {
        path == root ? "." : String(path.dropFirst(root.count + 1))
    }

    private static func realPath(_ path: String, what: String) throws -> String {
        guard let resolved = realpath(path, nil) else {
            throw EngineError("\(what) does not exist: \(String(cString: strerror(errno)))")
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func isInside(_ path: String, root: String) -> Bool {
        path == root || path.hasPrefix(root == "/" ? "/" : root + "/")
    }
}
