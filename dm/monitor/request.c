/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One request line to one reply line. Every byte comes from a client we do
 * not trust: the checks before json-glib sees the line (NUL, UTF-8, nesting
 * depth) keep its recursive parser within bounds, and every error names
 * what was wrong so a client can fix it.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <dm/monitor.h>
#include <dm/vm.h>

#include "monitor_priv.h"

GQuark monitor_error_quark(void)
{
	return g_quark_from_static_string("dm-monitor-error");
}

static const char *const error_classes[] = {
	[MONITOR_ERROR_PARSE] = "ParseError",
	[MONITOR_ERROR_INVALID_REQUEST] = "InvalidRequest",
	[MONITOR_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
	[MONITOR_ERROR_INVALID_ARGUMENT] = "InvalidArgument",
	[MONITOR_ERROR_DEVICE_NOT_FOUND] = "DeviceNotFound",
	[MONITOR_ERROR_FAILED] = "Failed",
	[MONITOR_ERROR_LINE_TOO_LONG] = "LineTooLong",
	[MONITOR_ERROR_TOO_MANY_CLIENTS] = "TooManyClients",
	[MONITOR_ERROR_SNAPSHOT_NOT_FOUND] = "SnapshotNotFound",
	[MONITOR_ERROR_BUSY] = "Busy",
};

const char *monitor_error_class(int code)
{
	if (code < 0 || (size_t)code >= G_N_ELEMENTS(error_classes) || !error_classes[code])
		return "Failed";
	return error_classes[code];
}

static char *node_to_line(JsonNode *node)
{
	JsonGenerator *gen = json_generator_new();
	char *s;

	json_generator_set_root(gen, node);
	json_generator_set_pretty(gen, FALSE);
	s = json_generator_to_data(gen, NULL);
	g_object_unref(gen);
	return s;
}

/* {"error": {"class", "desc"}, "id"?}; @id is borrowed and copied. */
static char *error_reply(int code, const char *desc, JsonNode *id)
{
	JsonObject *root = json_object_new();
	JsonObject *e = json_object_new();
	/* json-glib's messages quote the request, bad bytes included. */
	g_autofree char *valid = g_utf8_make_valid(desc, -1);
	JsonNode *node;
	char *s;

	json_object_set_string_member(e, "class", monitor_error_class(code));
	json_object_set_string_member(e, "desc", valid);
	json_object_set_object_member(root, "error", e);
	if (id)
		json_object_set_member(root, "id", json_node_copy(id));
	node = json_node_init_object(json_node_alloc(), root);
	s = node_to_line(node);
	json_node_unref(node);
	json_object_unref(root);
	return s;
}

char *request_error_line(int code, const char *desc)
{
	return error_reply(code, desc, NULL);
}

char *request_greeting(struct dm_vm *vm)
{
	g_autofree char *name = g_utf8_make_valid(vm->name, strnlen(vm->name, sizeof(vm->name)));
	JsonBuilder *b = json_builder_new();
	JsonNode *node;
	char *s;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "acrn-dm");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "version");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "major");
	json_builder_add_int_value(b, MONITOR_PROTO_MAJOR);
	json_builder_set_member_name(b, "minor");
	json_builder_add_int_value(b, MONITOR_PROTO_MINOR);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "vm");
	json_builder_add_string_value(b, name);
	json_builder_set_member_name(b, "pid");
	json_builder_add_int_value(b, getpid());
	json_builder_end_object(b);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	s = node_to_line(node);
	json_node_unref(node);
	g_object_unref(b);
	return s;
}

/* A number json-glib would silently change (wrap an integer, make a double infinite). */
static char *number_check(const char *tok, size_t len, size_t offset)
{
	g_autofree char *t = g_strndup(tok, len);
	bool integer = !strpbrk(t, ".eE");
	char *end;

	errno = 0;
	if (integer)
		g_ascii_strtoll(t, &end, 10);
	else if (!isfinite(g_ascii_strtod(t, &end)))
		errno = ERANGE;
	if (*end || errno != ERANGE)
		return NULL; /* in range, or not a number: json-glib says so */
	return g_strdup_printf("request has a number out of range at byte offset %zu (%s)", offset,
	                       integer ? "integers are 64-bit" : "not a finite double");
}

/*
 * One pass over the raw line, inside and outside strings, for what
 * json-glib would get wrong: nesting deeper than MONITOR_NESTING_MAX (it
 * recurses once per level), a \u0000 escape (it would cut the C string
 * there) and numbers out of range (it would change them). A message, or NULL.
 */
