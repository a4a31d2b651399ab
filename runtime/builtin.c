/*
 * builtin.c - the table of built-in libraries (dl.h).  aslc links this
 * object (-Wl,--undefined=aslrt_builtin_libs) into static executables only:
 * dynamic ones load the system's libcurl, libmicrohttpd and libm.
 */
#include <math.h>

#include "builtin.h"
#include "dl.h"

#define FN(name, f)                                                                                \
	{                                                                                          \
		name, (void (*)(void))(f)                                                          \
	}

static const aslrt_builtin_sym curl_syms[] = {FN("curl_global_init", aslrt_bcurl_global_init),
					      FN("curl_easy_init", aslrt_bcurl_easy_init),
					      FN("curl_easy_setopt", aslrt_bcurl_easy_setopt),
					      FN("curl_easy_perform", aslrt_bcurl_easy_perform),
					      FN("curl_easy_getinfo", aslrt_bcurl_easy_getinfo),
					      FN("curl_easy_reset", aslrt_bcurl_easy_reset),
					      FN("curl_easy_cleanup", aslrt_bcurl_easy_cleanup),
					      FN("curl_easy_strerror", aslrt_bcurl_easy_strerror),
					      FN("curl_slist_append", aslrt_bcurl_slist_append),
					      FN("curl_slist_free_all", aslrt_bcurl_slist_free_all),
					      {0, 0}};

static const aslrt_builtin_sym mhd_syms[] = {
    FN("MHD_start_daemon", aslrt_bmhd_start_daemon),
    FN("MHD_stop_daemon", aslrt_bmhd_stop_daemon),
    FN("MHD_get_daemon_info", aslrt_bmhd_get_daemon_info),
    FN("MHD_lookup_connection_value", aslrt_bmhd_lookup_connection_value),
    FN("MHD_create_response_from_buffer", aslrt_bmhd_create_response_from_buffer),
    FN("MHD_add_response_header", aslrt_bmhd_add_response_header),
    FN("MHD_queue_response", aslrt_bmhd_queue_response),
    FN("MHD_destroy_response", aslrt_bmhd_destroy_response),
    {0, 0}};

/* mathlib.c's */
static const aslrt_builtin_sym m_syms[] = {FN("ceil", ceil),
					   FN("floor", floor),
					   FN("fmax", fmax),
					   FN("fmin", fmin),
					   FN("fmod", fmod),
					   FN("log10", log10),
					   FN("pow", pow),
					   FN("sqrt", sqrt),
					   FN("trunc", trunc),
					   FN("llround", llround),
					   {0, 0}};

const aslrt_builtin_lib aslrt_builtin_libs[] = {
    {"libcurl.so.4", curl_syms}, {"libmicrohttpd.so.12", mhd_syms}, {"libm.so.6", m_syms}, {0, 0}};
