#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TorchCore

/// Whole-file reads and atomic writes with POSIX calls (no Foundation).
public enum FileIO {
    /// The bytes of the file at `path`.
    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TorchIOError("\(path): cannot open for reading (\(errnoText()))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TorchIOError("\(path): cannot stat (\(errnoText()))") }
        let size = Int(st.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        try bytes.withUnsafeMutableBytes { buf in
            while done < size {
                let n = Glibc.read(fd, buf.baseAddress! + done, size - done)
                if n < 0 { throw TorchIOError("\(path): read failed (\(errnoText()))") }
                if n == 0 { break }
                done += n
            }
        }
        if done < size { bytes.removeLast(size - done) }
        return bytes
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same folder,
    /// flushed to disk, then renamed over the target. A crash midway leaves the old
    /// file (or none), never a partial one.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let base = path.contains("/") ? String(path[path.index(after: path.lastIndex(of: "/")!)...]) : path
        var template = Array("\(dir.isEmpty ? "/" : dir)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw TorchIOError("\(path): cannot create a temporary file in \(dir) (\(errnoText()))") }
        let tmpPath = String(cString: template)
        var ok = false
        defer {
            if !ok { unlink(tmpPath) }
        }
        var done = 0
        try bytes.withUnsafeBytes { buf in
            while done < bytes.count {
                let n = write(fd, buf.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    close(fd)
                    throw TorchIOError("\(path): write failed (\(errnoText()))")
                }
                done += n
            }
        }
        fchmod(fd, 0o644)
        guard fsync(fd) == 0 else {
            close(fd)
            throw TorchIOError("\(path): fsync failed (\(errnoText()))")
        }
        close(fd)
        guard rename(tmpPath, path) == 0 else { throw TorchIOError("\(path): rename failed (\(errnoText()))") }
        ok = true
        let dfd = open(dir.isEmpty ? "/" : dir, O_RDONLY)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func makeDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if access(prefix, F_OK) != 0 && mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw TorchIOError("\(prefix): cannot create directory (\(errnoText()))")
            }
            prefix += "/"
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
