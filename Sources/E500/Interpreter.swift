import PowerISA

extension Core {
    /// Runs until something needs the outside world or `limit` instructions retire.
    /// (Placeholder while the interpreter is being written.)
    public func run(limit: UInt64) -> StopReason {
        .illegalInstruction(word: 0)
    }
}
