/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrnd: the Service VM daemon. Wires the core (acrnd/core) to the D-Bus
 * binding (acrnd/dbus) and the libvirt RPC binding (acrnd/libvirt) in
 * system or session mode.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <systemd/sd-daemon.h>

#include "bus_source.h"
#include "libvirt.h"
#include "manager.h"
#include "scope.h"
#include "service.h"

static int exit_status;

/* Without its bus acrnd serves nobody: leave (VMs keep running; a new acrnd re-adopts them). */
static void on_bus_lost(void *loop)
{
	fprintf(stderr, "acrnd: lost the connection to the bus; exiting (VMs keep running)\n");
	exit_status = 1;
	g_main_loop_quit(loop);
}

static gboolean on_term(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

/* systemd's view of acrnd: the watchdog and a one-line STATUS=. */
struct notifier {
	struct acrnd_manager *m;
	guint status_src;
};

static gboolean ping_watchdog(gpointer user)
{
	(void)user;
	sd_notify(0, "WATCHDOG=1");
	return G_SOURCE_CONTINUE;
}

/*
 * With WatchdogSec= the service manager expects a ping at least every
 * interval: ping at half of it from the main loop, so a stuck loop is what
 * gets acrnd restarted. The variables are unset so acrn-dm does not see them.
 */
static void watchdog_start(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(1, &usec) <= 0 || usec == 0)
		return;
	g_timeout_add(MAX(usec / 2000, 1), ping_watchdog, NULL);
	sd_notify(0, "WATCHDOG=1");
}

static gboolean send_status(gpointer user)
{
	struct notifier *n = user;
	g_autoptr(GPtrArray) vms = acrnd_manager_list(n->m);
	unsigned active = 0;

	n->status_src = 0;
	for (guint i = 0; i < vms->len; i++)
		active += acrnd_state_is_active(acrnd_vm_state(vms->pdata[i]));
	sd_notifyf(0, "STATUS=%u VM%s, %u running", vms->len, vms->len == 1 ? "" : "s", active);
	return G_SOURCE_REMOVE;
}

/* Coalesced in an idle callback: a removed VM is still listed during its event. */
static void status_later(struct notifier *n)
{
	if (!n->status_src)
		n->status_src = g_idle_add(send_status, n);
}

static void on_vm_added(struct acrnd_vm *vm, void *user)
{
	(void)vm;
	status_later(user);
}

static void on_state_changed(struct acrnd_vm *vm, enum acrnd_state state, const char *reason,
                             void *user)
{
	(void)vm, (void)state, (void)reason;
	status_later(user);
}

static const struct acrnd_listener status_listener = {
	.vm_added = on_vm_added,
	.vm_removed = on_vm_added,
	.state_changed = on_state_changed,
};

/*
 * Sockets systemd passed (virtacrnd.socket, virtacrnd-ro.socket), by their
 * FileDescriptorName=: fds[0] "virtacrnd-sock", fds[1] "virtacrnd-sock-ro".
 */
static void libvirt_fds(int fds[2])
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names);

	fds[0] = fds[1] = -1;
	for (int i = 0; i < n; i++) {
		if (names && !strcmp(names[i], "virtacrnd-sock"))
			fds[0] = SD_LISTEN_FDS_START + i;
		else if (names && !strcmp(names[i], "virtacrnd-sock-ro"))
			fds[1] = SD_LISTEN_FDS_START + i;
		else
			fprintf(stderr, "acrnd: ignoring passed socket '%s'\n",
			        names ? names[i] : "?");
	}
	g_strfreev(names);
}

