import CZlib
import Foundation

/// A W3C Bitstring Status List (v1.0): one bit per credential, set when it is revoked; published
/// gzip-compressed and base64url-encoded as a multibase string (`u…`).
///
/// Bit 0 is the left-most (most significant) bit of the first byte. The list holds at least 131,072
/// bits (16 KB), so a list says little about how many credentials an issuer has.
public struct StatusList: Sendable, Hashable {
    /// The smallest list the specification allows: 16 KB of bits.
    public static let minimumLength = 131_072

    /// The bits, packed.
    public private(set) var bytes: [UInt8]

    /// An empty list with room for `index` `capacity − 1` (at least ``minimumLength`` bits, whole bytes).
    public init(capacity: Int = 0) {
        let bits = max(Self.minimumLength, (capacity + 7) / 8 * 8)
        bytes = [UInt8](repeating: 0, count: bits / 8)
    }

    /// Number of bits.
    public var count: Int { bytes.count * 8 }

    /// Whether bit `index` is set (false outside the list).
    public subscript(index: Int) -> Bool {
        get {
            guard index >= 0, index < count else { return false }
            return bytes[index / 8] & (0x80 >> UInt8(index % 8)) != 0
        }
        set {
            guard index >= 0, index < count else { return }
            if newValue {
                bytes[index / 8] |= 0x80 >> UInt8(index % 8)
            } else {
                bytes[index / 8] &= ~(0x80 >> UInt8(index % 8))
            }
        }
    }

    /// The `encodedList` value: multibase base64url (`u` prefix) of the gzip-compressed bits.
    public func encoded() throws -> String { "u" + Base64URL.encode(try Gzip.compress(bytes)) }

    /// Reads an `encodedList` value.
    public init(encoded text: String) throws {
        guard text.hasPrefix("u"), let compressed = Base64URL.decode(text.dropFirst()) else {
            throw LedgerError(.malformed("a status list's encodedList is multibase base64url text starting with `u`"))
        }
        let bits = try Gzip.decompress(compressed, limit: 16 << 20)
        guard bits.count >= Self.minimumLength / 8 else {
            throw LedgerError(.malformed("a status list must hold at least \(Self.minimumLength) entries"))
        }
        bytes = bits
    }
}

/// gzip (RFC 1952) through zlib.
public enum Gzip {
    /// Compresses `input` into one gzip member.
    public static func compress(_ input: [UInt8]) throws -> [UInt8] {
        // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
        guard let output = Zlib.deflate(input, windowBits: 15 + 16) else {
            throw LedgerError(.malformed("gzip: compression failed"))
        }
        return output
    }

    /// Decompresses one gzip member, refusing output larger than `limit` bytes.
    public static func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw LedgerError(.malformed("gzip: zlib could not start decompressing"))
        }
        defer { inflateEnd(&stream) }
        var source = input
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var status: Int32 = Z_OK
        try source.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            while status == Z_OK {
                let produced = chunk.withUnsafeMutableBufferPointer { outBuffer -> Int in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return outBuffer.count - Int(stream.avail_out)
                }
                output += chunk.prefix(produced)
                if output.count > limit {
                    throw LedgerError(.malformed("gzip: the data expands beyond \(limit) bytes"))
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
            }
        }
        guard status == Z_STREAM_END else { throw LedgerError(.malformed("gzip: the data is not valid gzip")) }
        return output
    }
}

/// zlib's deflate and CRC-32 for other formats (the ZIP container of XLSX exports).
public enum Zlib {
    /// Deflates `input` at the best compression: `windowBits` 15 + 16 writes a gzip member, −15 a raw deflate stream
    /// (as ZIP stores it). Nil when zlib fails.
    public static func deflate(_ input: [UInt8], windowBits: Int32) -> [UInt8]? {
        var stream = z_stream()
        guard
            deflateInit2_(
                &stream, Z_BEST_COMPRESSION, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var source = input
        let status = source.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        return Array(output.prefix(Int(stream.total_out)))
    }

    /// The CRC-32 (ISO 3309, as ZIP and gzip use) of `bytes`.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
    }
}
