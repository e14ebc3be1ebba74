/*
 * events.c — the event thread (see events.h): GET /events as a stream on
 * its own libcurl handle, split into lines (one JSON document each, parsed
 * by events_parse_buf), a due time for the main loop under a mutex, and
 * the reconnection with its backoff. The progress callback (about once a
 * second even when nothing arrives) lets events_stop() end the transfer.
 */
#include "events.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "docker.h"
#include "gestor.h"
#include "log.h"
#include "util.h"

#define EVENTS_BACKOFF_MIN_MS 500
#define EVENTS_BACKOFF_MAX_MS 5000
#define EVENTS_WAIT_STEP_NS 200000000ull /* the main loop checks its stop flag this often */

struct events {
	struct events_cfg cfg;
	char path[1024];
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_bool quit;
	/* under mu */
	uint64_t due_ns; /* monotonic; 0: no reaction due */
	bool died;
	/* the thread's own */
	char *line;
	size_t len;
	bool skipping; /* inside a line longer than EVENTS_LINE_MAX */
	bool connected, broke;
	long status;
};

int events_parse_buf(const char *line, size_t len, struct events_event *out)
{
	json_error_t jerr;
	json_t *j = json_loadb(line, len, 0, &jerr), *actor;
	const char *type, *action, *id, *name = NULL;
	int ret = -EINVAL;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j))
		goto out;
	type = json_string_value(json_object_get(j, "Type"));
	action = json_string_value(json_object_get(j, "Action"));
	if (!action)
		action = json_string_value(json_object_get(j, "status")); /* before API 1.22 */
	actor = json_object_get(j, "Actor");
	id = json_string_value(json_object_get(actor, "ID"));
	if (!id)
		id = json_string_value(json_object_get(j, "id"));
	name = json_string_value(json_object_get(json_object_get(actor, "Attributes"), "name"));
	if (!type || !action || !id)
		goto out;
	if (strcmp(type, "container") == 0 && strcmp(action, "start") == 0)
		out->kind = EVENTS_START;
	else if (strcmp(type, "container") == 0 && strcmp(action, "die") == 0)
		out->kind = EVENTS_DIE;
	util_strlcpy(out->id, id, sizeof(out->id));
	util_strlcpy(out->name, name ? name : "", sizeof(out->name));
	ret = 0;
out:
	json_decref(j);
	return ret;
}

bool events_path(const struct events_cfg *cfg, char *out, size_t cap)
{
	json_t *labels = json_pack("[s]", GESTOR_MANAGED_FILTER);
	json_t *f = json_pack("{s:[s],s:[s,s],s:o}", "type", "container", "event", "start", "die",
			      "label", labels);
	char *txt, esc[768];
	bool ok;

	if (f && cfg->scope && cfg->scope[0])
		json_array_append_new(labels, json_string(cfg->scope));
	txt = f ? json_dumps(f, JSON_COMPACT) : NULL;
	json_decref(f);
	ok = txt && docker_url_escape(txt, esc, sizeof(esc));
	free(txt);
	if (!ok)
		return false;
	return snprintf(out, cap, "/v%s/events?filters=%s", cfg->api_version, esc) < (int)cap;
}

static void events_handle(struct events *e, const char *line, size_t len)
{
	struct events_event ev;

	if (len == 0 || events_parse_buf(line, len, &ev) != 0)
		return;
	pthread_mutex_lock(&e->mu);
	if (ev.kind == EVENTS_START) {
		/* each started container gets its whole window: a later start
		 * moves the pending reaction to its own window's end */
		uint64_t due = util_mono_ns() + (uint64_t)e->cfg.window_ms * 1000000ull;

		if (due > e->due_ns)
			e->due_ns = due;
		pthread_cond_broadcast(&e->cv);
	} else if (ev.kind == EVENTS_DIE) {
		e->died = true;
	}
	pthread_mutex_unlock(&e->mu);
	if (ev.kind == EVENTS_START)
		log_debug("event: %s (%.12s) started: deciding in %u ms", ev.name, ev.id,
			  e->cfg.window_ms);
}

static size_t events_write_cb(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct events *e = user;
	size_t n = size * nmemb;

	if (e->status != 200)
		return n; /* an error body: read, not parsed */
	for (size_t i = 0; i < n; i++) {
		char ch = ptr[i];

		if (ch == '\n') {
			if (!e->skipping)
				events_handle(e, e->line, e->len);
			e->len = 0;
			e->skipping = false;
			continue;
		}
		if (e->skipping)
			continue;
		if (e->len + 1 >= EVENTS_LINE_MAX) {
			e->skipping = true;
			e->len = 0;
			continue;
		}
		e->line[e->len++] = ch;
	}
	return n;
}

/* The status line: the stream is up once Docker says 200. */
static size_t events_header_cb(char *buf, size_t size, size_t nitems, void *user)
{
	struct events *e = user;
	size_t n = size * nitems;

	/* "HTTP/1.1 200 OK": the number after the first space */
	if (n > 9 && strncmp(buf, "HTTP/", 5) == 0) {
		const char *sp = memchr(buf, ' ', n);
		char *end;
		long status = sp ? strtol(sp + 1, &end, 10) : 0;

		if (sp && end > sp + 1)
			e->status = status;
	}
	if (n <= 2 && e->status == 200 && !e->connected) { /* the empty line: headers done */
		e->connected = true;
		if (e->broke) {
			log_info("Docker event stream back: deciding now (events may have been "
				 "missed)");
			pthread_mutex_lock(&e->mu);
			if (!e->due_ns)
				e->due_ns = util_mono_ns();
			pthread_cond_broadcast(&e->cv);
			pthread_mutex_unlock(&e->mu);
		} else {
			log_info("following Docker events: a managed container that starts is "
				 "decided "
				 "when %u ms old",
				 e->cfg.window_ms);
		}
		e->broke = false;
	}
	return n;
}

