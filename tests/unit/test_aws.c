/* test_aws.c - Check unit tests for runtime/aws/: SigV4 against every vector
 * of AWS's test suite (tests/sigv4/v4), credential/region/endpoint
 * resolution from environment and files. */
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "aws/aws.h"
#include "builtin.h"

static char *slurp(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	aslrt_buf b = {0};
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		aslrt_buf_put(&b, chunk, n);
	fclose(f);
	if (!b.s)
		aslrt_buf_put(&b, "", 0);
	return b.s;
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
			aslrt_buf b = {0};
			aslrt_buf_printf(&b, "%s\n%s", last->value, line);
			free(last->value);
			last->value = b.s;
			continue;
		}
		char *colon = strchr(line, ':');
		*colon = '\0';
		aslrt_aws_headers_add(&r->h, line, colon + 1);
	}
}

static void free_request(req *r)
{
	free(r->method);
	free(r->path);
	free(r->query);
	free(r->body);
	aslrt_aws_headers_free(&r->h);
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
	ck_assert_int_eq(aslrt_aws_sign(&o, &sr, mode, &out), 0);
	const char *pre = mode == AWS_SIGN_HEADER ? "header" : "query";
	char name[64];
	int bad = 0;
	snprintf(name, sizeof name, "%s-canonical-request.txt", pre);
	char *want = slurp(dir, name);
	if (strcmp(out.creq, want) != 0) {
		fprintf(stderr, "%s %s: canonical request\n got: %s\nwant: %s\n", dir, pre,
			out.creq, want);
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
	aslrt_aws_signed_free(&out);
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

/* --- credentials, region, endpoints --- */

static char tmpdir[64];

static const char *write_tmp(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	ck_assert(f != NULL);
	fputs(text, f);
	fclose(f);
	return path;
}

static void clean_env(void)
{
	const char *vars[] = {"AWS_ACCESS_KEY_ID",
			      "AWS_SECRET_ACCESS_KEY",
			      "AWS_SESSION_TOKEN",
			      "AWS_PROFILE",
			      "AWS_DEFAULT_PROFILE",
			      "AWS_SHARED_CREDENTIALS_FILE",
			      "AWS_CONFIG_FILE",
			      "AWS_REGION",
			      "AWS_DEFAULT_REGION",
			      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
			      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
			      "AWS_CONTAINER_AUTHORIZATION_TOKEN",
			      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
			      "AWS_ENDPOINT_URL",
			      "AWS_ENDPOINT_URL_DYNAMODB",
			      "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
			      "AWS_EC2_METADATA_SERVICE_ENDPOINT"};
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
		unsetenv(vars[i]);
	strcpy(tmpdir, "/tmp/test_aws-XXXXXX");
	ck_assert(mkdtemp(tmpdir) != NULL);
	setenv("HOME", tmpdir, 1); /* no ~/.aws of the machine's */
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	aslrt_aws_credentials_reset();
}

START_TEST(creds_env)
{
	clean_env();
	setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "SECRETENV", 1);
	setenv("AWS_SESSION_TOKEN", "TOKENV", 1);
	/* The environment wins over a profile. */
	setenv("AWS_SHARED_CREDENTIALS_FILE",
	       write_tmp("c", "[default]\naws_access_key_id=AKFILE\naws_secret_access_key=S\n"), 1);
	aws_creds c;
	char why[512];
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), 0);
	ck_assert_str_eq(c.access_key, "AKENV");
	ck_assert_str_eq(c.secret_key, "SECRETENV");
	ck_assert_str_eq(c.token, "TOKENV");
	aslrt_aws_creds_free(&c);
	unsetenv("AWS_SECRET_ACCESS_KEY");
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), -1);
	ck_assert_str_eq(why, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
}
END_TEST

START_TEST(creds_profiles)
{
	clean_env();
	setenv("AWS_SHARED_CREDENTIALS_FILE",
	       write_tmp("creds", "# comment\n[default]\naws_access_key_id = AKDEF\n"
				  "aws_secret_access_key = SKDEF\n\n[dev]\n"
				  "aws_access_key_id=AKDEV\naws_secret_access_key=SKDEV\n"
				  "aws_session_token=TKDEV\n"),
	       1);
	setenv("AWS_CONFIG_FILE",
	       write_tmp("config", "[default]\nregion = eu-west-1\n[profile dev]\n"
				   "region=ap-south-1\ns3 =\n  addressing_style = path\n"
				   "[profile cfgonly]\naws_access_key_id=AKCFG\n"
				   "aws_secret_access_key=SKCFG\n[dev]\nregion=wrong\n"),
	       1);
	aws_creds c;
	char why[512];
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), 0);
	ck_assert_str_eq(c.access_key, "AKDEF");
	ck_assert_ptr_null(c.token);
	aslrt_aws_creds_free(&c);
	char *r = aslrt_aws_region();
	ck_assert_str_eq(r, "eu-west-1");
	free(r);

	setenv("AWS_PROFILE", "dev", 1);
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), 0);
	ck_assert_str_eq(c.access_key, "AKDEV");
	ck_assert_str_eq(c.secret_key, "SKDEV");
	ck_assert_str_eq(c.token, "TKDEV");
	aslrt_aws_creds_free(&c);
	r = aslrt_aws_region();
	ck_assert_str_eq(r, "ap-south-1");
	free(r);
	setenv("AWS_DEFAULT_REGION", "us-west-2", 1);
	r = aslrt_aws_region();
	ck_assert_str_eq(r, "us-west-2");
	free(r);
	setenv("AWS_REGION", "us-east-2", 1);
	r = aslrt_aws_region();
	ck_assert_str_eq(r, "us-east-2");
	free(r);

	/* Keys in the config file's [profile NAME] section. */
	setenv("AWS_PROFILE", "cfgonly", 1);
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), 0);
	ck_assert_str_eq(c.access_key, "AKCFG");
	aslrt_aws_creds_free(&c);

	setenv("AWS_PROFILE", "nope", 1);
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), -1);
	ck_assert_str_eq(why, "the profile 'nope' (AWS_PROFILE) is in neither the credentials nor "
			      "the config file");

	/* A profile whose credentials come from a provider not implemented. */
	setenv("AWS_PROFILE", "assumer", 1);
	setenv("AWS_CONFIG_FILE",
	       write_tmp("config2", "[profile assumer]\nrole_arn = arn:aws:iam::1:role/r\n"
				    "source_profile = default\n"),
	       1);
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "profile 'assumer' in ") &&
			  strstr(why, "/config2 uses role_arn, "
				      "which aslc's runtime does "
				      "not support"),
		      "%s", why);

	/* Nothing anywhere, IMDS disabled: a clear error naming no secret. */
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_CONFIG_FILE");
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), -1);
	ck_assert_str_eq(why,
			 "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
			 "or a profile in ~/.aws/credentials");
	/* ~/.aws/credentials under HOME. */
	char dir[256];
	snprintf(dir, sizeof dir, "%s/.aws", tmpdir);
	mkdir(dir, 0700);
	write_tmp(".aws/credentials", "[default]\naws_access_key_id=AKHOME\n"
				      "aws_secret_access_key=SKHOME\n");
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), 0);
	ck_assert_str_eq(c.access_key, "AKHOME");
	aslrt_aws_creds_free(&c);
}
END_TEST

