/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The monitor socket with real clients on real unix sockets, all in this
 * process: the server runs in the default main context, which the client
 * helpers below iterate while they wait. The control functions are test
 * doubles (doubles.c) that record what the monitor asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <dm/monitor.h>
#include <dm/vm.h>

#include "../../../dm/monitor/monitor_priv.h"
#include "doubles.h"

#define TIMEOUT_MS 5000

static struct dm_vm test_vm = { .name = "vm1", .ncpus = 2 };

struct fixture {
	char *dir;
	char *path;
	struct dm_monitor *m;
};

/* ---- a test client ---- */

struct tclient {
	int fd;
	GString *buf;
	bool eof;
};

static void pump_once(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static void pump_ms(int ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;

	while (g_get_monotonic_time() < end) {
		pump_once();
		g_usleep(1000);
	}
}

static struct tclient *tc_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct tclient *c = g_new0(struct tclient, 1);

	g_assert_cmpuint(strlen(path), <, sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	g_assert_cmpint(c->fd, >=, 0);
	g_assert_cmpint(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	c->buf = g_string_new(NULL);
	return c;
}

static void tc_close(struct tclient *c)
{
	close(c->fd);
	g_string_free(c->buf, TRUE);
	g_free(c);
}

/* Read what is there now; false at EOF (or a reset, which ends a stream too). */
static bool tc_fill(struct tclient *c)
{
	char chunk[65536];

	for (;;) {
		ssize_t n = recv(c->fd, chunk, sizeof(chunk), 0);

		if (n > 0) {
			g_string_append_len(c->buf, chunk, n);
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			c->eof = true;
			return false;
		}
		return true;
	}
}

/* Next line, serving the monitor while waiting; NULL at EOF or after @timeout_ms. */
static char *tc_line_timeout(struct tclient *c, int timeout_ms)
{
	gint64 end = g_get_monotonic_time() + timeout_ms * 1000LL;

	for (;;) {
		char *nl = memchr(c->buf->str, '\n', c->buf->len);
		struct pollfd p = { .fd = c->fd, .events = POLLIN };

		if (nl) {
			char *line = g_strndup(c->buf->str, nl - c->buf->str);

			g_string_erase(c->buf, 0, nl - c->buf->str + 1);
			return line;
		}
		if (c->eof)
			return NULL;
		pump_once();
		poll(&p, 1, 1);
		tc_fill(c);
		if (!memchr(c->buf->str, '\n', c->buf->len) && g_get_monotonic_time() > end)
			return NULL;
	}
}

static char *tc_line(struct tclient *c)
{
	char *line = tc_line_timeout(c, TIMEOUT_MS);

	if (!line)
		g_error("no line from the monitor within %d ms (eof %d)", TIMEOUT_MS, c->eof);
	return line;
}

static JsonObject *parse(const char *line)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) err = NULL;

	if (!json_parser_load_from_data(p, line, -1, &err))
		g_error("monitor sent bad JSON '%s': %s", line, err->message);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)));
	return json_object_ref(json_node_get_object(json_parser_get_root(p)));
}

static JsonObject *tc_obj(struct tclient *c)
{
	g_autofree char *line = tc_line(c);

	return parse(line);
}

/* Next object that is not an event. */
static JsonObject *tc_reply(struct tclient *c)
{
	for (;;) {
		JsonObject *o = tc_obj(c);

		if (!json_object_has_member(o, "event"))
			return o;
		json_object_unref(o);
	}
}

static void tc_send_len(struct tclient *c, const char *s, size_t len)
{
	gint64 end = g_get_monotonic_time() + TIMEOUT_MS * 1000LL;

	while (len) {
		ssize_t n = send(c->fd, s, len, MSG_NOSIGNAL);

		if (n < 0) {
			g_assert_true(errno == EAGAIN || errno == EINTR);
			g_assert_cmpint(g_get_monotonic_time(), <, end);
			pump_once();
			continue;
		}
		s += n;
		len -= n;
	}
}

static void tc_send(struct tclient *c, const char *s)
{
	tc_send_len(c, s, strlen(s));
}

static JsonObject *tc_request(struct tclient *c, const char *req)
{
	tc_send(c, req);
	tc_send(c, "\n");
	return tc_reply(c);
}

/* Connected and greeted. */
static struct tclient *tc_open(const char *path)
{
	struct tclient *c = tc_connect(path);
	g_autoptr(JsonObject) g = tc_obj(c);

	g_assert_true(json_object_has_member(g, "acrn-dm"));
	return c;
}

/* Wait for EOF (the monitor closed the connection), discarding lines. */
static void tc_expect_eof(struct tclient *c)
{
	gint64 end = g_get_monotonic_time() + TIMEOUT_MS * 1000LL;

	while (!c->eof) {
		g_assert_cmpint(g_get_monotonic_time(), <, end);
		pump_once();
		g_usleep(1000);
		tc_fill(c);
	}
}

static void assert_error(JsonObject *reply, const char *klass, const char *desc_part)
{
	JsonObject *e;

	if (!json_object_has_member(reply, "error"))
		g_error("expected an error %s, got %s", klass,
		        json_to_string(json_node_init_object(json_node_alloc(), reply), FALSE));
	e = json_object_get_object_member(reply, "error");
	g_assert_cmpstr(json_object_get_string_member(e, "class"), ==, klass);
	if (desc_part && !strstr(json_object_get_string_member(e, "desc"), desc_part))
		g_error("error desc '%s' lacks '%s'", json_object_get_string_member(e, "desc"),
		        desc_part);
}

static void assert_ok(JsonObject *reply)
{
	if (!json_object_has_member(reply, "return"))
		g_error("expected a return, got %s",
		        json_to_string(json_node_init_object(json_node_alloc(), reply), FALSE));
	g_assert_false(json_object_has_member(reply, "error"));
}

/* ---- fixture ---- */