static int events_progress_cb(void *user, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct events *e = user;

	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return atomic_load(&e->quit) ? 1 : 0;
}

/* One connection, until it breaks or quit. Returns a sentence in err. */
static void events_follow(struct events *e, CURL *curl, char *err, size_t errlen)
{
	char url[1200], cerr[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	snprintf(url, sizeof(url), "http://localhost%s", e->path);
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, e->cfg.socket_path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, events_write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, e);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, events_header_cb);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, e);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, events_progress_cb);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, e);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "gestor-servicio-events");
	e->len = 0;
	e->skipping = false;
	e->connected = false;
	e->status = 0;
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK && e->status != 200)
		snprintf(err, errlen, "HTTP %ld from GET /events", e->status);
	else if (rc == CURLE_OK)
		snprintf(err, errlen, "Docker closed the stream");
	else
		snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
}

static void events_nap(struct events *e, unsigned ms)
{
	for (unsigned t = 0; t < ms && !atomic_load(&e->quit); t += 100) {
		struct timespec ts = { 0, 100000000L };
		nanosleep(&ts, NULL);
	}
}

static void *events_main(void *arg)
{
	struct events *e = arg;
	CURL *curl = curl_easy_init();
	unsigned backoff = EVENTS_BACKOFF_MIN_MS;
	char err[CURL_ERROR_SIZE + 64];

	if (!curl) {
		log_errorx("events: out of memory: only the periodic cycle decides");
		return NULL;
	}
	while (!atomic_load(&e->quit)) {
		bool was_up;

		events_follow(e, curl, err, sizeof(err));
		if (atomic_load(&e->quit))
			break;
		was_up = e->connected;
		if (was_up || !e->broke)
			log_warnx(
				"Docker event stream broke (%s): reconnecting; the periodic cycle "
				"goes on",
				err);
		e->broke = true;
		backoff = was_up ? EVENTS_BACKOFF_MIN_MS : backoff;
		events_nap(e, backoff);
		backoff = backoff * 2 > EVENTS_BACKOFF_MAX_MS ? EVENTS_BACKOFF_MAX_MS : backoff * 2;
	}
	curl_easy_cleanup(curl);
	return NULL;
}

int events_start(struct events **out, const struct events_cfg *cfg, char *err, size_t errlen)
{
	struct events *e = calloc(1, sizeof(*e));
	pthread_condattr_t ca;
	int ret;

	*out = NULL;
	if (!e || !(e->line = malloc(EVENTS_LINE_MAX))) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto err;
	}
	e->cfg = *cfg;
	if (!events_path(cfg, e->path, sizeof(e->path))) {
		snprintf(err, errlen, "the events filter is too long (scope '%s')", cfg->scope);
		ret = -EINVAL;
		goto err;
	}
	atomic_init(&e->quit, false);
	pthread_mutex_init(&e->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cv, &ca);
	pthread_condattr_destroy(&ca);
	ret = -pthread_create(&e->th, NULL, events_main, e);
	if (ret) {
		snprintf(err, errlen, "cannot start the event thread: %s", strerror(-ret));
		pthread_cond_destroy(&e->cv);
		pthread_mutex_destroy(&e->mu);
		goto err;
	}
	*out = e;
	return 0;
err:
	if (e)
		free(e->line);
	free(e);
	return ret;
}

void events_stop(struct events *e)
{
	if (!e)
		return;
	atomic_store(&e->quit, true);
	pthread_join(e->th, NULL);
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->mu);
	free(e->line);
	free(e);
}

bool events_wait(struct events *e, uint64_t deadline_ns, bool (*stopping)(void))
{
	bool due = false;

	pthread_mutex_lock(&e->mu);
	for (;;) {
		uint64_t now = util_mono_ns(), wake = deadline_ns;

		if (e->due_ns && e->due_ns <= now) {
			due = true;
			break;
		}
		if (now >= deadline_ns || stopping())
			break;
		if (e->due_ns && e->due_ns < wake)
			wake = e->due_ns;
		if (wake > now + EVENTS_WAIT_STEP_NS)
			wake = now + EVENTS_WAIT_STEP_NS;
		struct timespec ts = { (time_t)(wake / 1000000000ull),
				       (long)(wake % 1000000000ull) };
		pthread_cond_timedwait(&e->cv, &e->mu, &ts);
	}
	pthread_mutex_unlock(&e->mu);
	return due;
}

bool events_cycle_starts(struct events *e)
{
	bool died;

	pthread_mutex_lock(&e->mu);
	/* a reaction that is due is this cycle's; one whose window is still
	 * open (a container started less than the window ago) stays */
	if (e->due_ns <= util_mono_ns())
		e->due_ns = 0;
	died = e->died;
	e->died = false;
	pthread_mutex_unlock(&e->mu);
	return died;
}