START_TEST(endpoints)
{
	clean_env();
	char *e = aslrt_aws_endpoint("DynamoDB", "dynamodb", "eu-west-1");
	ck_assert_str_eq(e, "https://dynamodb.eu-west-1.amazonaws.com");
	free(e);
	e = aslrt_aws_endpoint("Lambda", "lambda", "cn-north-1");
	ck_assert_str_eq(e, "https://lambda.cn-north-1.amazonaws.com.cn");
	free(e);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/", 1);
	setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:4567", 1);
	e = aslrt_aws_endpoint("DynamoDB", "dynamodb", "eu-west-1");
	ck_assert_str_eq(e, "http://127.0.0.1:4567");
	free(e);
	e = aslrt_aws_endpoint("SQS", "sqs", "eu-west-1");
	ck_assert_str_eq(e, "http://127.0.0.1:5000");
	free(e);
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	e = aslrt_aws_endpoint("SQS", "sqs", "us-east-1");
	ck_assert_str_eq(e, "https://sqs.us-east-1.amazonaws.com");
	free(e);
}
END_TEST

/* A one-shot HTTP server on 127.0.0.1: answers `conns` connections with
 * body, recording the last request. */
typedef struct server {
	int fd, port, conns;
	_Atomic int served;
	const char *status, *body;
	int delay_ms;	 /* before answering */
	const char *raw; /* the whole response, if set */
	char request[4096];
} server;

static void *serve(void *arg)
{
	server *s = arg;
	for (int i = 0; i < s->conns; i++) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			break;
		ssize_t n = recv(c, s->request, sizeof s->request - 1, 0);
		s->request[n > 0 ? n : 0] = '\0';
		s->served++; /* before answering: the client returns on the answer */
		if (s->delay_ms)
			usleep((useconds_t)s->delay_ms * 1000);
		char resp[2048];
		int len = snprintf(resp, sizeof resp,
				   "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
				   "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
				   s->status, strlen(s->body), s->body);
		if (s->raw)
			len = snprintf(resp, sizeof resp, "%s", s->raw);
		ck_assert_int_eq(send(c, resp, (size_t)len, 0), len);
		close(c);
	}
	return NULL;
}

static void server_start(server *s, pthread_t *t)
{
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t len = sizeof a;
	getsockname(s->fd, (struct sockaddr *)&a, &len);
	s->port = ntohs(a.sin_port);
	listen(s->fd, 4);
	pthread_create(t, NULL, serve, s);
}

START_TEST(creds_container)
{
	clean_env();
	server s = {.conns = 2, .status = "200 OK"};
	char body[512];
	/* Expires in 10 min: cached (refresh margin is 5 min). */
	time_t exp = time(NULL) + 600;
	char iso[32];
	strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", gmtime(&exp));
	snprintf(body, sizeof body,
		 "{\"AccessKeyId\":\"AKCONT\",\"SecretAccessKey\":\"SKCONT\",\"Token\":\"TKCONT\","
		 "\"Expiration\":\"%s\"}",
		 iso);
	s.body = body;
	pthread_t t;
	server_start(&s, &t);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v2/credentials/abc", s.port);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer xyz", 1);
	aws_creds c;
	char why[512];
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), 0);
	ck_assert_str_eq(c.access_key, "AKCONT");
	ck_assert_str_eq(c.secret_key, "SKCONT");
	ck_assert_str_eq(c.token, "TKCONT");
	ck_assert_int_eq(c.expires, (int64_t)exp);
	ck_assert_ptr_nonnull(strstr(s.request, "GET /v2/credentials/abc HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(s.request, "\r\nAuthorization: Bearer xyz\r\n"));
	aslrt_aws_creds_free(&c);
	/* Cached: the server is not asked again. */
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), 0);
	ck_assert_str_eq(c.access_key, "AKCONT");
	ck_assert_int_eq(s.served, 1);
	aslrt_aws_creds_free(&c);

	/* Within the refresh margin: fetched again; a refusal then is an error
	 * only once the cached credentials expired. */
	aslrt_aws_credentials_reset();
	exp = time(NULL) + 60;
	strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", gmtime(&exp));
	snprintf(body, sizeof body,
		 "{\"AccessKeyId\":\"AKSOON\",\"SecretAccessKey\":\"S\",\"Expiration\":\"%s\"}",
		 iso);
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), 0);
	ck_assert_str_eq(c.access_key, "AKSOON");
	aslrt_aws_creds_free(&c);
	pthread_join(t, NULL);
	ck_assert_int_eq(s.served, 2);
	close(s.fd); /* now refused: the cached ones are still valid */
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), 0);
	ck_assert_str_eq(c.access_key, "AKSOON");
	aslrt_aws_creds_free(&c);

	aslrt_aws_credentials_reset();
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), -1);
	ck_assert_msg(strncmp(why, "the container credentials endpoint failed: ", 43) == 0, "%s",
		      why);

	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds", 1);
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), -1);
	ck_assert_str_eq(why, "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback or "
			      "container address");
}
END_TEST

