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
package struct Errno: Error, Equatable, CustomStringConvertible {
    package let code: Int32

    package init(_ code: Int32) { self.code = code }

    /// The calling thread's host errno.
    package static var host: Errno { Errno(errno) }

    package static let EPERM = Errno(1)
    package static let ENOENT = Errno(2)
    package static let ESRCH = Errno(3)
    package static let EINTR = Errno(4)
    package static let EIO = Errno(5)
    package static let E2BIG = Errno(7)
    package static let ENOEXEC = Errno(8)
    package static let EBADF = Errno(9)
    package static let ECHILD = Errno(10)
    package static let EAGAIN = Errno(11)
    package static let ENOMEM = Errno(12)
    package static let EACCES = Errno(13)
    package static let EFAULT = Errno(14)
    package static let EEXIST = Errno(17)
    package static let ENOTDIR = Errno(20)
    package static let EISDIR = Errno(21)
    package static let ENODEV = Errno(19)
    package static let EINVAL = Errno(22)
    package static let ENFILE = Errno(23)
    package static let EMFILE = Errno(24)
    package static let ENOTTY = Errno(25)
    package static let ESPIPE = Errno(29)
    package static let ERANGE = Errno(34)
    package static let ENAMETOOLONG = Errno(36)
    package static let ENOSYS = Errno(38)
    package static let ELOOP = Errno(40)
    package static let EOVERFLOW = Errno(75)
    package static let EOPNOTSUPP = Errno(95)

    package var description: String { String(cString: strerror(code)) }
}

/// Turns a host call's -1/errno convention into a guest result: the value
/// itself, or the negated errno that the dispatcher reports with CR0[SO].
@inline(__always)
func hostResult<T: BinaryInteger>(_ value: T) throws(Errno) -> Int {
    if value < 0 { throw Errno.host }
    return Int(value)
}
