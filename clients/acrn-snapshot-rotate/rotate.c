/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-snapshot-rotate: take a snapshot of a VM named by the time, then
 * delete the oldest of the snapshots it made beyond the newest N. Its own
 * snapshots are those named PREFIX + YYYYmmddTHHMMSSZ (+ "-K" when two runs
 * fall in one second); every other snapshot is left alone. Run by
 * acrn-snapshot@VM.timer (units/), or by hand.
 *
 *   acrn-snapshot-rotate [--session|--system] [--keep N] [--prefix P] VM
 *
 * N and P default to $ACRN_SNAPSHOT_KEEP (7) and $ACRN_SNAPSHOT_PREFIX
 * ("auto-"). Prints "created NAME" and "deleted NAME" lines. Exit status:
 * 0, 1 when acrnd refused (its error on stderr), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <systemd/sd-bus.h>

#define BUS_NAME  "org.projectacrn.Acrnd1"
#define MGR_PATH  "/org/projectacrn/Acrnd1"
#define MGR_IFACE "org.projectacrn.Acrnd1.Manager"
#define VM_IFACE  "org.projectacrn.Acrnd1.VM"
#define KEEP_MAX  1000

static sd_bus *bus;

static int refused(const char *what, const sd_bus_error *e, int r)
{
	fprintf(stderr, "acrn-snapshot-rotate: %s: %s (%s)\n", what,
	        e && e->message ? e->message : strerror(-r), e && e->name ? e->name : "");
	return 1;
}

/* Whether @name is PREFIX + YYYYmmddTHHMMSSZ, optionally + "-K": one of ours. */
static bool ours(const char *name, const char *prefix)
{
	static const char shape[] = "ddddddddTddddddZ";
	const char *p;

	if (!g_str_has_prefix(name, prefix))
		return false;
	p = name + strlen(prefix);
	for (size_t i = 0; i < sizeof(shape) - 1; i++, p++)
		if (shape[i] == 'd' ? !g_ascii_isdigit(*p) : *p != shape[i])
			return false;
	if (!*p)
		return true;
	if (*p++ != '-' || !*p)
		return false;
	for (; *p; p++)
		if (!g_ascii_isdigit(*p))
			return false;
	return true;
}

struct snap {
	char *name;
	int64_t created;
};

static int by_age(gconstpointer a, gconstpointer b)
{
	const struct snap *x = *(struct snap *const *)a, *y = *(struct snap *const *)b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void snap_free(gpointer p)
{
	g_free(((struct snap *)p)->name);
	g_free(p);
}

/* Our snapshots of @path, oldest first; *@all gets every name. NULL after reporting. */
static GPtrArray *list_ours(const char *path, const char *prefix, GHashTable *all)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	GPtrArray *a;
	const char *name, *desc, *state, *parent;
	int64_t created;
	uint32_t ndisks;
	int current, r;

	r = sd_bus_call_method(bus, BUS_NAME, path, VM_IFACE, "ListSnapshots", &e, &reply, "");
	if (r < 0) {
		refused("ListSnapshots", &e, r);
		sd_bus_error_free(&e);
		return NULL;
	}
	a = g_ptr_array_new_with_free_func(snap_free);
	r = sd_bus_message_enter_container(reply, 'a', "(ssxssbu)");
	while (r >= 0 && (r = sd_bus_message_read(reply, "(ssxssbu)", &name, &desc, &created,
	                                          &state, &parent, &current, &ndisks)) > 0) {
		struct snap *s;

		g_hash_table_add(all, g_strdup(name));
		if (!ours(name, prefix))
			continue;
		s = g_new0(struct snap, 1);
		s->name = g_strdup(name);
		s->created = created;
		g_ptr_array_add(a, s);
	}
	sd_bus_message_unref(reply);
	if (r < 0) {
		fprintf(stderr, "acrn-snapshot-rotate: ListSnapshots: malformed reply: %s\n",
		        strerror(-r));
		g_ptr_array_unref(a);
		return NULL;
	}
	g_ptr_array_sort(a, by_age);
	return a;
}