static void fx_setup(struct fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	(void)data;
	doubles_reset();
	f->dir = g_dir_make_tmp("dmmon-XXXXXX", &err);
	g_assert_no_error(err);
	f->path = g_build_filename(f->dir, "m.sock", NULL);
	f->m = dm_monitor_new(&test_vm, f->path, &err);
	g_assert_no_error(err);
	g_assert_nonnull(f->m);
}

static void fx_teardown(struct fixture *f, gconstpointer data)
{
	(void)data;
	dm_monitor_free(f->m);
	pump_ms(5); /* let pending event sources run with no monitor */
	g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
	g_assert_cmpint(g_rmdir(f->dir), ==, 0);
	g_free(f->path);
	g_free(f->dir);
}

/* ---- greeting and commands ---- */

static void test_greeting(struct fixture *f, gconstpointer data)
{
	struct tclient *c[3];

	(void)data;
	for (int i = 0; i < 3; i++)
		c[i] = tc_connect(f->path);
	for (int i = 0; i < 3; i++) {
		g_autoptr(JsonObject) g = tc_obj(c[i]);
		JsonObject *dm = json_object_get_object_member(g, "acrn-dm");
		JsonObject *v = json_object_get_object_member(dm, "version");

		g_assert_cmpint(json_object_get_int_member(v, "major"), ==, 1);
		g_assert_cmpint(json_object_get_int_member(v, "minor"), ==, 1);
		g_assert_cmpstr(json_object_get_string_member(dm, "vm"), ==, "vm1");
		g_assert_cmpint(json_object_get_int_member(dm, "pid"), ==, getpid());
	}
	g_assert_cmpuint(monitor_client_count(f->m), ==, 3);
	/* Each client has its own buffer: interleaved partial requests do not mix. */
	tc_send(c[0], "{\"execute\":");
	tc_send(c[1], "{\"execute\":\"qu");
	tc_send(c[2], "{\"exec");
	pump_ms(5);
	tc_send(c[2], "ute\":\"pause\",\"id\":2}\n");
	tc_send(c[1], "ery\",\"id\":1}\n");
	tc_send(c[0], "\"resume\",\"id\":0}\n");
	for (int i = 0; i < 3; i++) {
		g_autoptr(JsonObject) r = tc_reply(c[i]);

		assert_ok(r);
		g_assert_cmpint(json_object_get_int_member(r, "id"), ==, i);
	}
	g_assert_cmpint(dbl.query_calls, ==, 1);
	g_assert_cmpint(dbl.pause_calls, ==, 1);
	g_assert_cmpint(dbl.resume_calls, ==, 1);
	for (int i = 0; i < 3; i++)
		tc_close(c[i]);
	pump_ms(10);
	g_assert_cmpuint(monitor_client_count(f->m), ==, 0);
}

/* The next event on @c must be @name. */
static JsonObject *expect_event(struct tclient *c, const char *name)
{
	JsonObject *o = tc_obj(c);

	g_assert_cmpstr(json_object_get_string_member(o, "event"), ==, name);
	g_assert_true(json_object_has_member(o, "timestamp"));
	g_assert_true(JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "data")));
	return o;
}

static void test_commands(struct fixture *f, gconstpointer data)
{
	struct tclient *c = tc_open(f->path), *watcher = tc_open(f->path);
	JsonObject *r, *ret;
	JsonArray *a;

	(void)data;
	r = tc_request(c, "{\"execute\":\"query\",\"id\":\"q1\"}");
	assert_ok(r);
	g_assert_cmpstr(json_object_get_string_member(r, "id"), ==, "q1");
	ret = json_object_get_object_member(r, "return");
	g_assert_cmpstr(json_object_get_string_member(ret, "name"), ==, "vm1");
	g_assert_cmpint(json_object_get_int_member(ret, "vcpus"), ==, 2);
	/* The devices' COM ports join the core's status. */
	a = json_object_get_array_member(ret, "serial");
	g_assert_nonnull(a);
	g_assert_cmpuint(json_array_get_length(a), ==, 1);
	g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(a, 0), "path"),
	                ==, "/dev/pts/77");
	g_assert_true(dbl.last_vm == &test_vm);
	json_object_unref(r);

	r = tc_request(c, "{\"execute\":\"system_powerdown\",\"arguments\":{},\"id\":7}");
	assert_ok(r);
	g_assert_cmpint(json_object_get_int_member(r, "id"), ==, 7);
	g_assert_cmpint(dbl.power_button_calls, ==, 1);
	g_assert_cmpint(dbl.power_requests, ==, 0); /* graceful: the guest decides */
	json_object_unref(r);
	json_object_unref(expect_event(watcher, "power_button"));

	r = tc_request(c, "{\"execute\":\"pause\"}");
	assert_ok(r);
	g_assert_false(json_object_has_member(r, "id")); /* no id asked, none sent */
	json_object_unref(r);
	json_object_unref(expect_event(watcher, "paused"));
	r = tc_request(c, "{\"execute\":\"resume\"}");
	assert_ok(r);
	json_object_unref(r);
	json_object_unref(expect_event(watcher, "resumed"));
	g_assert_cmpint(dbl.pause_calls, ==, 1);
	g_assert_cmpint(dbl.resume_calls, ==, 1);

	r = tc_request(c, "{\"execute\":\"destroy\",\"id\":[1,{\"a\":null}]}");
	assert_ok(r);
	g_assert_cmpint(dbl.power_requests, ==, 1);
	g_assert_cmpint(dbl.power_what, ==, DM_POWER_OFF);
	/* Any JSON id comes back as it was. */
	a = json_object_get_array_member(r, "id");
	g_assert_cmpint(json_array_get_int_element(a, 0), ==, 1);
	g_assert_true(json_object_get_null_member(json_array_get_object_element(a, 1), "a"));
	json_object_unref(r);

	r = tc_request(c, "{\"execute\":\"blkrescan\",\"arguments\":{\"device\":\"vd0\"}}");
	assert_ok(r);
	g_assert_cmpstr(dbl.blk_dev, ==, "vd0");
	g_assert_null(dbl.blk_path);
	json_object_unref(r);
	r = tc_request(c, "{\"execute\":\"blkrescan\",\"arguments\":{\"device\":\"vd1\","
	                  "\"path\":\"/srv/new disk.img\"}}");
	assert_ok(r);
	g_assert_cmpstr(dbl.blk_dev, ==, "vd1");
	g_assert_cmpstr(dbl.blk_path, ==, "/srv/new disk.img");
	g_assert_cmpint(dbl.blk_calls, ==, 2);
	json_object_unref(r);

	r = tc_request(c, "{\"execute\":\"query-commands\"}");
	assert_ok(r);
	a = json_object_get_array_member(r, "return");
	{
		const char *want[] = {
			"blkrescan",       "blockdev-snapshot", "destroy",         "pause",
			"query",           "query-commands",    "query-events",    "resume",
			"snapshot-apply",  "snapshot-create",   "snapshot-delete", "snapshot-list",
			"system_powerdown"
		};

		g_assert_cmpuint(json_array_get_length(a), ==, G_N_ELEMENTS(want));
		for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
			JsonObject *cmd = json_array_get_object_element(a, i);

			g_assert_cmpstr(json_object_get_string_member(cmd, "name"), ==, want[i]);
		}
		/* blkrescan describes its arguments. */
		JsonArray *args = json_object_get_array_member(json_array_get_object_element(a, 0),
		                                               "arguments");
		g_assert_cmpuint(json_array_get_length(args), ==, 2);
		g_assert_cmpstr(json_object_get_string_member(
		                        json_array_get_object_element(args, 0), "name"),
		                ==, "device");
		g_assert_false(json_object_get_boolean_member(
		        json_array_get_object_element(args, 0), "optional"));
		g_assert_true(json_object_get_boolean_member(json_array_get_object_element(args, 1),
		                                             "optional"));
	}
	json_object_unref(r);

	r = tc_request(c, "{\"execute\":\"query-events\"}");
	assert_ok(r);
	a = json_object_get_array_member(r, "return");
	{
		const char *want[] = { "poweroff",         "reboot",           "triple_fault",
			               "paused",           "resumed",          "rtc_change",
			               "suspend",          "wakeup",           "power_button",
			               "shutdown",         "blk_resized",      "snapshot_created",
			               "snapshot_deleted", "blockdev_snapshot" };
		g_autoptr(GHashTable) have = g_hash_table_new(g_str_hash, g_str_equal);

		for (guint i = 0; i < json_array_get_length(a); i++)
			g_hash_table_add(have,
			                 (gpointer)json_object_get_string_member(
			                         json_array_get_object_element(a, i), "name"));
		for (guint i = 0; i < G_N_ELEMENTS(want); i++)
			if (!g_hash_table_contains(have, want[i]))
				g_error("query-events lacks %s", want[i]);
		g_assert_cmpuint(json_array_get_length(a), ==, G_N_ELEMENTS(want));
	}
	json_object_unref(r);
	tc_close(c);
	tc_close(watcher);
}

