/*
 * docker.h — a Docker Engine API client: the transport and the read side.
 *
 * libcurl over the daemon's unix socket (CURLOPT_UNIX_SOCKET_PATH, default
 * /var/run/docker.sock), never the docker CLI. Every path is prefixed with
 * the API version: negotiated from GET /version at docker_open() (the
 * daemon's ApiVersion, capped at DOCKER_API_MAX) or fixed by the caller.
 *
 * docker_request() is the one public transport function: any method, path
 * and JSON body, returning the HTTP status and the body. The write side
 * (kill, remove, create, start: servicio's docker_ctl.c) is built on it.
 * The read functions here: ping, version, list containers (names, image,
 * labels, state, created; optional label filter) and inspect.
 *
 * Errors go to a caller buffer and a -errno:
 *   -ECONNREFUSED / -ENOENT  daemon down (socket refuses or is missing)
 *   -EACCES                  permission denied on the socket (or 401/403)
 *   -ETIMEDOUT               no answer within the timeout
 *   -ENOENT (404), -EINVAL (400), -EBUSY (409), -EIO (5xx, others) for an
 *   API error, with the API's own "message" in err.
 * A struct docker is one connection state (one CURL easy handle, reused so
 * the socket stays open); use it from one thread at a time.
 */
#ifndef SERVICIO_DOCKER_H
#define SERVICIO_DOCKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gestor.h"

#define DOCKER_SOCKET "/var/run/docker.sock"
#define DOCKER_API_DEFAULT "1.41" /* Docker 20.10 */
#define DOCKER_API_MAX "1.41" /* newest version this client speaks */
#define DOCKER_TIMEOUT_MS 10000
#define DOCKER_MAX_BODY (64u << 20) /* responses larger than this are an error */

struct docker;

struct docker_opts {
	const char *socket_path; /* NULL: DOCKER_SOCKET */
	/* "1.41" to fix the version, NULL or "" to negotiate it from /version
	 * (falls back to DOCKER_API_DEFAULT if /version gives none) */
	const char *api_version;
	long timeout_ms; /* whole request; 0: DOCKER_TIMEOUT_MS */
	long connect_timeout_ms; /* 0: 2000 */
	/* called about once a second while a request is in flight (each is
	 * bounded by timeout_ms): the caller is waiting, not hung (watchdog.h) */
	void (*alive)(void);
};

/* One HTTP exchange. body is NUL-terminated (len excludes the NUL). */
struct docker_response {
	long status;
	char *body;
	size_t len;
};

/*
 * Create a client. With a version to negotiate this talks to the daemon
 * (GET /version) and fails when it does not answer; with a fixed version it
 * does not connect. 0 or -errno with err.
 */
int docker_open(struct docker **out, const struct docker_opts *opts, char *err, size_t errlen);
void docker_close(struct docker *d);
/* The version prefix in use, e.g. "1.41". */
const char *docker_api_version(const struct docker *d);
/* The whole-request timeout in use (ms), for other connections to the same daemon. */
long docker_timeout_ms(const struct docker *d);
/* The alive callback in use (docker_opts), for other clients of the same caller. */
void (*docker_alive_fn(const struct docker *d))(void);

/*
 * The transport. method: "GET", "POST", "DELETE", ...; path: the API path
 * with its query, without the version, e.g. "/containers/json?all=1" (the
 * client sends "/v1.41/containers/json?all=1"); json_body: NULL or a JSON
 * text sent with Content-Type: application/json. Returns 0 when an HTTP
 * answer came back, whatever its status (resp->status; the caller frees
 * resp with docker_response_free()), or -errno (daemon down, permission,
 * timeout, oversized body) with err. The timeout is the client's unless
 * timeout_ms > 0 (e.g. a long stop/kill).
 */
int docker_request(struct docker *d, const char *method, const char *path, const char *json_body,
		   long timeout_ms, struct docker_response *resp, char *err, size_t errlen);
void docker_response_free(struct docker_response *resp);

/*
 * For a response with status >= 400: writes "HTTP <status>: <the API's
 * message>" into err and returns the matching -errno (see above); 0 for a
 * 2xx/3xx status.
 */
int docker_response_error(const struct docker_response *resp, char *err, size_t errlen);

/* GET /_ping: 0 when the daemon answers "OK". */
int docker_ping(struct docker *d, char *err, size_t errlen);

struct docker_version {
	char version[32]; /* "20.10.24+dfsg1" */
	char api_version[16]; /* "1.41" */
	char min_api_version[16];
	char os[16], arch[16];
	char kernel[96];
};
/* GET /version (unversioned path, as docker_open uses it). */
int docker_version(struct docker *d, struct docker_version *out, char *err, size_t errlen);

struct docker_label {
	char *key, *value;
};

struct docker_container {
	char id[GESTOR_CTR_ID_LEN + 1];
	char name[256]; /* without the leading '/' */
	char image[256]; /* as created, e.g. "gestor/low:latest" */
	char image_id[80];
	char state[16]; /* "running", "exited", "created", ... */
	char status[128]; /* "Up 3 minutes" */
	int64_t created; /* unix seconds */
	struct docker_label *labels;
	size_t nlabels;
};

struct docker_container_list {
	struct docker_container *items;
	size_t n;
};

/*
 * GET /containers/json. all: include stopped ones; label_filter: NULL or a
 * label filter as docker ps takes it ("gestor.managed=true" or just a key).
 * 0 or -errno with err; out is empty on error. Free with
 * docker_container_list_free().
 */
int docker_list_containers(struct docker *d, bool all, const char *label_filter,
			   struct docker_container_list *out, char *err, size_t errlen);
void docker_container_list_free(struct docker_container_list *l);
/* Value of a label, NULL when absent. */
const char *docker_container_label(const struct docker_container *c, const char *key);
/* The container of list l whose id starts with id_prefix, NULL when none. */
const struct docker_container *docker_container_find(const struct docker_container_list *l,
						     const char *id_prefix);

/* GET /containers/<id>/json, the parts servicio uses, plus the whole document. */
struct docker_inspect {
	char id[GESTOR_CTR_ID_LEN + 1];
	char name[256];
	char image[256];
	char status[16]; /* State.Status */
	bool running;
	int pid; /* State.Pid, 0 when not running */
	int exit_code;
	char started_at[40];
	int64_t memory_limit; /* HostConfig.Memory, 0 = none */
	char cgroup_parent[256];
	struct docker_label *labels;
	size_t nlabels;
	json_t *raw; /* the whole answer (owned; freed with the struct) */
};
/* -ENOENT with the API's message when there is no such container. */
int docker_inspect(struct docker *d, const char *id, struct docker_inspect *out, char *err,
		   size_t errlen);
void docker_inspect_free(struct docker_inspect *i);

/* Percent-encode s for a URL query into out (cap bytes). false when cut. */
bool docker_url_escape(const char *s, char *out, size_t cap);

#endif
