/*
 * docker_ctl.c — kill/remove and the admin_logs container (see docker_ctl.h).
 *
 * Every call is one or two docker_request()s; the status codes the API
 * documents as harmless are absorbed here (409 "is not running" on kill,
 * 404 on delete: the container is already gone; 304 on start: already
 * running), everything else becomes -errno with the API's message.
 */
#include "docker_ctl.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gestor.h"
#include "token.h"
#include "util.h"

/* One request whose body we do not need; returns the status or -errno. */
static long call(struct docker *d, const char *method, const char *path, const char *body,
		 long timeout_ms, char *err, size_t errlen)
{
	struct docker_response r = { 0 };
	long st;
	int ret = docker_request(d, method, path, body, timeout_ms, &r, err, errlen);

	if (ret)
		return ret;
	st = r.status;
	if (st >= 400)
		docker_response_error(&r, err, errlen);
	docker_response_free(&r);
	return st;
}

static bool valid_ref(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* SIGKILL; *gone when the container no longer exists. */
static int dctl_kill(struct docker *d, const char *id, bool *gone, char *err, size_t errlen)
{
	char path[256];
	long st;

	*gone = false;
	if (!valid_ref(id)) {
		snprintf(err, errlen, "bad container reference");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/containers/%s/kill?signal=SIGKILL", id);
	st = call(d, "POST", path, NULL, 0, err, errlen);
	if (st < 0)
		return (int)st;
	if (st == 404) {
		*gone = true;
		return 0;
	}
	/* 409: not running (already exited): the delete still has to happen */
	if (st >= 400 && st != 409)
		return -EIO;
	return 0;
}

/* Whether a removal takes the container's anonymous volumes (docker_ctl.h). */
static bool dctl_volumes;

void dctl_set_remove_volumes(bool on)
{
	dctl_volumes = on;
}

/* Force-delete; its anonymous volumes only when asked (dctl_volumes). */
static int dctl_delete(struct docker *d, const char *id, char *err, size_t errlen)
{
	char path[256];
	long st;

	if (!valid_ref(id)) {
		snprintf(err, errlen, "bad container reference");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/containers/%s?force=1&v=%d", id, dctl_volumes ? 1 : 0);
	st = call(d, "DELETE", path, NULL, 0, err, errlen);
	if (st < 0)
		return (int)st;
	if (st == 404 || st == 204 || st == 200)
		return 0;
	/* 409 "removal already in progress" is the daemon's own removal of it */
	if (st == 409 && strstr(err, "in progress"))
		return 0;
	return st == 409 ? -EBUSY : -EIO;
}

/* Seconds a removal gives the container to stop (docker_ctl.h); 0: SIGKILL. */
static int dctl_stop_s;

void dctl_set_stop_timeout(int seconds)
{
	dctl_stop_s = seconds > 0 ? seconds : 0;
}

/* POST /stop?t=dctl_stop_s: the stop signal, SIGKILL after the timeout. */
static int dctl_stop(struct docker *d, const char *id, bool *gone, char *err, size_t errlen)
{
	char path[256];
	long st;

	*gone = false;
	if (!valid_ref(id)) {
		snprintf(err, errlen, "bad container reference");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/containers/%s/stop?t=%d", id, dctl_stop_s);
	/* the daemon answers once the container is down: the timeout and then some */
	st = call(d, "POST", path, NULL, (long)(dctl_stop_s + 30) * 1000, err, errlen);
	if (st < 0)
		return (int)st;
	if (st == 404) {
		*gone = true;
		return 0;
	}
	/* 304: not running (already exited): the delete still has to happen */
	return st >= 400 ? -EIO : 0;
}

int dctl_remove(struct docker *d, const char *id, bool *gone, char *err, size_t errlen)
{
	int ret = dctl_stop_s > 0 ? dctl_stop(d, id, gone, err, errlen)
				  : dctl_kill(d, id, gone, err, errlen);

	if (ret || *gone)
		return ret;
	return dctl_delete(d, id, err, errlen);
}

/* What POST /containers/create gets for a (docker_ctl.h). NULL when out of memory. */
static json_t *dctl_admin_want(const struct dctl_admin *a)
{
	char bind[1100], sbind[1100], user[48], port[48];
	json_t *hc;

	snprintf(bind, sizeof(bind), "%s:/data", a->data_dir);
	snprintf(sbind, sizeof(sbind), "%s:" GESTOR_LOG_SOCK_CTR_DIR, a->sock_dir);
	snprintf(user, sizeof(user), "%ld:%ld", a->uid, a->gid);
	snprintf(port, sizeof(port), "ADMIN_LOGS_PORT=%d", a->host_port);
	hc = json_pack("{s:s,s:[s,s],s:{s:s},s:{s:s,s:{s:s,s:s}},s:[s],s:[s],s:b,s:{s:s},s:I,s:I,"
		       "s:I}",
		       "NetworkMode", "host", "Binds", bind, sbind, "RestartPolicy", "Name",
		       a->keep ? "unless-stopped" : "no", "LogConfig", "Type", "json-file",
		       "Config", "max-size", "10m", "max-file", "2", "CapDrop", "ALL",
		       "SecurityOpt", "no-new-privileges", "ReadonlyRootfs", 1, "Tmpfs", "/tmp",
		       DCTL_ADMIN_TMPFS, "Memory", (json_int_t)DCTL_ADMIN_MEMORY, "MemorySwap",
		       (json_int_t)DCTL_ADMIN_MEMORY, "PidsLimit", (json_int_t)DCTL_ADMIN_PIDS);
	return json_pack("{s:s,s:s,s:{s:s},s:o,s:[s,s,s,s,s]}", "Image", a->image, "User", user,
			 "Labels", GESTOR_LABEL_ROLE, GESTOR_ROLE_ADMIN_LOGS, "HostConfig", hc,
			 "Env", "ADMIN_LOGS_LISTEN=127.0.0.1", port,
			 "ADMIN_LOGS_UNIX=" GESTOR_LOG_SOCK_CTR_DIR "/" GESTOR_LOG_SOCK_NAME,
			 "ADMIN_LOGS_TOKEN_FILE=/data/" DCTL_ADMIN_TOKEN,
			 "ADMIN_LOGS_OPEN_READS=1");
}

char *dctl_admin_create_body(const struct dctl_admin *a)
{
	json_t *root = dctl_admin_want(a);
	char *out;

	if (!root)
		return NULL;
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return out;
}

/* The HostConfig settings an existing container must share with a new one. */
static const char *const dctl_admin_same[] = { "NetworkMode", "Binds",		"CapDrop",
					       "SecurityOpt", "ReadonlyRootfs", "Tmpfs",
					       "Memory",      "MemorySwap",	"PidsLimit" };

const char *dctl_admin_differs(const json_t *ctr, const json_t *image, const struct dctl_admin *a,
			       char *why, size_t cap)
{
	json_t *want = dctl_admin_want(a);
	const json_t *cc = json_object_get(ctr, "Config"), *ch = json_object_get(ctr, "HostConfig");
	const json_t *ic = json_object_get(image, "Config"), *wh, *env = json_object_get(cc, "Env");
	const char *s;
	size_t i, j;

	why[0] = '\0';
	if (!want) {
		snprintf(why, cap, "out of memory");
		return why;
	}
	wh = json_object_get(want, "HostConfig");
	s = json_string_value(json_object_get(cc, "Image"));
	if (!s || strcmp(s, a->image) != 0)
		snprintf(why, cap, "image %s, not %s", s ? s : "?", a->image);
	else if (!json_equal(json_object_get(ctr, "Image"), json_object_get(image, "Id")))
		snprintf(why, cap, "made from an older build of %s", a->image);
	else if (!json_equal(json_object_get(cc, "User"), json_object_get(want, "User")))
		snprintf(why, cap, "user '%s', not %s",
			 json_string_value(json_object_get(cc, "User")),
			 json_string_value(json_object_get(want, "User")));
	else if (!json_equal(json_object_get(cc, "Entrypoint"),
			     json_object_get(ic, "Entrypoint")) ||
		 !json_equal(json_object_get(cc, "Cmd"), json_object_get(ic, "Cmd")))
		snprintf(why, cap, "another command than the image's");
	for (i = 0; !why[0] && i < UTIL_ARRAY_LEN(dctl_admin_same); i++)
		if (!json_equal(json_object_get(ch, dctl_admin_same[i]),
				json_object_get(wh, dctl_admin_same[i])))
			snprintf(why, cap, "other %s (%s)", dctl_admin_same[i],
				 strcmp(dctl_admin_same[i], "Binds") == 0	  ? "mounts"
				 : strcmp(dctl_admin_same[i], "NetworkMode") == 0 ? "network"
										  : "hardening");
	for (i = 0; !why[0] && i < json_array_size(json_object_get(want, "Env")); i++) {
		const char *w = json_string_value(json_array_get(json_object_get(want, "Env"), i));
		bool found = false;

		for (j = 0; j < json_array_size(env) && !found; j++)
			found = json_is_string(json_array_get(env, j)) &&
				strcmp(json_string_value(json_array_get(env, j)), w) == 0;
		if (!found)
			snprintf(why, cap, "its environment lacks %s", w);
	}
	json_decref(want);
	return why[0] ? why : NULL;
}

static int start(struct docker *d, const char *id, char *err, size_t errlen)
{
	char path[128];
	long st;

	snprintf(path, sizeof(path), "/containers/%s/start", id);
	st = call(d, "POST", path, NULL, 0, err, errlen);
	if (st < 0)
		return (int)st;
	if (st == 204 || st == 304)
		return 0;
	return -EIO;
}

/* GET /images/<image>/json into *root (caller frees). 0, -ENOENT when missing, or -errno. */
static int dctl_image_json(struct docker *d, const char *image, json_t **root, char *err,
			   size_t errlen)
{
	struct docker_response r = { 0 };
	char path[512], esc[400];
	int ret;

	*root = NULL;
	if (!docker_url_escape(image, esc, sizeof(esc))) {
		snprintf(err, errlen, "image name too long");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/images/%s/json", esc);
	ret = docker_request(d, "GET", path, NULL, 0, &r, err, errlen);
	if (ret)
		return ret;
	if (r.status != 200) {
		ret = docker_response_error(&r, err, errlen);
		docker_response_free(&r);
		return ret ? ret : -EIO;
	}
	*root = json_loadb(r.body, r.len, 0, NULL);
	docker_response_free(&r);
	if (!*root) {
		snprintf(err, errlen, "GET %s: not JSON", path);
		return -EPROTO;
	}
	return 0;
}

/* "uid[:gid]" into *uid, *gid; left alone when user names none or a user by name. */
static void dctl_parse_user(const char *user, long *uid, long *gid)
{
	if (user && user[0]) {
		char *end;
		long u = strtol(user, &end, 10);
		if (end != user && u >= 0 && (*end == '\0' || *end == ':')) {
			*uid = u;
			*gid = u;
			if (*end == ':') {
				char *e2;
				long g = strtol(end + 1, &e2, 10);
				if (e2 != end + 1 && *e2 == '\0' && g >= 0)
					*gid = g;
			}
		}
	}
}

/*
 * The numeric user an image runs as (Config.User "uid[:gid]"); -1 when it
 * names none or a user by name. 0, or -ENOENT when the image is missing.
 */
static int dctl_image_user(struct docker *d, const char *image, long *uid, long *gid, char *err,
			   size_t errlen)
{
	json_t *root;
	int ret = dctl_image_json(d, image, &root, err, errlen);

	*uid = *gid = -1;
	if (ret)
		return ret;
	dctl_parse_user(json_string_value(json_object_get(json_object_get(root, "Config"), "User")),
			uid, gid);
	json_decref(root);
	return 0;
}

/* <data_dir>/token: made once, for the server's user (docker_ctl.h). */
static int dctl_admin_token(const struct dctl_admin *a, long uid, long gid, char *err,
			    size_t errlen)
{
	char path[1100];
	bool created;

	if (snprintf(path, sizeof(path), "%s/%s", a->data_dir, DCTL_ADMIN_TOKEN) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "admin_logs data directory path too long");
		return -ENAMETOOLONG;
	}
	return token_create_file(path, uid, gid, &created, err, errlen);
}

/* The host's data directory, owned by the image's numeric user when it
 * names one (the server may run as a fixed non-root user). 0 or -errno. */
static int dctl_admin_data_dir(struct docker *d, const struct dctl_admin *a, char *err,
			       size_t errlen)
{
	char e2[512];
	struct stat st;
	long uid, gid;
	int ret = util_mkdir_p(a->data_dir, 0755);

	if (ret) {
		snprintf(err, errlen, "admin_logs data directory %s: %s", a->data_dir,
			 strerror(-ret));
		return ret;
	}
	if (dctl_image_user(d, a->image, &uid, &gid, e2, sizeof(e2)) == -ENOENT) {
		snprintf(err, errlen, "image %s is not here (%s): build it with `make images`",
			 a->image, e2);
		return -ENOENT;
	}
	if (a->uid >= 0) { /* the server runs as the host's system user (GESTOR_LOG_USER) */
		uid = a->uid;
		gid = a->gid;
	}
	/* already the server's: no chown (servicio may have dropped CAP_CHOWN
	 * by the time it re-creates the container: privs.h) */
	if (uid > 0 &&
	    !(stat(a->data_dir, &st) == 0 && st.st_uid == (uid_t)uid && st.st_gid == (gid_t)gid) &&
	    chown(a->data_dir, (uid_t)uid, (gid_t)gid) != 0) {
		ret = -errno;
		snprintf(err, errlen, "admin_logs data directory %s: chown to %ld:%ld: %s",
			 a->data_dir, uid, gid, strerror(-ret));
		return ret;
	}
	return dctl_admin_token(a, uid > 0 ? uid : -1, gid, err, errlen);
}

/* POST /containers/create; id gets the new container's. 0 or -errno. */
static int dctl_admin_create(struct docker *d, const struct dctl_admin *a,
			     char id[GESTOR_CTR_ID_LEN + 1], char *err, size_t errlen)
{
	struct docker_response r = { 0 };
	char path[512], e2[512], *body = dctl_admin_create_body(a);
	json_t *root;
	int ret;

	if (!body) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "/containers/create?name=%s", a->name);
	ret = docker_request(d, "POST", path, body, 0, &r, err, errlen);
	free(body);
	if (ret)
		return ret;
	if (r.status != 201) {
		ret = docker_response_error(&r, e2, sizeof(e2));
		if (r.status == 404)
			snprintf(err, errlen,
				 "image %s is not here (%s): build it with `make images`", a->image,
				 e2);
		else
			snprintf(err, errlen, "create %s: %s", a->name, e2);
		docker_response_free(&r);
		return r.status == 404 ? -ENOENT : (ret ? ret : -EIO);
	}
	root = json_loadb(r.body, r.len, 0, NULL);
	docker_response_free(&r);
	if (!json_is_string(json_object_get(root, "Id"))) {
		snprintf(err, errlen, "create %s: no Id in the answer", a->name);
		json_decref(root);
		return -EPROTO;
	}
	util_strlcpy(id, json_string_value(json_object_get(root, "Id")), 65);
	json_decref(root);
	return 0;
}

/*
 * The existing container in may be reused: 0; 1 when it is servicio's but
 * not what it would create now (err says why); -EEXIST when it is not
 * servicio's (no gestor.role=admin_logs label: never removed); -errno.
 */
static int dctl_admin_reusable(struct docker *d, const struct dctl_admin *a,
			       const struct docker_inspect *in, char *err, size_t errlen)
{
	const json_t *labels = json_object_get(json_object_get(in->raw, "Config"), "Labels");
	const char *role = json_string_value(json_object_get(labels, GESTOR_LABEL_ROLE));
	json_t *image;
	char why[256];
	int ret;

	if (!role || strcmp(role, GESTOR_ROLE_ADMIN_LOGS) != 0) {
		snprintf(err, errlen,
			 "a container named %s exists that servicio did not make (no label "
			 "%s=%s): remove or rename it, or use --admin-name",
			 a->name, GESTOR_LABEL_ROLE, GESTOR_ROLE_ADMIN_LOGS);
		return -EEXIST;
	}
	if ((ret = dctl_image_json(d, a->image, &image, err, errlen)) != 0)
		return ret;
	if (dctl_admin_differs(in->raw, image, a, why, sizeof(why)))
		snprintf(err, errlen, "%s", why);
	json_decref(image);
	return why[0] ? 1 : 0;
}

int dctl_admin_ensure(struct docker *d, const struct dctl_admin *a, enum dctl_admin_state *state,
		      char id[GESTOR_CTR_ID_LEN + 1], char *err, size_t errlen)
{
	struct docker_inspect in = { 0 };
	char e2[512], e3[1024];
	int ret;

	id[0] = '\0';
	*state = DCTL_ADMIN_CREATED;
	if (!valid_ref(a->name)) {
		snprintf(err, errlen, "bad admin_logs container name '%s'", a->name);
		return -EINVAL;
	}
	ret = docker_inspect(d, a->name, &in, e2, sizeof(e2));
	if (ret == 0 && (ret = dctl_admin_reusable(d, a, &in, err, errlen)) != 0) {
		bool replace = ret == 1;

		docker_inspect_free(&in);
		if (!replace)
			return ret;
		/* err says why; the container goes, its data stays on the host */
		if ((ret = dctl_stop_remove(d, a->name, 5, e2, sizeof(e2))) != 0) {
			snprintf(err, errlen, "cannot remove %s to replace it: %s", a->name, e2);
			return ret;
		}
		*state = DCTL_ADMIN_REPLACED;
		ret = -ENOENT;
	}
	if (ret == 0) {
		bool running = in.running;

		util_strlcpy(id, in.id, 65);
		docker_inspect_free(&in);
		*state = running ? DCTL_ADMIN_REUSED : DCTL_ADMIN_STARTED;
		return running ? 0 : start(d, id, err, errlen);
	}
	docker_inspect_free(&in);
	if (ret != -ENOENT) {
		snprintf(err, errlen, "inspect %s: %s", a->name, e2);
		return ret;
	}
	/* err keeps the reason of a replacement while these run */
	if ((ret = dctl_admin_data_dir(d, a, e3, sizeof(e3))) != 0 ||
	    (ret = dctl_admin_create(d, a, id, e3, sizeof(e3))) != 0 ||
	    (ret = start(d, id, e3, sizeof(e3))) != 0) {
		snprintf(err, errlen, "%s", e3);
		return ret;
	}
	if (*state != DCTL_ADMIN_REPLACED)
		*state = DCTL_ADMIN_CREATED;
	return 0;
}

int dctl_stop_remove(struct docker *d, const char *id, int grace_s, char *err, size_t errlen)
{
	char path[256];
	long st;

	if (!valid_ref(id)) {
		snprintf(err, errlen, "bad container reference");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/containers/%s/stop?t=%d", id, grace_s);
	st = call(d, "POST", path, NULL, (long)(grace_s + 10) * 1000, err, errlen);
	if (st < 0)
		return (int)st;
	if (st >= 400 && st != 404)
		return -EIO;
	snprintf(path, sizeof(path), "/containers/%s?force=1&v=%d", id, dctl_volumes ? 1 : 0);
	st = call(d, "DELETE", path, NULL, 0, err, errlen);
	if (st < 0)
		return (int)st;
	return st < 400 || st == 404 ? 0 : -EIO;
}
