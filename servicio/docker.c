/*
 * docker.c — the Docker Engine API client: libcurl over the daemon's unix
 * socket, the version prefix, one generic request function (the transport
 * other files build on) and the read side: ping, version, list, inspect.
 * Errors become -errno plus a sentence (daemon down, permission denied,
 * timeout, or the API's own "message"). See docker.h.
 */
#include "docker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "jspan.h"
#include "util.h"

struct docker {
	CURL *curl;
	char socket_path[256];
	char api[16];
	long timeout_ms, connect_timeout_ms;
	void (*alive)(void);
};

/* An answer's body into a util_body; a failure (too big, out of memory)
 * makes curl fail with CURLE_WRITE_ERROR. */
static size_t docker_write_cb(char *ptr, size_t size, size_t nmemb, void *user)
{
	return util_body_add(user, ptr, size * nmemb, DOCKER_MAX_BODY) == 0 ? size * nmemb : 0;
}

/* Turn a curl failure into -errno and a sentence. */
static int docker_curl_error(struct docker *d, CURLcode rc, const char *cerr,
			     const struct util_body *b, char *err, size_t errlen)
{
	long oserr = 0;

	curl_easy_getinfo(d->curl, CURLINFO_OS_ERRNO, &oserr);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		if (oserr == EACCES || oserr == EPERM) {
			snprintf(err, errlen,
				 "permission denied on %s (run as root or in the docker group)",
				 d->socket_path);
			return -EACCES;
		}
		if (oserr == ENOENT) {
			snprintf(err, errlen, "Docker daemon down: %s does not exist",
				 d->socket_path);
			return -ENOENT;
		}
		snprintf(err, errlen, "Docker daemon down: cannot connect to %s (%s)",
			 d->socket_path, oserr ? strerror((int)oserr) : cerr);
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(err, errlen, "Docker daemon did not answer within the timeout (%s)", cerr);
		return -ETIMEDOUT;
	case CURLE_WRITE_ERROR:
		if (b->over) {
			snprintf(err, errlen, "Docker answer larger than %u bytes",
				 DOCKER_MAX_BODY);
			return -EFBIG;
		}
		snprintf(err, errlen, "out of memory reading the Docker answer");
		return -ENOMEM;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		snprintf(err, errlen, "Docker daemon closed the connection (%s)", cerr);
		return -ECONNRESET;
	default:
		snprintf(err, errlen, "Docker request failed: %s",
			 cerr[0] ? cerr : curl_easy_strerror(rc));
		return -EIO;
	}
}

/* libcurl's progress callback, about once a second: tell whoever watches
 * that this thread waits on a bounded request (0: go on). */
static int docker_progress_cb(void *arg, curl_off_t dlt, curl_off_t dln, curl_off_t ult,
			      curl_off_t uln)
{
	const struct docker *d = arg;

	(void)dlt, (void)dln, (void)ult, (void)uln;
	d->alive();
	return 0;
}

/* One exchange on path exactly as given (already versioned or not). */
/* The handle's transport for one request to url: the socket, the
 * timeouts, the answer into b, curl's message into cerr. */
