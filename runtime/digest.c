/*
 * digest.c - MD5, SHA-1, SHA-2, HMAC-SHA256 and random bytes.
 *
 * OpenSSL 3's one-call functions (SHA256(), HMAC(), EVP_Digest, RAND_bytes)
 * fetch their algorithm from a provider, and the default provider's tables
 * reference every algorithm libcrypto has (ciphers, EC curves, key
 * encoders): statically linked, that was 3.1 MB of a 5.5 MB executable.
 * The algorithm functions (SHA256_Init ...) are the same code without the
 * fetch; OpenSSL 3 marks them deprecated (they bypass providers, so FIPS
 * mode cannot vet them) but keeps them, and the runtime needs no FIPS.
 * Random bytes come from getrandom(2), which is what OpenSSL seeds from.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include "digest.h"

/* One algorithm's Init/Update/Final over the whole of data, then its length. */
#define ONE_CALL(NAME, CTX, ALG, LEN)                                                              \
	if (strcmp(alg, NAME) == 0) {                                                              \
		CTX c;                                                                             \
		ALG##_Init(&c);                                                                    \
		ALG##_Update(&c, data, len);                                                       \
		ALG##_Final(out, &c);                                                              \
		return LEN;                                                                        \
	}

size_t aslrt_digest(const char *alg, const void *data, size_t len,
		    unsigned char out[ASLRT_DIGEST_MAX])
{
	ONE_CALL("MD5", MD5_CTX, MD5, MD5_DIGEST_LENGTH)
	ONE_CALL("SHA-1", SHA_CTX, SHA1, SHA_DIGEST_LENGTH)
	ONE_CALL("SHA-256", SHA256_CTX, SHA256, SHA256_DIGEST_LENGTH)
	ONE_CALL("SHA-384", SHA512_CTX, SHA384, SHA384_DIGEST_LENGTH)
	ONE_CALL("SHA-512", SHA512_CTX, SHA512, SHA512_DIGEST_LENGTH)
	return 0;
}
#undef ONE_CALL

/* RFC 2104 with SHA-256's 64-byte block. */
void aslrt_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
		       unsigned char out[32])
{
	unsigned char k[64] = {0}, pad[64], inner[32];
	if (keylen > sizeof k)
		aslrt_digest("SHA-256", key, keylen, k);
	else
		memcpy(k, key, keylen);
	SHA256_CTX c;
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	SHA256_Init(&c);
	SHA256_Update(&c, pad, sizeof pad);
	SHA256_Update(&c, msg, len);
	SHA256_Final(inner, &c);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	SHA256_Init(&c);
	SHA256_Update(&c, pad, sizeof pad);
	SHA256_Update(&c, inner, sizeof inner);
	SHA256_Final(out, &c);
	OPENSSL_cleanse(k, sizeof k);
	OPENSSL_cleanse(pad, sizeof pad);
	OPENSSL_cleanse(&c, sizeof c);
}

int aslrt_random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}
