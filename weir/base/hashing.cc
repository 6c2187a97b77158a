#include "weir/base/hashing.h"

#include <nmmintrin.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "weir/base/plugin.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace weir::base {
namespace {

constexpr uint32_t kCastagnoliReflected = 0x82f63b78u;

struct Crc32cTables {
  uint32_t table[8][256];
  Crc32cTables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t crc = i;
      for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kCastagnoliReflected : 0);
      table[0][i] = crc;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int t = 1; t < 8; ++t)
        table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
    }
  }
};

const Crc32cTables& Tables() {
  static const Crc32cTables tables;
  return tables;
}

__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(uint32_t crc, std::string_view data) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  uint64_t c = ~crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *p++);
    --n;
  }
  return ~c32;
}

bool DetectSse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}

}  // namespace

uint32_t Crc32cPortable(uint32_t crc, std::string_view data) {
  const auto& t = Tables().table;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  uint32_t c = ~crc;
  while (n >= 8) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;
    c = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
        t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = (c >> 8) ^ t[0][(c ^ *p++) & 0xff];
    --n;
  }
  return ~c;
}

bool Crc32cIsHardwareAccelerated() {
  static const bool has_sse42 = DetectSse42();
  return has_sse42;
}

uint32_t Crc32cExtend(uint32_t crc, std::string_view data) {
  return Crc32cIsHardwareAccelerated() ? Crc32cHardware(crc, data) : Crc32cPortable(crc, data);
}

uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

namespace {

// OpenSSL's digest functions, from libcrypto loaded the first time a SHA-256 is needed rather
// than linked: its relocations cost every weir command, `weir --help` included, ~2 ms of
// start-up.
struct LibCrypto {
  decltype(&::EVP_MD_fetch) EVP_MD_fetch;
  decltype(&::EVP_MD_CTX_new) EVP_MD_CTX_new;
  decltype(&::EVP_MD_CTX_free) EVP_MD_CTX_free;
  decltype(&::EVP_DigestInit_ex) EVP_DigestInit_ex;
  decltype(&::EVP_DigestUpdate) EVP_DigestUpdate;
  decltype(&::EVP_DigestFinal_ex) EVP_DigestFinal_ex;
};

void BindAll(LibraryBinder& bind, LibCrypto& crypto) {
  bind("EVP_MD_fetch", crypto.EVP_MD_fetch);
  bind("EVP_MD_CTX_new", crypto.EVP_MD_CTX_new);
  bind("EVP_MD_CTX_free", crypto.EVP_MD_CTX_free);
  bind("EVP_DigestInit_ex", crypto.EVP_DigestInit_ex);
  bind("EVP_DigestUpdate", crypto.EVP_DigestUpdate);
  bind("EVP_DigestFinal_ex", crypto.EVP_DigestFinal_ex);
}

// Every Debian system has libssl3; without it weir cannot hash at all, so it stops, saying why.
const LibCrypto& Crypto() {
  static const LibCrypto* const crypto = [] {
    absl::StatusOr<const LibCrypto*> loaded = LoadLibraryOnce<LibCrypto>(
        "libcrypto.so.3", "SHA-256 needs OpenSSL's libcrypto (Debian package libssl3)", &BindAll);
    if (!loaded.ok()) {
      std::fprintf(stderr, "weir: %s\n", std::string(loaded.status().message()).c_str());
      std::abort();
    }
    return *loaded;
  }();
  return *crypto;
}

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  const LibCrypto& crypto = Crypto();
  // OpenSSL 3's one-shot SHA256() looks the algorithm up on every call, under a lock; hashing
  // millions of small examples needs the algorithm fetched once and a context per thread.
  static EVP_MD* const sha256 = crypto.EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct ContextDeleter {
    void operator()(EVP_MD_CTX* context) const { Crypto().EVP_MD_CTX_free(context); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, ContextDeleter> context(crypto.EVP_MD_CTX_new());
  Sha256Digest digest;
  crypto.EVP_DigestInit_ex(context.get(), sha256, nullptr);
  crypto.EVP_DigestUpdate(context.get(), data.data(), data.size());
  crypto.EVP_DigestFinal_ex(context.get(), digest.data(), nullptr);
  return digest;
}

std::string ToHex(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (uint8_t byte : digest) {
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0xf]);
  }
  return hex;
}

uint64_t BigEndianModulo(const Sha256Digest& digest, uint64_t modulus) {
  if (modulus <= 0xffffffffu) {
    // Long division 32 bits at a time: the remainder stays below 2^32, so each step fits in 64.
    uint64_t remainder = 0;
    for (size_t i = 0; i < digest.size(); i += 4) {
      uint64_t word = (uint64_t{digest[i]} << 24) | (uint64_t{digest[i + 1]} << 16) |
                      (uint64_t{digest[i + 2]} << 8) | digest[i + 3];
      remainder = ((remainder << 32) | word) % modulus;
    }
    return remainder;
  }
  unsigned __int128 remainder = 0;
  for (uint8_t byte : digest) remainder = ((remainder << 8) | byte) % modulus;
  return static_cast<uint64_t>(remainder);
}

uint64_t Xxh3(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

}  // namespace weir::base
