/*
 * cred.c - credentials, region and endpoints as the AWS SDKs and CLI resolve
 * them (the "default credential provider chain"):
 *   1. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY [/ AWS_SESSION_TOKEN];
 *   2. the profile (AWS_PROFILE, else "default") in the shared credentials
 *      file (AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials), then in the
 *      config file (AWS_CONFIG_FILE, ~/.aws/config, sections [profile NAME]);
 *   3. the container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
 *      169.254.170.2) or _FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN
 *      or _TOKEN_FILE as the Authorization header (ECS, EKS Pod Identity);
 *   4. IMDSv2 on EC2 (a session token, then the role's credentials), with
 *      the SDKs' 1 s timeout and one attempt, so a machine off EC2 fails fast;
 *      AWS_EC2_METADATA_DISABLED=true skips it.
 * Credentials from 3 and 4 are cached and fetched again 5 minutes before
 * they expire.  Nothing here ever prints a secret key or a token.
 * Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else on EC2
 * the instance's (IMDSv2 /latest/meta-data/placement/region, as the SDKs
 * ask it), asked once per process: its answer, or its failure, is kept.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "aws.h"

#define REFRESH_MARGIN 300 /* seconds before expiry */

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *home_file(const char *var, const char *rel)
{
	const char *v = env(var);
	if (v)
		return strdup(v);
	const char *home = env("HOME");
	if (!home)
		return NULL;
	aslrt_buf b = {0};
	aslrt_buf_printf(&b, "%s/%s", home, rel);
	return b.s;
}

static const char *profile_name(void)
{
	const char *p = env("AWS_PROFILE");
	return p ? p : env("AWS_DEFAULT_PROFILE") ? env("AWS_DEFAULT_PROFILE") : "default";
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Does the section header text name the profile?  The config file writes
 * [profile NAME] (and [default]), the credentials file [NAME]. */
static bool section_is(char *sec, bool config, const char *profile)
{
	sec = trim(sec);
	if (!config || strcmp(sec, "default") == 0)
		return strcmp(sec, profile) == 0;
	if (strncmp(sec, "profile", 7) != 0 || !isspace((unsigned char)sec[7]))
		return false;
	return strcmp(trim(sec + 8), profile) == 0;
}

static char *profile_lookup(const char *file, bool config, const char *profile, const char *key,
			    bool *found_profile)
{
	FILE *f = file ? fopen(file, "r") : NULL;
	if (!f)
		return NULL;
	char line[4096];
	bool in = false;
	char *res = NULL;
	while (fgets(line, sizeof line, f)) {
		if (isspace((unsigned char)line[0]) && line[0] != '\n' && line[0] != '\r') {
			continue; /* a nested sub-section value (s3 = ...) */
		}
		char *s = trim(line);
		if (*s == '#' || *s == ';' || !*s)
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (end) {
				*end = '\0';
				in = section_is(s + 1, config, profile);
				if (in && found_profile)
					*found_profile = true;
			}
			continue;
		}
		char *eq = strchr(s, '=');
		if (!in || !eq)
			continue;
		*eq = '\0';
		if (strcmp(trim(s), key) == 0) {
			free(res);
			res = strdup(trim(eq + 1));
		}
	}
	fclose(f);
	return res;
}

char *aslrt_aws_profile_value(const char *file, bool config, const char *profile, const char *key)
{
	return profile_lookup(file, config, profile, key, NULL);
}

static char *imds_region(void);

char *aslrt_aws_region(void)
{
	if (env("AWS_REGION"))
		return strdup(env("AWS_REGION"));
	if (env("AWS_DEFAULT_REGION"))
		return strdup(env("AWS_DEFAULT_REGION"));
	char *cfg = home_file("AWS_CONFIG_FILE", ".aws/config");
	char *r = aslrt_aws_profile_value(cfg, true, profile_name(), "region");
	free(cfg);
	return r ? r : imds_region();
}