static void docker_setup(struct docker *d, const char *url, long timeout_ms, struct util_body *b,
			 char *cerr)
{
	curl_easy_reset(d->curl); /* keeps the open connection */
	curl_easy_setopt(d->curl, CURLOPT_UNIX_SOCKET_PATH, d->socket_path);
	curl_easy_setopt(d->curl, CURLOPT_URL, url);
	curl_easy_setopt(d->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(d->curl, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : d->timeout_ms);
	curl_easy_setopt(d->curl, CURLOPT_CONNECTTIMEOUT_MS, d->connect_timeout_ms);
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, docker_write_cb);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(d->curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(d->curl, CURLOPT_USERAGENT, "gestor-servicio");
	if (d->alive) {
		curl_easy_setopt(d->curl, CURLOPT_XFERINFOFUNCTION, docker_progress_cb);
		curl_easy_setopt(d->curl, CURLOPT_XFERINFODATA, d);
		curl_easy_setopt(d->curl, CURLOPT_NOPROGRESS, 0L);
	}
}

/* The method and the body of the request (*hdrs: the headers to free
 * after it). 0 or -ENOMEM. */
static int docker_method(struct docker *d, const char *method, const char *json_body,
			 struct curl_slist **hdrs)
{
	if (json_body) {
		*hdrs = curl_slist_append(*hdrs, "Content-Type: application/json");
		if (!*hdrs)
			return -ENOMEM;
		curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, *hdrs);
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, json_body);
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(json_body));
		curl_easy_setopt(d->curl, CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(d->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(d->curl, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(d->curl, CURLOPT_CUSTOMREQUEST, method);
	}
	return 0;
}

static int docker_exchange(struct docker *d, const char *method, const char *path,
			   const char *json_body, long timeout_ms, struct docker_response *resp,
			   char *err, size_t errlen)
{
	char url[2048], cerr[CURL_ERROR_SIZE] = "";
	struct util_body b = { 0 };
	struct curl_slist *hdrs = NULL;
	CURLcode rc;
	int ret;

	memset(resp, 0, sizeof(*resp));
	if (snprintf(url, sizeof(url), "http://localhost%s", path) >= (int)sizeof(url)) {
		snprintf(err, errlen, "request path too long");
		return -ENAMETOOLONG;
	}
	docker_setup(d, url, timeout_ms, &b, cerr);
	if (docker_method(d, method, json_body, &hdrs) != 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = curl_easy_perform(d->curl);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		ret = docker_curl_error(d, rc, cerr, &b, err, errlen);
		free(b.data);
		return ret;
	}
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	if (!b.data) {
		b.data = calloc(1, 1);
		if (!b.data) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	resp->body = b.data;
	resp->len = b.len;
	return 0;
}

int docker_request(struct docker *d, const char *method, const char *path, const char *json_body,
		   long timeout_ms, struct docker_response *resp, char *err, size_t errlen)
{
	char vpath[2048];

	if (path[0] != '/') {
		snprintf(err, errlen, "request path must start with '/': %s", path);
		memset(resp, 0, sizeof(*resp));
		return -EINVAL;
	}
	if (snprintf(vpath, sizeof(vpath), "/v%s%s", d->api, path) >= (int)sizeof(vpath)) {
		snprintf(err, errlen, "request path too long");
		memset(resp, 0, sizeof(*resp));
		return -ENAMETOOLONG;
	}
	return docker_exchange(d, method, vpath, json_body, timeout_ms, resp, err, errlen);
}

void docker_response_free(struct docker_response *resp)
{
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

int docker_response_error(const struct docker_response *resp, char *err, size_t errlen)
{
	const char *msg = NULL;
	json_t *j = NULL;
	int ret;

	if (resp->status < 400)
		return 0;
	if (resp->body && resp->len) {
		j = json_loadb(resp->body, resp->len, 0, NULL);
		if (j && json_is_string(json_object_get(j, "message")))
			msg = json_string_value(json_object_get(j, "message"));
	}
	if (msg)
		snprintf(err, errlen, "HTTP %ld: %s", resp->status, msg);
	else
		snprintf(err, errlen, "HTTP %ld: %.200s", resp->status,
			 resp->body && resp->len ? resp->body : "(no body)");
	json_decref(j);
	switch (resp->status) {
	case 400:
		ret = -EINVAL;
		break;
	case 401:
	case 403:
		ret = -EACCES;
		break;
	case 404:
		ret = -ENOENT;
		break;
	case 409:
		ret = -EBUSY;
		break;
	default:
		ret = -EIO;
		break;
	}
	return ret;
}

/* "1.41" -> 1041; -EINVAL when malformed. */
static long docker_api_num(const char *v)
{
	int64_t maj, min;
	const char *p;

	if (util_parse_i64(v, &p, 1, 99, &maj) < 0 || *p != '.' ||
	    util_parse_i64(p + 1, &p, 0, 999, &min) < 0 || *p)
		return -EINVAL;
	return (long)(maj * 1000 + min);
}

static void docker_copy_str(json_t *o, const char *key, char *out, size_t cap)
{
	json_t *v = json_object_get(o, key);
	util_strlcpy(out, json_is_string(v) ? json_string_value(v) : "", cap);
}

/* GET path and parse a JSON answer of the given type (object or array). */
static int docker_get_json(struct docker *d, const char *path, bool versioned, json_t **out,
			   char *err, size_t errlen)
{
	struct docker_response r;
	json_error_t jerr;
	int ret;

	*out = NULL;
	ret = versioned ? docker_request(d, "GET", path, NULL, 0, &r, err, errlen)
			: docker_exchange(d, "GET", path, NULL, 0, &r, err, errlen);
	if (ret < 0)
		return ret;
	ret = docker_response_error(&r, err, errlen);
	if (ret < 0) {
		docker_response_free(&r);
		return ret;
	}
	*out = json_loadb(r.body, r.len, 0, &jerr);
	docker_response_free(&r);
	if (!*out) {
		snprintf(err, errlen, "GET %s: answer is not JSON: %s", path, jerr.text);
		return -EPROTO;
	}
	return 0;
}

int docker_version(struct docker *d, struct docker_version *out, char *err, size_t errlen)
{
	json_t *j;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = docker_get_json(d, "/version", false, &j, err, errlen);
	if (ret < 0)
		return ret;
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errlen, "GET /version: expected an object");
		return -EPROTO;
	}
	docker_copy_str(j, "Version", out->version, sizeof(out->version));
	docker_copy_str(j, "ApiVersion", out->api_version, sizeof(out->api_version));
	docker_copy_str(j, "MinAPIVersion", out->min_api_version, sizeof(out->min_api_version));
	docker_copy_str(j, "Os", out->os, sizeof(out->os));
	docker_copy_str(j, "Arch", out->arch, sizeof(out->arch));
	docker_copy_str(j, "KernelVersion", out->kernel, sizeof(out->kernel));
	json_decref(j);
	return 0;
}

int docker_open(struct docker **out, const struct docker_opts *opts, char *err, size_t errlen)
{
	struct docker *d;
	const char *api = opts ? opts->api_version : NULL;
	int ret;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->curl = curl_easy_init();
	if (!d->curl) {
		ret = -ENOMEM;
		snprintf(err, errlen, "curl_easy_init failed");
		goto err;
	}
	if (!util_strlcpy(d->socket_path,
			  opts && opts->socket_path ? opts->socket_path : DOCKER_SOCKET,
			  sizeof(d->socket_path))) {
		ret = -ENAMETOOLONG;
		snprintf(err, errlen, "socket path too long");
		goto err;
	}
	d->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : DOCKER_TIMEOUT_MS;
	d->connect_timeout_ms =
		opts && opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 2000;
	d->alive = opts ? opts->alive : NULL;
	if (api && api[0]) {
		if (api[0] == 'v')
			api++;
		if (docker_api_num(api) < 0 || !util_strlcpy(d->api, api, sizeof(d->api))) {
			ret = -EINVAL;
			snprintf(err, errlen, "bad API version \"%s\" (expected like 1.41)", api);
			goto err;
		}
	} else {
		struct docker_version v;

		ret = docker_version(d, &v, err, errlen);
		if (ret < 0)
			goto err;
		/* DOCKER_API_DEFAULT and DOCKER_API_MAX are separate settings that
		 * happen to be equal today, hence identical-looking branches. */
		if (docker_api_num(v.api_version) < 0)
			// NOLINTNEXTLINE(bugprone-branch-clone): see above
			util_strlcpy(d->api, DOCKER_API_DEFAULT, sizeof(d->api));
		else if (docker_api_num(v.api_version) > docker_api_num(DOCKER_API_MAX))
			util_strlcpy(d->api, DOCKER_API_MAX, sizeof(d->api));
		else
			util_strlcpy(d->api, v.api_version, sizeof(d->api));
	}
	*out = d;
	return 0;
err:
	docker_close(d);
	return ret;
}

void docker_close(struct docker *d)
{
	if (!d)
		return;
	if (d->curl)
		curl_easy_cleanup(d->curl);
	free(d);
}

const char *docker_api_version(const struct docker *d)
{
	return d->api;
}

long docker_timeout_ms(const struct docker *d)
{
	return d->timeout_ms;
}

void (*docker_alive_fn(const struct docker *d))(void)
{
	return d->alive;
}

int docker_ping(struct docker *d, char *err, size_t errlen)
{
	struct docker_response r;
	int ret;

	ret = docker_request(d, "GET", "/_ping", NULL, 0, &r, err, errlen);
	if (ret < 0)
		return ret;
	ret = docker_response_error(&r, err, errlen);
	if (ret == 0 && strcmp(r.body, "OK") != 0) {
		snprintf(err, errlen, "GET /_ping answered \"%.40s\", not OK", r.body);
		ret = -EPROTO;
	}
	docker_response_free(&r);
	return ret;
}

bool docker_url_escape(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (cap == 0)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
		size_t need = plain ? 1 : 3;
		if (o + need >= cap) {
			out[o] = '\0';
			return false;
		}
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return true;
}

static void docker_labels_free(struct docker_label *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].key);
		free(l[i].value);
	}
	free(l);
}

