import Foundation
import Glibc

/// Each (tenant, plugin)'s private folder for files (header section 11):
/// `<data>/tenants/<tenant>/files/<plugin>`, mode 0700, beside the pair's database.
enum FilesFolder {
    /// Creates the folder (and `files`) 0700 if needed; returns its canonical absolute path
    /// (symbolic links in the data path resolved, so containment checks compare like with like).
    static func ensure(dataDirectory: String, tenant: String, plugin: String) throws -> String {
        let tenantFolder = dataDirectory + "/tenants/" + tenant
        try FileManager.default.createDirectory(atPath: tenantFolder, withIntermediateDirectories: true)
        for folder in [tenantFolder + "/files", tenantFolder + "/files/" + plugin] {
            if mkdir(folder, 0o700) != 0 && errno != EEXIST {
                throw FilesFolderError("cannot create \(folder): \(String(cString: strerror(errno)))")
            }
        }
        let folder = tenantFolder + "/files/" + plugin
        guard let resolved = realpath(folder, nil) else { throw FilesFolderError("cannot resolve \(folder): \(String(cString: strerror(errno)))") }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Opens `path` for streaming if, and only if, it is a regular file inside `folder` (a
    /// canonical path from `ensure`). A relative path is taken relative to the folder.
    ///
    /// Checked on the descriptor actually opened, not on the name, so nothing can be swapped in
    /// between check and use: O_NOFOLLOW refuses a symbolic link as the last component, and the
    /// kernel's own name for the open file (/proc/self/fd) must lie inside the folder, which
    /// refuses "..", and symbolic links anywhere on the way, that lead out of it. O_NONBLOCK so
    /// that a FIFO planted there cannot hang the opening thread (only regular files pass).
    static func openForStreaming(_ path: String, inside folder: String) -> Result<(fd: Int32, size: Int64), FilesFolderError> {
        let full = path.hasPrefix("/") ? path : folder + "/" + path
        let fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { return .failure(FilesFolderError("cannot open \(path): \(String(cString: strerror(errno)))")) }
        func refuse(_ why: String) -> Result<(fd: Int32, size: Int64), FilesFolderError> {
            close(fd)
            return .failure(FilesFolderError(why))
        }
        guard let opened = realName(of: fd), opened.hasPrefix(folder + "/") else {
            return refuse("\(path) is not inside the plugin's files folder for this tenant")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return refuse("\(path) is not a regular file") }
        return .success((fd, Int64(info.st_size)))
    }

    private static func realName(of fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

struct FilesFolderError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