char *aslrt_aws_endpoint(const char *sdk_id, const char *prefix, const char *region)
{
	const char *ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	const char *url = NULL;
	if (!ignore || strcasecmp(ignore, "true") != 0) {
		aslrt_buf var = {0};
		aslrt_buf_puts(&var, "AWS_ENDPOINT_URL_");
		for (const char *p = sdk_id; *p; p++) {
			char ch = *p == ' ' || *p == '-' ? '_' : (char)toupper((unsigned char)*p);
			aslrt_buf_put(&var, &ch, 1);
		}
		url = env(var.s);
		aslrt_buf_free(&var);
		if (!url)
			url = env("AWS_ENDPOINT_URL");
	}
	aslrt_buf b = {0};
	if (url) {
		aslrt_buf_puts(&b, url);
		while (b.len > 0 && b.s[b.len - 1] == '/')
			b.s[--b.len] = '\0';
	} else {
		bool cn = strncmp(region, "cn-", 3) == 0;
		aslrt_buf_printf(&b, "https://%s.%s.amazonaws.com%s", prefix, region,
				 cn ? ".cn" : "");
	}
	return b.s;
}

/* --- remote providers --- */

static int64_t parse_iso(const char *s)
{
	struct tm tm = {0};
	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

/* {"AccessKeyId","SecretAccessKey","Token","Expiration"} as both the
 * container endpoint and IMDS return them. */
static int creds_from_json(const char *text, aws_creds *out, const char *what, char *why,
			   size_t whylen)
{
	struct json_object *o = json_tokener_parse(text);
	struct json_object *ak = NULL, *sk = NULL, *tok = NULL, *exp = NULL;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "AccessKeyId", &ak) ||
	    !json_object_object_get_ex(o, "SecretAccessKey", &sk) ||
	    !json_object_is_type(ak, json_type_string) ||
	    !json_object_is_type(sk, json_type_string)) {
		snprintf(why, whylen, "%s returned no AccessKeyId/SecretAccessKey", what);
		json_object_put(o);
		return -1;
	}
	json_object_object_get_ex(o, "Token", &tok);
	json_object_object_get_ex(o, "Expiration", &exp);
	out->access_key = strdup(json_object_get_string(ak));
	out->secret_key = strdup(json_object_get_string(sk));
	out->token = tok && json_object_is_type(tok, json_type_string)
			 ? strdup(json_object_get_string(tok))
			 : NULL;
	out->expires = exp ? parse_iso(json_object_get_string(exp)) : 0;
	json_object_put(o);
	return 0;
}