struct bad_case {
	const char *req;
	const char *klass;
	const char *desc;
};

static void test_bad_arguments(struct fixture *f, gconstpointer data)
{
	static const struct bad_case cases[] = {
		{ "{\"execute\":\"blkrescan\",\"id\":1}", "InvalidArgument",
		  "blkrescan: missing argument 'device' (a string)" },
		{ "{\"execute\":\"blkrescan\",\"arguments\":{\"device\":3},\"id\":1}",
		  "InvalidArgument",
		  "blkrescan: argument 'device' must be a string, not a number" },
		{ "{\"execute\":\"blkrescan\",\"arguments\":{\"device\":\"vd0\",\"path\":[]},"
		  "\"id\":1}",
		  "InvalidArgument", "argument 'path' must be a string, not an array" },
		{ "{\"execute\":\"blkrescan\",\"arguments\":{\"device\":\"vd0\",\"path\":null},"
		  "\"id\":1}",
		  "InvalidArgument", "argument 'path' must be a string, not null" },
		{ "{\"execute\":\"blkrescan\",\"arguments\":{\"device\":\"vd0\",\"force\":true},"
		  "\"id\":1}",
		  "InvalidArgument", "blkrescan: unknown argument 'force'" },
		{ "{\"execute\":\"blkrescan\",\"arguments\":{\"device\":\"\"},\"id\":1}",
		  "InvalidArgument", "argument 'device' is empty" },
		{ "{\"execute\":\"blkrescan\",\"arguments\":{\"device\":\"vd0\",\"path\":\"\"},"
		  "\"id\":1}",
		  "InvalidArgument", "argument 'path' is empty" },
		{ "{\"execute\":\"pause\",\"arguments\":{\"now\":true},\"id\":1}",
		  "InvalidArgument", "pause: unknown argument 'now' (it takes none)" },
		{ "{\"execute\":\"query\",\"arguments\":{\"x\":{}},\"id\":1}", "InvalidArgument",
		  "query: unknown argument 'x'" },
		{ "{\"execute\":\"destroy\",\"arguments\":[],\"id\":1}", "InvalidRequest",
		  "'arguments' must be an object, not an array" },
		{ "{\"execute\":\"destroy\",\"arguments\":\"now\",\"id\":1}", "InvalidRequest",
		  "'arguments' must be an object, not a string" },
	};
	struct tclient *c = tc_open(f->path);

	(void)data;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(JsonObject) r = tc_request(c, cases[i].req);

		assert_error(r, cases[i].klass, cases[i].desc);
		g_assert_cmpint(json_object_get_int_member(r, "id"), ==, 1);
	}
	/* Nothing reached the VM. */
	g_assert_cmpint(dbl.blk_calls + dbl.pause_calls + dbl.query_calls + dbl.power_requests, ==,
	                0);
	tc_close(c);
}

