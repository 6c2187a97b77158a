// Checksums and digests: CRC32C (TFRecord framing), SHA-256 (example split buckets),
// XXH3 (input fingerprints).
#ifndef WEIR_BASE_HASHING_H_
#define WEIR_BASE_HASHING_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace weir::base {

// CRC-32C (Castagnoli). Uses the SSE4.2 instruction when the CPU has it, a table otherwise.
uint32_t Crc32c(std::string_view data);
// Continues a CRC-32C over more data: Crc32cExtend(Crc32c(a), b) == Crc32c(a + b).
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);
// The portable implementation, exposed so tests can check the hardware path against it.
uint32_t Crc32cPortable(uint32_t crc, std::string_view data);
// True when Crc32c runs on the CPU's instruction.
bool Crc32cIsHardwareAccelerated();

// TFRecord's masked CRC: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
inline uint32_t MaskCrc32c(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

using Sha256Digest = std::array<uint8_t, 32>;
Sha256Digest Sha256(std::string_view data);
// The portable implementation, exposed so tests can check the SHA-instruction path against it.
Sha256Digest Sha256Portable(std::string_view data);
// True when Sha256 runs on the CPU's SHA instructions.
bool Sha256IsHardwareAccelerated();
std::string ToHex(const Sha256Digest& digest);

// The digest read as one big-endian unsigned integer, modulo `modulus` (> 0): the rule TFX uses
// to put an example into a hash bucket (int(sha256(bytes).hexdigest(), 16) % modulus).
uint64_t BigEndianModulo(const Sha256Digest& digest, uint64_t modulus);

// 64-bit XXH3 of `data`.
uint64_t Xxh3(std::string_view data);

}  // namespace weir::base

#endif  // WEIR_BASE_HASHING_H_
