/// Little-endian encoding of the fixed-width integers in Keel's on-disk formats.
extension Array where Element == UInt8 {
    /// Appends `value` as little-endian bytes.
    @inlinable
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// Overwrites the bytes at `offset` with `value` in little-endian order.
    @inlinable
    mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
    }
}

extension UnsafeRawBufferPointer {
    /// Reads a little-endian integer at `offset` (no alignment needed). The caller checks bounds.
    @inlinable
    func loadLittleEndian<T: FixedWidthInteger>(at offset: Int, as type: T.Type) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws `StorageError`, keeping the error type.
    @inlinable
    func withStorageBytes<R>(_ body: (UnsafeRawBufferPointer) throws(StorageError) -> R) throws(StorageError) -> R {
        let result: Result<R, StorageError> = withUnsafeBytes { raw in
            Result { () throws(StorageError) -> R in try body(raw) }
        }
        return try result.get()
    }
}
