/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrnctl: ACRN's VM control tool, as a client of acrnd's D-Bus API
 * (api/dbus/README.md). Command names are ACRN's where they exist.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <systemd/sd-bus.h>

#include "acrnctl.h"

bool json;
sd_bus *bus;

void print_json(JsonNode *n)
{
	g_autofree char *s = json_to_string(n, FALSE);

	printf("%s\n", s);
	fflush(stdout);
}

/* Report a failed call: the D-Bus error name and acrnd's message. */
int failed(const char *what, const sd_bus_error *e, int r)
{
	const char *name = e && e->name ? e->name : "";
	const char *short_name = strrchr(name, '.') ? strrchr(name, '.') + 1 : name;

	fprintf(stderr, "acrnctl: %s: %s%s%s%s\n", what,
	        e && e->message ? e->message : strerror(-r), *short_name ? " (" : "", short_name,
	        *short_name ? ")" : "");
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) n = NULL;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "error");
		json_builder_add_string_value(b, name);
		json_builder_set_member_name(b, "message");
		json_builder_add_string_value(b, e && e->message ? e->message : strerror(-r));
		json_builder_end_object(b);
		n = json_builder_get_root(b);
		print_json(n);
	}
	return 1;
}

int vm_path(const char *name, char **ret)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *p;
	int r;

	r = sd_bus_call_method(bus, BUS_NAME, MGR_PATH, MGR_IFACE, "GetVM", &e, &reply, "s", name);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &p);
	if (r < 0) {
		g_autofree char *what = g_strdup_printf("%s", name);

		failed(what, &e, r);
		sd_bus_error_free(&e);
		sd_bus_message_unref(reply);
		return -1;
	}
	*ret = g_strdup(p);
	sd_bus_message_unref(reply);
	return 0;
}

int ok(void)
{
	if (json)
		printf("{}\n");
	return 0;
}

/* Call a VM method; @sig/@arg0 optional (a single u or b argument). */
static int vm_call(const char *name, const char *method, const char *sig, unsigned arg)
{
	g_autofree char *path = NULL;
	g_autofree char *what = g_strdup_printf("%s %s", method, name);
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	if (vm_path(name, &path) < 0)
		return 1;
	if (sig)
		r = sd_bus_call_method(bus, BUS_NAME, path, VM_IFACE, method, &e, NULL, sig, arg);
	else
		r = sd_bus_call_method(bus, BUS_NAME, path, VM_IFACE, method, &e, NULL, "");
	if (r < 0) {
		r = failed(what, &e, r);
		sd_bus_error_free(&e);
		return r;
	}
	return ok();
}

/* ACRN's syntax "blkrescan NAME SLOT,PATH" and ours "blkrescan NAME DEVICE [PATH]". */
static int cmd_blkrescan(const char *name, const char *device, const char *path)
{
	g_autofree char *path_ = NULL, *dev = g_strdup(device);
	g_autofree char *vm = NULL;
	g_autofree char *what = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *comma = strchr(dev, ',');
	int r;

	if (comma) {
		if (path) {
			fprintf(stderr,
			        "acrnctl: blkrescan: give either DEVICE,PATH or DEVICE PATH\n");
			return 2;
		}
		*comma = '\0';
		path = path_ = g_strdup(comma + 1);
	}
	if (!*dev) {
		fprintf(stderr, "acrnctl: blkrescan: the device (slot or target) is empty\n");
		return 2;
	}
	what = g_strdup_printf("blkrescan %s %s", name, dev);
	if (vm_path(name, &vm) < 0)
		return 1;
	r = sd_bus_call_method(bus, BUS_NAME, vm, VM_IFACE, "BlockRescan", &e, NULL, "ss", dev,
	                       path ? path : "");
	if (r < 0) {
		r = failed(what, &e, r);
		sd_bus_error_free(&e);
		return r;
	}
	return ok();
}

