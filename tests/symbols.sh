#!/bin/sh
# symbols.sh LIB [ASLC] - every global symbol LIB (libaslrt.a) defines is
# prefixed aslrt_, so an executable that links user handlers cannot clash
# with it (STYLE.md rule 3); main, the executable's entry point, is the
# exception.  And LIB calls no OpenSSL function that loads OpenSSL 3's
# providers (EVP_Digest*, EVP_*_fetch, RAND_*, HMAC(), ...): they bring the
# provider tables, 3 MB of a static executable, and the image must stay
# under 5 MB (tests/image.sh).  Only the algorithm functions runtime/digest.c
# uses are allowed.  With ASLC, a static executable hashing, encoding and
# signing an AWS request is built and checked to hold none of the provider
# code (skipped under the sanitizers, which cannot link statically).
set -eu
lib=$1
aslc=${2:-}
[ -f "$lib" ] || { echo "symbols.sh: no such library: $lib" >&2; exit 2; }
status=0
# (AddressSanitizer adds __odr_asan.NAME beside each global NAME it guards.)
bad=$(nm -g --defined-only "$lib" |
	awk 'NF == 3 && $3 !~ /^aslrt_/ && $3 !~ /^__odr_asan\.aslrt_/ && $3 != "main" { print $3 }' |
	sort -u)
if [ -n "$bad" ]; then
	echo "symbols.sh: $lib defines global symbols without the aslrt_ prefix:"
	echo "$bad"
	status=1
else
	echo "symbols.sh: every global symbol of $lib is aslrt_-prefixed"
fi

# The OpenSSL functions LIB calls: those libcrypto exports (or, where no
# libcrypto.so.3 is found, those named as OpenSSL names them).
allowed='^((MD5|SHA1|SHA224|SHA256|SHA384|SHA512)_(Init|Update|Final)|OPENSSL_cleanse|EVP_(Encode|Decode)Block)$'
# (EVP_EncodeBlock/EVP_DecodeBlock are base64, encode.c: no provider.)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -A -u "$lib" | awk '{ print $NF, $1 }' | sort -u >"$tmp/undef"
crypto=
for d in $(pkg-config --variable=libdir libcrypto 2>/dev/null) /usr/lib/x86_64-linux-gnu \
	/usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib; do
	[ -f "$d/libcrypto.so.3" ] && crypto=$d/libcrypto.so.3 && break
done
if [ -n "$crypto" ]; then
	nm -D --defined-only "$crypto" | awk '{ sub(/@.*/, "", $3); print $3 }' | sort -u >"$tmp/crypto"
	awk 'NR == FNR { c[$1] = 1; next } ($1 in c)' "$tmp/crypto" "$tmp/undef" >"$tmp/called"
else
	grep -E '^(EVP_|RAND_|HMAC|OSSL_|OPENSSL_|CMAC|PKCS5_|MD5|SHA|CRYPTO_|ERR_)' "$tmp/undef" >"$tmp/called" || true
fi
bad=$(awk -v ok="$allowed" '$1 !~ ok { sub(/:$/, "", $2); print "  " $1 " (called by " $2 ")" }' "$tmp/called")
if [ -n "$bad" ]; then
	echo "symbols.sh: $lib calls OpenSSL functions that load OpenSSL's providers,"
	echo "which would put 3 MB of provider tables into every static executable (the"
	echo "image must stay under 5 MB): hash with aslrt_digest, HMAC with"
	echo "aslrt_hmac_sha256 and get random bytes with aslrt_random_bytes (runtime/digest.c)."
	echo "$bad"
	status=1
else
	echo "symbols.sh: $lib calls only OpenSSL's plain digests ($(wc -l <"$tmp/called") functions)"
fi

if [ -n "$aslc" ]; then
	if [ "${ASLC_SANITIZED:-0}" = 1 ]; then
		echo "skipping the static executable: sanitized builds cannot link statically"
	else
		cat >"$tmp/m.asl.json" <<-'EOD'
		{"StartAt": "H", "States": {
		  "H": {"Type": "Pass", "Parameters": {"h.$": "States.Hash($.s, 'SHA-256')",
		    "b.$": "States.Base64Encode($.s)", "u.$": "States.UUID()"}, "Next": "Call"},
		  "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
		    "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "End": true}}}
		EOD
		if ! "$aslc" build "$tmp/m.asl.json" -o "$tmp/m" --static >"$tmp/err" 2>&1; then
			echo "symbols.sh: cannot build a static executable:"
			cat "$tmp/err"
			exit 1
		fi
		# what any use of the providers links: the provider store, the
		# library context, fetching, the DRBGs, HMAC
		pulled=$(nm "$tmp/m" | awk '$3 ~ /^(ossl_provider_|OSSL_PROVIDER_|ossl_lib_ctx_|OSSL_LIB_CTX_|ossl_rand_|RAND_|HMAC|EVP_[A-Za-z_]*fetch)/ { print "  " $3 }' | sort -u | head -20)
		if [ -n "$pulled" ]; then
			echo "symbols.sh: a static executable links OpenSSL's provider code (the image"
			echo "must stay under 5 MB; see runtime/digest.c for what to call instead):"
			echo "$pulled"
			status=1
		else
			echo "symbols.sh: a static executable ($(wc -c <"$tmp/m") bytes) links none of OpenSSL's provider code"
		fi
	fi
fi
exit $status
