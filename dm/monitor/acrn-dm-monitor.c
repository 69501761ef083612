/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm-monitor: talk to acrn-dm's monitor socket (api/monitor.md).
 *
 *   acrn-dm-monitor PATH COMMAND [JSON-ARGS]   run one command, print the reply line
 *   acrn-dm-monitor PATH --events              print events until acrn-dm goes away
 *   acrn-dm-monitor PATH                       read requests from stdin, one a line
 *                                              ("COMMAND [JSON-ARGS]" or raw JSON),
 *                                              print the greeting, replies and events
 *
 * Exit status: 0 success, 1 the command answered with an error, 2 usage,
 * connection or protocol trouble.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#define REPLY_TIMEOUT_MS 10000
#define LINE_MAX_BYTES   (16 * 1024 * 1024)

struct reader {
	int fd;
	GString *buf;
	bool eof;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: acrn-dm-monitor PATH [COMMAND [JSON-ARGS]]\n"
	           "       acrn-dm-monitor PATH --events\n"
	           "Talks to acrn-dm's monitor socket (--cmd_monitor PATH); see api/monitor.md.\n"
	           "  COMMAND [JSON-ARGS]  run one command and print its reply line; exit 1 if it\n"
	           "                       failed (e.g. blkrescan '{\"device\": \"vd0\"}')\n"
	           "  --events             print every event line until acrn-dm closes the socket\n"
	           "  (nothing)            read requests from stdin, one per line, either\n"
	           "                       \"COMMAND [JSON-ARGS]\" or a whole JSON request\n");
}

/* Next line (without newline) from @r, waiting at most @timeout_ms (-1: forever); NULL at EOF. */
static char *reader_line(struct reader *r, int timeout_ms, bool *timed_out)
{
	*timed_out = false;
	for (;;) {
		char *nl = memchr(r->buf->str, '\n', r->buf->len);
		char chunk[4096];
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			char *line = g_strndup(r->buf->str, nl - r->buf->str);

			g_string_erase(r->buf, 0, nl - r->buf->str + 1);
			return line;
		}
		if (r->eof && r->buf->len) {
			char *rest = g_strdup(r->buf->str); /* a last line without newline */

			g_string_truncate(r->buf, 0);
			return rest;
		}
		if (r->eof || r->buf->len > LINE_MAX_BYTES)
			return NULL;
		n = poll(&p, 1, timeout_ms);
		if (n == 0) {
			*timed_out = true;
			return NULL;
		}
		if (n < 0 && errno == EINTR)
			continue;
		n = read(r->fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r->eof = true;
		else
			g_string_append_len(r->buf, chunk, n);
	}
}

static JsonObject *parse_object(const char *line)
{
	g_autoptr(JsonParser) p = json_parser_new();
	JsonNode *root;

	if (!json_parser_load_from_data(p, line, -1, NULL))
		return NULL;
	root = json_parser_get_root(p);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root))
		return NULL;
	return json_object_ref(json_node_get_object(root));
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "acrn-dm-monitor: %s: path too long for a unix socket\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "acrn-dm-monitor: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Read and check the greeting (protocol major version 1); print it if @show. */
static int greeting(struct reader *r, const char *path, bool show)
{
	bool timed_out;
	g_autofree char *line = reader_line(r, REPLY_TIMEOUT_MS, &timed_out);
	g_autoptr(JsonObject) o = line ? parse_object(line) : NULL;
	JsonObject *dm, *ver;

	if (!o) {
		fprintf(stderr, "acrn-dm-monitor: %s: %s\n", path,
		        timed_out ? "no greeting within 10 s"
		        : line    ? "the greeting is not a JSON object"
		                  : "connection closed before the greeting");
		return -1;
	}
	dm = json_object_get_object_member(o, "acrn-dm");
	ver = dm ? json_object_get_object_member(dm, "version") : NULL;
	if (!ver) {
		/* An error instead of a greeting, e.g. TooManyClients. */
		fprintf(stderr, "acrn-dm-monitor: %s: %s\n", path, line);
		return -1;
	}
	if (json_object_get_int_member(ver, "major") != 1) {
		fprintf(stderr,
		        "acrn-dm-monitor: %s: protocol version %" G_GINT64_FORMAT " is not 1\n",
		        path, json_object_get_int_member(ver, "major"));
		return -1;
	}
	if (show)
		puts(line);
	return 0;
}

static int send_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		s += n;
		len -= n;
	}
	return 0;
}

/* "COMMAND [JSON-ARGS]" as a request line with @id; NULL and a message if ARGS is bad. */
static char *build_request(const char *cmd, const char *args, gint64 id)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) err = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	if (args && *args) {
		if (!json_parser_load_from_data(p, args, -1, &err) ||
		    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
			fprintf(stderr, "acrn-dm-monitor: arguments must be a JSON object: %s\n",
			        err ? err->message : args);
			return NULL;
		}
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "execute");
	json_builder_add_string_value(b, cmd);
	if (args && *args) {
		json_builder_set_member_name(b, "arguments");
		json_builder_add_value(b, json_node_copy(json_parser_get_root(p)));
	}
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, id);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