static void test_command_failures(struct fixture *f, gconstpointer data)
{
	struct tclient *c = tc_open(f->path);
	JsonObject *r;

	(void)data;
	dbl.pause_rc = -EBUSY;
	r = tc_request(c, "{\"execute\":\"pause\",\"id\":1}");
	assert_error(r, "Failed", "pause: Device or resource busy (errno 16)");
	json_object_unref(r);
	dbl.resume_rc = -EINVAL;
	r = tc_request(c, "{\"execute\":\"resume\",\"id\":1}");
	assert_error(r, "Failed", "resume: Invalid argument (errno 22)");
	json_object_unref(r);
	dbl.power_button_rc = -ENOTSUP;
	r = tc_request(c, "{\"execute\":\"system_powerdown\",\"id\":1}");
	assert_error(r, "Failed", "system_powerdown: ");
	json_object_unref(r);
	dbl.blk_rc = -ENODEV;
	r = tc_request(c,
	               "{\"execute\":\"blkrescan\",\"arguments\":{\"device\":\"vd9\"},\"id\":1}");
	assert_error(r, "DeviceNotFound", "blkrescan: no block device 'vd9'");
	json_object_unref(r);
	dbl.blk_rc = -ENOENT;
	r = tc_request(c, "{\"execute\":\"blkrescan\",\"arguments\":{\"device\":\"vd0\","
	                  "\"path\":\"/nope\"},\"id\":1}");
	assert_error(r, "Failed", "blkrescan: No such file or directory (errno 2)");
	json_object_unref(r);
	dbl.query_null = true;
	r = tc_request(c, "{\"execute\":\"query\",\"id\":1}");
	assert_error(r, "Failed", "query: the VM reported no status");
	json_object_unref(r);
	/* Failed commands emit no event. */
	r = tc_request(c, "{\"execute\":\"query-events\"}");
	assert_ok(r);
	json_object_unref(r);
	g_assert_cmpuint(c->buf->len, ==, 0);
	tc_close(c);
}

/* ---- protocol errors and framing ---- */

static void test_protocol_errors(struct fixture *f, gconstpointer data)
{
	static const struct bad_case cases[] = {
		{ "{\"execute\":\"query\"", "ParseError", "malformed JSON" },
		{ "execute query", "ParseError", "malformed JSON" },
		{ "{\"execute\":\"query\",}", "ParseError", "malformed JSON" },
		{ "[\"query\"]", "InvalidRequest",
		  "a request must be a JSON object, not an array" },
		{ "42", "InvalidRequest", "a request must be a JSON object" },
		{ "\"query\"", "InvalidRequest", "a request must be a JSON object" },
		{ "{}", "InvalidRequest", "request has no 'execute' member" },
		{ "{\"execute\":7}", "InvalidRequest", "'execute' must be a string, not a number" },
		{ "{\"execute\":null}", "InvalidRequest", "'execute' must be a string, not null" },
		{ "{\"execute\":\"query\",\"argument\":{}}", "InvalidRequest",
		  "unknown member 'argument' in request" },
		{ "{\"execute\":\"reboot-now\"}", "CommandNotFound",
		  "unknown command 'reboot-now' (query-commands lists them)" },
		{ "{\"execute\":\"\"}", "CommandNotFound", "unknown command ''" },
		{ "{\"execute\":\"qu\xff\xfe\"}", "ParseError",
		  "request is not valid UTF-8 (byte offset 14)" },
		{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
		  "]",
		  "ParseError", "deeper than 32 levels" },
		{ "{\"execute\":\"qu\\u0000ery\"}", "ParseError",
		  "request has a \\u0000 escape in a string (byte offset 14)" },
		/* An escaped backslash before u0000 is no NUL. */
		{ "{\"execute\":\"a\\\\u0000\"}", "CommandNotFound", "unknown command 'a\\u0000'" },
		{ "{\"execute\":\"query\",\"id\":99999999999999999999}", "ParseError",
		  "number out of range at byte offset 24 (integers are 64-bit)" },
		{ "{\"execute\":\"query\",\"id\":[1,-1e999]}", "ParseError",
		  "number out of range at byte offset 27 (not a finite double)" },
		/* json-glib quotes the bad string in its message: the reply stays UTF-8. */
		{ "{\"ex\\ud800:\"query\"}", "ParseError", "malformed JSON" },
	};
	struct tclient *c = tc_open(f->path);
	JsonObject *r;

	(void)data;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		r = tc_request(c, cases[i].req);
		assert_error(r, cases[i].klass, cases[i].desc);
		json_object_unref(r);
	}
	/* An id is echoed once the request is an object, even when it is wrong. */
	r = tc_request(c, "{\"execute\":\"nope\",\"id\":\"x\"}");
	assert_error(r, "CommandNotFound", "'nope'");
	g_assert_cmpstr(json_object_get_string_member(r, "id"), ==, "x");
	json_object_unref(r);
	/* A NUL byte inside a line. */
	tc_send_len(c, "{\"execute\":\0\"query\"}\n", 21);
	r = tc_reply(c);
	assert_error(r, "ParseError", "request has a NUL byte at offset 11");
	json_object_unref(r);
	/* Strings with brackets do not count as nesting. */
	r = tc_request(c, "{\"execute\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}");
	assert_error(r, "CommandNotFound", NULL);
	json_object_unref(r);
	/* After all that the connection still works. */
	r = tc_request(c, "{\"execute\":\"query\"}");
	assert_ok(r);
	json_object_unref(r);
	g_assert_cmpint(dbl.query_calls, ==, 1);
	tc_close(c);
}