START_TEST(creds_imds_bounded)
{
	/* IMDS where nothing listens: fails within the SDKs' 1 s bound. */
	clean_env();
	unsetenv("AWS_EC2_METADATA_DISABLED");
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(fd, (struct sockaddr *)&a, sizeof a);
	socklen_t len = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &len);
	listen(fd, 1); /* accepts, never answers: a timeout, not a refusal */
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
	time_t t0 = time(NULL);
	aws_creds c;
	char why[512];
	ck_assert_int_eq(aslrt_aws_credentials(&c, why, sizeof why), -1);
	ck_assert_int_le(time(NULL) - t0, 2);
	ck_assert_msg(strstr(why, "the EC2 instance metadata service did not answer") != NULL, "%s",
		      why);
	close(fd);
}
END_TEST

START_TEST(region_imds)
{
	/* No region in the environment or the profile: IMDSv2's, asked once. */
	clean_env();
	unsetenv("AWS_EC2_METADATA_DISABLED");
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	server s = {.conns = 2, .status = "200 OK", .body = "eu-west-3"};
	pthread_t t;
	server_start(&s, &t);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
	char *r = aslrt_aws_region();
	ck_assert_str_eq(r, "eu-west-3");
	free(r);
	pthread_join(t, NULL);
	ck_assert_int_eq(s.served, 2); /* the token, then the region with it */
	ck_assert_ptr_nonnull(
	    strstr(s.request, "GET /latest/meta-data/placement/region HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(s.request, "\r\nX-aws-ec2-metadata-token: eu-west-3\r\n"));
	close(s.fd); /* cached: not asked again (it would be refused now) */
	r = aslrt_aws_region();
	ck_assert_str_eq(r, "eu-west-3");
	free(r);
	/* The environment wins. */
	setenv("AWS_REGION", "ap-south-1", 1);
	r = aslrt_aws_region();
	ck_assert_str_eq(r, "ap-south-1");
	free(r);
	unsetenv("AWS_REGION");

	/* A failure is kept too: off EC2, one 1 s attempt per process at most. */
	aslrt_aws_credentials_reset();
	server f = {.conns = 1, .status = "404 Not Found", .body = ""};
	server_start(&f, &t);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
	ck_assert_ptr_null(aslrt_aws_region());
	pthread_join(t, NULL);
	close(f.fd);
	ck_assert_ptr_null(aslrt_aws_region());
	ck_assert_int_eq(f.served, 1);

	/* Disabled: not asked. */
	aslrt_aws_credentials_reset();
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	ck_assert_ptr_null(aslrt_aws_region());
}
END_TEST

/* --- response parsers --- */

static char *error_code(long status, const char *body, const char *hdr, char **msg)
{
	aws_http_resp r = {0};
	r.status = status;
	aslrt_buf_puts(&r.body, body);
	if (hdr)
		aslrt_aws_headers_add(&r.headers, "x-amzn-ErrorType", hdr);
	char *code;
	aslrt_aws_error_of(&r, &code, msg);
	aslrt_aws_http_resp_free(&r);
	return code;
}

START_TEST(error_forms)
{
	char *msg, *code;
	code = error_code(400,
			  "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailed"
			  "Exception\",\"message\":\"The conditional request failed\"}",
			  NULL, &msg);
	ck_assert_str_eq(code, "ConditionalCheckFailedException");
	ck_assert_str_eq(msg, "The conditional request failed");
	free(code);
	free(msg);
	code = error_code(404, "{\"Type\":\"User\",\"Message\":\"Function not found\"}",
			  "ResourceNotFoundException:http://internal.amazon.com/coral/x/", &msg);
	ck_assert_str_eq(code, "ResourceNotFoundException");
	ck_assert_str_eq(msg, "Function not found");
	free(code);
	free(msg);
	code =
	    error_code(404,
		       "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error>"
		       "<Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist"
		       "</Message></Error></ErrorResponse>",
		       NULL, &msg);
	ck_assert_str_eq(code, "NotFound");
	ck_assert_str_eq(msg, "Topic does not exist");
	free(code);
	free(msg);
	/* HEAD: no body; a 5xx HTML page: named by the status. */
	code = error_code(404, "", NULL, &msg);
	ck_assert_str_eq(code, "NotFound");
	ck_assert_ptr_null(msg);
	free(code);
	code = error_code(502, "<html>bad gateway", NULL, &msg);
	ck_assert_str_eq(code, "InternalFailure");
	ck_assert_ptr_null(msg);
	free(code);
}
END_TEST

START_TEST(s3_list_json)
{
	const char *xml =
	    "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/"
	    "doc/2006-03-01/\"><Name>b</Name><KeyCount>1</KeyCount><IsTruncated>false"
	    "</IsTruncated><Contents><Key>a &amp; b</Key><Size>13</Size></Contents>"
	    "</ListBucketResult>";
	aws_xml *x = aslrt_aws_xml_parse(xml, strlen(xml));
	ck_assert_ptr_nonnull(x);
	struct json_object *j = aslrt_aws_xml_to_json(x);
	ck_assert_str_eq(
	    json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
	    "{\"Name\":\"b\",\"KeyCount\":1,\"IsTruncated\":false,\"Contents\":[{\"Key\":"
	    "\"a & b\",\"Size\":13}]}");
	json_object_put(j);
	aslrt_aws_xml_free(x);
	ck_assert_ptr_null(aslrt_aws_xml_parse("<a><b></a>", 10));
}
END_TEST

static char *items_result(int rc, struct json_object *items, const char *why)
{
	char *res;
	if (rc == 0) {
		res = strdup(json_object_to_json_string_ext(items, JSON_C_TO_STRING_PLAIN));
		json_object_put(items);
	} else {
		aslrt_buf b = {0};
		aslrt_buf_printf(&b, "!%s", why);
		res = b.s;
	}
	return res;
}

/* The items of body read whole, checked to be the same when the body comes
 * in pieces of 1, 2, 3 and 7 bytes (as libcurl streams it). */
static char *items_of(const char *type, const char *cfg_json, const char *body, long max)
{
	struct json_object *cfg = json_tokener_parse(cfg_json);
	struct json_object *items = NULL;
	char why[640];
	int rc = aslrt_aws_read_items(type, cfg, body, strlen(body), max, &items, why, sizeof why);
	char *res = items_result(rc, items, why);
	static const size_t pieces[] = {1, 2, 3, 7};
	for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++) {
		aws_items *s = aslrt_aws_items_open(type, cfg, max, why, sizeof why);
		if (!s) {
			char *again = items_result(-1, NULL, why);
			ck_assert_str_eq(again, res);
			free(again);
			continue;
		}
		size_t len = strlen(body), fed = 0;
		int state = 0;
		while (fed < len && state == 0) {
			size_t n = len - fed < pieces[k] ? len - fed : pieces[k];
			state = aslrt_aws_items_feed(s, body + fed, n);
			fed += n;
		}
		items = NULL;
		rc = aslrt_aws_items_finish(s, &items, why, sizeof why);
		char *streamed = items_result(rc, items, why);
		ck_assert_msg(strcmp(streamed, res) == 0, "in pieces of %zu: %s, whole: %s",
			      pieces[k], streamed, res);
		free(streamed);
	}
	json_object_put(cfg);
	return res;
}

#define ITEMS(type, cfg, body, max, want)                                                          \
	do {                                                                                       \
		char *got_ = items_of(type, cfg, body, max);                                       \
		ck_assert_str_eq(got_, want);                                                      \
		free(got_);                                                                        \
	} while (0)

START_TEST(reader_items)
{
	ITEMS("CSV", "{}", "id,v\r\n1,\"a,\"\"b\"\"\"\r\n\r\n2,\r\n", 0,
	      "[{\"id\":\"1\",\"v\":\"a,\\\"b\\\"\"},{\"id\":\"2\",\"v\":\"\"}]");
	ITEMS("CSV",
	      "{\"CSVHeaderLocation\":\"GIVEN\",\"CSVHeaders\":[\"x\",\"y\"],"
	      "\"CSVDelimiter\":\"TAB\"}",
	      "1\t2\n3\t4\n5\t6", 2, "[{\"x\":\"1\",\"y\":\"2\"},{\"x\":\"3\",\"y\":\"4\"}]");
	ITEMS("CSV", "{}", "a,a\n1,2\n", 0, "!CSV headers cannot contain duplicates.");
	ITEMS("CSV", "{}", "a,b\n1,2,3\n", 0, "!CSV row 2 has 3 fields but there are 2 headers");
	ITEMS("CSV", "{}", "a\n\"open\n", 0,
	      "!The CSV file has a quoted field that is never closed");
	ITEMS("CSV", "{\"CSVDelimiter\":\"DASH\"}", "a\n", 0,
	      "!CSVDelimiter must be one of COMMA, PIPE, SEMICOLON, SPACE, TAB");
	ITEMS("JSON", "{\"ItemsPointer\":\"/a/0/b~1c\"}", "{\"a\":[{\"b/c\":[1,{}]}]}", 0,
	      "[1,{}]");
	ITEMS("JSON", "{}", "{\"a\":1}", 0, "!Attempting to map over non-iterable node.");
	ITEMS("JSON", "{}", "[1,2,3]", 2, "[1,2]");
	ITEMS("JSONL", "{}", "{\"n\":1}\n\n  \n[2]\r\n", 0, "[{\"n\":1},[2]]");
	/* a lone CR ends a record too; a CR at a piece's end waits for its LF */
	ITEMS("CSV", "{}", "a\rx\r\ry\r\n\"q\r\"\r", 0,
	      "[{\"a\":\"x\"},{\"a\":\"y\"},{\"a\":\"q\\r\"}]");
	/* MaxItems reached: the reader says stop, and the rest is never read */
	struct json_object *none = json_object_new_object();
	char why[64];
	aws_items *s = aslrt_aws_items_open("JSONL", none, 2, why, sizeof why);
	ck_assert_int_eq(aslrt_aws_items_feed(s, "1\n2", 3), 0);
	ck_assert_int_eq(aslrt_aws_items_feed(s, "\n{bad", 5), 1);
	struct json_object *items = NULL;
	ck_assert_int_eq(aslrt_aws_items_finish(s, &items, why, sizeof why), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(items, JSON_C_TO_STRING_PLAIN), "[1,2]");
	json_object_put(items);
	json_object_put(none);
	/* taken a window at a time: MaxItems counts the items taken too */
	struct json_object *csv = json_tokener_parse("{\"CSVHeaderLocation\":\"GIVEN\","
						     "\"CSVHeaders\":[\"k\"]}");
	s = aslrt_aws_items_open("CSV", csv, 3, why, sizeof why);
	ck_assert_int_eq(aslrt_aws_items_feed(s, "a\nb\n", 4), 0);
	ck_assert_int_eq(aslrt_aws_items_count(s), 2);
	items = aslrt_aws_items_take(s);
	ck_assert_str_eq(json_object_to_json_string_ext(items, JSON_C_TO_STRING_PLAIN),
			 "[{\"k\":\"a\"},{\"k\":\"b\"}]");
	json_object_put(items);
	ck_assert_int_eq(aslrt_aws_items_count(s), 0);
	ck_assert_int_eq(aslrt_aws_items_feed(s, "c\nd\n", 4), 1);
	ck_assert_int_eq(aslrt_aws_items_finish(s, &items, why, sizeof why), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(items, JSON_C_TO_STRING_PLAIN),
			 "[{\"k\":\"c\"}]");
	json_object_put(items);
	json_object_put(csv);
	/* JSON is streamed: each element parsed alone, strictly, with the
	 * file's offsets in errors, whatever the pieces */
	ITEMS("JSON", "{}", "[null,\r\nnull\r]\n", 0, "[null,null]");
	ITEMS("JSON", "{\"ItemsPointer\":\"/a\"}", "{\"n\":null,\"a\":[true]}", 0, "[true]");
	ITEMS("JSON", "{}", " [1, 2 ,\"x]\\\"\" , {\"a\":[true,null]},-1.50e3,[] ]\n", 0,
	      "[1,2,\"x]\\\"\",{\"a\":[true,null]},-1.50e3,[]]");
	ITEMS("JSON", "{\"ItemsPointer\":\"/a/1/b~1c\"}",
	      "{\"skip\":{\"x\":\"]}\\\"[\",\"y\":[[1],{\"z\":2}]},\"a\":[0,{\"q\":[],\"b/"
	      "c\":[1,{}]}],"
	      "\"after\":[true]}",
	      0, "[1,{}]");
	/* nothing at the pointer, or no array there: AWS's causes */
	static const char no_match[] = "!The provided ReaderConfig.ItemsPointer does not match any "
				       "valid path in the JSON structure.";
	ITEMS("JSON", "{\"ItemsPointer\":\"/b\"}", "{\"a\":[1]}", 0, no_match);
	ITEMS("JSON", "{\"ItemsPointer\":\"/a/x\"}", "{\"a\":1}", 0, no_match);
	ITEMS("JSON", "{\"ItemsPointer\":\"/1\"}", "[[1]]", 0, no_match);
	ITEMS("JSON", "{\"ItemsPointer\":\"a\"}", "[1]", 0, no_match);
	ITEMS("JSON", "{\"ItemsPointer\":\"/a\"}", "{\"a\":123}", 0,
	      "!Attempting to map over non-iterable node.");
	ITEMS("JSON", "{\"ItemsPointer\":\"\"}", "[1]", 0, "[1]");
	/* a duplicate key on the path: the first is followed */
	ITEMS("JSON", "{\"ItemsPointer\":\"/x/a\"}",
	      "{\"x\":{\"a\":[1]},\"x\":{\"a\":[2]},\"a\":[3]}", 0, "[1]");
	ITEMS("JSON", "{}", "[1,2", 0,
	      "!The JSON file is not valid JSON: ',' or ']' expected in an array at offset 4");
	ITEMS("JSON", "{}", "[1,]", 0,
	      "!The JSON file is not valid JSON: not a JSON value at offset 3");
	ITEMS("JSON", "{}", "[1,tru]", 0,
	      "!The JSON file is not valid JSON: not a JSON value at offset 3");
	ITEMS("JSON", "{}", "[1] x", 0,
	      "!The JSON file is not valid JSON: unexpected text after the JSON value at offset 4");
	ITEMS("JSON", "{}", "[\"a\xff\"]", 0,
	      "!The JSON file is not valid JSON: invalid UTF-8 in a string at offset 3");
	ITEMS("JSON", "{}", "[1,01]", 0,
	      "!The JSON file is not valid JSON: a number must not start with 0 at offset 4");
	ITEMS("JSON", "{\"ItemsPointer\":\"/a\"}", "{\"x\":01,\"a\":[]}", 0,
	      "!The JSON file is not valid JSON: a number must not start with 0 at offset 6");
	ITEMS("JSON", "{}", "[{\"a\":1 \"b\":2}]", 0,
	      "!The JSON file is not valid JSON: ',' or '}' expected in an object at offset 8");
	ITEMS("JSON", "{}", " \n", 0, "!The JSON file is not valid JSON: empty input");
	ITEMS("JSON", "{}", "\xEF\xBB\xBF[1]", 0,
	      "!The JSON file is not valid JSON: byte order mark at offset 0");
	/* MaxItems: what follows is never read */
	ITEMS("JSON", "{}", "[1,2,{bad", 2, "[1,2]");
	aslrt_buf deep = {0};
	for (int i = 0; i < ASLRT_JSON_MAX_DEPTH + 1; i++)
		aslrt_buf_put(&deep, "[", 1);
	char *got = items_of("JSON", "{}", deep.s, 0);
	ck_assert_str_eq(got, "!The JSON file is not valid JSON: nested deeper than 1000 levels at "
			      "offset 1000");
	free(got);
	aslrt_buf_free(&deep);
	/* an element over 8 MiB is refused, wherever it ends */
	size_t big = ((size_t)8 << 20) + 2;
	char *body = malloc(big + 4);
	memset(body, 'x', big + 4);
	memcpy(body, "[\"", 2);
	memcpy(body + big, "\"]", 3);
	struct json_object *jcfg = json_object_new_object();
	char long_why[256];
	int rc =
	    aslrt_aws_read_items("JSON", jcfg, body, big + 2, 0, &items, long_why, sizeof long_why);
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(long_why,
			 "The JSON file has a value longer than 8 MiB at offset 1, the most an "
			 "item may be");
	json_object_put(jcfg);
	free(body);
	char *bad = items_of("JSONL", "{}", "1\n{x\n", 0);
	ck_assert_msg(strncmp(bad, "!Line 2 of the JSONL file is not JSON: ", 39) == 0, "%s", bad);
	free(bad);
}
END_TEST

/* The static executables' HTTP client (runtime/builtin_curl.c) through
 * the libcurl calls the runtime makes. */
static size_t into_buf(char *p, size_t size, size_t n, void *user)
{
	aslrt_buf_put(user, p, size * n);
	return size * n;
}

START_TEST(builtin_curl)
{
	server s = {.conns = 1, .status = "201 Created", .body = "{\"ok\":1}"};
	pthread_t t;
	server_start(&s, &t);
	char url[128], err[CURL_ERROR_SIZE];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/a/b?c=d#frag", s.port);
	CURL *h = aslrt_bcurl_easy_init();
	struct curl_slist *hs = aslrt_bcurl_slist_append(NULL, "X-One: 1");
	hs = aslrt_bcurl_slist_append(hs, "Expect:"); /* removes a header: none is sent */
	aslrt_buf body = {0}, head = {0};
	aslrt_bcurl_easy_setopt(h, CURLOPT_URL, url);
	aslrt_bcurl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	aslrt_bcurl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
	aslrt_bcurl_easy_setopt(h, CURLOPT_POSTFIELDS, "hello");
	aslrt_bcurl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)4);
	aslrt_bcurl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
	aslrt_bcurl_easy_setopt(h, CURLOPT_WRITEFUNCTION, into_buf);
	aslrt_bcurl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	aslrt_bcurl_easy_setopt(h, CURLOPT_HEADERFUNCTION, into_buf);
	aslrt_bcurl_easy_setopt(h, CURLOPT_HEADERDATA, &head);
	aslrt_bcurl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	ck_assert_int_eq(aslrt_bcurl_easy_perform(h), CURLE_OK);
	pthread_join(t, NULL);
	close(s.fd);
	char want[512];
	snprintf(want, sizeof want,
		 "PUT /a/b?c=d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: */*\r\n"
		 "Content-Length: 4\r\nX-One: 1\r\n\r\nhell",
		 s.port);
	ck_assert_str_eq(s.request, want);
	long status = 0;
	ck_assert_int_eq(aslrt_bcurl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status), CURLE_OK);
	ck_assert_int_eq(status, 201);
	ck_assert_str_eq(body.s, "{\"ok\":1}");
	ck_assert_str_eq(head.s, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
				 "Content-Length: 8\r\nConnection: close\r\n\r\n");
	aslrt_buf_free(&body);
	aslrt_buf_free(&head);

	/* What it does not do, it refuses, naming it. */
	aslrt_bcurl_easy_reset(h);
	aslrt_bcurl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	aslrt_bcurl_easy_setopt(h, CURLOPT_URL, url);
	ck_assert_int_eq(aslrt_bcurl_easy_setopt(h, CURLOPT_VERBOSE, 1L), CURLE_UNKNOWN_OPTION);
	ck_assert_int_eq(aslrt_bcurl_easy_perform(h), CURLE_UNKNOWN_OPTION);
	ck_assert_str_eq(err,
			 "the static executable's HTTP client does not support curl option 41");
	aslrt_bcurl_easy_reset(h);
	aslrt_bcurl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	aslrt_bcurl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	aslrt_bcurl_easy_setopt(h, CURLOPT_URL, url);
	ck_assert_int_eq(aslrt_bcurl_easy_perform(h), CURLE_UNSUPPORTED_PROTOCOL);
	ck_assert_str_eq(err, "Protocol \"http\" not supported or disabled");
	aslrt_bcurl_easy_setopt(h, CURLOPT_URL, "https://[::1/x");
	ck_assert_int_eq(aslrt_bcurl_easy_perform(h), CURLE_URL_MALFORMAT);
	/* A space or control byte would inject headers: refused as libcurl. */
	const char *inject[] = {"https://h/a HTTP/1.1\r\nX-Injected: yes\r\nX:", "https://h/a\tb",
				"https://h/a\x7f"};
	for (size_t i = 0; i < sizeof inject / sizeof *inject; i++) {
		aslrt_bcurl_easy_setopt(h, CURLOPT_URL, inject[i]);
		ck_assert_int_eq(aslrt_bcurl_easy_perform(h), CURLE_URL_MALFORMAT);
		ck_assert_str_eq(err, "URL using bad/illegal format or missing URL");
	}
	/* A port out of 1..65535 or a host too long is refused, not wrapped
	 * (83617 was port 18081) nor cut short. */
	char longhost[300 + 16];
	snprintf(longhost, sizeof longhost, "https://%0300d/", 0);
	const char *badport[] = {"https://127.0.0.1:83617/",
				 "https://h:0/",
				 "https://h:/",
				 "https://h:1:2/",
				 "https://[::1]x/",
				 "https://h:99999999999999999999/",
				 longhost};
	for (size_t i = 0; i < sizeof badport / sizeof *badport; i++) {
		aslrt_bcurl_easy_setopt(h, CURLOPT_URL, badport[i]);
		ck_assert_int_eq(aslrt_bcurl_easy_perform(h), CURLE_URL_MALFORMAT);
		char msg[400];
		snprintf(msg, sizeof msg, "URL using bad/illegal format: %s", badport[i]);
		msg[CURL_ERROR_SIZE - 1] = '\0'; /* as long as the error buffer holds */
		ck_assert_str_eq(err, msg);
	}
	aslrt_bcurl_easy_setopt(h, CURLOPT_URL, "https://example.com/x");
	setenv("https_proxy", "http://proxy:3128", 1);
	ck_assert_int_eq(aslrt_bcurl_easy_perform(h), CURLE_COULDNT_RESOLVE_PROXY);
	ck_assert_str_eq(err, "https_proxy is set, and the static executable's HTTP client does "
			      "not support proxies (add example.com to no_proxy)");
	/* no_proxy as libcurl: a domain covers its subdomains, a leading dot
	 * too, and "*" all; a mere suffix does not. */
	const char *skips[] = {"example.com", ".example.com", "x, *", "other,EXAMPLE.com"};
	aslrt_bcurl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 1L); /* never wait on it */
	for (size_t i = 0; i < sizeof skips / sizeof *skips; i++) {
		setenv("no_proxy", skips[i], 1);
		aslrt_bcurl_easy_setopt(h, CURLOPT_URL, "https://api.example.com:1/x");
		ck_assert_int_ne(aslrt_bcurl_easy_perform(h), CURLE_COULDNT_RESOLVE_PROXY);
	}
	setenv("no_proxy", "ample.com,api.example.com.x", 1);
	ck_assert_int_eq(aslrt_bcurl_easy_perform(h), CURLE_COULDNT_RESOLVE_PROXY);
	unsetenv("no_proxy");
	unsetenv("https_proxy");
	aslrt_bcurl_easy_cleanup(h);
	aslrt_bcurl_slist_free_all(hs);
}
END_TEST

