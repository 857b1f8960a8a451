import Foundation
import Glibc
import JSON

/// The write-ahead side of the audit trail: every event is appended to a journal file with one
/// write(2) before the request it belongs to is answered, so an event whose request was
/// acknowledged survives a SIGKILL (the kernel keeps written pages whatever happens to the
/// process; a power cut needs fsync, which this deliberately does not pay per request).
///
/// EventSink still batches events into audit.db every 200 ms. Each batch is exactly the contents of
/// one journal file: the file is sealed (a fresh one takes over) in the same critical section that
/// takes the batch, the batch is inserted in one transaction together with a row naming the sealed
/// file (`audit_journal_applied`), and only then is the file deleted. At start-up, a journal left
/// behind by a process that died is replayed, unless that row says it was already applied, so an
/// event is never lost and never doubled.
///
/// Several processes may write the same trail (the daemon and an operator command): each writes
/// its own files and holds an exclusive flock on the one it writes, so a replay never takes a
/// live process's journal. The kernel drops the lock when a process dies, however it dies.
final class AuditJournal {
    /// `<data>/audit-journal/`: one `<id>.jsonl` per batch window.
    let folder: String
    private(set) var current: JournalFile

    struct JournalFile {
        let id: String
        let path: String
        let descriptor: Int32
    }

    init(folder: String) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        current = try AuditJournal.create(in: folder)
    }

    /// Appends one event line. Called with the sink's lock held, so lines never interleave and a
    /// file's lines are exactly one batch. Returns false if the line could not be written.
    func append(_ line: [UInt8]) -> Bool {
        var offset = 0
        while offset < line.count {
            let written = line.withUnsafeBytes { write(current.descriptor, $0.baseAddress! + offset, line.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// Starts a new file and returns the sealed one (still locked and on disk until `discard`).
    func seal() throws -> JournalFile {
        let sealed = current
        current = try AuditJournal.create(in: folder)
        return sealed
    }

    /// Empties the current file (when no new one can be made; see EventSink.sealJournal).
    func truncateCurrent() { _ = ftruncate(current.descriptor, 0) }

    /// At a clean stop, after the last flush: the current file holds nothing, so it goes.
    func closeCurrent() {
        var info = stat()
        if fstat(current.descriptor, &info) == 0, info.st_size == 0 { unlink(current.path) }
        close(current.descriptor)
    }

    /// Deletes a file whose events are in audit.db, then lets go of it.
    static func discard(_ file: JournalFile) {
        unlink(file.path)
        close(file.descriptor)
    }

    /// Journals left by processes that are gone: their files, unlocked, oldest first.
    /// Each one returned is locked by us until `discard`.
    func orphans() -> [JournalFile] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".jsonl") }
        var found: [(file: JournalFile, modified: Int)] = []
        for name in names where name != current.id + ".jsonl" {
            let path = folder + "/" + name
            let descriptor = open(path, O_RDWR | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {  // a live process writes it
                close(descriptor)
                continue
            }
            var info = stat()
            fstat(descriptor, &info)
            found.append((JournalFile(id: String(name.dropLast(6)), path: path, descriptor: descriptor), info.st_mtim.tv_sec))
        }
        return found.sorted { ($0.modified, $0.file.id) < ($1.modified, $1.file.id) }.map(\.file)
    }

    /// The lines of a journal file; a torn last line (a write cut short by a full disk) is dropped.
    static func lines(of file: JournalFile) -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: file.path) else { return [] }
        return data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { [UInt8]($0) }
    }

    private static func create(in folder: String) throws -> JournalFile {
        let id = Crypto.hex(Crypto.randomBytes(8))
        let path = folder + "/" + id + ".jsonl"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw JournalError("cannot create audit journal \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw JournalError("cannot lock audit journal \(path): \(String(cString: strerror(errno)))")
        }
        return JournalFile(id: id, path: path, descriptor: descriptor)
    }
}

struct JournalError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