static void test_framing(struct fixture *f, gconstpointer data)
{
	struct tclient *c = tc_open(f->path);
	const char *req = "{\"execute\":\"query\",\"id\":5}\n";

	(void)data;
	/* Several requests in one write, CRLF, blank lines (no reply). */
	tc_send(c, "{\"execute\":\"query\",\"id\":1}\r\n\n   \r\n{\"execute\":\"pause\",\"id\":2}\n"
	           "{\"execute\":\"resume\",\"id\":3}\n");
	for (int i = 1; i <= 3; i++) {
		g_autoptr(JsonObject) r = tc_reply(c);

		assert_ok(r);
		g_assert_cmpint(json_object_get_int_member(r, "id"), ==, i);
	}
	/* One byte at a time. */
	for (const char *p = req; *p; p++) {
		tc_send_len(c, p, 1);
		pump_ms(1);
	}
	{
		g_autoptr(JsonObject) r = tc_reply(c);

		assert_ok(r);
		g_assert_cmpint(json_object_get_int_member(r, "id"), ==, 5);
	}
	/* Numbers at the edges of their range come back unchanged. */
	{
		g_autoptr(JsonObject) r =
		        tc_request(c, "{\"execute\":\"query\",\"id\":[9223372036854775807,"
		                      "-9223372036854775808,1.5e300,-0]}");
		JsonArray *id = json_object_get_array_member(r, "id");

		assert_ok(r);
		g_assert_cmpint(json_array_get_int_element(id, 0), ==, G_MAXINT64);
		g_assert_cmpint(json_array_get_int_element(id, 1), ==, G_MININT64);
		g_assert_cmpfloat(json_array_get_double_element(id, 2), ==, 1.5e300);
	}
	g_assert_cmpint(dbl.query_calls, ==, 3);
	tc_close(c);
}

/* ---- hostile clients ---- */

static void test_long_line(struct fixture *f, gconstpointer data)
{
	struct tclient *bad = tc_open(f->path), *good = tc_open(f->path);
	GString *s = g_string_new("{\"execute\":\"query\",\"id\":\"");
	g_autoptr(JsonObject) r = NULL;
	g_autoptr(JsonObject) r2 = NULL;
	g_autofree char *chunk = g_malloc(MONITOR_LINE_MAX + 2);

	(void)data;
	/* A request of exactly the limit is served. */
	while (s->len < MONITOR_LINE_MAX - 2)
		g_string_append_c(s, 'x');
	g_string_append(s, "\"}");
	g_assert_cmpuint(s->len, ==, MONITOR_LINE_MAX);
	r = tc_request(good, s->str);
	assert_ok(r);
	g_assert_cmpuint(strlen(json_object_get_string_member(r, "id")), ==, MONITOR_LINE_MAX - 27);

	/* One byte more, with no newline yet: an error, then the connection closes. */
	memset(chunk, 'a', MONITOR_LINE_MAX + 1);
	tc_send_len(bad, chunk, MONITOR_LINE_MAX + 1);
	r2 = tc_reply(bad);
	assert_error(r2, "LineTooLong", "exceeds the 65536-byte limit without a newline");
	tc_expect_eof(bad);
	g_assert_true(strstr(dbl.log->str, "request exceeds the 65536-byte limit"));

	/* The other client did not notice. */
	json_object_unref(r);
	r = tc_request(good, "{\"execute\":\"query\"}");
	assert_ok(r);
	g_assert_cmpuint(monitor_client_count(f->m), ==, 1);
	g_string_free(s, TRUE);
	tc_close(bad);
	tc_close(good);
}

static void test_long_line_with_newline(struct fixture *f, gconstpointer data)
{
	struct tclient *bad = tc_open(f->path);
	g_autoptr(JsonObject) r = NULL;

	(void)data;
	/* With a lower limit, a too-long line that arrives whole in one read. */
	monitor_set_limits(f->m, 100, MONITOR_OUTQ_MAX);
	tc_send(bad,
	        "{\"execute\":\"query\",\"id\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n");
	r = tc_reply(bad);
	assert_error(r, "LineTooLong", "is over the 100-byte limit");
	tc_expect_eof(bad);
	g_assert_cmpint(dbl.query_calls, ==, 0);
	tc_close(bad);
}

static void test_disconnect_mid_message(struct fixture *f, gconstpointer data)
{
	struct tclient *c = tc_open(f->path), *other = tc_open(f->path);
	g_autoptr(JsonObject) r = NULL;

	(void)data;
	tc_send(c, "{\"execute\":\"destroy\",\"id\":");
	pump_ms(5);
	tc_close(c);
	pump_ms(20);
	g_assert_cmpuint(monitor_client_count(f->m), ==, 1);
	g_assert_cmpint(dbl.power_requests, ==, 0); /* the half request did nothing */
	g_assert_true(strstr(dbl.log->str, "disconnected in the middle of a request (26 bytes"));

	/* A client that leaves without reading its replies. */
	c = tc_open(f->path);
	for (int i = 0; i < 50; i++)
		tc_send(c, "{\"execute\":\"query-commands\"}\n");
	tc_close(c);
	pump_ms(20);
	g_assert_cmpuint(monitor_client_count(f->m), ==, 1);

	/* A client that half-closes after its request still gets the reply. */
	c = tc_open(f->path);
	tc_send(c, "{\"execute\":\"query\",\"id\":9}\n");
	shutdown(c->fd, SHUT_WR);
	r = tc_reply(c);
	assert_ok(r);
	tc_expect_eof(c);
	tc_close(c);

	json_object_unref(g_steal_pointer(&r));
	r = tc_request(other, "{\"execute\":\"query\"}");
	assert_ok(r);
	tc_close(other);
}

static void test_slow_reader(struct fixture *f, gconstpointer data)
{
	struct tclient *slow = tc_open(f->path), *fast = tc_open(f->path);
	g_autofree char *pad = g_strnfill(500, 'p');
	int got = 0;

	(void)data;
	monitor_set_limits(f->m, MONITOR_LINE_MAX, 64 * 1024);
	for (int i = 0; i < 2000; i++) {
		JsonObject *d = json_object_new();

		json_object_set_int_member(d, "seq", i);
		json_object_set_string_member(d, "pad", pad);
		dm_event_emit("rtc_change", d);
		if (i % 50 == 49) {
			/* The fast client catches up after every 50 events; the slow one never reads. */
			while (got <= i) {
				g_autoptr(JsonObject) o = tc_obj(fast);

				g_assert_cmpint(
				        json_object_get_int_member(
				                json_object_get_object_member(o, "data"), "seq"),
				        ==, got);
				got++;
			}
		}
	}
	g_assert_cmpuint(monitor_client_count(f->m), ==, 1);
	g_assert_true(strstr(dbl.log->str, "does not read events (output queue full)"));
	/* The slow one gets what was sent before it was dropped, then EOF. */
	tc_expect_eof(slow);
	tc_close(slow);
	tc_close(fast);
}