/*
 * ACRN's "resume" wakes a suspended VM ("continue" un-pauses); a paused VM
 * gets a hint instead of acrnd's NotSupported/Busy.
 */
static int cmd_resume(const char *name)
{
	g_autofree char *path = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *state = NULL;
	int r;

	if (vm_path(name, &path) < 0)
		return 1;
	r = sd_bus_get_property_string(bus, BUS_NAME, path, VM_IFACE, "State", &e, &state);
	sd_bus_error_free(&e);
	if (r >= 0 && !strcmp(state, "paused")) {
		sd_bus_error hint = SD_BUS_ERROR_NULL;

		free(state);
		sd_bus_error_setf(&hint, "org.projectacrn.Acrnd1.Error.Busy",
		                  "VM '%s' is paused, not suspended: 'acrnctl continue %s' "
		                  "un-pauses it ('resume' wakes a suspended VM, as in ACRN)",
		                  name, name);
		r = failed("resume", &hint, -EBUSY);
		sd_bus_error_free(&hint);
		return r;
	}
	free(state);
	return vm_call(name, "Wakeup", NULL, 0);
}

static int cmd_list(void)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) n = NULL;
	const char *name, *uuid, *state, *path;
	int r;

	r = sd_bus_call_method(bus, BUS_NAME, MGR_PATH, MGR_IFACE, "ListVMs", &e, &reply, "");
	if (r < 0) {
		r = failed("list", &e, r);
		sd_bus_error_free(&e);
		return r;
	}
	r = sd_bus_message_enter_container(reply, 'a', "(ssso)");
	json_builder_begin_array(b);
	if (!json && r >= 0)
		printf("%-16s %-14s %s\n", "NAME", "STATE", "UUID");
	while (r >= 0 &&
	       (r = sd_bus_message_read(reply, "(ssso)", &name, &uuid, &state, &path)) > 0) {
		if (!json) {
			printf("%-16s %-14s %s\n", name, state, uuid);
			continue;
		}
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, name);
		json_builder_set_member_name(b, "state");
		json_builder_add_string_value(b, state);
		json_builder_set_member_name(b, "uuid");
		json_builder_add_string_value(b, uuid);
		json_builder_set_member_name(b, "path");
		json_builder_add_string_value(b, path);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	sd_bus_message_unref(reply);
	if (r < 0) {
		fprintf(stderr, "acrnctl: list: malformed reply: %s\n", strerror(-r));
		return 1;
	}
	n = json_builder_get_root(b);
	if (json)
		print_json(n);
	return 0;
}

static int cmd_add(const char *file)
{
	g_autofree char *xml = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *what = g_strdup_printf("add %s", file);
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	int r;

	if (!g_file_get_contents(file, &xml, NULL, &err)) {
		fprintf(stderr, "acrnctl: add: %s\n", err->message);
		return 1;
	}
	r = sd_bus_call_method(bus, BUS_NAME, MGR_PATH, MGR_IFACE, "DefineVM", &e, &reply, "s",
	                       xml);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &path);
	if (r < 0) {
		r = failed(what, &e, r);
		sd_bus_error_free(&e);
		sd_bus_message_unref(reply);
		return r;
	}
	if (json)
		printf("{\"path\":\"%s\"}\n", path); /* object paths need no escaping */
	else
		printf("%s\n", path);
	sd_bus_message_unref(reply);
	return 0;
}

static int cmd_del(const char *name)
{
	g_autofree char *what = g_strdup_printf("del %s", name);
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(bus, BUS_NAME, MGR_PATH, MGR_IFACE, "UndefineVM", &e, NULL, "s",
	                       name);
	if (r < 0) {
		r = failed(what, &e, r);
		sd_bus_error_free(&e);
		return r;
	}
	return ok();
}

JsonBuilder *event_json_begin(const char *vm, const char *signal)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "vm");
	json_builder_add_string_value(b, vm);
	json_builder_set_member_name(b, "signal");
	json_builder_add_string_value(b, signal);
	return b;
}