/* The body's framing read strictly: what could be read two ways is refused. */
static CURLcode fetch_raw(const char *raw, aslrt_buf *body)
{
	server s = {.conns = 1, .status = "", .body = "", .raw = raw};
	pthread_t t;
	server_start(&s, &t);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
	CURL *h = aslrt_bcurl_easy_init();
	aslrt_bcurl_easy_setopt(h, CURLOPT_URL, url);
	aslrt_bcurl_easy_setopt(h, CURLOPT_WRITEFUNCTION, into_buf);
	aslrt_bcurl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	CURLcode rc = aslrt_bcurl_easy_perform(h);
	pthread_join(t, NULL);
	close(s.fd);
	aslrt_bcurl_easy_cleanup(h);
	return rc;
}

START_TEST(builtin_curl_framing)
{
	aslrt_buf body = {0};
	ck_assert_int_eq(fetch_raw("HTTP/1.1 200 OK\r\nContent-Length: 2 \r\n\r\nabc", &body),
			 CURLE_OK);
	ck_assert_str_eq(body.s, "ab");
	aslrt_buf_free(&body);
	ck_assert_int_eq(fetch_raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				   "2;x=y\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
				   &body),
			 CURLE_OK);
	ck_assert_str_eq(body.s, "abc");
	aslrt_buf_free(&body);
	const char *bad[] = {
	    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nab",
	    "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nab",
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nab",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000001\r\nab",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\nab\r\n0\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_int_eq(fetch_raw(bad[i], &body), CURLE_RECV_ERROR);
		aslrt_buf_free(&body);
	}
}
END_TEST