static bool loopback_or_container(const char *url)
{
	const char *host = strstr(url, "://");
	if (!host)
		return false;
	host += 3;
	const char *ok[] = {"127.",	     "localhost",      "[::1]",
			    "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		if (strncmp(host, ok[i], strlen(ok[i])) == 0)
			return true;
	return false;
}

static int from_container(aws_creds *out, char *why, size_t whylen)
{
	aslrt_buf url = {0};
	if (env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
		aslrt_buf_printf(&url, "http://169.254.170.2%s",
				 env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
	} else {
		const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
		if (strncmp(full, "https://", 8) != 0 && !loopback_or_container(full)) {
			snprintf(why, whylen,
				 "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback "
				 "or container address");
			return -1;
		}
		aslrt_buf_puts(&url, full);
	}
	aws_http_req req = {.method = "GET", .url = url.s, .timeout_ms = 2000};
	char *token = dup_or_null(env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
	if (!token && env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
		FILE *f = fopen(env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"), "r");
		if (!f) {
			snprintf(why, whylen, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
			aslrt_buf_free(&url);
			return -1;
		}
		char line[8192] = "";
		if (!fgets(line, sizeof line, f))
			line[0] = '\0';
		fclose(f);
		token = strdup(trim(line));
	}
	if (token)
		aslrt_aws_headers_add(&req.headers, "Authorization", token);
	free(token);
	aslrt_aws_headers_add(&req.headers, "Accept", "application/json");
	aws_http_resp resp;
	bool timed_out;
	char herr[128];
	int rc = -1;
	if (aslrt_aws_http(&req, &resp, &timed_out, herr, sizeof herr) != 0) {
		snprintf(why, whylen, "the container credentials endpoint failed: %s", herr);
	} else if (resp.status != 200) {
		snprintf(why, whylen, "the container credentials endpoint answered HTTP %ld",
			 resp.status);
	} else {
		rc = creds_from_json(resp.body.s, out, "the container credentials endpoint", why,
				     whylen);
	}
	aslrt_aws_http_resp_free(&resp);
	aslrt_aws_headers_free(&req.headers);
	aslrt_buf_free(&url);
	return rc;
}

static int imds_get(const char *base, const char *path, const char *method, const char *token,
		    aslrt_buf *body, char *why, size_t whylen)
{
	aslrt_buf url = {0};
	aslrt_buf_printf(&url, "%s%s", base, path);
	aws_http_req req = {.method = method, .url = url.s, .timeout_ms = 1000};
	if (token)
		aslrt_aws_headers_add(&req.headers, "X-aws-ec2-metadata-token", token);
	else
		aslrt_aws_headers_add(&req.headers, "X-aws-ec2-metadata-token-ttl-seconds",
				      "21600");
	aws_http_resp resp;
	bool timed_out;
	char herr[128];
	int rc = -1;
	if (aslrt_aws_http(&req, &resp, &timed_out, herr, sizeof herr) != 0) {
		snprintf(why, whylen, "the EC2 instance metadata service did not answer (%s)",
			 herr);
	} else {
		if (resp.status == 200) {
			*body = resp.body;
			resp.body = (aslrt_buf){0};
			rc = 0;
		} else {
			snprintf(why, whylen, "the EC2 instance metadata service answered HTTP %ld",
				 resp.status);
		}
		aslrt_aws_http_resp_free(&resp);
	}
	aslrt_aws_headers_free(&req.headers);
	aslrt_buf_free(&url);
	return rc;
}

/* The IMDS endpoint, without a trailing slash. */
static void imds_base(aslrt_buf *b)
{
	const char *base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	aslrt_buf_puts(b, base ? base : "http://169.254.169.254");
	while (b->len && b->s[b->len - 1] == '/')
		b->s[--b->len] = '\0';
}

static bool imds_disabled(void)
{
	const char *off = env("AWS_EC2_METADATA_DISABLED");
	return off && strcasecmp(off, "true") == 0;
}

static pthread_mutex_t region_lock = PTHREAD_MUTEX_INITIALIZER;
static bool region_asked;
static char *region_cache; /* NULL after a failure: not asked again */

static char *imds_region(void)
{
	pthread_mutex_lock(&region_lock);
	if (!region_asked && !imds_disabled()) {
		region_asked = true;
		aslrt_buf b = {0}, token = {0}, region = {0};
		char why[256];
		imds_base(&b);
		if (imds_get(b.s, "/latest/api/token", "PUT", NULL, &token, why, sizeof why) == 0 &&
		    imds_get(b.s, "/latest/meta-data/placement/region", "GET", token.s, &region,
			     why, sizeof why) == 0) {
			char *r = trim(region.s);
			r[strcspn(r, "\r\n")] = '\0';
			if (*r)
				region_cache = strdup(r);
		}
		aslrt_buf_free(&b);
		aslrt_buf_free(&token);
		aslrt_buf_free(&region);
	}
	char *r = dup_or_null(region_cache);
	pthread_mutex_unlock(&region_lock);
	return r;
}

static int from_imds(aws_creds *out, char *why, size_t whylen)
{
	aslrt_buf b = {0};
	imds_base(&b);
	aslrt_buf token = {0}, role = {0}, creds = {0};
	int rc = -1;
	if (imds_get(b.s, "/latest/api/token", "PUT", NULL, &token, why, whylen) == 0 &&
	    imds_get(b.s, "/latest/meta-data/iam/security-credentials/", "GET", token.s, &role, why,
		     whylen) == 0) {
		char *name = trim(role.s);
		name[strcspn(name, "\r\n")] = '\0';
		aslrt_buf path = {0};
		aslrt_buf_puts(&path, "/latest/meta-data/iam/security-credentials/");
		aslrt_aws_uri_encode(&path, name, strlen(name), false);
		if (imds_get(b.s, path.s, "GET", token.s, &creds, why, whylen) == 0)
			rc = creds_from_json(creds.s, out, "the EC2 instance metadata service", why,
					     whylen);
		aslrt_buf_free(&path);
	}
	aslrt_buf_free(&token);
	aslrt_buf_free(&role);
	aslrt_buf_free(&creds);
	aslrt_buf_free(&b);
	return rc;
}

/* --- the chain --- */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static aws_creds cache;

static void copy_creds(aws_creds *dst, const aws_creds *src)
{
	dst->access_key = strdup(src->access_key);
	dst->secret_key = strdup(src->secret_key);
	dst->token = dup_or_null(src->token);
	dst->expires = src->expires;
}

void aslrt_aws_credentials_reset(void)
{
	pthread_mutex_lock(&cache_lock);
	aslrt_aws_creds_free(&cache);
	pthread_mutex_unlock(&cache_lock);
	pthread_mutex_lock(&region_lock);
	free(region_cache);
	region_cache = NULL;
	region_asked = false;
	pthread_mutex_unlock(&region_lock);
}

static int from_profile(aws_creds *out, bool *found, char *why, size_t whylen)
{
	const char *profile = profile_name();
	char *files[2] = {home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
			  home_file("AWS_CONFIG_FILE", ".aws/config")};
	bool seen = false;
	int rc = 1;
	for (int i = 0; i < 2 && rc == 1; i++) {
		bool here = false;
		char *ak = profile_lookup(files[i], i == 1, profile, "aws_access_key_id", &here);
		char *sk = profile_lookup(files[i], i == 1, profile, "aws_secret_access_key", NULL);
		char *tok = profile_lookup(files[i], i == 1, profile, "aws_session_token", NULL);
		seen |= here;
		if (ak && sk) {
			out->access_key = ak;
			out->secret_key = sk;
			out->token = tok;
			rc = 0;
		} else if (ak || sk) {
			snprintf(why, whylen,
				 "profile '%s' in %s sets only one of aws_access_key_id and "
				 "aws_secret_access_key",
				 profile, files[i]);
			free(ak);
			free(sk);
			free(tok);
			rc = -1;
		} else {
			free(tok);
			/* Providers the SDKs chain from a profile that this runtime
			 * does not implement: say so rather than fall through. */
			const char *other[] = {"role_arn", "credential_process", "sso_session",
					       "sso_start_url", "web_identity_token_file"};
			for (size_t j = 0; j < sizeof other / sizeof *other && rc == 1; j++) {
				char *v = profile_lookup(files[i], i == 1, profile, other[j], NULL);
				if (v) {
					snprintf(
					    why, whylen,
					    "profile '%s' in %s uses %s, which aslc's runtime does "
					    "not support: give it aws_access_key_id and "
					    "aws_secret_access_key, or use AWS_ACCESS_KEY_ID",
					    profile, files[i], other[j]);
					free(v);
					rc = -1;
				}
			}
		}
	}
	free(files[0]);
	free(files[1]);
	*found = seen;
	return rc;
}

int aslrt_aws_credentials(aws_creds *out, char *why, size_t whylen)
{
	*out = (aws_creds){0};
	const char *ak = env("AWS_ACCESS_KEY_ID"), *sk = env("AWS_SECRET_ACCESS_KEY");
	if (ak && sk) {
		out->access_key = strdup(ak);
		out->secret_key = strdup(sk);
		out->token = dup_or_null(env("AWS_SESSION_TOKEN"));
		return 0;
	}
	if (ak || sk) {
		snprintf(why, whylen, "%s is set but %s is not",
			 ak ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
			 ak ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return -1;
	}
	bool found = false;
	int rc = from_profile(out, &found, why, whylen);
	if (rc <= 0)
		return rc;
	if (env("AWS_PROFILE") && !found) {
		snprintf(why, whylen,
			 "the profile '%s' (AWS_PROFILE) is in neither the credentials nor the "
			 "config file",
			 env("AWS_PROFILE"));
		return -1;
	}

	pthread_mutex_lock(&cache_lock);
	int64_t now = (int64_t)time(NULL);
	if (cache.access_key && (!cache.expires || cache.expires - REFRESH_MARGIN > now)) {
		copy_creds(out, &cache);
		pthread_mutex_unlock(&cache_lock);
		return 0;
	}
	aws_creds fresh = {0};
	if (env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
	    env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
		rc = from_container(&fresh, why, whylen);
	} else {
		if (imds_disabled()) {
			snprintf(why, whylen,
				 "no AWS credentials: set AWS_ACCESS_KEY_ID and "
				 "AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials");
			rc = -1;
		} else {
			char iwhy[512];
			rc = from_imds(&fresh, iwhy, sizeof iwhy);
			if (rc != 0)
				snprintf(
				    why, whylen,
				    "no AWS credentials: none in the environment "
				    "(AWS_ACCESS_KEY_ID), no profile '%s' in the shared files, "
				    "no container endpoint, and %s",
				    profile_name(), iwhy);
		}
	}
	if (rc == 0) {
		aslrt_aws_creds_free(&cache);
		cache = fresh;
		copy_creds(out, &cache);
	} else if (cache.access_key && cache.expires > now) {
		copy_creds(out, &cache); /* not refreshed yet, still valid */
		rc = 0;
	}
	pthread_mutex_unlock(&cache_lock);
	return rc;
}
