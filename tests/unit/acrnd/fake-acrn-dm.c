/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fake acrn-dm for acrnd's tests: acrn-dm's own command-line parser and
 * monitor socket (the real protocol code), and a pretend guest. The guest's
 * behaviour comes from its kernel command line (-B):
 *   fake.exit=N         fail at start-up with exit status N
 *   fake.crash_ms=N     abort() N ms after start (a crash)
 *   fake.ignore_button  the guest ignores the ACPI power button
 *   fake.rtc_ms=N       the guest sets its RTC after N ms (an rtc_change event)
 * A -l comN,file:PATH console gets a boot line, and so does a -l comN,pty
 * console (a real pty, reported by the monitor's query as acrn-dm does),
 * whose guest echoes what it reads, as "echo:" and the bytes.
 * blkrescan knows the virtio-blk devices of the -s options and stats their
 * files. Exit statuses are acrn-dm's:
 * 0 after poweroff, 1 on errors, 2 for command-line mistakes.
 */
#define _GNU_SOURCE /* posix_openpt, ptsname */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>

#include <dm/log.h>
#include <dm/monitor.h>
#include <dm/vm.h>

#include "cmdline.h"
#include "fake-disks.h"

static struct dm_vm the_vm;
static struct dm_monitor *mon;
static GMainLoop *loop;
static bool paused, ignore_button;
static int exit_status;
static char *pty_path[2]; /* by COM port */

void dm_log(enum dm_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static JsonObject *reason(const char *r)
{
	JsonObject *o = json_object_new();

	json_object_set_string_member(o, "reason", r);
	return o;
}

static gboolean quit_soon(gpointer user)
{
	(void)user;
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

/* The VM is off: tell the clients, give the monitor a moment to send it, exit. */
static void power_off(const char *why)
{
	static bool off;

	if (off)
		return;
	off = true;
	dm_event_emit("poweroff", reason(why));
	g_timeout_add(100, quit_soon, NULL);
}

void dm_vm_request_power(struct dm_vm *vm, enum dm_power what)
{
	(void)vm;
	if (what == DM_POWER_OFF)
		power_off("destroy");
}

int dm_vm_pause(struct dm_vm *vm)
{
	(void)vm;
	if (paused)
		return -EALREADY;
	paused = true;
	return 0;
}

int dm_vm_resume(struct dm_vm *vm)
{
	(void)vm;
	if (!paused)
		return -EALREADY;
	paused = false;
	return 0;
}

static gboolean guest_powers_off(gpointer user)
{
	(void)user;
	dm_event_emit("shutdown", reason("guest-poweroff"));
	power_off("guest");
	return G_SOURCE_REMOVE;
}

int dm_vm_power_button(struct dm_vm *vm)
{
	(void)vm;
	if (!ignore_button && !paused)
		g_timeout_add(50, guest_powers_off, NULL);
	return 0;
}

JsonObject *dm_vm_query(struct dm_vm *vm)
{
	JsonObject *o = json_object_new();

	json_object_set_string_member(o, "name", vm->name);
	json_object_set_string_member(o, "state", paused ? "paused" : "running");
	json_object_set_int_member(o, "vcpus", vm->ncpus);
	json_object_set_boolean_member(o, "fake", TRUE);
	return o;
}

JsonArray *dm_serial_query(struct dm_vm *vm)
{
	JsonArray *a = json_array_new();

	(void)vm;
	for (unsigned i = 0; i < G_N_ELEMENTS(pty_path); i++) {
		JsonObject *o;
		char port[8];

		if (!pty_path[i])
			continue;
		o = json_object_new();
		snprintf(port, sizeof(port), "com%u", i + 1);
		json_object_set_string_member(o, "port", port);
		json_object_set_string_member(o, "backend", "pty");
		json_object_set_string_member(o, "path", pty_path[i]);
		json_array_add_object_element(a, o);
	}
	return a;
}

/* The guest echoes console input, so a test sees its typing went through. */
static gboolean echo_input(gint fd, GIOCondition cond, gpointer user)
{
	char buf[512] = "echo:";
	ssize_t n = read(fd, buf + 5, sizeof(buf) - 5);

	(void)cond, (void)user;
	if (n > 0 && write(fd, buf, n + 5) < 0)
		fprintf(stderr, "fake-acrn-dm: echoing to the pty: %s\n", g_strerror(errno));
	return n > 0 || (n < 0 && errno == EINTR) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* A raw pty for COM port @idx with a boot line waiting in it; both ends stay open. */
static void open_console_pty(unsigned idx, const char *vm_name)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY), s;
	struct termios tio;
	char line[128];

	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || idx >= G_N_ELEMENTS(pty_path)) {
		fprintf(stderr, "fake-acrn-dm: cannot create a pty: %s\n", g_strerror(errno));
		return;
	}
	pty_path[idx] = g_strdup(ptsname(m));
	s = open(pty_path[idx], O_RDWR | O_NOCTTY);
	if (s >= 0 && tcgetattr(s, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(s, TCSANOW, &tio);
	}
	snprintf(line, sizeof(line), "fake guest %s: booted, pid %d, com%u\n", vm_name,
	         (int)getpid(), idx + 1);
	if (write(m, line, strlen(line)) < 0)
		fprintf(stderr, "fake-acrn-dm: writing to the pty: %s\n", g_strerror(errno));
	g_unix_fd_add(m, G_IO_IN, echo_input, NULL);
}

/* The -s N,virtio-blk,FILE,...,id=ID devices: ID → FILE. */
static GHashTable *disks;

static void add_disk(const char *spec)
{
	g_auto(GStrv) opts = g_strsplit(spec, ",", -1);
	const char *id = NULL;

	if (g_strv_length(opts) < 3 || strcmp(opts[1], "virtio-blk"))
		return;
	for (guint i = 3; opts[i]; i++)
		if (g_str_has_prefix(opts[i], "id="))
			id = opts[i] + 3;
	g_hash_table_insert(disks, g_strdup(id ? id : opts[0]), g_strdup(opts[2]));
}

/* As acrn-dm's: -ENODEV for an unknown id, -EIO if the file cannot be read. */
int dm_blk_rescan(struct dm_vm *vm, const char *dev_id, const char *path)
{
	g_autofree char *file = g_strdup(g_hash_table_lookup(disks, dev_id));
	JsonObject *o;
	struct stat st;

	(void)vm;
	if (!file)
		return -ENODEV;
	if (path) {
		g_free(file);
		file = g_strdup(path);
	}
	if (stat(file, &st) < 0 || access(file, R_OK) < 0)
		return -EIO;
	g_hash_table_insert(disks, g_strdup(dev_id), g_strdup(file));
	o = json_object_new();
	json_object_set_string_member(o, "device", dev_id);
	json_object_set_int_member(o, "size", st.st_size);
	json_object_set_string_member(o, "path", file);
	dm_event_emit("blk_resized", o);
	return 0;
}

static gboolean on_signal(gpointer user)
{
	(void)user;
	power_off("signal");
	return G_SOURCE_CONTINUE;
}

static gboolean crash(gpointer user)
{
	(void)user;
	abort();
}

static gboolean rtc_change(gpointer user)
{
	JsonObject *o = json_object_new();

	(void)user;
	json_object_set_int_member(o, "delta", -3600);
	dm_event_emit("rtc_change", o);
	return G_SOURCE_REMOVE;
}

static unsigned opt_ms(const char *bootargs, const char *key)
{
	const char *p = bootargs ? strstr(bootargs, key) : NULL;

	return p ? (unsigned)atoi(p + strlen(key)) : 0;
}

int main(int argc, char **argv)
{
	struct dm_cmdline c = { 0 };
	g_autoptr(GError) err = NULL;
	unsigned ms;

	if (dm_cmdline_parse(&c, argc, argv, &err) < 0) {
		fprintf(stderr, "fake-acrn-dm: %s\n", err->message);
		return 2;
	}
	if (c.bootargs && strstr(c.bootargs, "fake.exit=")) {
		fprintf(stderr, "fake-acrn-dm: failing at start-up as asked\n");
		return atoi(strstr(c.bootargs, "fake.exit=") + strlen("fake.exit="));
	}
	if (access(c.kernel, R_OK) < 0) {
		fprintf(stderr, "fake-acrn-dm: kernel %s: %s\n", c.kernel, g_strerror(errno));
		return 1;
	}
	g_strlcpy(the_vm.name, c.vm_name, sizeof(the_vm.name));
	disks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < c.pci->len; i++)
		add_disk(c.pci->pdata[i]);
	the_vm.ncpus = c.ncpus ? c.ncpus : (unsigned)__builtin_popcountll(c.cpu_affinity);
	ignore_button = c.bootargs && strstr(c.bootargs, "fake.ignore_button");
	loop = g_main_loop_new(NULL, FALSE);
	fake_disks_open(c.pci);
	if (c.monitor) {
		mon = dm_monitor_new(&the_vm, c.monitor, &err);
		if (!mon) {
			fprintf(stderr, "fake-acrn-dm: monitor: %s\n", err->message);
			return 1;
		}
	}
	for (guint i = 0; i < c.lpc->len; i++) {
		const char *spec = strstr(c.lpc->pdata[i], ",file:");
		FILE *f = spec ? fopen(spec + strlen(",file:"), "a") : NULL;

		if (g_str_has_suffix(c.lpc->pdata[i], ",pty"))
			open_console_pty(g_ascii_strncasecmp(c.lpc->pdata[i], "com2", 4) == 0,
			                 c.vm_name);
		if (f) {
			fprintf(f, "fake guest %s: booted, pid %d\n", c.vm_name, (int)getpid());
			fclose(f);
		}
	}
	g_unix_signal_add(SIGTERM, on_signal, NULL);
	g_unix_signal_add(SIGINT, on_signal, NULL);
	g_unix_signal_add(SIGHUP, on_signal, NULL);
	ms = opt_ms(c.bootargs, "fake.crash_ms=");
	if (ms)
		g_timeout_add(ms, crash, NULL);
	ms = opt_ms(c.bootargs, "fake.rtc_ms=");
	if (ms)
		g_timeout_add(ms, rtc_change, NULL);
	fprintf(stderr, "fake-acrn-dm: VM %s running, pid %d\n", c.vm_name, (int)getpid());
	g_main_loop_run(loop);
	dm_monitor_free(mon);
	g_hash_table_destroy(disks);
	dm_cmdline_clear(&c);
	g_main_loop_unref(loop);
	fake_disks_close();
	return exit_status;
}
