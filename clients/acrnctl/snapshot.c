/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrnctl snapshot create|list|revert|delete: the VM interface's snapshot
 * methods (api/dbus/README.md, "Snapshots").
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "acrnctl.h"

static int call(const char *vm, const char *method, const char *what, sd_bus_message **reply,
                const char *sig, ...)
{
	g_autofree char *path = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	va_list ap;
	int r;

	if (vm_path(vm, &path) < 0)
		return 1;
	r = sd_bus_message_new_method_call(bus, &m, BUS_NAME, path, VM_IFACE, method);
	if (r >= 0) {
		va_start(ap, sig);
		r = sd_bus_message_appendv(m, sig, ap);
		va_end(ap);
	}
	if (r >= 0) {
		/* Let polkit ask, as the other commands do. */
		sd_bus_message_set_allow_interactive_authorization(
		        m, sd_bus_get_allow_interactive_authorization(bus));
		r = sd_bus_call(bus, m, 0, &e, reply);
	}
	sd_bus_message_unref(m);
	if (r < 0) {
		r = failed(what, &e, r);
		sd_bus_error_free(&e);
		return r;
	}
	return 0;
}

static int create(const char *vm, const char *snap, const char *desc)
{
	g_autofree char *what = g_strdup_printf("snapshot create %s", vm);
	sd_bus_message *reply = NULL;
	const char *name;
	int r;

	r = call(vm, "CreateSnapshot", what, &reply, "ss", snap ? snap : "", desc ? desc : "");
	if (r)
		return r;
	r = sd_bus_message_read(reply, "s", &name);
	if (r < 0) {
		sd_bus_message_unref(reply);
		fprintf(stderr, "acrnctl: %s: malformed reply\n", what);
		return 1;
	}
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) n = NULL;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, name);
		json_builder_end_object(b);
		n = json_builder_get_root(b);
		print_json(n);
	} else {
		printf("%s\n", name);
	}
	sd_bus_message_unref(reply);
	return 0;
}

static int list(const char *vm)
{
	g_autofree char *what = g_strdup_printf("snapshot list %s", vm);
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) n = NULL;
	sd_bus_message *reply = NULL;
	const char *name, *desc, *state, *parent;
	int64_t created;
	uint32_t ndisks;
	int current, r;

	r = call(vm, "ListSnapshots", what, &reply, "");
	if (r)
		return r;
	r = sd_bus_message_enter_container(reply, 'a', "(ssxssbu)");
	json_builder_begin_array(b);
	if (!json && r >= 0)
		printf("%-24s %-20s %-10s %-5s %s\n", "NAME", "CREATED", "STATE", "DISKS",
		       "DESCRIPTION");
	while (r >= 0 && (r = sd_bus_message_read(reply, "(ssxssbu)", &name, &desc, &created,
	                                          &state, &parent, &current, &ndisks)) > 0) {
		if (!json) {
			char when[32] = "";
			time_t t = (time_t)created;
			struct tm tm;

			if (localtime_r(&t, &tm))
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
			printf("%-24s %-20s %-10s %-5u %s%s\n", name, when, *state ? state : "-",
			       ndisks, current ? "(current) " : "", desc);
			continue;
		}
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, name);
		json_builder_set_member_name(b, "description");
		json_builder_add_string_value(b, desc);
		json_builder_set_member_name(b, "created");
		json_builder_add_int_value(b, created);
		json_builder_set_member_name(b, "state");
		json_builder_add_string_value(b, state);
		json_builder_set_member_name(b, "parent");
		json_builder_add_string_value(b, parent);
		json_builder_set_member_name(b, "current");
		json_builder_add_boolean_value(b, current);
		json_builder_set_member_name(b, "disks");
		json_builder_add_int_value(b, ndisks);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	sd_bus_message_unref(reply);
	if (r < 0) {
		fprintf(stderr, "acrnctl: %s: malformed reply: %s\n", what, strerror(-r));
		return 1;
	}
	n = json_builder_get_root(b);
	if (json)
		print_json(n);
	return 0;
}

static int simple(const char *method, const char *sub, const char *vm, const char *snap)
{
	g_autofree char *what = g_strdup_printf("snapshot %s %s %s", sub, vm, snap);
	int r = call(vm, method, what, NULL, "s", snap);

	return r ? r : ok();
}

int cmd_snapshot(int argc, char **argv)
{
	const char *pos[3] = { NULL, NULL, NULL }, *desc = NULL;
	int npos = 0;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-d") || !strcmp(argv[i], "--description")) {
			if (++i >= argc) {
				fprintf(stderr, "acrnctl: snapshot: %s needs a text\n",
				        argv[i - 1]);
				return 2;
			}
			desc = argv[i];
		} else if (npos < 3) {
			pos[npos++] = argv[i];
		} else {
			fprintf(stderr, "acrnctl: snapshot: too many arguments\n");
			return 2;
		}
	}
	if (npos >= 2 && !strcmp(pos[0], "create") && npos <= 3)
		return create(pos[1], pos[2], desc);
	if (npos == 2 && !strcmp(pos[0], "list") && !desc)
		return list(pos[1]);
	if (npos == 3 && !strcmp(pos[0], "revert") && !desc)
		return simple("RevertSnapshot", "revert", pos[1], pos[2]);
	if (npos == 3 && !strcmp(pos[0], "delete") && !desc)
		return simple("DeleteSnapshot", "delete", pos[1], pos[2]);
	fprintf(stderr, "usage: acrnctl snapshot create NAME [SNAP] [-d TEXT] | list NAME | "
	                "revert NAME SNAP | delete NAME SNAP\n");
	return 2;
}

int snapshot_signal(sd_bus_message *m, const char *vm, const char *member)
{
	const char *snap, *what = member + strlen("Snapshot");

	if (sd_bus_message_read(m, "s", &snap) < 0)
		return 0;
	if (json) {
		JsonBuilder *b = event_json_begin(vm, member);

		json_builder_set_member_name(b, "snapshot");
		json_builder_add_string_value(b, snap);
		event_json_print(b);
	} else {
		g_autofree char *lower = g_ascii_strdown(what, -1);

		printf("%s: snapshot %s %s\n", vm, snap, lower);
	}
	fflush(stdout);
	return 0;
}
