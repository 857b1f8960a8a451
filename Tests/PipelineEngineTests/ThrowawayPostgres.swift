import Foundation
import XCTest

/// A PostgreSQL server of the tests' own: a temporary data directory, a free port on 127.0.0.1, a
/// superuser with a password checked by scram-sha-256, deleted again by `stop()`. The same recipe
/// as Tests/integration/postgres_server.py. As root (CI containers) initdb and postgres run as the
/// `postgres` system user, because they refuse to run as root.
final class ThrowawayPostgres {
    let host = "127.0.0.1"
    private(set) var port = 0
    let user = "toolhost_test"
    let database = "postgres"
    /// Quotes, a backslash and a space: a conninfo string built by concatenation would break on it.
    let password = "pw-\(UInt32.random(in: 0...UInt32.max)) 'q\\"
    private(set) var root: URL?
    private let bindir: URL
    private var running = false
    private let asRoot = geteuid() == 0

    init() throws {
        bindir = try ThrowawayPostgres.findBindir()
    }

    deinit { stop() }

    func start() throws {
        let base = asRoot ? URL(fileURLWithPath: "/tmp") : FileManager.default.temporaryDirectory
        let root = base.appendingPathComponent("toolhost-pg-\(UUID().uuidString.prefix(8))")
        self.root = root
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sockets"), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.path)
        let pwfile = root.appendingPathComponent("pwfile")
        try (password + "\n").write(to: pwfile, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: pwfile.path)
        if asRoot { try run(["/bin/chown", "-R", "postgres:postgres", root.path], asServerUser: false) }
        try run([tool("initdb"), "-D", data, "-U", user, "--pwfile=\(pwfile.path)", "--auth=scram-sha-256",
                 "-E", "UTF8", "--no-locale", "--no-sync"])
        try? FileManager.default.removeItem(at: pwfile)
        var lastError = ""
        for _ in 0..<3 {  // someone may take the free port before the server binds it
            port = try ThrowawayPostgres.freePort()
            let options = "-p \(port) -k \(root.appendingPathComponent("sockets").path) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
            do {
                try run([tool("pg_ctl"), "-D", data, "-l", root.appendingPathComponent("server.log").path, "-w", "-t", "60", "-o", options, "start"])
                running = true
                _ = try psql("SELECT 1")
                return
            } catch {
                lastError = "\(error)"
            }
        }
        stop()
        throw ThrowawayPostgres.Failure("PostgreSQL did not start: \(lastError)")
    }

    func stop() {
        if running { _ = try? run([tool("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]) }
        running = false
        if let root { try? FileManager.default.removeItem(at: root) }
        root = nil
    }

    /// Runs SQL over TCP with the password; rows of text fields (NULL is "").
    @discardableResult
    func psql(_ sql: String) throws -> [[String]] {
        let output = try run([tool("psql"), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-F", "\u{1f}",
                              "-h", host, "-p", String(port), "-U", user, "-d", database, "-c", sql],
                             asServerUser: false, environment: ["PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10"])
        return output.split(separator: "\n").map { $0.split(separator: "\u{1f}", omittingEmptySubsequences: false).map(String.init) }
    }

    private var data: String { root!.appendingPathComponent("data").path }
    private func tool(_ name: String) -> String { bindir.appendingPathComponent(name).path }

    /// Runs a command to completion; server tools run as `postgres` when we are root. Returns stdout.
    @discardableResult
    private func run(_ command: [String], asServerUser: Bool = true, environment: [String: String] = [:]) throws -> String {
        let process = Process()
        let full = asServerUser && asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + command : command
        process.executableURL = URL(fileURLWithPath: full[0])
        process.arguments = Array(full.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let root { process.currentDirectoryURL = root }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a chatty command cannot fill the pipe and stall.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure("\((command[0] as NSString).lastPathComponent) failed (\(process.terminationStatus)): \(String(decoding: stderr, as: UTF8.self))\(String(decoding: stdout, as: UTF8.self))")
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    /// The newest /usr/lib/postgresql/<version>/bin holding the server tools.
    static func findBindir() throws -> URL {
        let base = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = base.appendingPathComponent(version).appendingPathComponent("bin")
            if ["initdb", "postgres", "pg_ctl", "psql"].allSatisfy({ FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent($0).path) }) {
                return bin
            }
        }
        throw Failure("PostgreSQL server binaries (initdb, postgres, pg_ctl, psql) were not found under /usr/lib/postgresql/*/bin; run `make deps` to install Debian's postgresql package")
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Failure("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