/* Copy a JSON object of string values into a label array. 0 or -ENOMEM. */
static int docker_labels_parse(json_t *o, struct docker_label **out, size_t *n)
{
	const char *k;
	json_t *v;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (!json_is_object(o) || json_object_size(o) == 0)
		return 0;
	*out = calloc(json_object_size(o), sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_object_foreach(o, k, v)
	{
		if (!json_is_string(v))
			continue;
		(*out)[i].key = strdup(k);
		(*out)[i].value = strdup(json_string_value(v));
		if (!(*out)[i].key || !(*out)[i].value) {
			docker_labels_free(*out, i + 1);
			*out = NULL;
			return -ENOMEM;
		}
		i++;
	}
	*n = i;
	return 0;
}

static const char *docker_label_get(const struct docker_label *l, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i].key, key) == 0)
			return l[i].value;
	return NULL;
}

const char *docker_container_label(const struct docker_container *c, const char *key)
{
	return docker_label_get(c->labels, c->nlabels, key);
}

void docker_container_list_free(struct docker_container_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		docker_labels_free(l->items[i].labels, l->items[i].nlabels);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

const struct docker_container *docker_container_find(const struct docker_container_list *l,
						     const char *id_prefix)
{
	size_t n = strlen(id_prefix);

	if (n == 0)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->items[i].id, id_prefix, n) == 0)
			return &l->items[i];
	return NULL;
}

