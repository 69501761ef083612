/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the monitor socket (api/monitor.md is the protocol): the request
 * handler (request.c), the command table (commands.c), the event queue
 * (events.c) and the server with its clients (monitor.c, client.c).
 */
#ifndef DM_MONITOR_PRIV_H
#define DM_MONITOR_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

struct dm_vm;
struct dm_monitor;
struct monitor_client;

#define MONITOR_PROTO_MAJOR 1
#define MONITOR_PROTO_MINOR 1

/* Defaults; tests may lower the last two with monitor_set_limits(). */
#define MONITOR_LINE_MAX      (64 * 1024)   /* one request, without its newline */
#define MONITOR_NESTING_MAX   32            /* JSON arrays/objects inside each other */
#define MONITOR_CLIENTS_MAX   16            /* connected at once */
#define MONITOR_EVENTS_QUEUED 4096          /* emitted, not yet sent by the main loop */
#define MONITOR_OUTQ_MAX      (1024 * 1024) /* bytes a client has not read yet */

/* Error classes ("error": {"class": ...}); the table in request.c names them. */
enum monitor_error {
	MONITOR_ERROR_PARSE,           /* not JSON, not UTF-8, NUL byte, too deep */
	MONITOR_ERROR_INVALID_REQUEST, /* JSON, but not a request object */
	MONITOR_ERROR_COMMAND_NOT_FOUND,
	MONITOR_ERROR_INVALID_ARGUMENT, /* missing, unknown or mistyped argument */
	MONITOR_ERROR_DEVICE_NOT_FOUND,
	MONITOR_ERROR_FAILED,             /* the VM refused or failed (errno in desc) */
	MONITOR_ERROR_LINE_TOO_LONG,      /* then the connection is closed */
	MONITOR_ERROR_TOO_MANY_CLIENTS,   /* then the connection is closed */
	MONITOR_ERROR_SNAPSHOT_NOT_FOUND, /* since 1.1 */
	MONITOR_ERROR_BUSY,               /* since 1.1: not in the VM's current state */
};
#define MONITOR_ERROR monitor_error_quark()
GQuark monitor_error_quark(void);
const char *monitor_error_class(int code);

/* request.c: one request line (no newline) in, one reply line (no newline) out. */
char *request_handle(struct dm_vm *vm, const char *line, size_t len);
/* An error reply with no id, for errors found before a request is parsed. */
char *request_error_line(int code, const char *desc);
/* The greeting sent on connect. */
char *request_greeting(struct dm_vm *vm);

/* commands.c */
enum command_arg_type {
	COMMAND_ARG_STRING,
	COMMAND_ARG_BOOL,
	COMMAND_ARG_INT,
	COMMAND_ARG_STRINGS, /* an array of strings */
};
struct command_arg {
	const char *name;
	enum command_arg_type type;
	bool optional;
};
struct command {
	const char *name;
	const struct command_arg *args; /* NULL-name terminated; NULL: none */
	/* @args is validated against the table; returns the "return" value or NULL and @error. */
	JsonNode *(*run)(struct dm_vm *vm, JsonObject *args, GError **error);
};
const struct command *commands_find(const char *name);
/* [{"name": N, "arguments": [{"name", "type", "optional"}]}, ...] for query-commands. */
JsonNode *commands_describe(void);

/* snapshot.c: the snapshot commands (api/monitor.md), run like the others. */
JsonNode *snapshot_cmd_create(struct dm_vm *vm, JsonObject *args, GError **error);
JsonNode *snapshot_cmd_list(struct dm_vm *vm, JsonObject *args, GError **error);
JsonNode *snapshot_cmd_delete(struct dm_vm *vm, JsonObject *args, GError **error);
JsonNode *snapshot_cmd_apply(struct dm_vm *vm, JsonObject *args, GError **error);
JsonNode *snapshot_cmd_blockdev(struct dm_vm *vm, JsonObject *args, GError **error);

/* events.c */
/* [{"name": N}, ...] for query-events. */
JsonNode *events_describe(void);
/* Start/stop delivering dm_event_emit() events to @m's clients. */
void events_attach(struct dm_monitor *m);
void events_detach(struct dm_monitor *m);

/* monitor.c */
struct dm_monitor {
	struct dm_vm *vm;
	char *path;
	GSocket *listener;
	GSource *accept_src; /* NULL while accepting is paused after an error */
	GSource *retry_src;
	GList *clients; /* struct monitor_client */
	dev_t dev;      /* the socket file we created, to remove only that one */
	ino_t ino;
	size_t line_max, outq_max;
};
/* Send @line (no newline) to every client; main context only. */
void monitor_broadcast(struct dm_monitor *m, const char *line);

/* client.c: one connection, in the default main context. */
struct monitor_client *client_new(struct dm_monitor *m, GSocket *sock);
/* Queue @line (no newline); a negative errno when the client must be dropped. */
int client_send(struct monitor_client *c, const char *line);
/* Close, unlink from the monitor and free; @why (may be NULL) is logged. */
void client_drop(struct monitor_client *c, const char *why);
/* For tests. */
unsigned monitor_client_count(struct dm_monitor *m);
void monitor_set_limits(struct dm_monitor *m, size_t line_max, size_t outq_max);

#endif