static char *line_scan(const char *s, size_t len)
{
	unsigned depth = 0;
	bool in_string = false, escaped = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (in_string) {
			if (escaped) {
				escaped = false;
				if (c == 'u' && len - i > 4 && memcmp(s + i + 1, "0000", 4) == 0)
					return g_strdup_printf("request has a \\u0000 escape in a "
					                       "string (byte offset %zu)",
					                       i - 1);
			} else if (c == '\\') {
				escaped = true;
			} else if (c == '"') {
				in_string = false;
			}
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > MONITOR_NESTING_MAX)
				return g_strdup_printf(
				        "request nests arrays/objects deeper than %d "
				        "levels",
				        MONITOR_NESTING_MAX);
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		} else if (c == '-' || g_ascii_isdigit(c)) {
			size_t n = 1;
			char *problem;

			while (i + n < len && strchr("0123456789+-.eE", s[i + n]) && s[i + n])
				n++;
			problem = number_check(s + i, n, i);
			if (problem)
				return problem;
			i += n - 1;
		}
	}
	return NULL;
}

/*
 * json-glib turns a lone surrogate escape (\ud800) into bytes that are not
 * UTF-8; such a string must not reach a command or be echoed back.
 */
static bool strings_valid(JsonNode *n)
{
	switch (json_node_get_node_type(n)) {
	case JSON_NODE_OBJECT: {
		JsonObjectIter it;
		const char *name;
		JsonNode *v;

		json_object_iter_init(&it, json_node_get_object(n));
		while (json_object_iter_next(&it, &name, &v))
			if (!g_utf8_validate(name, -1, NULL) || !strings_valid(v))
				return false;
		return true;
	}
	case JSON_NODE_ARRAY: {
		JsonArray *a = json_node_get_array(n);

		for (guint i = 0; i < json_array_get_length(a); i++)
			if (!strings_valid(json_array_get_element(a, i)))
				return false;
		return true;
	}
	case JSON_NODE_VALUE:
		return json_node_get_value_type(n) != G_TYPE_STRING ||
		       g_utf8_validate(json_node_get_string(n), -1, NULL);
	default:
		return true;
	}
}

static const char *type_name(JsonNode *n)
{
	switch (json_node_get_node_type(n)) {
	case JSON_NODE_OBJECT:
		return "an object";
	case JSON_NODE_ARRAY:
		return "an array";
	case JSON_NODE_NULL:
		return "null";
	default:
		break;
	}
	switch (json_node_get_value_type(n)) {
	case G_TYPE_STRING:
		return "a string";
	case G_TYPE_BOOLEAN:
		return "a boolean";
	default:
		return "a number";
	}
}

static bool arg_type_ok(JsonNode *n, enum command_arg_type t)
{
	if (t == COMMAND_ARG_STRINGS && JSON_NODE_HOLDS_ARRAY(n)) {
		JsonArray *a = json_node_get_array(n);

		for (guint i = 0; i < json_array_get_length(a); i++) {
			JsonNode *e = json_array_get_element(a, i);

			if (!JSON_NODE_HOLDS_VALUE(e) ||
			    json_node_get_value_type(e) != G_TYPE_STRING)
				return false;
		}
		return true;
	}
	if (!JSON_NODE_HOLDS_VALUE(n))
		return false;
	switch (t) {
	case COMMAND_ARG_STRING:
		return json_node_get_value_type(n) == G_TYPE_STRING;
	case COMMAND_ARG_BOOL:
		return json_node_get_value_type(n) == G_TYPE_BOOLEAN;
	case COMMAND_ARG_INT:
		return json_node_get_value_type(n) == G_TYPE_INT64;
	case COMMAND_ARG_STRINGS:
		return false;
	}
	return false;
}

static const char *const arg_type_names[] = {
	[COMMAND_ARG_STRING] = "a string",
	[COMMAND_ARG_BOOL] = "a boolean",
	[COMMAND_ARG_INT] = "an integer",
	[COMMAND_ARG_STRINGS] = "an array of strings",
};

/* Every argument known, of its type, and every required one present. */
static bool args_check(const struct command *cmd, JsonObject *args, GError **error)
{
	JsonObjectIter it;
	const char *name;
	JsonNode *val;

	json_object_iter_init(&it, args);
	while (json_object_iter_next(&it, &name, &val)) {
		const struct command_arg *a = cmd->args;

		while (a && a->name && strcmp(a->name, name) != 0)
			a++;
		if (!a || !a->name) {
			g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
			            "%s: unknown argument '%s'%s", cmd->name, name,
			            cmd->args ? "" : " (it takes none)");
			return false;
		}
		if (!arg_type_ok(val, a->type)) {
			g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
			            "%s: argument '%s' must be %s, not %s", cmd->name, name,
			            arg_type_names[a->type], type_name(val));
			return false;
		}
	}
	for (const struct command_arg *a = cmd->args; a && a->name; a++) {
		if (!a->optional && !json_object_has_member(args, a->name)) {
			g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
			            "%s: missing argument '%s' (%s)", cmd->name, a->name,
			            arg_type_names[a->type]);
			return false;
		}
	}
	return true;
}