/* A timeout past INT_MAX ms is a long wait, not a wrapped one: 2^32 + 50 ms
 * once became 50 ms and timed out an answer 300 ms away. */
START_TEST(builtin_curl_long_timeout)
{
	server s = {.conns = 1, .status = "200 OK", .body = "{}", .delay_ms = 300};
	pthread_t t;
	server_start(&s, &t);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
	CURL *h = aslrt_bcurl_easy_init();
	aslrt_buf body = {0};
	aslrt_bcurl_easy_setopt(h, CURLOPT_URL, url);
	aslrt_bcurl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 4294967346L);
	aslrt_bcurl_easy_setopt(h, CURLOPT_WRITEFUNCTION, into_buf);
	aslrt_bcurl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	ck_assert_int_eq(aslrt_bcurl_easy_perform(h), CURLE_OK);
	ck_assert_str_eq(body.s, "{}");
	pthread_join(t, NULL);
	close(s.fd);
	aslrt_buf_free(&body);
	aslrt_bcurl_easy_cleanup(h);
}
END_TEST

/* A keep-alive server: counts connections and requests, answers each
 * request "c<connection>r<request>" as its mode says. */
enum ka_mode {
	KA_KEEP,   /* keeps every connection */
	KA_SILENT, /* closes after each response without saying so */
	KA_SAYS,   /* says Connection: close, and closes */
	KA_DROP,   /* closes, unanswered, the second request on a connection */
	KA_HALF,   /* answers the second request on a connection half, then closes */
	KA_EOF,	   /* a body that ends with the connection (no length) */
};

