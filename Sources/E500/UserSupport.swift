// Small additions the Linux user-mode runner (LinuxUser) needs from E500.

extension AddressSpace {
    /// Sets the permissions of every page overlapping [address, address+length)
    /// without touching their contents, whether or not the page currently has
    /// any permission.
    ///
    /// `protect` skips pages whose permission byte is 0, but a Linux mapping
    /// made with PROT_NONE is still a mapping: `mprotect` must be able to make
    /// it accessible again with its contents intact. The runner keeps its own
    /// record of which pages are mapped and uses this to mirror it.
    public func setProtection(_ address: UInt32, length: UInt32, protection: Protection) {
        guard length > 0 else { return }
        let first = Int(address >> AddressSpace.pageShift)
        let end = min((UInt64(address) + UInt64(length) + UInt64(AddressSpace.pageSize) - 1) >> UInt64(AddressSpace.pageShift),
                      UInt64(AddressSpace.pageCount))
        for page in first..<Int(end) { permissions[page] = protection.rawValue }
    }
}
