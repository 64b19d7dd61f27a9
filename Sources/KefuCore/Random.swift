/// SplitMix64: a small, fast, seedable generator. Engines that draw (QA samples, scenario line
/// variants, exam question draws, benchmark corpora) take one of these with a recorded seed, so a draw
/// can be reproduced and verified later.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }

    /// Next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// FNV-1a (64-bit) of a string's UTF-8 bytes: derives stable sub-seeds from names.
public func fnv1a64(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
    }
    return hash
}