typedef struct ka_server {
	int fd, port, conns, requests, want;
	enum ka_mode mode;
} ka_server;

/* One request's head and Content-Length body off fd; false at its end. */
static bool ka_read(int fd)
{
	char buf[8192];
	size_t n = 0;
	char *end = NULL;
	while (!end) {
		if (n == sizeof buf - 1)
			return false;
		ssize_t k = recv(fd, buf + n, sizeof buf - 1 - n, 0);
		if (k <= 0)
			return false;
		n += (size_t)k;
		buf[n] = 0;
		end = strstr(buf, "\r\n\r\n");
	}
	char *cl = strcasestr(buf, "\r\nContent-Length: ");
	size_t len = cl && cl < end ? strtoul(cl + 18, NULL, 10) : 0;
	size_t have = n - (size_t)(end + 4 - buf);
	while (have < len) {
		ssize_t k = recv(fd, buf, sizeof buf, 0);
		if (k <= 0)
			return false;
		have += (size_t)k;
	}
	return true;
}

static void *ka_serve(void *arg)
{
	ka_server *s = arg;
	while (s->requests < s->want) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			break;
		s->conns++;
		/* (the client keeps its last connection: not waited on) */
		for (int r = 1; s->requests < s->want && ka_read(c); r++) {
			s->requests++;
			char body[32], resp[256];
			snprintf(body, sizeof body, "c%dr%d", s->conns, r);
			int len =
			    snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\n%s%zu\r\n\r\n%s",
				     s->mode == KA_EOF	  ? "X-Length: "
				     : s->mode == KA_SAYS ? "Connection: close\r\nContent-Length: "
							  : "Content-Length: ",
				     strlen(body), body);
			if (r == 2 && s->mode == KA_DROP)
				break;
			if (r == 2 && s->mode == KA_HALF)
				len = 17; /* "HTTP/1.1 200 OK\r\n" */
			ck_assert_int_eq(send(c, resp, (size_t)len, MSG_NOSIGNAL), len);
			if (s->mode == KA_SILENT || s->mode == KA_SAYS || s->mode == KA_EOF ||
			    (s->mode == KA_HALF && r == 2))
				break;
		}
		close(c);
	}
	return NULL;
}

