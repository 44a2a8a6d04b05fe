/// One interrupt wire from a device to the interrupt controller.
///
/// A device drives it with `set(_:)`; only changes are passed on, so an edge
/// source on the MPIC sees each rising edge once and devices can call `set`
/// after every register access without cost. The wire remembers its level,
/// which tests (and `trace` output) can read.
public final class InterruptLine {
    public private(set) var isAsserted = false
    private let deliver: (Bool) -> Void

    /// `deliver` is called with the new level on each change. The default
    /// wire is connected to nothing (a device used on its own, in tests).
    public init(deliver: @escaping (Bool) -> Void = { _ in }) {
        self.deliver = deliver
    }

    @inline(__always)
    public func set(_ asserted: Bool) {
        guard asserted != isAsserted else { return }
        isAsserted = asserted
        deliver(asserted)
    }

    public func raise() { set(true) }
    public func lower() { set(false) }
}
