#if canImport(Glibc)
import Glibc
#endif

/// A Linux error number as the guest sees it; thrown by system-call handlers
/// and returned to the guest as r3 with CR0[SO] set.
///
/// PowerPC Linux uses the asm-generic errno numbers except EDEADLOCK (58 on
/// powerpc, an alias of EDEADLK=35 elsewhere). The host is Linux with the
/// generic numbers, where EDEADLOCK is EDEADLK, so every host errno is also the
/// guest's: no translation table is needed.
struct Errno: Error, Equatable, CustomStringConvertible {
    let code: Int32

    init(_ code: Int32) { self.code = code }

    /// The calling thread's host errno.
    static var host: Errno { Errno(errno) }

    static let EPERM = Errno(1)
    static let ENOENT = Errno(2)
    static let ESRCH = Errno(3)
    static let EINTR = Errno(4)
    static let EIO = Errno(5)
    static let E2BIG = Errno(7)
    static let ENOEXEC = Errno(8)
    static let EBADF = Errno(9)
    static let ECHILD = Errno(10)
    static let EAGAIN = Errno(11)
    static let ENOMEM = Errno(12)
    static let EACCES = Errno(13)
    static let EFAULT = Errno(14)
    static let EEXIST = Errno(17)
    static let ENOTDIR = Errno(20)
    static let EISDIR = Errno(21)
    static let ENODEV = Errno(19)
    static let EINVAL = Errno(22)
    static let ENFILE = Errno(23)
    static let EMFILE = Errno(24)
    static let ENOTTY = Errno(25)
    static let ESPIPE = Errno(29)
    static let ERANGE = Errno(34)
    static let ENAMETOOLONG = Errno(36)
    static let ENOSYS = Errno(38)
    static let ELOOP = Errno(40)
    static let EOVERFLOW = Errno(75)
    static let EOPNOTSUPP = Errno(95)

    var description: String { String(cString: strerror(code)) }
}

/// Turns a host call's -1/errno convention into a guest result: the value
/// itself, or the negated errno that the dispatcher reports with CR0[SO].
@inline(__always)
func hostResult<T: BinaryInteger>(_ value: T) throws(Errno) -> Int {
    if value < 0 { throw Errno.host }
    return Int(value)
}