static int run_command(int fd, struct reader *r, const char *cmd, const char *args)
{
	g_autofree char *req = build_request(cmd, args, 1);
	g_autofree char *line = NULL;

	if (!req)
		return 2;
	if (send_all(fd, req, strlen(req)) < 0 || send_all(fd, "\n", 1) < 0) {
		fprintf(stderr, "acrn-dm-monitor: sending the request: %s\n", strerror(errno));
		return 2;
	}
	for (;;) {
		bool timed_out;
		g_autoptr(JsonObject) o = NULL;
		JsonNode *id;

		g_free(line);
		line = reader_line(r, REPLY_TIMEOUT_MS, &timed_out);
		if (!line) {
			fprintf(stderr, "acrn-dm-monitor: %s\n",
			        timed_out ? "no reply within 10 s"
			                  : "connection closed before the reply");
			return 2;
		}
		o = parse_object(line);
		if (!o || json_object_has_member(o, "event"))
			continue; /* events that happened meanwhile */
		id = json_object_get_member(o, "id");
		if (id && JSON_NODE_HOLDS_VALUE(id) &&
		    json_node_get_value_type(id) == G_TYPE_INT64 && json_node_get_int(id) == 1) {
			puts(line);
			return json_object_has_member(o, "return") ? 0 : 1;
		}
		if (!id && json_object_has_member(o, "error")) {
			/* The request itself was rejected before its id was read. */
			puts(line);
			return 1;
		}
	}
}

static int print_events(struct reader *r)
{
	for (;;) {
		bool timed_out;
		g_autofree char *line = reader_line(r, -1, &timed_out);
		g_autoptr(JsonObject) o = NULL;

		if (!line)
			return 0;
		o = parse_object(line);
		if (o && json_object_has_member(o, "event")) {
			puts(line);
			fflush(stdout);
		}
	}
}

/* One stdin line as a request; -1 if acrn-dm cannot be written to. */
static int send_input_line(int fd, char *line, gint64 id)
{
	g_autofree char *req = NULL;
	g_auto(GStrv) words = NULL;

	if (*line == '{') {
		req = g_strdup(line);
	} else {
		words = g_strsplit(line, " ", 2);
		req = build_request(words[0], words[1], id);
	}
	if (req && (send_all(fd, req, strlen(req)) < 0 || send_all(fd, "\n", 1) < 0))
		return -1;
	return 0;
}

/*
 * stdin lines to requests, everything from acrn-dm to stdout. At the end of
 * stdin we half-close the socket and print the replies still coming.
 */
static int interactive(int fd, struct reader *r)
{
	struct reader in = { .fd = STDIN_FILENO, .buf = g_string_new(NULL) };
	bool stdin_open = true;
	gint64 id = 0;
	int ret = 0;

	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
			               { .fd = STDIN_FILENO, .events = POLLIN } };
		bool timed_out;
		char *line;

		/* Print what acrn-dm sent; reader_line() reads what is ready. */
		while ((line = reader_line(r, 0, &timed_out))) {
			puts(line);
			g_free(line);
		}
		fflush(stdout);
		if (r->eof)
			break; /* acrn-dm closed the connection */
		if (poll(p, stdin_open ? 2 : 1, -1) < 0 && errno != EINTR)
			break;
		if (!stdin_open || !p[1].revents)
			continue;
		while ((line = reader_line(&in, 0, &timed_out))) {
			int rc = *g_strstrip(line) ? send_input_line(fd, line, ++id) : 0;

			g_free(line);
			if (rc < 0) {
				fprintf(stderr, "acrn-dm-monitor: sending: %s\n", strerror(errno));
				ret = 2;
				goto out;
			}
		}
		if (in.eof) {
			stdin_open = false;
			shutdown(fd, SHUT_WR);
		}
	}
out:
	g_string_free(in.buf, TRUE);
	return ret;
}

int main(int argc, char **argv)
{
	struct reader r = { .buf = g_string_new(NULL) };
	int fd, ret;

	if (argc < 2 || argc > 4 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 || argc > 4 ? stderr : stdout);
		return argc < 2 || argc > 4 ? 2 : 0;
	}
	if (argc > 3 && !strcmp(argv[2], "--events")) {
		usage(stderr);
		return 2;
	}
	fd = connect_to(argv[1]);
	if (fd < 0)
		return 2;
	r.fd = fd;
	if (greeting(&r, argv[1], argc == 2) < 0)
		return 2;
	if (argc == 2)
		ret = interactive(fd, &r);
	else if (!strcmp(argv[2], "--events"))
		ret = print_events(&r);
	else
		ret = run_command(fd, &r, argv[2], argc > 3 ? argv[3] : NULL);
	close(fd);
	g_string_free(r.buf, TRUE);
	return ret;
}
