/*
 * digest.h - the hashes, HMAC-SHA256 and random bytes the runtime needs,
 * through OpenSSL's algorithm functions rather than EVP: EVP fetches
 * through the provider tables, which reference every algorithm libcrypto
 * has and put 3 MB of it into a static executable (digest.c says more).
 */
#ifndef ASLRT_DIGEST_H
#define ASLRT_DIGEST_H

#include <stddef.h>

#define ASLRT_DIGEST_MAX 64 /* SHA-512 */

/* The digest of data with the algorithm named as States.Hash and JSONata's
 * $hash name them (MD5, SHA-1, SHA-256, SHA-384, SHA-512): its length in
 * bytes, or 0 for an unknown name. */
size_t aslrt_digest(const char *alg, const void *data, size_t len,
		    unsigned char out[ASLRT_DIGEST_MAX]);
void aslrt_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
		       unsigned char out[32]);
/* n bytes from the kernel's random source; -1 if it fails. */
int aslrt_random_bytes(void *buf, size_t n);

#endif