static void test_too_many_clients(struct fixture *f, gconstpointer data)
{
	struct tclient *c[MONITOR_CLIENTS_MAX], *extra;
	g_autoptr(JsonObject) r = NULL;

	(void)data;
	for (int i = 0; i < MONITOR_CLIENTS_MAX; i++)
		c[i] = tc_open(f->path);
	extra = tc_connect(f->path);
	r = tc_obj(extra);
	assert_error(r, "TooManyClients", "16 clients are connected already");
	tc_expect_eof(extra);
	tc_close(extra);
	g_assert_cmpuint(monitor_client_count(f->m), ==, MONITOR_CLIENTS_MAX);
	/* When one leaves, there is room again. */
	tc_close(c[0]);
	pump_ms(10);
	c[0] = tc_open(f->path);
	for (int i = 0; i < MONITOR_CLIENTS_MAX; i++)
		tc_close(c[i]);
}

/* ---- events ---- */

#define EMITTERS      4
#define PER_EMITTER   300
#define EVENT_CLIENTS 3

static gint emitters_done;

static gpointer emitter(gpointer data)
{
	int t = GPOINTER_TO_INT(data);

	for (int i = 0; i < PER_EMITTER; i++) {
		JsonObject *d = json_object_new();

		json_object_set_int_member(d, "thread", t);
		json_object_set_int_member(d, "seq", i);
		dm_event_emit(i % 2 ? "rtc_change" : "blk_resized", d);
		if (i % 64 == 0)
			g_usleep(100);
	}
	g_atomic_int_inc(&emitters_done);
	return NULL;
}

static void test_events_threads(struct fixture *f, gconstpointer data)
{
	struct tclient *c[EVENT_CLIENTS];
	GThread *th[EMITTERS];
	int order[EVENT_CLIENTS][EMITTERS * PER_EMITTER];
	gint64 t0 = g_get_real_time(), t1;

	(void)data;
	for (int i = 0; i < EVENT_CLIENTS; i++)
		c[i] = tc_open(f->path);
	g_atomic_int_set(&emitters_done, 0);
	for (int t = 0; t < EMITTERS; t++)
		th[t] = g_thread_new("emitter", emitter, GINT_TO_POINTER(t));
	/* Serve clients while the threads emit. */
	while (g_atomic_int_get(&emitters_done) < EMITTERS)
		pump_ms(1);
	for (int t = 0; t < EMITTERS; t++)
		g_thread_join(th[t]);
	t1 = g_get_real_time();

	for (int i = 0; i < EVENT_CLIENTS; i++) {
		int next[EMITTERS] = { 0 };
		gint64 last = 0;

		for (int n = 0; n < EMITTERS * PER_EMITTER; n++) {
			g_autoptr(JsonObject) o = tc_obj(c[i]);
			JsonObject *d = json_object_get_object_member(o, "data");
			JsonObject *ts = json_object_get_object_member(o, "timestamp");
			int t = json_object_get_int_member(d, "thread");
			int seq = json_object_get_int_member(d, "seq");
			gint64 us = json_object_get_int_member(ts, "seconds") * G_USEC_PER_SEC +
			            json_object_get_int_member(ts, "microseconds");

			g_assert_cmpint(t, >=, 0);
			g_assert_cmpint(t, <, EMITTERS);
			/* Each thread's events in the order it emitted them. */
			g_assert_cmpint(seq, ==, next[t]);
			next[t]++;
			g_assert_cmpstr(json_object_get_string_member(o, "event"), ==,
			                seq % 2 ? "rtc_change" : "blk_resized");
			g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), <,
			                G_USEC_PER_SEC);
			g_assert_cmpint(us, >=, last);
			g_assert_cmpint(us, >=, t0);
			g_assert_cmpint(us, <=, t1);
			last = us;
			order[i][n] = t * PER_EMITTER + seq;
		}
	}
	/* Every client saw the same interleaving. */
	for (int i = 1; i < EVENT_CLIENTS; i++)
		g_assert_cmpmem(order[0], sizeof(order[0]), order[i], sizeof(order[i]));
	for (int i = 0; i < EVENT_CLIENTS; i++) {
		g_assert_null(tc_line_timeout(c[i], 20)); /* nothing more */
		tc_close(c[i]);
	}
}

static void test_event_details(struct fixture *f, gconstpointer data)
{
	struct tclient *c = tc_open(f->path);
	JsonObject *o, *d = json_object_new();

	(void)data;
	json_object_set_int_member(d, "delta", -3600);
	dm_event_emit("rtc_change", d);
	dm_event_emit("poweroff", NULL);
	dm_event_emit("Bad-Name", json_object_new()); /* dropped, and said so */
	dm_event_emit("", NULL);
	dm_event_emit(NULL, NULL);
	dm_event_emit("reboot", NULL);

	o = expect_event(c, "rtc_change");
	g_assert_cmpint(
	        json_object_get_int_member(json_object_get_object_member(o, "data"), "delta"), ==,
	        -3600);
	json_object_unref(o);
	o = expect_event(c, "poweroff");
	g_assert_cmpuint(json_object_get_size(json_object_get_object_member(o, "data")), ==, 0);
	json_object_unref(o);
	json_object_unref(expect_event(c, "reboot"));
	g_assert_true(strstr(dbl.log->str, "event name 'Bad-Name' is not lower-case"));
	g_assert_true(strstr(dbl.log->str, "event name '(null)'"));

	/* An event and a reply: the event was emitted first, so it comes first. */
	dm_event_emit("suspend", NULL);
	tc_send(c, "{\"execute\":\"query\",\"id\":1}\n");
	json_object_unref(expect_event(c, "suspend"));
	o = tc_obj(c);
	assert_ok(o);
	json_object_unref(o);
	tc_close(c);
}