/* One entry of GET /containers/json into dc: 1 when it is a container
 * entry we understand, 0 when not (skipped), -ENOMEM. */
static int docker_container_fill(json_t *c, struct docker_container *dc)
{
	json_t *names = json_object_get(c, "Names"), *cr = json_object_get(c, "Created");
	const char *name = json_is_array(names) && json_is_string(json_array_get(names, 0))
				   ? json_string_value(json_array_get(names, 0))
				   : "";

	docker_copy_str(c, "Id", dc->id, sizeof(dc->id));
	if (!util_is_hex(dc->id, 64))
		return 0;
	util_strlcpy(dc->name, name[0] == '/' ? name + 1 : name, sizeof(dc->name));
	docker_copy_str(c, "Image", dc->image, sizeof(dc->image));
	docker_copy_str(c, "ImageID", dc->image_id, sizeof(dc->image_id));
	docker_copy_str(c, "State", dc->state, sizeof(dc->state));
	docker_copy_str(c, "Status", dc->status, sizeof(dc->status));
	dc->created = json_is_integer(cr) ? (int64_t)json_integer_value(cr) : 0;
	return docker_labels_parse(json_object_get(c, "Labels"), &dc->labels, &dc->nlabels) < 0
		       ? -ENOMEM
		       : 1;
}

/* The list's path: all or running containers, with a label filter or not. */
static int docker_list_path(bool all, const char *label_filter, char *path, size_t cap, char *err,
			    size_t errlen)
{
	char esc[768];

	if (label_filter && label_filter[0]) {
		json_t *f = json_pack("{s:[s]}", "label", label_filter);
		char *txt = f ? json_dumps(f, JSON_COMPACT) : NULL;
		bool ok = txt && docker_url_escape(txt, esc, sizeof(esc));
		free(txt);
		json_decref(f);
		if (!ok) {
			snprintf(err, errlen, "label filter too long or out of memory");
			return -EINVAL;
		}
		snprintf(path, cap, "/containers/json?all=%d&filters=%s", all ? 1 : 0, esc);
	} else {
		snprintf(path, cap, "/containers/json?all=%d", all ? 1 : 0);
	}
	return 0;
}

/*
 * The entries of the list's body into out->items, one element parsed at a
 * time: at 500 containers the whole list as one tree was the largest thing
 * servicio held. When the scanner does not see an array (jspan.h), the
 * body is parsed whole, which also names what is wrong with it.
 */
static int docker_list_parse(const char *path, const char *body, size_t len,
			     struct docker_container_list *out, char *err, size_t errlen)
{
	struct jspan *sp = NULL;
	json_t *whole = NULL;
	json_error_t jerr;
	size_t n = 0;
	int ret = 0;

