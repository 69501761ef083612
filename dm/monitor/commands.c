/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The monitor's commands. request.c has checked the arguments against each
 * command's table before run() is called, so run() only reads them.
 */
#include <errno.h>
#include <string.h>

#include <dm/monitor.h>
#include <dm/vm.h>

#include "monitor_priv.h"

static JsonNode *empty_return(void)
{
	JsonObject *o = json_object_new();
	JsonNode *n = json_node_init_object(json_node_alloc(), o);

	json_object_unref(o);
	return n;
}

/* A control function's negative errno as the command's error. */
static JsonNode *failed(GError **error, const char *cmd, int rc)
{
	int code = rc == -ENODEV ? MONITOR_ERROR_DEVICE_NOT_FOUND : MONITOR_ERROR_FAILED;

	g_set_error(error, MONITOR_ERROR, code, "%s: %s (errno %d)", cmd, g_strerror(-rc), -rc);
	return NULL;
}

static JsonNode *cmd_query(struct dm_vm *vm, JsonObject *args, GError **error)
{
	JsonObject *o = dm_vm_query(vm);
	JsonArray *serial;
	JsonNode *n;

	(void)args;
	if (!o) {
		g_set_error_literal(error, MONITOR_ERROR, MONITOR_ERROR_FAILED,
		                    "query: the VM reported no status");
		return NULL;
	}
	/* The COM ports (since 1.1): where a client finds the console's pty. */
	serial = dm_serial_query(vm);
	if (serial)
		json_object_set_array_member(o, "serial", serial);
	n = json_node_init_object(json_node_alloc(), o);
	json_object_unref(o);
	return n;
}

static JsonNode *cmd_system_powerdown(struct dm_vm *vm, JsonObject *args, GError **error)
{
	int rc = dm_vm_power_button(vm);

	(void)args;
	if (rc < 0)
		return failed(error, "system_powerdown", rc);
	dm_event_emit("power_button", NULL);
	return empty_return();
}

static JsonNode *cmd_destroy(struct dm_vm *vm, JsonObject *args, GError **error)
{
	(void)args;
	(void)error;
	dm_vm_request_power(vm, DM_POWER_OFF);
	return empty_return();
}

static JsonNode *cmd_pause(struct dm_vm *vm, JsonObject *args, GError **error)
{
	int rc = dm_vm_pause(vm);

	(void)args;
	if (rc < 0)
		return failed(error, "pause", rc);
	dm_event_emit("paused", NULL);
	return empty_return();
}

static JsonNode *cmd_resume(struct dm_vm *vm, JsonObject *args, GError **error)
{
	int rc = dm_vm_resume(vm);

	(void)args;
	if (rc < 0)
		return failed(error, "resume", rc);
	dm_event_emit("resumed", NULL);
	return empty_return();
}

static JsonNode *cmd_blkrescan(struct dm_vm *vm, JsonObject *args, GError **error)
{
	const char *dev = json_object_get_string_member(args, "device");
	const char *path = json_object_has_member(args, "path")
	                           ? json_object_get_string_member(args, "path")
	                           : NULL;
	int rc;

	if (!*dev) {
		g_set_error_literal(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
		                    "blkrescan: argument 'device' is empty");
		return NULL;
	}
	if (path && !*path) {
		g_set_error_literal(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
		                    "blkrescan: argument 'path' is empty (omit it to re-read the "
		                    "current file)");
		return NULL;
	}
	rc = dm_blk_rescan(vm, dev, path);
	if (rc == -ENODEV) {
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_DEVICE_NOT_FOUND,
		            "blkrescan: no block device '%s'", dev);
		return NULL;
	}
	if (rc < 0)
		return failed(error, "blkrescan", rc);
	return empty_return();
}

static JsonNode *cmd_query_commands(struct dm_vm *vm, JsonObject *args, GError **error)
{
	(void)vm;
	(void)args;
	(void)error;
	return commands_describe();
}

static JsonNode *cmd_query_events(struct dm_vm *vm, JsonObject *args, GError **error)
{
	(void)vm;
	(void)args;
	(void)error;
	return events_describe();
}

static const struct command_arg blkrescan_args[] = {
	{ "device", COMMAND_ARG_STRING, false },
	{ "path", COMMAND_ARG_STRING, true },
	{ NULL, 0, false },
};

static const struct command_arg snapshot_create_args[] = {
	{ "name", COMMAND_ARG_STRING, false },
	{ "disks", COMMAND_ARG_STRINGS, true },
	{ NULL, 0, false },
};

static const struct command_arg snapshot_name_args[] = {
	{ "name", COMMAND_ARG_STRING, false },
	{ NULL, 0, false },
};

static const struct command_arg blockdev_snapshot_args[] = {
	{ "device", COMMAND_ARG_STRING, false },
	{ "overlay", COMMAND_ARG_STRING, false },
	{ NULL, 0, false },
};

/* Sorted by name: query-commands lists them in this order. */
static const struct command commands[] = {
	{ "blkrescan", blkrescan_args, cmd_blkrescan },
	{ "blockdev-snapshot", blockdev_snapshot_args, snapshot_cmd_blockdev },
	{ "destroy", NULL, cmd_destroy },
	{ "pause", NULL, cmd_pause },
	{ "query", NULL, cmd_query },
	{ "query-commands", NULL, cmd_query_commands },
	{ "query-events", NULL, cmd_query_events },
	{ "resume", NULL, cmd_resume },
	{ "snapshot-apply", snapshot_name_args, snapshot_cmd_apply },
	{ "snapshot-create", snapshot_create_args, snapshot_cmd_create },
	{ "snapshot-delete", snapshot_name_args, snapshot_cmd_delete },
	{ "snapshot-list", NULL, snapshot_cmd_list },
	{ "system_powerdown", NULL, cmd_system_powerdown },
};

const struct command *commands_find(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

JsonNode *commands_describe(void)
{
	static const char *const types[] = {
		[COMMAND_ARG_STRING] = "string",
		[COMMAND_ARG_BOOL] = "boolean",
		[COMMAND_ARG_INT] = "integer",
		[COMMAND_ARG_STRINGS] = "string-array",
	};
	JsonBuilder *b = json_builder_new();
	JsonNode *n;

	json_builder_begin_array(b);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, commands[i].name);
		json_builder_set_member_name(b, "arguments");
		json_builder_begin_array(b);
		for (const struct command_arg *a = commands[i].args; a && a->name; a++) {
			json_builder_begin_object(b);
			json_builder_set_member_name(b, "name");
			json_builder_add_string_value(b, a->name);
			json_builder_set_member_name(b, "type");
			json_builder_add_string_value(b, types[a->type]);
			json_builder_set_member_name(b, "optional");
			json_builder_add_boolean_value(b, a->optional);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	n = json_builder_get_root(b);
	g_object_unref(b);
	return n;
}