static void test_events_without_monitor(void)
{
	/* Nobody listens: events are freed, nothing is queued or crashes. */
	doubles_reset();
	dm_event_emit("poweroff", json_object_new());
	pump_ms(2);
	g_assert_cmpuint(dbl.log->len, ==, 0);
}

/* ---- the socket file ---- */

static char *tmp_path(char **dir)
{
	g_autoptr(GError) err = NULL;

	*dir = g_dir_make_tmp("dmmon-XXXXXX", &err);
	g_assert_no_error(err);
	return g_build_filename(*dir, "m.sock", NULL);
}

static void test_stale_socket(void)
{
	g_autoptr(GError) err = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *dir, *path = tmp_path(&dir);
	struct dm_monitor *m;
	struct tclient *c;
	int fd;

	doubles_reset();
	/* A socket file nobody listens on: what a killed acrn-dm leaves. */
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	close(fd);
	g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));

	m = dm_monitor_new(&test_vm, path, &err);
	g_assert_no_error(err);
	g_assert_nonnull(m);
	g_assert_true(strstr(dbl.log->str, "replaced a stale socket"));
	c = tc_open(path);
	tc_close(c);
	dm_monitor_free(m);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

static void test_live_socket(void)
{
	g_autoptr(GError) err = NULL;
	char *dir, *path = tmp_path(&dir);
	struct dm_monitor *m1, *m2;
	struct tclient *c;

	doubles_reset();
	m1 = dm_monitor_new(&test_vm, path, &err);
	g_assert_no_error(err);
	m2 = dm_monitor_new(&test_vm, path, &err);
	g_assert_null(m2);
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
	g_assert_true(strstr(err->message, path));
	g_assert_true(strstr(err->message, "another process is listening on it"));
	/* The first one is untouched and serves. */
	c = tc_open(path);
	tc_close(c);

	/* If the file is replaced under it, freeing m1 leaves the newcomer's file alone. */
	g_assert_cmpint(unlink(path), ==, 0);
	g_clear_error(&err);
	m2 = dm_monitor_new(&test_vm, path, &err);
	g_assert_no_error(err);
	dm_monitor_free(m1);
	g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
	c = tc_open(path);
	tc_close(c);
	dm_monitor_free(m2);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

static void test_bad_paths(void)
{
	g_autoptr(GError) err = NULL;
	char *dir, *path = tmp_path(&dir);
	g_autofree char *longp = g_strnfill(120, 'l');
	g_autofree char *contents = NULL;
	struct stat st;

	doubles_reset();
	/* Not a socket: never removed. */
	g_assert_true(g_file_set_contents(path, "keep me", -1, NULL));
	g_assert_null(dm_monitor_new(&test_vm, path, &err));
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_EXISTS);
	g_assert_true(strstr(err->message, "exists and is not a socket"));
	g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
	g_assert_cmpstr(contents, ==, "keep me");
	unlink(path);

	g_clear_error(&err);
	g_assert_null(dm_monitor_new(&test_vm, longp, &err));
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
	g_assert_true(strstr(err->message, "a unix socket path holds at most 107"));

	g_clear_error(&err);
	g_assert_null(dm_monitor_new(&test_vm, "", &err));
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);

	/* A directory that does not exist. */
	g_clear_error(&err);
	g_free(path);
	path = g_build_filename(dir, "no", "m.sock", NULL);
	g_assert_null(dm_monitor_new(&test_vm, path, &err));
	g_assert_nonnull(err);
	g_assert_true(strstr(err->message, path));

	/* The socket is for our user only. */
	g_clear_error(&err);
	g_free(path);
	path = g_build_filename(dir, "m.sock", NULL);
	{
		struct dm_monitor *m = dm_monitor_new(&test_vm, path, &err);

		g_assert_no_error(err);
		g_assert_cmpint(stat(path, &st), ==, 0);
		g_assert_cmpint(st.st_mode & 0777, ==, 0600);
		dm_monitor_free(m);
	}
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

/* ---- the client program ---- */

/* Run acrn-dm-monitor with @input (may be NULL) while serving it; its exit status and stdout. */
static int run_tool_input(const char *const *argv, const char *input, char **out)
{
	g_autoptr(GError) err = NULL;
	GPid pid;
	int in_fd, out_fd, status;
	GString *s = g_string_new(NULL);
	gint64 end = g_get_monotonic_time() + TIMEOUT_MS * 1000LL;

	g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
	                                       NULL, NULL, &pid, &in_fd, &out_fd, NULL, &err));
	g_assert_no_error(err);
	if (input)
		g_assert_cmpint(write(in_fd, input, strlen(input)), ==, strlen(input));
	close(in_fd);
	fcntl(out_fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		char buf[4096];
		ssize_t n;
		pid_t w;

		pump_once();
		while ((n = read(out_fd, buf, sizeof(buf))) > 0)
			g_string_append_len(s, buf, n);
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		g_assert_cmpint(g_get_monotonic_time(), <, end);
		g_usleep(1000);
	}
	{
		char buf[4096];
		ssize_t n;

		while ((n = read(out_fd, buf, sizeof(buf))) > 0)
			g_string_append_len(s, buf, n);
	}
	close(out_fd);
	g_spawn_close_pid(pid);
	*out = g_string_free(s, FALSE);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_tool(const char *const *argv, char **out)
{
	return run_tool_input(argv, NULL, out);
}

