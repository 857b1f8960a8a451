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
            // Readiness is polled with a real password login rather than pg_ctl -w: that is what the tests need.
            do {
                try run([tool("pg_ctl"), "-D", data, "-l", log.path, "-W", "-o", options, "start"])
                running = true
                try waitUntilReady()
                return
            } catch {
                lastError = "\(error)\n\(logTail())"
                if running { _ = try? run([tool("pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"]) }
                running = false
            }
        }
        stop()
        throw ThrowawayPostgres.Failure("PostgreSQL did not start: \(lastError)")
    }

    func stop() {
        // postmaster.pid also catches a server that started although its start was reported as failed.
        if let root, running || FileManager.default.fileExists(atPath: root.appendingPathComponent("data/postmaster.pid").path) {
            _ = try? run([tool("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"])
        }
        running = false
        // The server may still be removing its last files for a moment after pg_ctl returns.
        for _ in 0..<20 {
            guard let root, FileManager.default.fileExists(atPath: root.path) else { break }
            try? FileManager.default.removeItem(at: root)
            usleep(50_000)
        }
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
    private var log: URL { root!.appendingPathComponent("server.log") }

    /// Polls with a password login over TCP (what the tests need) for up to 60 s.
    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(60)
        while true {
            do {
                try psql("SELECT 1")
                return
            } catch {
                if Date() > deadline { throw error }
                usleep(100_000)
            }
        }
    }

    private func logTail() -> String {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(30).joined(separator: "\n")
    }
    private func tool(_ name: String) -> String { bindir.appendingPathComponent(name).path }

    /// Runs a command to completion; server tools run as `postgres` when we are root. Returns stdout.
    @discardableResult
    private func run(_ command: [String], asServerUser: Bool = true, environment: [String: String] = [:]) throws -> String {
        let full = asServerUser && asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + command : command
        // Output goes to files, not pipes: the server pg_ctl starts inherits the descriptors, and a
        // pipe would then never reach end-of-file while the server runs.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("toolhost-pg-out-\(UUID().uuidString)").path
        defer {
            unlink(scratch + ".out")
            unlink(scratch + ".err")
        }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let status = try Self.spawnAndWait(full, environment: merged.map { "\($0.key)=\($0.value)" },
                                           stdout: scratch + ".out", stderr: scratch + ".err", timeoutSeconds: 120)
        let stdout = (try? String(contentsOfFile: scratch + ".out", encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: scratch + ".err", encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw Failure("\((command[0] as NSString).lastPathComponent) failed (\(status)): \(stderr)\(stdout)")
        }
        return stdout
    }

    /// posix_spawn + waitpid rather than Foundation's Process: under the XCTest runner, a Process
    /// running pg_ctl was never seen to exit (the test thread waited minutes on a finished child)
    /// and `pg_ctl -w` timed out on a server that was accepting connections. Here the child gets
    /// default signal handling and an empty signal mask, and is reaped directly.
    static func spawnAndWait(_ argv: [String], environment: [String], stdout: String, stderr: String, timeoutSeconds: Double) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        guard rc == 0 else { throw Failure("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw Failure("\(argv.joined(separator: " ")) did not finish within \(Int(timeoutSeconds)) s")
            }
            usleep(10_000)
        }
        // Exit status, or 128 + signal number when it was killed.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
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
