/*
 * builtin.h - the built-in stand-ins for libcurl (builtin_curl.c) and
 * libmicrohttpd (builtin_mhd.c) that static executables link (dl.h).
 */
#ifndef ASLRT_BUILTIN_H
#define ASLRT_BUILTIN_H

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <microhttpd.h>

CURLcode aslrt_bcurl_global_init(long flags);
CURL *aslrt_bcurl_easy_init(void);
CURLcode aslrt_bcurl_easy_setopt(CURL *h, CURLoption opt, ...);
CURLcode aslrt_bcurl_easy_perform(CURL *h);
CURLcode aslrt_bcurl_easy_getinfo(CURL *h, CURLINFO info, ...);
void aslrt_bcurl_easy_reset(CURL *h);
void aslrt_bcurl_easy_cleanup(CURL *h);
const char *aslrt_bcurl_easy_strerror(CURLcode rc);
struct curl_slist *aslrt_bcurl_slist_append(struct curl_slist *l, const char *s);
void aslrt_bcurl_slist_free_all(struct curl_slist *l);

struct MHD_Daemon *aslrt_bmhd_start_daemon(unsigned int flags, uint16_t port,
					   MHD_AcceptPolicyCallback apc, void *apc_cls,
					   MHD_AccessHandlerCallback dh, void *dh_cls, ...);
void aslrt_bmhd_stop_daemon(struct MHD_Daemon *d);
const union MHD_DaemonInfo *aslrt_bmhd_get_daemon_info(struct MHD_Daemon *d,
						       enum MHD_DaemonInfoType type, ...);
const char *aslrt_bmhd_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind,
					       const char *key);
struct MHD_Response *aslrt_bmhd_create_response_from_buffer(size_t size, void *buffer,
							    enum MHD_ResponseMemoryMode mode);
enum MHD_Result aslrt_bmhd_add_response_header(struct MHD_Response *r, const char *name,
					       const char *value);
enum MHD_Result aslrt_bmhd_queue_response(struct MHD_Connection *c, unsigned int status,
					  struct MHD_Response *r);
void aslrt_bmhd_destroy_response(struct MHD_Response *r);

#endif