/* n GET requests through one handle (reset between, as runtime/http.c
 * does); the bodies joined by spaces, or "!" and the error code. */
static char *ka_run(enum ka_mode mode, int n, int want, ka_server *s)
{
	*s = (ka_server){.mode = mode, .want = want};
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t alen = sizeof a;
	getsockname(s->fd, (struct sockaddr *)&a, &alen);
	s->port = ntohs(a.sin_port);
	listen(s->fd, 4);
	pthread_t t;
	pthread_create(&t, NULL, ka_serve, s);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", s->port);
	CURL *h = aslrt_bcurl_easy_init();
	aslrt_buf all = {0};
	for (int i = 0; i < n; i++) {
		aslrt_buf body = {0};
		aslrt_bcurl_easy_reset(h);
		aslrt_bcurl_easy_setopt(h, CURLOPT_URL, url);
		aslrt_bcurl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
		aslrt_bcurl_easy_setopt(h, CURLOPT_WRITEFUNCTION, into_buf);
		aslrt_bcurl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
		if (i % 2)
			aslrt_bcurl_easy_setopt(h, CURLOPT_POSTFIELDS, "{}");
		CURLcode rc = aslrt_bcurl_easy_perform(h);
		if (rc == CURLE_OK)
			aslrt_buf_printf(&all, "%s%s", i ? " " : "", body.s);
		else
			aslrt_buf_printf(&all, "%s!%d", i ? " " : "", (int)rc);
		aslrt_buf_free(&body);
		/* let the server close, as it would between two states */
		usleep(20000);
	}
	aslrt_bcurl_easy_cleanup(h);
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(t, NULL);
	close(s->fd);
	return all.s;
}

