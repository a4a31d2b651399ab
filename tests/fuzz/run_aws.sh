#!/bin/sh
# run_aws.sh CLANG BUILD_DIR SECONDS - build the libFuzzer target fuzz_aws.c
# (the AWS client's response parsers), seed a corpus with error and list
# responses of each protocol, fuzz for SECONDS, and exit non-zero on a
# crash, a leak or a timeout.  Findings go to BUILD_DIR/fuzz-aws-findings.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/fuzz/common.sh"
fuzz_args fuzz_aws fuzz-aws-findings "$@"

fuzz_build "-ljson-c -lcrypto -lpcre2-8 -lexpat -lm -lpthread -ldl" \
	"$SRC/tests/fuzz/fuzz_aws.c" "$SRC/runtime/aws/parse.c" "$SRC/runtime/aws/sigv4.c" \
	"$SRC/runtime/aws/http.c" "$SRC/runtime/http.c"

CORPUS=$(mktemp -d)
trap 'rm -rf "$CORPUS"' EXIT
printf '%s' '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}' >"$CORPUS/ddb"
printf '%s' '{"Type":"User","message":"Function not found"}' >"$CORPUS/lambda"
printf '%s' '<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>' >"$CORPUS/sns"
printf '%s' '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>k</Key></Error>' >"$CORPUS/s3err"
printf '%s' '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>r</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>a</Key><Size>13</Size><ETag>"x"</ETag></Contents><Contents><Key>b</Key><Size>1</Size></Contents><CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes></ListBucketResult>' >"$CORPUS/list"
printf '%b' 'Aid,value\n1,"x ""y"""\n2,z\n' >"$CORPUS/csv"
printf '%s' 'B{"items":[[1,2],{"a":1}]}' >"$CORPUS/json"
printf '%b' 'C{"n":1}\n[2]\n"three"\n' >"$CORPUS/jsonl"
printf '%s' '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m</MessageId></PublishResult></PublishResponse>' >"$CORPUS/publish"

"$BIN" "$CORPUS" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
	-max_total_time="$SECONDS_" -print_final_stats=1 \
	-artifact_prefix="$FINDINGS/"