void event_json_print(JsonBuilder *b)
{
	g_autoptr(JsonNode) n = NULL;

	json_builder_end_object(b);
	n = json_builder_get_root(b);
	print_json(n);
	g_object_unref(b);
}

static int on_signal(sd_bus_message *m, void *user, sd_bus_error *e)
{
	g_autofree char *name = NULL;
	const char *member = sd_bus_message_get_member(m);
	const char *a = "", *b = "";

	(void)user, (void)e;
	if (sd_bus_path_decode(sd_bus_message_get_path(m), VM_PREFIX, &name) <= 0)
		name = g_strdup("");
	if (!strcmp(member, "StateChanged") || !strcmp(member, "Event")) {
		if (sd_bus_message_read(m, "ss", &a, &b) < 0)
			return 0;
	} else if (g_str_has_prefix(member, "Snapshot")) {
		return snapshot_signal(m, name, member);
	} else if (!strcmp(member, "VMAdded") || !strcmp(member, "VMRemoved")) {
		g_free(name);
		name = NULL;
		if (sd_bus_message_read(m, "s", &a) < 0)
			return 0;
		name = g_strdup(a);
		a = "";
	} else {
		return 0;
	}
	if (json) {
		JsonBuilder *jb = event_json_begin(name, member);

		if (!strcmp(member, "StateChanged")) {
			json_builder_set_member_name(jb, "state");
			json_builder_add_string_value(jb, a);
			json_builder_set_member_name(jb, "reason");
			json_builder_add_string_value(jb, b);
		} else if (!strcmp(member, "Event")) {
			g_autoptr(JsonParser) p = json_parser_new();

			json_builder_set_member_name(jb, "event");
			json_builder_add_string_value(jb, a);
			json_builder_set_member_name(jb, "data");
			if (json_parser_load_from_data(p, b, -1, NULL) && json_parser_get_root(p))
				json_builder_add_value(jb, json_node_copy(json_parser_get_root(p)));
			else
				json_builder_add_string_value(jb, b);
		}
		event_json_print(jb);
	} else if (!strcmp(member, "StateChanged")) {
		printf("%s: state %s (%s)\n", name, a, b);
	} else if (!strcmp(member, "Event")) {
		printf("%s: event %s %s\n", name, a, b);
	} else {
		printf("%s: %s\n", name, !strcmp(member, "VMAdded") ? "defined" : "undefined");
	}
	fflush(stdout);
	return 0;
}