/* Checks the request's shape, runs it; the "return" value or NULL and @error. */
static JsonNode *request_run(struct dm_vm *vm, JsonObject *req, GError **error)
{
	JsonObjectIter it;
	const char *name;
	JsonNode *val, *exec, *args_node;
	const struct command *cmd;
	JsonObject *args;
	JsonNode *ret;

	json_object_iter_init(&it, req);
	while (json_object_iter_next(&it, &name, &val)) {
		if (strcmp(name, "execute") && strcmp(name, "arguments") && strcmp(name, "id")) {
			g_set_error(
			        error, MONITOR_ERROR, MONITOR_ERROR_INVALID_REQUEST,
			        "unknown member '%s' in request (expected execute, arguments, id)",
			        name);
			return NULL;
		}
	}
	exec = json_object_get_member(req, "execute");
	if (!exec) {
		g_set_error_literal(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_REQUEST,
		                    "request has no 'execute' member");
		return NULL;
	}
	if (!JSON_NODE_HOLDS_VALUE(exec) || json_node_get_value_type(exec) != G_TYPE_STRING) {
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_REQUEST,
		            "'execute' must be a string, not %s", type_name(exec));
		return NULL;
	}
	args_node = json_object_get_member(req, "arguments");
	if (args_node && !JSON_NODE_HOLDS_OBJECT(args_node)) {
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_REQUEST,
		            "'arguments' must be an object, not %s", type_name(args_node));
		return NULL;
	}
	cmd = commands_find(json_node_get_string(exec));
	if (!cmd) {
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_COMMAND_NOT_FOUND,
		            "unknown command '%s' (query-commands lists them)",
		            json_node_get_string(exec));
		return NULL;
	}
	args = args_node ? json_object_ref(json_node_get_object(args_node)) : json_object_new();
	ret = NULL;
	if (args_check(cmd, args, error))
		ret = cmd->run(vm, args, error);
	json_object_unref(args);
	return ret;
}

/* Rejects what json-glib should not see; a message naming the problem, or NULL. */
static char *line_precheck(const char *line, size_t len)
{
	const char *bad;

	if (len > MONITOR_LINE_MAX)
		return g_strdup_printf("request is %zu bytes, the limit is %d", len,
		                       MONITOR_LINE_MAX);
	bad = memchr(line, '\0', len);
	if (bad)
		return g_strdup_printf("request has a NUL byte at offset %td", bad - line);
	if (!g_utf8_validate(line, len, &bad))
		return g_strdup_printf("request is not valid UTF-8 (byte offset %td)", bad - line);
	return line_scan(line, len);
}

char *request_handle(struct dm_vm *vm, const char *line, size_t len)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(JsonParser) parser = NULL;
	g_autofree char *problem = NULL;
	JsonNode *root, *id, *ret;
	JsonObject *reply;
	char *s;

	problem = line_precheck(line, len);
	if (problem)
		return error_reply(len > MONITOR_LINE_MAX ? MONITOR_ERROR_LINE_TOO_LONG
		                                          : MONITOR_ERROR_PARSE,
		                   problem, NULL);
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, line, len, &err)) {
		problem = g_strdup_printf("malformed JSON: %s", err->message);
		return error_reply(MONITOR_ERROR_PARSE, problem, NULL);
	}
	root = json_parser_get_root(parser);
	if (!root)
		return error_reply(MONITOR_ERROR_PARSE, "empty request", NULL);
	if (!strings_valid(root))
		return error_reply(MONITOR_ERROR_PARSE,
		                   "request has a string with a lone UTF-16 surrogate escape "
		                   "(\\ud800-\\udfff)",
		                   NULL);
	if (!JSON_NODE_HOLDS_OBJECT(root))
		return error_reply(MONITOR_ERROR_INVALID_REQUEST,
		                   JSON_NODE_HOLDS_ARRAY(root)
		                           ? "a request must be a JSON object, not an array"
		                           : "a request must be a JSON object",
		                   NULL);
	id = json_object_get_member(json_node_get_object(root), "id");
	ret = request_run(vm, json_node_get_object(root), &err);
	if (!ret)
		return error_reply(err ? err->code : MONITOR_ERROR_FAILED,
		                   err ? err->message : "command failed", id);

	reply = json_object_new();
	json_object_set_member(reply, "return", ret);
	if (id)
		json_object_set_member(reply, "id", json_node_copy(id));
	root = json_node_init_object(json_node_alloc(), reply);
	s = node_to_line(root);
	json_node_unref(root);
	json_object_unref(reply);
	return s;
}
