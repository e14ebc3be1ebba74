/*
 * logclient.c — libcurl requests to admin_logs (see logclient.h).
 *
 * One easy handle is kept for the whole run so the TCP connection is
 * reused; every request resets the options it sets. Answers are read into
 * a bounded buffer (a misbehaving server cannot make servicio grow).
 */
#include "logclient.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"
#include "util.h"

#define LOGCLIENT_BODY_MAX (1u << 20)

struct logclient {
	CURL *curl;
	char base[512];
	char auth[TOKEN_MAX + 32]; /* "Authorization: Bearer <token>" or "" */
	char ca[1024]; /* "" or the CA file */
	char url[640];
	char *body;
	size_t len;
	bool over;
};

static size_t on_data(char *p, size_t sz, size_t n, void *user)
{
	struct logclient *lc = user;
	size_t add = sz * n;

	if (lc->len + add > LOGCLIENT_BODY_MAX) {
		lc->over = true;
		return add; /* keep reading, drop the excess */
	}
	char *nb = realloc(lc->body, lc->len + add + 1);
	if (!nb)
		return 0;
	lc->body = nb;
	memcpy(lc->body + lc->len, p, add);
	lc->len += add;
	lc->body[lc->len] = '\0';
	return add;
}

struct logclient *logclient_new(const char *base, const char *token, const char *ca_file, char *err,
				size_t errlen)
{
	struct logclient *lc = calloc(1, sizeof(*lc));
	size_t n;

	if (!lc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!util_strlcpy(lc->base, base, sizeof(lc->base)) ||
	    (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)) {
		snprintf(err, errlen, "log server URL '%s' must be http://host:port", base);
		goto err;
	}
	if (token && token[0] &&
	    snprintf(lc->auth, sizeof(lc->auth), "Authorization: Bearer %s", token) >=
		    (int)sizeof(lc->auth)) {
		snprintf(err, errlen, "token too long");
		goto err;
	}
	if (ca_file && !util_strlcpy(lc->ca, ca_file, sizeof(lc->ca))) {
		snprintf(err, errlen, "CA file path too long");
		goto err;
	}
	n = strlen(lc->base);
	while (n > 0 && lc->base[n - 1] == '/')
		lc->base[--n] = '\0';
	lc->curl = curl_easy_init();
	if (!lc->curl) {
		snprintf(err, errlen, "curl_easy_init failed");
		goto err;
	}
	return lc;
err:
	explicit_bzero(lc->auth, sizeof(lc->auth));
	free(lc);
	return NULL;
}

void logclient_free(struct logclient *lc)
{
	if (!lc)
		return;
	if (lc->curl)
		curl_easy_cleanup(lc->curl);
	free(lc->body);
	explicit_bzero(lc->auth, sizeof(lc->auth));
	free(lc);
}

/* One request; returns the HTTP status, or -1 on a transport error (err set). */
static long request(struct logclient *lc, const char *method, const char *path, const char *body,
		    size_t len, long timeout_ms, char *err, size_t errlen)
{
	struct curl_slist *hdr = NULL;
	char cerr[CURL_ERROR_SIZE] = "";
	long status = -1;
	CURLcode rc;

	free(lc->body);
	lc->body = NULL;
	lc->len = 0;
	lc->over = false;
	snprintf(lc->url, sizeof(lc->url), "%s%s", lc->base, path);
	curl_easy_reset(lc->curl);
	curl_easy_setopt(lc->curl, CURLOPT_URL, lc->url);
	curl_easy_setopt(lc->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(lc->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 timeout_ms < 2000 ? timeout_ms : 2000);
	curl_easy_setopt(lc->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(lc->curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(lc->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(lc->curl, CURLOPT_WRITEDATA, lc);
	curl_easy_setopt(lc->curl, CURLOPT_PROXY, "");
	curl_easy_setopt(lc->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(lc->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(lc->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (lc->ca[0])
		curl_easy_setopt(lc->curl, CURLOPT_CAINFO, lc->ca);
	if (lc->auth[0])
		hdr = curl_slist_append(hdr, lc->auth);
	if (strcmp(method, "POST") == 0) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		hdr = curl_slist_append(hdr, "Expect:");
		curl_easy_setopt(lc->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(lc->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	if (hdr)
		curl_easy_setopt(lc->curl, CURLOPT_HTTPHEADER, hdr);
	rc = curl_easy_perform(lc->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(lc->curl, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errlen, "%s %s: %s", method, lc->url,
			 cerr[0] ? cerr : curl_easy_strerror(rc));
	curl_slist_free_all(hdr);
	return status;
}

enum logclient_result logclient_post(struct logclient *lc, const char *body, size_t len, char *err,
				     size_t errlen)
{
	long st = request(lc, "POST", "/logs", body, len, 10000, err, errlen);

	if (st == 200 || st == 201)
		return LOGCLIENT_OK;
	if (st < 0)
		return LOGCLIENT_RETRY;
	snprintf(err, errlen, "POST %s: HTTP %ld: %.200s", lc->url, st, lc->body ? lc->body : "");
	/* 401/403: a token to fix on either side; keep the batch until then */
	if (st >= 500 || st == 429 || st == 408 || st == 401 || st == 403)
		return LOGCLIENT_RETRY;
	return LOGCLIENT_REJECTED;
}

bool logclient_healthy(struct logclient *lc, long timeout_ms)
{
	char err[256];

	return request(lc, "GET", "/health", NULL, 0, timeout_ms, err, sizeof(err)) == 200;
}

int logclient_graficar(struct logclient *lc, long timeout_ms, char **dir, size_t *nfiles, char *err,
		       size_t errlen)
{
	/* drawing writes files: a POST, with the token when there is one (no body) */
	long st = request(lc, "POST", "/graficar", "", 0, timeout_ms, err, errlen);
	json_error_t je;
	json_t *root, *d, *files;

	*dir = NULL;
	*nfiles = 0;
	if (st < 0)
		return -ECONNREFUSED;
	if (st != 200) {
		snprintf(err, errlen, "POST %s: HTTP %ld: %.200s", lc->url, st,
			 lc->body ? lc->body : "");
		return -EPROTO;
	}
	root = json_loadb(lc->body ? lc->body : "", lc->len, 0, &je);
	if (!root) {
		snprintf(err, errlen, "POST %s: answer is not JSON: %s", lc->url, je.text);
		return -EPROTO;
	}
	d = json_object_get(root, "dir");
	files = json_object_get(root, "files");
	if (!json_is_string(d)) {
		snprintf(err, errlen, "POST %s: answer has no \"dir\"", lc->url);
		json_decref(root);
		return -EPROTO;
	}
	*dir = strdup(json_string_value(d));
	*nfiles = json_is_array(files) ? json_array_size(files) : 0;
	json_decref(root);
	if (!*dir)
		return -ENOMEM;
	return 0;
}
