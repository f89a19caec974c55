/* sha256.h — SHA-256 (FIPS 180-4) of byte strings and files, for pinning a
 * campaign's inputs by content and for the campaign's per-round content
 * hashes.  Streaming: init, update any number of times, final.
 * Owns: nothing stateful beyond the caller's context. */
#ifndef ALFE_SHA256_H
#define ALFE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t state[8];
    uint64_t length; /* bytes hashed so far */
    unsigned char block[64];
    size_t used; /* bytes in block */
} sha256_ctx;

#define SHA256_BYTES 32
#define SHA256_HEX (2 * SHA256_BYTES + 1)

void sha256_init(sha256_ctx *ctx);
void sha256_update(sha256_ctx *ctx, const void *data, size_t n);
void sha256_final(sha256_ctx *ctx, unsigned char digest[SHA256_BYTES]);
/* One call: digest of n bytes. */
void sha256(const void *data, size_t n, unsigned char digest[SHA256_BYTES]);
/* Lower-case hexadecimal of a digest into hex (SHA256_HEX bytes with the NUL). */
void sha256_hex(const unsigned char digest[SHA256_BYTES], char hex[SHA256_HEX]);

#endif
