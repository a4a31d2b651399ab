/* test_aws.c - Check unit tests for runtime/aws/: SigV4 against every vector
 * of AWS's test suite (tests/sigv4/v4), credential/region/endpoint
 * resolution from environment and files. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "aws/aws.h"

static char *slurp(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	aws_buf b = {0};
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		aws_buf_add(&b, chunk, n);
	fclose(f);
	if (!b.p)
		aws_buf_add(&b, "", 0);
	return b.p;
}

/* request.txt: "METHOD target HTTP/1.1", headers (folded lines continue
 * with leading whitespace), a blank line, the body. */
typedef struct req {
	char *method, *path, *query, *body;
	aws_headers h;
} req;

static void parse_request(char *text, req *r)
{
	*r = (req){0};
	char *body = strstr(text, "\n\n");
	if (body) {
		*body = '\0';
		r->body = strdup(body + 2);
	} else {
		size_t l = strlen(text);
		if (l && text[l - 1] == '\n')
			text[l - 1] = '\0';
		r->body = strdup("");
	}
	char *save = NULL;
	char *line = strtok_r(text, "\n", &save);
	char *sp1 = strchr(line, ' ');
	char *sp2 = strrchr(line, ' ');
	r->method = strndup(line, (size_t)(sp1 - line));
	char *target = strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	char *q = strchr(target, '?');
	if (q) {
		*q = '\0';
		r->query = strdup(q + 1);
	}
	r->path = target;
	while ((line = strtok_r(NULL, "\n", &save))) {
		if ((*line == ' ' || *line == '\t') && r->h.n) {
			aws_header *last = &r->h.v[r->h.n - 1];
			aws_buf b = {0};
			aws_buf_printf(&b, "%s\n%s", last->value, line);
			free(last->value);
			last->value = b.p;
			continue;
		}
		char *colon = strchr(line, ':');
		*colon = '\0';
		aws_headers_add(&r->h, line, colon + 1);
	}
}

static void free_request(req *r)
{
	free(r->method);
	free(r->path);
	free(r->query);
	free(r->body);
	aws_headers_free(&r->h);
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static bool flag(struct json_object *o, const char *k, bool dflt)
{
	struct json_object *v = NULL;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_boolean(v) : dflt;
}

static int check_case(const char *dir, aws_sign_mode mode)
{
	char *ctxt = slurp(dir, "context.json");
	struct json_object *ctx = json_tokener_parse(ctxt);
	free(ctxt);
	struct json_object *cr = json_object_object_get(ctx, "credentials");
	aws_creds creds = {(char *)str(cr, "access_key_id"), (char *)str(cr, "secret_access_key"),
			   (char *)str(cr, "token"), 0};
	struct tm tm = {0};
	ck_assert(strptime(str(ctx, "timestamp"), "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL);
	aws_sign_opts o = {
		.creds = &creds,
		.region = str(ctx, "region"),
		.service = str(ctx, "service"),
		.now = timegm(&tm),
		.normalize = flag(ctx, "normalize", true),
		.sign_body = flag(ctx, "sign_body", false),
		.omit_token = flag(ctx, "omit_session_token", false),
		.expires = json_object_get_int64(json_object_object_get(ctx, "expiration_in_seconds")),
	};
	char *text = slurp(dir, "request.txt");
	req r;
	parse_request(text, &r);
	free(text);
	aws_sign_req sr = {r.method, r.path, r.query, &r.h, r.body, strlen(r.body), NULL};
	aws_signed out;
	ck_assert_int_eq(aws_sign(&o, &sr, mode, &out), 0);
	const char *pre = mode == AWS_SIGN_HEADER ? "header" : "query";
	char name[64];
	int bad = 0;
	snprintf(name, sizeof name, "%s-canonical-request.txt", pre);
	char *want = slurp(dir, name);
	if (strcmp(out.creq, want) != 0) {
		fprintf(stderr, "%s %s: canonical request\n got: %s\nwant: %s\n", dir, pre, out.creq, want);
		bad++;
	}
	free(want);
	snprintf(name, sizeof name, "%s-string-to-sign.txt", pre);
	want = slurp(dir, name);
	if (strcmp(out.sts, want) != 0) {
		fprintf(stderr, "%s %s: string to sign\n", dir, pre);
		bad++;
	}
	free(want);
	snprintf(name, sizeof name, "%s-signature.txt", pre);
	want = slurp(dir, name);
	want[strcspn(want, "\r\n")] = '\0';
	if (strcmp(out.sig, want) != 0) {
		fprintf(stderr, "%s %s: signature\n", dir, pre);
		bad++;
	}
	free(want);
	snprintf(name, sizeof name, "%s-signed-request.txt", pre);
	want = slurp(dir, name);
	if (mode == AWS_SIGN_HEADER) {
		char line[1024];
		snprintf(line, sizeof line, "\nAuthorization:%s", out.authorization);
		if (!strstr(want, line)) {
			fprintf(stderr, "%s: Authorization %s\n", dir, out.authorization);
			bad++;
		}
	} else if (!strstr(want, out.query)) {
		fprintf(stderr, "%s: query %s\n", dir, out.query);
		bad++;
	}
	free(want);
	aws_signed_free(&out);
	free_request(&r);
	json_object_put(ctx);
	return bad;
}

START_TEST(sigv4_suite)
{
	const char *root = SIGV4_SUITE_DIR "/v4";
	DIR *d = opendir(root);
	ck_assert_msg(d != NULL, "cannot open %s", root);
	int cases = 0, failed = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char dir[1024];
		snprintf(dir, sizeof dir, "%s/%s", root, e->d_name);
		failed += check_case(dir, AWS_SIGN_HEADER) != 0;
		failed += check_case(dir, AWS_SIGN_QUERY) != 0;
		cases += 2;
	}
	closedir(d);
	ck_assert_int_eq(cases, 76);
	ck_assert_int_eq(failed, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aws");
	TCase *tc = tcase_create("sigv4");
	tcase_add_test(tc, sigv4_suite);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
