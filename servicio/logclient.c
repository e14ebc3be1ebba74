/*
 * logclient.c — libcurl requests to admin_logs (see logclient.h).
 *
 * One easy handle is kept for the whole run so the connection is reused;
 * every request resets the options it sets. Answers are read into a
 * bounded buffer (a misbehaving server cannot make servicio grow). On a
 * unix socket, the path is checked before every request (logclient_sock_ok):
 * the token goes only to a socket that root or the server's own user made.
 */
#include "logclient.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "token.h"
#include "util.h"

#define LOGCLIENT_BODY_MAX (1u << 20)

struct logclient {
	CURL *curl;
	char base[512];
	char auth[TOKEN_MAX + 32]; /* "Authorization: Bearer <token>" or "" */
	char ca[1024]; /* "" or the CA file */
	char sock[108]; /* "" or the unix socket the requests go to */
	uid_t peer_uid; /* with sock: the server's user, who may own it */
	gid_t peer_gid; /* and its group, who may write its directory */
	int dirfd; /* >= 0 once pinned (logclient_pin): the socket's directory */
	char via[64]; /* pinned: /proc/self/fd/<dirfd>/<name>, what curl connects to */
	char url[640];
	struct util_body body; /* the last answer's, cut at LOGCLIENT_BODY_MAX */
};

static size_t on_data(char *p, size_t sz, size_t n, void *user)
{
	struct logclient *lc = user;

	/* past the bound: keep reading, drop the excess */
	return util_body_add(&lc->body, p, sz * n, LOGCLIENT_BODY_MAX) == -ENOMEM ? 0 : sz * n;
}

/*
 * base: the URL, or "" with sock (the requests then go to that unix socket
 * as http://localhost). A token with plain http is refused unless the
 * peer is authenticated otherwise (sock).
 */
static struct logclient *logclient_make(const char *base, const char *token, const char *ca_file,
					bool allow_plain_token, char *err, size_t errlen)
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
	if (token && token[0] && strncmp(base, "http://", 7) == 0 && !allow_plain_token) {
		snprintf(err, errlen,
			 "a token is not sent over plain http (%s): whoever holds that address "
			 "would get it; use https with --log-ca",
			 base);
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

struct logclient *logclient_new(const char *base, const char *token, const char *ca_file, char *err,
				size_t errlen)
{
	return logclient_make(base, token, ca_file, false, err, errlen);
}

static bool logclient_dir_ok(const char *dir, const struct stat *st, bool last, gid_t peer_gid,
			     char *err, size_t errlen);

struct logclient *logclient_new_unix(const char *sock, uid_t peer_uid, gid_t peer_gid,
				     const char *token, char *err, size_t errlen)
{
	struct logclient *lc;

	if (sock[0] != '/' || strlen(sock) >= sizeof(lc->sock)) {
		snprintf(err, errlen, "unix socket path '%s': not absolute or too long", sock);
		return NULL;
	}
	lc = logclient_make("http://localhost", token, NULL, true, err, errlen);
	if (!lc)
		return NULL;
	util_strlcpy(lc->sock, sock, sizeof(lc->sock));
	lc->peer_uid = peer_uid;
	lc->peer_gid = peer_gid;
	return lc;
}

int logclient_pin(struct logclient *lc, char *err, size_t errlen)
{
	char dir[sizeof(lc->sock)];
	char *slash;
	int r, fd;

	if (!lc || !lc->sock[0] || lc->via[0])
		return 0;
	if ((r = logclient_sock_ok(lc->sock, lc->peer_uid, lc->peer_gid, err, errlen)) != 0)
		return r;
	util_strlcpy(dir, lc->sock, sizeof(dir));
	slash = strrchr(dir, '/');
	*slash = '\0';
	fd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "log server socket: %s: %s", dir, strerror(-r));
		return r;
	}
	if (snprintf(lc->via, sizeof(lc->via), "/proc/self/fd/%d/%s", fd, slash + 1) >=
	    (int)sizeof(lc->via)) {
		close(fd);
		lc->via[0] = '\0';
		snprintf(err, errlen, "log server socket %s: name too long", lc->sock);
		return -ENAMETOOLONG;
	}
	lc->dirfd = fd;
	return 0;
}