static int cmd_events(void)
{
	int r = sd_bus_add_match(
	        bus, NULL, "type='signal',sender='" BUS_NAME "',path_namespace='" MGR_PATH "'",
	        on_signal, NULL);

	if (r < 0) {
		fprintf(stderr, "acrnctl: events: cannot subscribe: %s\n", strerror(-r));
		return 1;
	}
	if (!json) {
		printf("following acrnd's events (Ctrl-C ends)\n");
		fflush(stdout);
	}
	for (;;) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			break;
		if (r > 0)
			continue;
		r = sd_bus_wait(bus, UINT64_MAX);
		if (r < 0 && r != -EINTR)
			break;
	}
	fprintf(stderr, "acrnctl: events: %s\n", strerror(-r));
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: acrnctl [--session|--system] [--json] COMMAND [ARGS]\n"
	           "  list                    VMs and their states\n"
	           "  add FILE.xml            define a VM (libvirt domain XML)\n"
	           "  del NAME                undefine a shut-off VM\n"
	           "  snapshot create NAME [SNAP] [-d TEXT]   snapshot the VM's disks (live)\n"
	           "  snapshot list NAME      its snapshots\n"
	           "  snapshot revert NAME SNAP   back to SNAP (the VM shut off)\n"
	           "  snapshot delete NAME SNAP\n"
	           "  start NAME              start a VM\n"
	           "  stop [-f] [-t S] NAME   power button (destroy after S seconds); -f: destroy "
	           "now\n"
	           "  reset NAME              power off and start again\n"
	           "  pause NAME              stop the vCPUs\n"
	           "  continue NAME           restart them (after pause)\n"
	           "  suspend NAME            guest S3 (not supported yet)\n"
	           "  resume NAME             wake a suspended VM (after suspend)\n"
	           "  blkrescan NAME DEVICE [PATH], blkrescan NAME SLOT,PATH\n"
	           "                          re-read a disk's size, or switch it to PATH;\n"
	           "                          DEVICE: its target (vda) or PCI slot (3, 4, ...)\n"
	           "  events                  follow state changes and monitor events\n"
	           "--json: one JSON value on stdout per command (errors too); events: one "
	           "per line\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "session", no_argument, NULL, 'S' },
		{ "system", no_argument, NULL, 'Y' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool session = false, force = false;
	unsigned timeout = 0;
	const char *cmd;
	int c, r;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			session = true;
			break;
		case 'Y':
			session = false;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	optind++;
	if (!strcmp(cmd, "stop")) {
		while ((c = getopt(argc, argv, "+ft:")) != -1) {
			if (c == 'f')
				force = true;
			else if (c == 't') {
				guint64 v;

				if (!g_ascii_string_to_unsigned(optarg, 10, 0, UINT32_MAX, &v,
				                                NULL)) {
					fprintf(stderr,
					        "acrnctl: stop -t: '%s' is not a number of "
					        "seconds\n",
					        optarg);
					return 2;
				}
				timeout = (unsigned)v;
			} else
				return 2;
		}
	}
	r = session ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
	if (r < 0) {
		fprintf(stderr, "acrnctl: cannot connect to the %s bus: %s\n",
		        session ? "session" : "system", strerror(-r));
		return 1;
	}
	/* Let polkit ask the user for a password when acrnd needs it. */
	sd_bus_set_allow_interactive_authorization(bus, isatty(STDIN_FILENO));
	/* Start answers once acrn-dm greets: longer than sd-bus's 25 s on a loaded board. */
	sd_bus_set_method_call_timeout(bus, 300 * 1000000ULL);
	if (!strcmp(cmd, "snapshot"))
		return cmd_snapshot(argc - optind, argv + optind);
	if (!strcmp(cmd, "list"))
		return cmd_list();
	if (!strcmp(cmd, "events"))
		return cmd_events();
	if (!strcmp(cmd, "blkrescan")) {
		if (argc - optind < 2 || argc - optind > 3) {
			fprintf(stderr,
			        "acrnctl: blkrescan needs NAME DEVICE [PATH] or NAME SLOT,PATH\n");
			return 2;
		}
		return cmd_blkrescan(argv[optind], argv[optind + 1],
		                     argc - optind == 3 ? argv[optind + 2] : NULL);
	}
	if (optind != argc - 1) {
		fprintf(stderr, "acrnctl: %s needs one argument\n", cmd);
		return 2;
	}
	if (!strcmp(cmd, "add"))
		return cmd_add(argv[optind]);
	if (!strcmp(cmd, "del"))
		return cmd_del(argv[optind]);
	if (!strcmp(cmd, "start"))
		return vm_call(argv[optind], "Start", NULL, 0);
	if (!strcmp(cmd, "stop"))
		return force ? vm_call(argv[optind], "Destroy", NULL, 0)
		             : vm_call(argv[optind], "Shutdown", "u", timeout);
	if (!strcmp(cmd, "reset"))
		return vm_call(argv[optind], "Reboot", NULL, 0);
	if (!strcmp(cmd, "pause"))
		return vm_call(argv[optind], "Pause", NULL, 0);
	if (!strcmp(cmd, "continue"))
		return vm_call(argv[optind], "Resume", NULL, 0);
	if (!strcmp(cmd, "suspend"))
		return vm_call(argv[optind], "Suspend", NULL, 0);
	if (!strcmp(cmd, "resume"))
		return cmd_resume(argv[optind]);
	fprintf(stderr, "acrnctl: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