	if (jspan_array(body, len, NULL, 0, &n) < 0 || !(sp = calloc(n ? n : 1, sizeof(*sp))) ||
	    jspan_array(body, len, sp, n, &n) < 0) {
		free(sp);
		sp = NULL;
		whole = json_loadb(body, len, 0, &jerr);
		if (!whole) {
			snprintf(err, errlen, "GET %s: answer is not JSON: %s", path, jerr.text);
			return -EPROTO;
		}
		if (!json_is_array(whole)) {
			snprintf(err, errlen, "GET /containers/json: expected an array");
			json_decref(whole);
			return -EPROTO;
		}
		n = json_array_size(whole);
	}
	if (n && !(out->items = calloc(n, sizeof(*out->items)))) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && ret >= 0; i++) {
		json_t *c = sp ? json_loadb(body + sp[i].off, sp[i].len, JSON_DECODE_ANY, &jerr)
			       : json_incref(json_array_get(whole, i));

		if (!c) {
			snprintf(err, errlen, "GET %s: answer is not JSON: %s", path, jerr.text);
			ret = -EPROTO;
			break;
		}
		ret = docker_container_fill(c, &out->items[out->n]);
		if (ret != 0) /* counted on -ENOMEM too: the free takes its labels */
			out->n++;
		else /* not a container entry we understand: the slot is reused */
			memset(&out->items[out->n], 0, sizeof(out->items[out->n]));
		json_decref(c);
	}
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
out:
	free(sp);
	json_decref(whole);
	return ret < 0 ? ret : 0;
}

int docker_list_containers(struct docker *d, bool all, const char *label_filter,
			   struct docker_container_list *out, char *err, size_t errlen)
{
	struct docker_response r;
	char path[1024];
	int ret;

	memset(out, 0, sizeof(*out));
	ret = docker_list_path(all, label_filter, path, sizeof(path), err, errlen);
	if (ret < 0)
		return ret;
	ret = docker_request(d, "GET", path, NULL, 0, &r, err, errlen);
	if (ret < 0)
		return ret;
	ret = docker_response_error(&r, err, errlen);
	if (ret == 0)
		ret = docker_list_parse(path, r.body, r.len, out, err, errlen);
	docker_response_free(&r);
	if (ret < 0)
		docker_container_list_free(out);
	return ret;
}

int docker_inspect(struct docker *d, const char *id, struct docker_inspect *out, char *err,
		   size_t errlen)
{
	char path[512], esc[300];
	json_t *j, *st, *hc, *cfg;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!id[0] || !docker_url_escape(id, esc, sizeof(esc))) {
		snprintf(err, errlen, "bad container id or name");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/containers/%s/json", esc);
	ret = docker_get_json(d, path, true, &j, err, errlen);
	if (ret < 0)
		return ret;
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errlen, "GET %s: expected an object", path);
		return -EPROTO;
	}
	out->raw = j;
	docker_copy_str(j, "Id", out->id, sizeof(out->id));
	docker_copy_str(j, "Name", out->name, sizeof(out->name));
	if (out->name[0] == '/')
		memmove(out->name, out->name + 1, strlen(out->name));
	st = json_object_get(j, "State");
	docker_copy_str(st, "Status", out->status, sizeof(out->status));
	docker_copy_str(st, "StartedAt", out->started_at, sizeof(out->started_at));
	out->running = json_is_true(json_object_get(st, "Running"));
	out->pid = (int)json_integer_value(json_object_get(st, "Pid"));
	out->exit_code = (int)json_integer_value(json_object_get(st, "ExitCode"));
	hc = json_object_get(j, "HostConfig");
	out->memory_limit = (int64_t)json_integer_value(json_object_get(hc, "Memory"));
	docker_copy_str(hc, "CgroupParent", out->cgroup_parent, sizeof(out->cgroup_parent));
	cfg = json_object_get(j, "Config");
	docker_copy_str(cfg, "Image", out->image, sizeof(out->image));
	if (docker_labels_parse(json_object_get(cfg, "Labels"), &out->labels, &out->nlabels) < 0) {
		docker_inspect_free(out);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void docker_inspect_free(struct docker_inspect *i)
{
	docker_labels_free(i->labels, i->nlabels);
	json_decref(i->raw);
	memset(i, 0, sizeof(*i));
}