/* Pinned: the socket's directory (the open one) and the socket in it, as logclient_sock_ok. */
static int logclient_pinned_ok(const struct logclient *lc, char *err, size_t errlen)
{
	const char *name = strrchr(lc->sock, '/') + 1;
	struct stat st;

	if (fstat(lc->dirfd, &st) != 0 ||
	    !logclient_dir_ok(lc->sock, &st, true, lc->peer_gid, err, errlen))
		return -EPERM;
	if (fstatat(lc->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		int r = -errno;
		snprintf(err, errlen, "log server socket %s: %s", lc->sock, strerror(-r));
		return r;
	}
	if (!S_ISSOCK(st.st_mode) || (st.st_uid != 0 && st.st_uid != lc->peer_uid)) {
		snprintf(err, errlen, "log server socket %s: %s: no token sent there", lc->sock,
			 S_ISSOCK(st.st_mode) ? "owned by another user than root or the server's"
					      : "not a socket");
		return -EPERM;
	}
	return 0;
}

/* One directory of the socket's path: a real directory of root's, not writable by others. */
static bool logclient_dir_ok(const char *dir, const struct stat *st, bool last, gid_t peer_gid,
			     char *err, size_t errlen)
{
	const char *why = NULL;

	if (!S_ISDIR(st->st_mode))
		why = "not a directory (a symbolic link?)";
	else if (st->st_uid != 0)
		why = "not owned by root";
	else if (st->st_mode & S_IWOTH)
		why = "writable by every user";
	else if ((st->st_mode & S_IWGRP) && (!last || st->st_gid != peer_gid))
		why = "writable by its group";
	if (why)
		snprintf(err, errlen, "log server socket: directory %s is %s: no token sent there",
			 dir[0] ? dir : "/", why);
	return !why;
}

int logclient_sock_ok(const char *sock, uid_t peer_uid, gid_t peer_gid, char *err, size_t errlen)
{
	char path[sizeof(((struct logclient *)0)->sock)];
	struct stat st;
	char *slash;
	int r;

	if (!util_strlcpy(path, sock, sizeof(path)) || path[0] != '/') {
		snprintf(err, errlen, "log server socket '%s': not an absolute path", sock);
		return -EINVAL;
	}
	/* every directory from / down to the socket's own */
	if (lstat("/", &st) != 0 || !logclient_dir_ok("/", &st, false, peer_gid, err, errlen))
		return -EPERM;
	for (slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		bool ok;

		*slash = '\0';
		r = lstat(path, &st) != 0 ? -errno : 0;
		ok = r == 0 && logclient_dir_ok(path, &st, strchr(slash + 1, '/') == NULL, peer_gid,
						err, errlen);
		if (r)
			snprintf(err, errlen, "log server socket: %s: %s", path, strerror(-r));
		*slash = '/';
		if (!ok)
			return r ? r : -EPERM;
	}
	if (lstat(path, &st) != 0) {
		r = -errno;
		snprintf(err, errlen, "log server socket %s: %s", path, strerror(-r));
		return r;
	}
	if (!S_ISSOCK(st.st_mode) || (st.st_uid != 0 && st.st_uid != peer_uid)) {
		snprintf(err, errlen, "log server socket %s: %s: no token sent there", path,
			 S_ISSOCK(st.st_mode) ? "owned by another user than root or the server's"
					      : "not a socket");
		return -EPERM;
	}
	return 0;
}

void logclient_free(struct logclient *lc)
{
	if (!lc)
		return;
	if (lc->curl)
		curl_easy_cleanup(lc->curl);
	if (lc->via[0])
		close(lc->dirfd);
	free(lc->body.data);
	explicit_bzero(lc->auth, sizeof(lc->auth));
	free(lc);
}

/* One request; returns the HTTP status, or -errno on a transport error (err
 * set): the socket's check's, or -EIO when curl failed. */
static long request(struct logclient *lc, const char *method, const char *path, const char *body,
		    size_t len, long timeout_ms, char *err, size_t errlen)
{
	struct curl_slist *hdr = NULL;
	char cerr[CURL_ERROR_SIZE] = "";
	long status = -EIO;
	CURLcode rc;
	int r;

	free(lc->body.data);
	memset(&lc->body, 0, sizeof(lc->body));
	snprintf(lc->url, sizeof(lc->url), "%s%s", lc->base, path);
	r = !lc->sock[0] ? 0
	    : lc->via[0] ? logclient_pinned_ok(lc, err, errlen)
			 : logclient_sock_ok(lc->sock, lc->peer_uid, lc->peer_gid, err, errlen);
	if (r != 0) /* not connected: nothing, no token, goes to a socket another user made */
		return r < 0 ? r : -EPERM;
	curl_easy_reset(lc->curl);
	curl_easy_setopt(lc->curl, CURLOPT_URL, lc->url);
	if (lc->sock[0])
		curl_easy_setopt(lc->curl, CURLOPT_UNIX_SOCKET_PATH,
				 lc->via[0] ? lc->via : lc->sock);
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
	if (lc->auth[0] && strcmp(path, "/health") != 0) /* /health needs none: none is sent */
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
	snprintf(err, errlen, "POST %s: HTTP %ld: %.200s", lc->url, st,
		 lc->body.data ? lc->body.data : "");
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
			 lc->body.data ? lc->body.data : "");
		return -EPROTO;
	}
	root = json_loadb(lc->body.data ? lc->body.data : "", lc->body.len, 0, &je);
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