static void test_tool(struct fixture *f, gconstpointer data)
{
	const char *tool = g_getenv("ACRN_DM_MONITOR");
	g_autofree char *out = NULL;

	(void)data;
	if (!tool) {
		g_test_skip("ACRN_DM_MONITOR (the client's path) is not set");
		return;
	}
	{
		const char *argv[] = { tool, f->path, "query", NULL };

		g_assert_cmpint(run_tool(argv, &out), ==, 0);
		g_assert_true(strstr(out, "\"return\":{\"name\":\"vm1\""));
		g_free(g_steal_pointer(&out));
	}
	{
		const char *argv[] = { tool, f->path, "blkrescan", "{\"device\":\"vd0\"}", NULL };

		g_assert_cmpint(run_tool(argv, &out), ==, 0);
		g_assert_cmpstr(dbl.blk_dev, ==, "vd0");
		g_free(g_steal_pointer(&out));
	}
	{
		const char *argv[] = { tool, f->path, "blkrescan", "{\"device\":1}", NULL };

		g_assert_cmpint(run_tool(argv, &out), ==, 1);
		g_assert_true(strstr(out, "\"class\":\"InvalidArgument\""));
		g_free(g_steal_pointer(&out));
	}
	{
		const char *argv[] = { tool, f->path, "blkrescan", "{not json", NULL };

		g_assert_cmpint(run_tool(argv, &out), ==, 2);
		g_free(g_steal_pointer(&out));
	}
	{
		const char *argv[] = { tool, "/nonexistent/m.sock", "query", NULL };

		g_assert_cmpint(run_tool(argv, &out), ==, 2);
		g_free(g_steal_pointer(&out));
	}
	{
		/* Requests from stdin; at its end the replies still come. */
		const char *argv[] = { tool, f->path, NULL };
		g_auto(GStrv) lines = NULL;

		g_assert_cmpint(
		        run_tool_input(argv,
		                       "query\n\npause\n{\"execute\":\"resume\",\"id\":\"r\"}\n"
		                       "blkrescan {\"device\":\"vd7\"}",
		                       &out),
		        ==, 0);
		lines = g_strsplit(out, "\n", -1);
		if (g_strv_length(lines) != 8) /* 7 lines and "" */
			g_error("tool printed:\n%s", out);
		/* Greeting, then replies in order (ids count requests, not blank lines); each event
		 * after the reply of the command that caused it. */
		g_assert_true(g_str_has_prefix(lines[0], "{\"acrn-dm\":"));
		{
			const char *replies[] = { "\"id\":1}", "{\"return\":{},\"id\":2}",
				                  "{\"return\":{},\"id\":\"r\"}",
				                  "{\"return\":{},\"id\":4}" };
			int at[4], paused = -1, resumed = -1, next = 0;

			for (int i = 1; i < 7; i++) {
				if (g_str_has_prefix(lines[i], "{\"event\":\"paused\""))
					paused = i;
				else if (g_str_has_prefix(lines[i], "{\"event\":\"resumed\""))
					resumed = i;
				else if (next < 4 && g_str_has_suffix(lines[i], replies[next]))
					at[next++] = i;
				else
					g_error("unexpected line %d: %s", i, lines[i]);
			}
			g_assert_cmpint(next, ==, 4);
			g_assert_true(
			        g_str_has_prefix(lines[at[0]], "{\"return\":{\"name\":\"vm1\""));
			g_assert_cmpint(paused, >, at[1]);
			g_assert_cmpint(resumed, >, at[2]);
			g_assert_cmpint(resumed, >, paused);
		}
		g_assert_cmpstr(dbl.blk_dev, ==, "vd7");
		g_free(g_steal_pointer(&out));
	}
	{
		/* --events: prints events; ends when the monitor closes the socket. */
		g_autoptr(GError) err = NULL;
		const char *argv[] = { tool, f->path, "--events", NULL };
		GPid pid;
		int out_fd, status;
		GString *s = g_string_new(NULL);
		gint64 end = g_get_monotonic_time() + TIMEOUT_MS * 1000LL;
		bool sent = false;

		g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
		                                       G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
		                                       NULL, &out_fd, NULL, &err));
		fcntl(out_fd, F_SETFL, O_NONBLOCK);
		for (;;) {
			char buf[4096];
			ssize_t n;

			pump_once();
			if (!sent && monitor_client_count(f->m) == 1) {
				pump_ms(50); /* the greeting is read */
				dm_event_emit("wakeup", NULL);
				sent = true;
			}
			while ((n = read(out_fd, buf, sizeof(buf))) > 0)
				g_string_append_len(s, buf, n);
			if (strchr(s->str, '\n'))
				break;
			g_assert_cmpint(g_get_monotonic_time(), <, end);
			g_usleep(1000);
		}
		g_assert_true(g_str_has_prefix(s->str, "{\"event\":\"wakeup\""));
		/* Closing the monitor ends it with status 0. */
		dm_monitor_free(f->m);
		g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
		g_assert_true(WIFEXITED(status));
		g_assert_cmpint(WEXITSTATUS(status), ==, 0);
		close(out_fd);
		g_string_free(s, TRUE);
		f->m = dm_monitor_new(&test_vm, f->path, &err); /* for teardown */
		g_assert_no_error(err);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* SIGPIPE stays fatal: the monitor must never raise it when a client vanishes. */
#define FX(name, fn) g_test_add("/monitor/" name, struct fixture, NULL, fx_setup, fn, fx_teardown)
	FX("greeting", test_greeting);
	FX("commands", test_commands);
	FX("bad-arguments", test_bad_arguments);
	FX("command-failures", test_command_failures);
	FX("protocol-errors", test_protocol_errors);
	FX("framing", test_framing);
	FX("hostile/long-line", test_long_line);
	FX("hostile/long-line-whole", test_long_line_with_newline);
	FX("hostile/disconnect", test_disconnect_mid_message);
	FX("hostile/slow-reader", test_slow_reader);
	FX("hostile/too-many-clients", test_too_many_clients);
	FX("events/threads", test_events_threads);
	FX("events/details", test_event_details);
	FX("tool", test_tool);
	g_test_add_func("/monitor/events/no-monitor", test_events_without_monitor);
	g_test_add_func("/monitor/socket/stale", test_stale_socket);
	g_test_add_func("/monitor/socket/live", test_live_socket);
	g_test_add_func("/monitor/socket/bad-paths", test_bad_paths);
	return g_test_run();
}