static int rotate(const char *vm, unsigned keep, const char *prefix)
{
	g_autoptr(GHashTable) all = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) mine = NULL;
	g_autofree char *name = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path, *made;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int r, rc = 0;

	r = sd_bus_call_method(bus, BUS_NAME, MGR_PATH, MGR_IFACE, "GetVM", &e, &reply, "s", vm);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &path);
	if (r < 0) {
		rc = refused(vm, &e, r);
		goto out;
	}
	path = g_strdup(path);
	sd_bus_message_unref(reply);
	reply = NULL;

	mine = list_ours(path, prefix, all);
	if (!mine) {
		rc = 1;
		goto out_path;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	name = g_strconcat(prefix, stamp, NULL);
	for (unsigned k = 2; g_hash_table_contains(all, name); k++) {
		g_free(name);
		name = g_strdup_printf("%s%s-%u", prefix, stamp, k);
	}
	r = sd_bus_call_method(bus, BUS_NAME, path, VM_IFACE, "CreateSnapshot", &e, &reply, "ss",
	                       name, "taken by acrn-snapshot-rotate");
	if (r >= 0)
		r = sd_bus_message_read(reply, "s", &made);
	if (r < 0) {
		rc = refused("CreateSnapshot", &e, r);
		goto out_path;
	}
	printf("created %s\n", made);
	sd_bus_message_unref(reply);
	reply = NULL;

	/* The list again: it is what the disks hold now. */
	g_ptr_array_unref(mine);
	g_hash_table_remove_all(all);
	mine = list_ours(path, prefix, all);
	if (!mine) {
		rc = 1;
		goto out_path;
	}
	for (guint i = 0; i + keep < mine->len; i++) {
		struct snap *s = mine->pdata[i];

		r = sd_bus_call_method(bus, BUS_NAME, path, VM_IFACE, "DeleteSnapshot", &e, NULL,
		                       "s", s->name);
		if (r < 0) {
			g_autofree char *what = g_strdup_printf("DeleteSnapshot %s", s->name);

			rc = refused(what, &e, r);
			sd_bus_error_free(&e);
			continue; /* the others may still go */
		}
		printf("deleted %s\n", s->name);
	}
out_path:
	g_free((char *)path);
out:
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	fflush(stdout);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: acrn-snapshot-rotate [--session|--system] [--keep N] [--prefix P] VM\n"
	           "  take a snapshot named P + the UTC time, keep the newest N of those\n"
	           "  (defaults: $ACRN_SNAPSHOT_KEEP or 7, $ACRN_SNAPSHOT_PREFIX or \"auto-\")\n");
}

static int parse_keep(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!g_ascii_isdigit(*s) || *end || errno || v < 1 || v > KEEP_MAX) {
		fprintf(stderr, "acrn-snapshot-rotate: keep '%s': must be a number from 1 to %d\n",
		        s, KEEP_MAX);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "session", no_argument, NULL, 'S' },
		{ "system", no_argument, NULL, 'Y' },
		{ "keep", required_argument, NULL, 'k' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix = g_getenv("ACRN_SNAPSHOT_PREFIX");
	const char *keep_s = g_getenv("ACRN_SNAPSHOT_KEEP");
	bool session = false;
	unsigned keep = 7;
	int c, r;

	if (!prefix || !*prefix)
		prefix = "auto-";
	if (keep_s && *keep_s && parse_keep(keep_s, &keep) < 0)
		return 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			session = true;
			break;
		case 'Y':
			session = false;
			break;
		case 'k':
			if (parse_keep(optarg, &keep) < 0)
				return 2;
			break;
		case 'p':
			prefix = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !*prefix || prefix[0] == '.' || strlen(prefix) > 64) {
		if (optind == argc - 1)
			fprintf(stderr, "acrn-snapshot-rotate: the prefix must be 1-64 bytes, not "
			                "starting with '.'\n");
		usage(stderr);
		return 2;
	}
	r = session ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
	if (r < 0) {
		fprintf(stderr, "acrn-snapshot-rotate: cannot connect to the %s bus: %s\n",
		        session ? "session" : "system", strerror(-r));
		return 1;
	}
	r = rotate(argv[optind], keep, prefix);
	sd_bus_flush_close_unref(bus);
	return r;
}