static int run(bool session, const char *dm_path, bool no_autostart, const char *state_dir,
               const char *runtime_dir, bool no_libvirt, const char *libvirt_dir)
{
	struct acrnd_libvirt *lv = NULL;
	int lv_fds[2];
	g_autofree char *state = NULL, *runtime = NULL;
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;
	struct acrnd_config cfg = { .dm_path = dm_path, .no_autostart = no_autostart };
	struct acrnd_manager *m = NULL;
	struct acrnd_service *svc = NULL;
	struct acrnd_scopes *scopes;
	struct notifier notifier = { 0 };
	GMainLoop *loop;
	sd_bus *bus = NULL;
	int r;

	if (session) {
		state = g_build_filename(g_get_user_data_dir(), "acrnd", NULL);
		runtime = g_build_filename(g_get_user_runtime_dir(), "acrnd", NULL);
	} else {
		state = g_strdup("/var/lib/acrnd");
		runtime = g_strdup("/run/acrnd");
	}
	if (state_dir) {
		g_free(state);
		state = g_strdup(state_dir);
	}
	if (runtime_dir) {
		g_free(runtime);
		runtime = g_strdup(runtime_dir);
	}
	cfg.state_dir = state;
	cfg.runtime_dir = runtime;
	r = session ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
	if (r < 0) {
		fprintf(stderr, "acrnd: cannot connect to the %s bus: %s\n",
		        session ? "session" : "system", g_strerror(-r));
		return 1;
	}
	if (acrnd_manager_new(&cfg, &m, &err) < 0) {
		fprintf(stderr, "acrnd: %s\n", err->message);
		sd_bus_unref(bus);
		return 1;
	}
	r = acrnd_service_new(bus, m, session, &svc);
	if (r >= 0)
		r = sd_bus_request_name(bus, ACRND_BUS_NAME, 0);
	if (r < 0) {
		fprintf(stderr, "acrnd: cannot serve %s: %s\n", ACRND_BUS_NAME, g_strerror(-r));
		acrnd_service_free(svc);
		acrnd_manager_free(m);
		sd_bus_unref(bus);
		return 1;
	}
	scopes = acrnd_scopes_new(bus, m, session);
	/* Without its sockets acrnd still serves D-Bus: libvirt clients are a convenience. */
	libvirt_fds(lv_fds);
	if (!no_libvirt && acrnd_libvirt_new(m, session, libvirt_dir, lv_fds, &lv, &err) < 0) {
		fprintf(stderr, "acrnd: libvirt protocol not served: %s\n", err->message);
		g_clear_error(&err);
	}
	notifier.m = m;
	acrnd_manager_subscribe(m, &status_listener, &notifier);
	/* Loaded after the objects exist, so re-adopted and autostarted VMs are announced. */
	acrnd_manager_load(m, problems);
	for (guint i = 0; i < problems->len; i++)
		fprintf(stderr, "acrnd: %s\n", (char *)problems->pdata[i]);
	loop = g_main_loop_new(NULL, FALSE);
	acrnd_bus_attach(bus, on_bus_lost, loop);
	g_unix_signal_add(SIGTERM, on_term, loop);
	g_unix_signal_add(SIGINT, on_term, loop);
	/* The first STATUS= goes out with READY=1; a pending update would repeat it. */
	if (notifier.status_src)
		g_source_remove(notifier.status_src);
	send_status(&notifier);
	watchdog_start();
	sd_notify(0, "READY=1");
	fprintf(stderr, "acrnd: serving %s on the %s bus (state %s, runtime %s, acrn-dm %s)\n",
	        ACRND_BUS_NAME, session ? "session" : "system", state, runtime, dm_path);
	g_main_loop_run(loop);
	sd_notify(0, "STOPPING=1");
	/* acrn-dm processes keep running: a restarted acrnd re-adopts them. */
	acrnd_service_free(svc);
	acrnd_manager_free(m);
	acrnd_scopes_free(scopes);
	acrnd_libvirt_free(lv); /* after the manager: it may still announce */
	if (notifier.status_src)
		g_source_remove(notifier.status_src);
	sd_bus_flush_close_unref(bus);
	g_main_loop_unref(loop);
	return exit_status;
}

int main(int argc, char **argv)
{
	gboolean session = FALSE, system = FALSE, no_autostart = FALSE, version = FALSE;
	gboolean no_libvirt = FALSE;
	g_autofree char *dm_path = NULL, *state_dir = NULL, *runtime_dir = NULL;
	g_autofree char *libvirt_dir = NULL;
	GOptionEntry entries[] = {
		{ "session", 0, 0, G_OPTION_ARG_NONE, &session,
		  "Session mode: session bus, $XDG_RUNTIME_DIR/acrnd, $XDG_DATA_HOME/acrnd", NULL },
		{ "system", 0, 0, G_OPTION_ARG_NONE, &system,
		  "System mode (the default): system bus, /run/acrnd, /var/lib/acrnd", NULL },
		{ "acrn-dm", 0, 0, G_OPTION_ARG_FILENAME, &dm_path, "The device model binary",
		  "PATH" },
		{ "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
		  "Instead of the mode's state directory", "DIR" },
		{ "runtime-dir", 0, 0, G_OPTION_ARG_FILENAME, &runtime_dir,
		  "Instead of the mode's runtime directory", "DIR" },
		{ "no-autostart", 0, 0, G_OPTION_ARG_NONE, &no_autostart,
		  "Do not start autostart VMs", NULL },
		{ "no-libvirt", 0, 0, G_OPTION_ARG_NONE, &no_libvirt,
		  "Do not serve libvirt's RPC protocol (virsh, virt-manager)", NULL },
		{ "libvirt-dir", 0, 0, G_OPTION_ARG_FILENAME, &libvirt_dir,
		  "Where the virtacrnd-sock sockets go, instead of the mode's", "DIR" },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- the ACRN Service VM daemon");
	g_autoptr(GError) err = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "acrnd: %s\n", err->message);
		return 2;
	}
	if (version) {
		printf("acrnd %s\n", ACRND_VERSION);
		return 0;
	}
	if (session && system) {
		fprintf(stderr, "acrnd: --session and --system exclude each other\n");
		return 2;
	}
	if (argc > 1) {
		fprintf(stderr, "acrnd: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	return run(session, dm_path ? dm_path : ACRND_DEFAULT_DM, no_autostart, state_dir,
	           runtime_dir, no_libvirt, libvirt_dir);
}
