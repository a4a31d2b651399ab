#!/bin/sh
# symbols-refuse.sh LIB - symbols.sh refuses a libaslrt.a that calls
# OpenSSL's provider-pulling functions: LIB with one more object calling
# RAND_bytes and HMAC must fail, naming them and the object.
set -u
lib=$1
. "$(dirname "$0")/lib.sh"
cp "$lib" "$tmp/libaslrt.a"
cat >"$tmp/pull.c" <<'EOC'
#include <openssl/hmac.h>
#include <openssl/rand.h>
unsigned char aslrt_pull(void)
{
	unsigned char b[32];
	unsigned int n;
	RAND_bytes(b, 1);
	HMAC(EVP_sha256(), "k", 1, b, 1, b, &n);
	return b[0];
}
EOC
cc -c -o "$tmp/pull.o" "$tmp/pull.c" 2>"$tmp/err"
ar r "$tmp/libaslrt.a" "$tmp/pull.o" 2>>"$tmp/err"
sh "$(dirname "$0")/symbols.sh" "$tmp/libaslrt.a" >"$tmp/out" 2>&1
check "symbols.sh refuses a library calling RAND_bytes and HMAC" $(ok test $? = 1)
check_logs=$tmp/out
check "it names RAND_bytes and the object calling it" \
	$(ok grep -q '^  RAND_bytes (called by .*libaslrt.a:pull.o)$' "$tmp/out")
check "it names HMAC and EVP_sha256" \
	$(ok sh -c "grep -q '^  HMAC ' '$tmp/out' && grep -q '^  EVP_sha256 ' '$tmp/out'")
check "it says what to call instead" $(ok grep -q 'aslrt_random_bytes (runtime/digest.c)' "$tmp/out")
sh "$(dirname "$0")/symbols.sh" "$lib" >"$tmp/out2" 2>&1
rc=$?
check_logs=$tmp/out2
check "the plain digests pass" $(ok test $rc = 0)
finish symbols-refuse