#define KA(mode, n, want, result, nconns)                                                          \
	do {                                                                                       \
		ka_server s_;                                                                      \
		char *got_ = ka_run(mode, n, want, &s_);                                           \
		ck_assert_str_eq(got_, result);                                                    \
		ck_assert_int_eq(s_.conns, nconns);                                                \
		free(got_);                                                                        \
	} while (0)

/* Connections kept alive as libcurl keeps them, one per request when the
 * server will not keep them, a request sent again only when it cannot have
 * been answered. */
START_TEST(builtin_curl_keepalive)
{
	KA(KA_KEEP, 5, 5, "c1r1 c1r2 c1r3 c1r4 c1r5", 1);
	KA(KA_SILENT, 3, 3, "c1r1 c2r1 c3r1", 3);
	KA(KA_SAYS, 3, 3, "c1r1 c2r1 c3r1", 3);
	KA(KA_EOF, 2, 2, "c1r1 c2r1", 2);
	/* closed as the second request arrived: sent again on a new one */
	KA(KA_DROP, 3, 5, "c1r1 c2r1 c3r1", 3);
	/* closed halfway through the answer: a failure, never sent twice */
	KA(KA_HALF, 3, 3, "c1r1 !56 c2r1", 2);
}
END_TEST

/* A host name is resolved on a thread of its own (tests/http/dns_timeout.py
 * makes the resolver hang): localhost, from /etc/hosts, needs no DNS. */
START_TEST(builtin_curl_resolve)
{
	server s = {.conns = 1, .status = "200 OK", .body = "{\"via\":\"name\"}"};
	pthread_t t;
	server_start(&s, &t);
	char url[128], err[CURL_ERROR_SIZE];
	snprintf(url, sizeof url, "http://localhost:%d/", s.port);
	CURL *h = aslrt_bcurl_easy_init();
	aslrt_buf body = {0};
	aslrt_bcurl_easy_setopt(h, CURLOPT_URL, url);
	aslrt_bcurl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	aslrt_bcurl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	aslrt_bcurl_easy_setopt(h, CURLOPT_WRITEFUNCTION, into_buf);
	aslrt_bcurl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	ck_assert_msg(aslrt_bcurl_easy_perform(h) == CURLE_OK, "%s", err);
	ck_assert_str_eq(body.s, "{\"via\":\"name\"}");
	pthread_join(t, NULL);
	close(s.fd);
	aslrt_buf_free(&body);
	aslrt_bcurl_easy_cleanup(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aws");
	TCase *tc = tcase_create("sigv4");
	tcase_add_test(tc, sigv4_suite);
	suite_add_tcase(s, tc);
	tc = tcase_create("credentials");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, creds_env);
	tcase_add_test(tc, creds_profiles);
	tcase_add_test(tc, endpoints);
	tcase_add_test(tc, creds_container);
	tcase_add_test(tc, creds_imds_bounded);
	tcase_add_test(tc, region_imds);
	tcase_add_test(tc, builtin_curl);
	tcase_add_test(tc, builtin_curl_long_timeout);
	tcase_add_test(tc, builtin_curl_framing);
	tcase_add_test(tc, builtin_curl_keepalive);
	tcase_add_test(tc, builtin_curl_resolve);
	suite_add_tcase(s, tc);
	tc = tcase_create("parsers");
	tcase_add_test(tc, error_forms);
	tcase_add_test(tc, s3_list_json);
	tcase_add_test(tc, reader_items);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
